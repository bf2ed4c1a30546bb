// The stylesheet of the HTML report (html_report.h), screen and print.  Internal to
// src/report; the chart rules are svg_chart.h's kChartCss.
#pragma once

namespace vitals {

extern const char* const kReportCss;

}  // namespace vitals
