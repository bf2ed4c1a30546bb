// `vitals tune`'s engine: plan, preflight, backup, apply, rollback, over the change kinds of
// tune/kinds.h.  The CLI (cli/tune_command.cc) only parses flags, opens the session and prints.
//
// Safety contract (docs/tune.md; every point has a test in tests/integration/tune_*_test.cc):
//   - BuildPlan only reads.  Plan::apply_needs lists every missing privilege.
//   - ApplyPlan refuses (Permission, listing apply_needs) before anything else when a
//     preflight line is present.  Otherwise it snapshots every applicable item, writes the
//     backup (canonical JSON + its SHA-256) to the store fsynced, and only then applies, kind by
//     kind, each statement audited.  A failing step undoes every item from the backup and says
//     what could not be restored.
//   - RollbackBackup restores a stored backup (after checking its checksum), whatever state it
//     is in (an apply killed half-way included), verifies and reports what is not restored.
//
// Thread-safety: one thread (the session's).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "store/store.h"
#include "tune/change.h"
#include "tune/plan.h"
#include "tune/session.h"

namespace vitals {

// Runs every kind whose component the session has (and options ask for), then their
// preflight for the items that would be applied.  Errors: what a kind could not read.
Result<Plan> BuildPlan(TuneSession& session, const TuneOptions& options);

struct ApplyOutcome {
  std::string backup_id;
  int applied = 0;  // items applied and verified
  // Apply failed: the error, then what the automatic rollback could not restore (if anything).
  std::vector<std::string> problems;
  bool rolled_back = false;  // the automatic rollback ran (after a failure)
  bool ok() const { return problems.empty() && !rolled_back; }
};

// Applies the plan's applicable items.  Errors (nothing changed): Permission when
// plan.apply_needs is not empty; InvalidArgument when there is nothing to apply; the store's
// errors when the backup cannot be written.  After the backup is saved, failures are reported
// in ApplyOutcome (the backup id is always there).
Result<ApplyOutcome> ApplyPlan(TuneSession& session, const Plan& plan, Store& store);

struct RollbackOutcome {
  std::string backup_id;
  int items = 0;
  std::vector<std::string> not_restored;  // one line per item that is not as it was
  bool ok() const { return not_restored.empty(); }
};

// Restores backup `id` (a unique prefix is enough).  `reason` goes to the audit log and the
// backup's note ("--rollback", "validate: regression ...").  Errors: NotFound / InvalidArgument
// from the store; Parse when the stored backup fails its checksum; InvalidArgument naming the
// flag to pass when the session lacks a component the backup changed (or the DSN/URL/root
// differs from the one backed up).
Result<RollbackOutcome> RollbackBackup(TuneSession& session, Store& store, const std::string& id,
                                       const std::string& reason);

// The backup document of a plan's applicable items with their snapshots (canonical JSON text:
// keys sorted, secrets redacted) and its SHA-256 in hex.
std::string Sha256Hex(const std::string& text);

}  // namespace vitals
