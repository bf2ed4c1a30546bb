#include "cli/check_record.h"

#include <chrono>

#include "core/units.h"
#include "store/store.h"

namespace vitals::cli {

int64_t UnixNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::string> RecordCheckRun(const CheckRecordRequest& r) {
  auto store = Store::Open(ResolveStorePath(r.store_flag));
  if (!store.ok()) return store.status();
  CheckRecord c;
  c.started_unix_ms = r.started_unix_ms;
  c.finished_unix_ms = r.finished_unix_ms;
  for (const auto& comp : r.components) c.components += (c.components.empty() ? "" : ",") + comp;
  c.run_id = r.run;
  c.findings_json = r.findings_json;
  for (const auto& p : r.plans) {
    c.plans.push_back({r.plans_target, p.queryid, p.fingerprint, p.query, p.mean_time_s});
  }
  return store->RecordCheck(c);
}

Result<std::vector<Fact>> PlanChangesSinceLastCheck(const std::string& store_flag,
                                                    const std::string& target,
                                                    const std::vector<PlanSnapshot>& now) {
  auto store = Store::Open(ResolveStorePath(store_flag));
  if (!store.ok()) return store.status();
  auto previous = store->LatestCheckPlans(target);
  if (!previous.ok()) return previous.status();
  if (previous->check_id.empty()) return std::vector<Fact>{};
  std::vector<PlanSnapshot> before;
  for (const auto& p : previous->plans) {
    before.push_back({p.queryid, p.fingerprint, p.query, p.mean_time_s});
  }
  return PlanChangeFacts(before, FormatUtcTimeMs(previous->finished_unix_ms), now);
}

}  // namespace vitals::cli
