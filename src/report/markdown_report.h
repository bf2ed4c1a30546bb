// The Markdown report of a stored run (`vitals report RUN --format markdown`): for a
// pull-request comment or a baseline snapshot kept in the repository (the runbooks keep
// them under docs/perf/baselines/).  GitHub-flavoured Markdown: a heading with the verdict,
// a summary table, latency (corrected / uncorrected), phases, named requests, thresholds,
// status codes, findings, environment and tags.
//
// Stable for diffs: deterministic output (no render time), fixed column order, numbers in
// the same formats as `vitals load`.  Every target- or user-controlled text is escaped for
// Markdown (report/escape.h), so names such as "<script>" or "a|b" render as typed and
// never break a table.
//
// Thread-safety: pure function.
#pragma once

#include <string>

#include "report/report_data.h"

namespace vitals {

std::string RenderMarkdownReport(const ReportData& d);

}  // namespace vitals
