// The end-of-run summary that `vitals load` prints on stdout: what was asked,
// what was achieved, errors by kind, status codes and the latency table
// (corrected vs uncorrected, plus the connect / TTFB breakdown).
#pragma once

#include <string>

#include "load/result.h"

namespace vitals {

std::string FormatLoadSummary(const LoadResult& r);

// One line on how noisy the generator's machine was (load/noise.h):
// "environment: quiet: sched delay p99 62us (max 1.20ms), generator CPU 14.0%, ..."; `note`
// (why host figures are missing) is appended in parentheses when set.
std::string FormatEnvironmentLine(const NoiseSummary& s, const std::string& note = "");

}  // namespace vitals
