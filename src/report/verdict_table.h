// The threshold verdict table `vitals load` prints after the summary:
//
//   THRESHOLD                 VALUE      RESULT  WINDOW
//   p(95)<500ms               312ms      ok
//   error_rate<1%             2.31%      FAILED
//   p(99)<800ms over 10s      1.20s      FAILED  worst 20-30s, 3 of 51 failed
//   rate>=950                 -          FAILED  no data: no requests for rate
//   1 of 4 thresholds passed
//
// Columns size to their content; long expressions are kept whole (never cut, users search
// for them).  Plain text, no colour: stdout is often a CI log.
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <vector>

#include "load/thresholds.h"

namespace vitals {

// Empty string when there are no verdicts.
std::string FormatVerdictTable(const std::vector<ThresholdVerdict>& verdicts);

// The WINDOW column of one verdict: "worst 20-30s, 3 of 51 failed" for "over" thresholds, the
// message when there was no value, "" otherwise.
std::string VerdictDetail(const ThresholdVerdict& v);

}  // namespace vitals
