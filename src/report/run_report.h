// `vitals report RUN` in any format: picks the renderer and holds the text and JSON ones.
//
//   text      FormatLoadSummary (what `vitals load` printed) + an incomplete/failed note, the
//             threshold verdict table, findings, environment and tags.  Control characters
//             from the target are neutralized (report/escape.h TerminalSafe).
//   markdown  markdown_report.h
//   json      the stored result document (docs/result-json.md) with "status" (completed |
//             incomplete | failed), "env" and "diagnosis" (the stored `vitals check --format
//             json` document, or null) added; a run that never completed gets the document
//             rebuilt from its intervals ("interrupted": true, "intervals" from the timeline).
//   html      html_report.h
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "report/report_data.h"

namespace vitals {

enum class ReportFormat { kText, kMarkdown, kJson, kHtml };

// "text" | "markdown" (or "md") | "json" | "html"; InvalidArgument naming the choices.
Result<ReportFormat> ParseReportFormat(std::string_view name);
// From an output file name: .html/.htm, .md/.markdown, .json; anything else (or "" / "-")
// is text.
ReportFormat ReportFormatForPath(std::string_view path);
const char* ReportFormatName(ReportFormat f);

std::string RenderTextReport(const ReportData& d);
std::string RenderJsonReport(const ReportData& d);
std::string RenderReport(const ReportData& d, ReportFormat format);

}  // namespace vitals
