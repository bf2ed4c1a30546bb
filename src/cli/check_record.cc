#include "cli/check_record.h"

#include <chrono>

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
  return store->RecordCheck(c);
}

}  // namespace vitals::cli
