// The stylesheet of the HTML report (html_report.h), screen and print.  Internal to
// src/report; the chart rules are svg_chart.h's kChartCss.
#pragma once

#include <string>
#include <string_view>

namespace vitals {

extern const char* const kReportCss;

// The start of a report page up to and including <main>: doctype, charset, a Content-Security
// Policy that allows no script and no network (defense in depth behind the escaping), the
// viewport, the escaped title, and kReportCss + kChartCss + `extra_css`.  Close it with
// kReportPageEnd.
std::string ReportPageStart(std::string_view title, std::string_view extra_css = {});
extern const char* const kReportPageEnd;

}  // namespace vitals
