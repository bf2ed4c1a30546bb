// `vitals check --record`: stores what a check found, with when it ran, so `vitals incident`
// can place its findings on a timeline.  Internal to src/cli.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collect/fact.h"
#include "collect/postgres_plan.h"
#include "core/status.h"

namespace vitals::cli {

struct CheckRecordRequest {
  std::string store_flag;  // --store ("" = $VITALS_STORE or the default path)
  std::string run;         // --run: attach to this run ("" = none)
  int64_t started_unix_ms = 0, finished_unix_ms = 0;
  std::vector<std::string> components;
  std::string findings_json;  // FormatReportJson of the check
  std::string plans_target;   // the PostgreSQL DSN, masked; "" when no plans
  std::vector<PlanSnapshot> plans;
};

// pg.plan_change facts: `now` against the plans of the newest recorded check of the same
// target (none when there is none, or the store does not exist yet).  Errors name the store.
Result<std::vector<Fact>> PlanChangesSinceLastCheck(const std::string& store_flag,
                                                    const std::string& target,
                                                    const std::vector<PlanSnapshot>& now);

// Stores the check; returns its id.  Errors name the store (and the run when it is unknown).
Result<std::string> RecordCheckRun(const CheckRecordRequest& request);

// Milliseconds since the Unix epoch, now.
int64_t UnixNowMs();

}  // namespace vitals::cli
