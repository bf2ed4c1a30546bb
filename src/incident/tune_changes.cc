#include "incident/tune_changes.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "core/units.h"

namespace vitals::detail {

Status AddTuneChanges(Store& store, int64_t lookback_ms, IncidentRecord* rec,
                      std::map<std::string, IncidentCause>* causes) {
  auto backups = store.ListTuneBackups();
  if (!backups.ok()) return backups.status();
  const IncidentImpact& im = rec->impact;
  for (const TuneBackupInfo& info : *backups) {
    // A backup's steps lie between its creation and its last state change.
    if (info.created_unix_ms >= rec->to_unix_ms ||
        std::max(info.updated_unix_ms, info.created_unix_ms) < rec->from_unix_ms - lookback_ms) {
      continue;
    }
    auto b = store.GetTuneBackup(info.id);
    if (!b.ok()) return b.status();
    const std::string source = "tune " + info.id;
    std::vector<const TuneAuditEntry*> changes;  // applied steps on a component
    int64_t rolled_back_ms = -1;
    for (const TuneAuditEntry& e : b->audit) {
      if (e.unix_ms >= rec->from_unix_ms && e.unix_ms < rec->to_unix_ms) {
        rec->timeline.push_back({e.unix_ms, source, "tune",
                                 fmt::format("vitals tune {}: {}{}", e.component, e.statement,
                                             e.result == "ok" ? "" : " (" + e.result + ")")});
      }
      if (e.component != "tune" && e.result == "ok" && rolled_back_ms < 0) {
        changes.push_back(&e);
      }
      if (e.component == "tune" && e.statement.rfind("rollback", 0) == 0 && e.result != "started" &&
          rolled_back_ms < 0) {
        rolled_back_ms = e.unix_ms;
      }
    }
    if (!im.degraded || changes.empty()) continue;
    const int64_t first_ms = changes.front()->unix_ms;
    const bool in_reach = first_ms >= im.start_unix_ms - lookback_ms && first_ms <= im.end_unix_ms;
    const bool undone_before = rolled_back_ms >= 0 && rolled_back_ms <= im.start_unix_ms;
    if (!in_reach || undone_before) continue;
    IncidentCause c;
    c.id = "tune.change";
    c.component = "tune";
    c.level = "warning";
    c.priority = "P2";
    c.title = fmt::format("vitals tune changed {} ({} step{}, backup {})", info.components,
                          changes.size(), changes.size() == 1 ? "" : "s", info.id);
    c.subject = info.id;
    std::string evidence;
    for (size_t i = 0; i < changes.size() && i < 3; ++i) {
      evidence += (i ? "; " : "") + changes[i]->statement;
    }
    if (changes.size() > 3) evidence += fmt::format("; and {} more", changes.size() - 3);
    c.evidence = evidence;
    c.action = rolled_back_ms >= 0
                   ? fmt::format(
                         "It was rolled back at {}; compare the degradation with that "
                         "time (vitals tune --list shows the backup)",
                         FormatUtcTimeMs(rolled_back_ms))
                   : fmt::format(
                         "If the degradation began after this change, undo it: vitals "
                         "tune --rollback {} (restores every old value and verifies)",
                         info.id);
    c.runbook = "docs/tune.md#safety-contract";
    c.source = "the vitals tune audit log (tune_audit)";
    c.first_seen_unix_ms = first_ms;
    c.last_seen_unix_ms = changes.back()->unix_ms;
    c.times_seen = int(changes.size());
    c.seen_in = source;
    causes->emplace(c.id + "\x1f" + c.subject, std::move(c));
  }
  return Status::Ok();
}

}  // namespace vitals::detail
