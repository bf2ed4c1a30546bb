// `vitals check --record`: stores what a check found, with when it ran, so `vitals incident`
// can place its findings on a timeline.  Internal to src/cli.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace vitals::cli {

struct CheckRecordRequest {
  std::string store_flag;  // --store ("" = $VITALS_STORE or the default path)
  std::string run;         // --run: attach to this run ("" = none)
  int64_t started_unix_ms = 0, finished_unix_ms = 0;
  std::vector<std::string> components;
  std::string findings_json;  // FormatReportJson of the check
};

// Stores the check; returns its id.  Errors name the store (and the run when it is unknown).
Result<std::string> RecordCheckRun(const CheckRecordRequest& request);

// Milliseconds since the Unix epoch, now.
int64_t UnixNowMs();

}  // namespace vitals::cli
