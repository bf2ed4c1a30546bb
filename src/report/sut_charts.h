// The "System under test" part of the run report (runs of `vitals load --observe`): one chart
// per observed server-side series on the run's time axis, with the phases as bands and the
// observed findings of the series' component drawn as spans (onset to end); and the table of
// those findings.  docs/observe.md names the series.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "report/report_data.h"
#include "report/svg_chart.h"

namespace vitals {

// In the order the series are stored (by name); empty when the run has none.
std::vector<Chart> SystemUnderTestCharts(const ReportData& d);

// The HTML <section id="system-under-test"> ("" when the run has no series and no observed
// finding).
std::string SystemUnderTestHtml(const ReportData& d);

// The markdown "### System under test" part ("" likewise).
std::string SystemUnderTestMarkdown(const ReportData& d);

}  // namespace vitals
