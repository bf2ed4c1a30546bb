// The end-of-run summary that `vitals load` prints on stdout: what was asked,
// what was achieved, errors by kind, status codes and the latency table
// (corrected vs uncorrected, plus the connect / TTFB breakdown).
#pragma once

#include <string>

#include "load/result.h"

namespace vitals {

std::string FormatLoadSummary(const LoadResult& r);

}  // namespace vitals
