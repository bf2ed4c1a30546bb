// The extension point of `vitals tune`: a change kind plans, snapshots, applies, undoes and
// verifies one kind of change (a PostgreSQL setting, a Redis CONFIG parameter, a sysctl, an
// index ...).
//
// Adding a kind (e.g. src/tune/pg_objects.cc):
//   1. subclass ChangeKind in the new .cc, with a factory `const ChangeKind& PgIndexKind();`
//      declared in tune/kinds.h;
//   2. add ONE line to the table in tune/registry.cc (its position is the apply order; rollback
//      undoes in the reverse order).
// The engine (tune/engine.h) does everything else: preflight, the backup (every Snapshot, in
// one checksummed JSON, fsynced to the store before the first Apply), the audit log, the
// automatic undo when an apply step fails, --rollback and its verification.
//
// Contract for a kind:
//   - Plan() only reads.  It appends items (PlanItem::kind = name()) and notes; an item the
//     kind will not change (set by hand, unsupported build ...) gets `skip` with the reason.
//   - Preflight() only reads; it appends one "apply needs ..." line per missing privilege,
//     naming exactly what is missing and how to grant it.  Called with the items to apply.
//   - Snapshot() returns, per item, the JSON the kind needs to restore the old state exactly
//     (the old value AND where it came from).  Called for every item before any Apply().
//   - Apply() changes the items (one kind at a time, all of its items in one call so a kind can
//     make them atomic, like Redis' multi-parameter CONFIG SET).  Every statement goes through
//     session.Audit(); session.Pause() between statements.  On error the engine undoes every
//     item of the plan from the backup (including this kind's), so Apply need not clean up.
//   - Undo() restores the snapshots (the same shape Snapshot returned), idempotently: it may
//     run after a crash, for items that were never applied.
//   - Verify() compares the component's state with the snapshots after Undo() and returns one
//     line per item that is not as it was ("work_mem: is 64kB, was 4MB (source default)").
//   - CheckEntry() re-checks an entry read back from the store before Undo() or Verify() sees
//     it (a backup's checksum only proves it was not damaged, not who wrote it): the names it
//     will put into statements or paths (setting, CONFIG parameter, sysctl, index) must be ones
//     the kind could have planned.  "" when the entry is safe, else why it is refused; the
//     engine then reports the item as not restored and never passes it to Undo() or Verify().
//
// Thread-safety: kinds are stateless singletons; all state is in the TuneSession.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "tune/plan.h"
#include "tune/session.h"

namespace vitals {

// One item of a stored backup: the item as planned and the kind's snapshot of its old state.
struct BackupEntry {
  std::string kind;
  std::string component;
  std::string name;
  std::string proposed;
  nlohmann::json old;  // what Snapshot() returned
};

class ChangeKind {
 public:
  virtual ~ChangeKind() = default;

  // Registry name, stored in backups: "pg.setting".  Never rename a shipped kind.
  virtual const char* name() const = 0;
  // "postgres" | "redis" | "host": the session part it needs.
  virtual const char* component() const = 0;

  virtual Status Plan(TuneSession& session, const TuneOptions& options,
                      vitals::Plan* plan) const = 0;
  virtual void Preflight(TuneSession& session, const std::vector<const PlanItem*>& items,
                         std::vector<std::string>* apply_needs) const = 0;
  virtual Result<nlohmann::json> Snapshot(TuneSession& session, const PlanItem& item) const = 0;
  virtual Status Apply(TuneSession& session, const std::vector<const PlanItem*>& items,
                       const TuneOptions& options) const = 0;
  virtual Status Undo(TuneSession& session,
                      const std::vector<const BackupEntry*>& entries) const = 0;
  virtual std::vector<std::string> Verify(TuneSession& session,
                                          const std::vector<const BackupEntry*>& entries) const = 0;
  virtual std::string CheckEntry(const BackupEntry& entry) const = 0;
};

}  // namespace vitals
