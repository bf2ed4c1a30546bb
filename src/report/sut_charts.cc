#include "report/sut_charts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/series_name.h"
#include "report/escape.h"
#include "report/report_charts.h"

namespace vitals {
namespace {

std::string AxisRatio(double v) { return fmt::format("{:g}%", std::round(v * 1000) / 10); }
std::string AxisBytes(double v) {
  if (std::fabs(v) >= 1e9) return fmt::format("{:g}GB", std::round(v / 1e7) / 100);
  if (std::fabs(v) >= 1e6) return fmt::format("{:g}MB", std::round(v / 1e4) / 100);
  if (std::fabs(v) >= 1e3) return fmt::format("{:g}kB", std::round(v / 10) / 100);
  return fmt::format("{:g}B", v);
}
std::string AxisSecondsValue(double v) { return AxisDurationUs(v * 1e6); }

std::string Label(const StoredSeries& s) { return SeriesDisplayName(s.name, s.subject); }

bool Observed(const ReportFinding& f) { return f.onset_s >= 0; }

std::string When(const ReportFinding& f) {
  std::string w = fmt::format("{:.1f}s", f.onset_s);
  if (f.active_at_end) return w + " - end";
  if (f.end_s > f.onset_s) w += fmt::format(" - {:.1f}s", f.end_s);
  return w;
}

}  // namespace

std::vector<Chart> SystemUnderTestCharts(const ReportData& d) {
  std::vector<Chart> charts;
  double end = 0;
  for (const PhaseSpan& p : d.phase_spans) end = std::max(end, p.end_s);
  int n = 0;
  for (const StoredSeries& s : d.series) {
    Chart c;
    c.id = fmt::format("chart-sut-{}", n++);
    c.title = Label(s) + (s.unit.empty() ? "" : " (" + s.unit + ")");
    c.x.title = "time since start";
    c.x.format = AxisSeconds;
    c.x.has_include = true;
    c.x.include_max = end;
    c.y.title = s.unit;
    c.y.has_include = true;  // from zero: a level, not a zoomed wiggle
    c.y.format = s.unit == "ratio"   ? AxisRatio
                 : s.unit == "bytes" ? AxisBytes
                 : s.unit == "s"     ? AxisSecondsValue
                                     : nullptr;
    if (s.unit == "ratio") {
      c.y.include_max = 1;
      c.y.max_is_ceiling = true;
    }
    for (const PhaseSpan& p : d.phase_spans) {
      if (!p.name.empty()) c.bands.push_back({p.start_s, p.end_s, p.name});
    }
    for (const ReportFinding& f : d.findings) {
      if (!Observed(f) || f.component != s.component) continue;
      c.bands.push_back({f.onset_s, std::max(f.end_s, f.onset_s + 0.5), f.id, true});
    }
    ChartSeries line;
    line.name = Label(s);
    for (const auto& [t, v] : s.points) line.points.push_back({t, v});
    c.series.push_back(std::move(line));
    charts.push_back(std::move(c));
  }
  return charts;
}

std::string SystemUnderTestHtml(const ReportData& d) {
  bool any_observed = false;
  for (const ReportFinding& f : d.findings) any_observed |= Observed(f);
  if (d.series.empty() && !any_observed) return "";
  std::string out = "<section id=\"system-under-test\">\n<h2>System under test</h2>\n";
  out +=
      "<p class=\"muted\">Observed during the run (<code>vitals load --observe</code>). Red spans "
      "mark where a finding held, from its onset to its end.</p>\n";
  if (any_observed) {
    out +=
        "<div class=\"scroll\"><table><thead><tr><th>finding</th><th>component</th><th>when</th>"
        "<th>began in phase</th><th>cause candidate</th></tr></thead><tbody>\n";
    for (const ReportFinding& f : d.findings) {
      if (!Observed(f)) continue;
      out +=
          fmt::format("<tr><td>{} {}: {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                      HtmlEscape(f.priority), HtmlEscape(f.level), HtmlEscape(f.title),
                      HtmlEscape(f.component), HtmlEscape(When(f)), HtmlEscape(f.phase),
                      f.cause_candidate ? "yes: began before the latency rose" : "");
    }
    out += "</tbody></table></div>\n";
  }
  for (const Chart& c : SystemUnderTestCharts(d)) out += RenderSvgChart(c);
  return out + "</section>\n";
}

std::string SystemUnderTestMarkdown(const ReportData& d) {
  bool any_observed = false;
  for (const ReportFinding& f : d.findings) any_observed |= Observed(f);
  if (d.series.empty() && !any_observed) return "";
  std::string out = "### System under test\n\n";
  for (const ReportFinding& f : d.findings) {
    if (!Observed(f)) continue;
    out += fmt::format("- **{} {}** {}: {}{}{}\n", MarkdownText(f.priority), MarkdownText(f.level),
                       MarkdownText(f.title), MarkdownText(When(f)),
                       f.phase.empty() ? "" : ", began in phase " + MarkdownText(f.phase),
                       f.cause_candidate ? " (cause candidate)" : "");
  }
  if (any_observed) out += "\n";
  if (!d.series.empty()) {
    out += "| series | unit | min | mean | max | last |\n|---|---|---|---|---|---|\n";
    for (const StoredSeries& s : d.series) {
      if (s.points.empty()) continue;
      double mn = s.points[0].second, mx = mn, sum = 0;
      for (const auto& [t, v] : s.points) {
        mn = std::min(mn, v);
        mx = std::max(mx, v);
        sum += v;
      }
      out += fmt::format("| {} | {} | {:.4g} | {:.4g} | {:.4g} | {:.4g} |\n",
                         MarkdownCode(Label(s)), MarkdownCell(s.unit), mn,
                         sum / double(s.points.size()), mx, s.points.back().second);
    }
    out += "\n";
  }
  return out;
}

}  // namespace vitals
