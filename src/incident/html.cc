// The incident record as one self-contained HTML page: the run report's stylesheet and inline
// SVG charts (latency and errors over the window, the degradation as a band, every timeline
// event as a numbered marker), no script, no external reference, every stored text escaped.
#include <fmt/format.h>

#include <algorithm>

#include "core/units.h"
#include "incident/incident.h"
#include "incident/narrative.h"
#include "report/escape.h"
#include "report/html_style.h"
#include "report/report_charts.h"
#include "report/svg_chart.h"

namespace vitals {
namespace {

std::string E(std::string_view s) { return HtmlEscape(s); }

std::string Pct(double fraction) { return fmt::format("{:.2f}%", fraction * 100); }

std::string Prompt(const char* section) {
  return fmt::format("<p class=\"prompt\"><strong>To fill in:</strong> {}</p>\n",
                     E(detail::PromptFor(section)));
}

double X(const IncidentRecord& r, int64_t ms) { return double(ms - r.from_unix_ms) / 1000.0; }

// Shared by both charts: the degradation band and one marker per timeline event.
void Decorate(const IncidentRecord& r, Chart* c) {
  c->x.title = fmt::format("seconds since {}", FormatUtcTimeMs(r.from_unix_ms));
  c->x.format = AxisSeconds;
  if (r.impact.degraded) {
    c->bands.push_back({X(r, r.impact.start_unix_ms), X(r, r.impact.end_unix_ms),
                        "degraded" + (r.impact.severity.empty() ? "" : " " + r.impact.severity)});
  }
  for (size_t i = 0; i < r.timeline.size(); ++i) {
    const IncidentEvent& e = r.timeline[i];
    c->markers.push_back({X(r, e.unix_ms), std::to_string(i + 1), e.text});
  }
}

Chart LatencyChart(const IncidentRecord& r) {
  Chart c;
  c.id = "incident-latency";
  c.title = "Latency per interval (corrected), with the degradation and the timeline";
  c.y.title = "latency";
  c.y.format = AxisDurationUs;
  c.y.include_min = 0;
  c.y.include_max = 0;
  c.y.has_include = true;
  ChartSeries p95{"p95", 0, false, false, {}}, p99{"p99", 1, true, false, {}};
  for (const IncidentSlot& s : r.slots) {
    if (s.requests == 0) continue;
    const double x = X(r, s.start_unix_ms + (s.end_unix_ms - s.start_unix_ms) / 2);
    p95.points.push_back({x, s.p95_us});
    p99.points.push_back({x, s.p99_us});
  }
  c.series = {p95, p99};
  Decorate(r, &c);
  return c;
}

Chart ErrorChart(const IncidentRecord& r) {
  Chart c;
  c.id = "incident-errors";
  c.title = "Error rate per interval, with the degradation and the timeline";
  c.y.title = "errors (%)";
  c.y.include_min = 0;
  c.y.include_max = 1;
  c.y.has_include = true;
  ChartSeries err{"error rate %", 2, false, true, {}};
  for (const IncidentSlot& s : r.slots) {
    if (s.requests == 0) continue;
    const double x = X(r, s.start_unix_ms + (s.end_unix_ms - s.start_unix_ms) / 2);
    err.points.push_back({x, 100.0 * double(s.errors) / double(s.requests)});
  }
  c.series = {err};
  Decorate(r, &c);
  return c;
}

std::string Page(const std::string& title, const std::string& body) {
  return ReportPageStart(
             title,
             ".prompt { border-left: 4px solid #e0b84a; background: #fdf8e8; padding: .4em .8em; "
             "}\n") +
         body + kReportPageEnd;
}

}  // namespace

std::string RenderIncidentHtml(const IncidentRecord& r) {
  if (r.no_incident()) {
    return Page("vitals incident: no incident",
                "<h1>No incident</h1>\n<p>" + E(r.NoIncidentMessage()) + "</p>\n");
  }
  const IncidentImpact& im = r.impact;
  std::string b;
  b += fmt::format("<header>\n<h1>Incident record: {}</h1>\n<dl class=\"meta\">\n", E(r.title));
  auto item = [&](std::string_view k, const std::string& v) {
    b += fmt::format("<div><dt>{}</dt><dd>{}</dd></div>\n", E(k), E(v));
  };
  item("severity", (im.severity.empty() ? "none" : im.severity) + " - " + im.severity_basis);
  item("degradation", fmt::format("{} to {} ({:.0f} s)", FormatUtcTimeMs(im.start_unix_ms),
                                  FormatUtcTimeMs(im.end_unix_ms), im.duration_s));
  item("window", FormatUtcTimeMs(r.from_unix_ms) + " to " + FormatUtcTimeMs(r.to_unix_ms));
  item("record",
       (r.id.empty() ? std::string("(not stored)") : r.id) + ", vitals " + r.vitals_version);
  b += "</dl>\n</header>\n";

  b += "<section id=\"summary\"><h2>Summary</h2>\n<p>" + E(detail::IncidentSummary(r)) + "</p>\n" +
       Prompt("summary") + "</section>\n";

  b += "<section id=\"impact\"><h2>Impact</h2>\n<table>\n<tbody>\n";
  auto row = [&](std::string_view k, const std::string& v) {
    b += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", E(k), E(v));
  };
  row("Start", FormatUtcTimeMs(im.start_unix_ms));
  row("End", FormatUtcTimeMs(im.end_unix_ms));
  row("Duration", fmt::format("{:.0f} s", im.duration_s));
  row("Seen by clients (answers)",
      FormatUtcTimeMs(im.seen_start_unix_ms) + " to " + FormatUtcTimeMs(im.seen_end_unix_ms));
  row("Requests during the degradation", std::to_string(im.requests));
  row("Failed requests", fmt::format("{} ({})", im.failed, Pct(im.failed_share)));
  row("Worst p95 / p99 of an interval",
      FormatDurationUs(im.worst_p95_us) + " / " + FormatDurationUs(im.worst_p99_us));
  row("Worst error rate of an interval", Pct(im.worst_error_rate));
  row("Degraded intervals", std::to_string(im.degraded_slots));
  b += "</tbody>\n</table>\n";
  b += RenderSvgChart(LatencyChart(r));
  b += RenderSvgChart(ErrorChart(r));
  b += "</section>\n";

  b += fmt::format(
      "<section id=\"timeline\"><h2>Timeline</h2>\n<table>\n<thead><tr><th>#</th><th>Time "
      "(UTC)</th><th>Local ({})</th><th>Source</th><th>Event</th></tr></thead>\n<tbody>\n",
      E(LocalZoneName()));
  for (size_t i = 0; i < r.timeline.size(); ++i) {
    const IncidentEvent& e = r.timeline[i];
    b += fmt::format(
        "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        E(e.kind), i + 1, E(FormatUtcTimeMs(e.unix_ms)), E(FormatLocalTimeMs(e.unix_ms)),
        E(e.source), E(e.text));
  }
  b += "</tbody>\n</table>\n</section>\n";

  b += "<section id=\"causes\"><h2>Root-cause candidates</h2>\n";
  if (r.causes.empty()) {
    b += "<p>No finding was recorded around the degradation. Record checks while you load or "
         "operate the service (<code>vitals check ... --record</code>) to get candidates "
         "here.</p>\n";
  } else {
    b += "<p>Ranked: " + E(r.ranking) + ".</p>\n<ol>\n";
    for (const IncidentCause& c : r.causes) {
      b += fmt::format("<li><strong>{}</strong> ({} {}, <code>{}</code>){}\n<ul>\n", E(c.title),
                       E(c.level), E(c.priority), E(c.id),
                       c.subject.empty() ? "" : " - " + E(c.subject));
      b += "<li>Evidence: " + E(c.evidence) + "</li>\n";
      b += fmt::format("<li>First seen {} ({} from the onset) in {}; seen {} time(s)</li>\n",
                       E(FormatUtcTimeMs(c.first_seen_unix_ms)),
                       E(detail::SignedSeconds(c.onset_gap_s)), E(c.seen_in), c.times_seen);
      b += "<li>Action: " + E(c.action) + "</li>\n";
      if (!c.runbook.empty()) b += "<li>Runbook: <code>" + E(c.runbook) + "</code></li>\n";
      b += "</ul></li>\n";
    }
    b += "</ol>\n";
  }
  b += Prompt("root_cause") + "</section>\n";

  b += "<section id=\"trigger\"><h2>Trigger</h2>\n";
  auto hints = detail::TriggerHints(r);
  if (hints.empty()) {
    b += "<p>vitals recorded no event before the onset in this window.</p>\n";
  } else {
    b += "<p>Events just before the onset:</p>\n<ul>\n";
    for (const IncidentEvent& e : hints) {
      b += fmt::format("<li>{} - {} ({})</li>\n", E(FormatUtcTimeMs(e.unix_ms)), E(e.text),
                       E(e.source));
    }
    b += "</ul>\n";
  }
  b += Prompt("trigger") + "</section>\n";
  b += "<section id=\"detection\"><h2>Detection</h2>\n<p>" + E(detail::IncidentDetection(r)) +
       "</p>\n" + Prompt("detection") + "</section>\n";
  b += "<section id=\"resolution\"><h2>Resolution</h2>\n<p>" + E(detail::IncidentResolution(r)) +
       "</p>\n" + Prompt("resolution") + "</section>\n";

  b += "<section id=\"actions\"><h2>Action items</h2>\n<table>\n<thead><tr><th>#</th><th>Action"
       "</th><th>From</th><th>Priority</th><th>Owner</th><th>Due</th></tr></thead>\n<tbody>\n";
  int n = 0;
  for (const IncidentCause& c : r.causes) {
    b += fmt::format(
        "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td><em>to fill</em></td>"
        "<td><em>to fill</em></td></tr>\n",
        ++n, E(c.action), E(c.id), E(c.priority));
  }
  b += fmt::format(
      "<tr><td>{}</td><td><em>to fill: an action of your own</em></td><td></td><td></td>"
      "<td><em>to fill</em></td><td><em>to fill</em></td></tr>\n",
      ++n);
  b += "</tbody>\n</table>\n</section>\n";
  b += "<section id=\"lessons\"><h2>Lessons learned</h2>\n" + Prompt("lessons") + "</section>\n";

  b += "<section id=\"runs\"><h2>Runs in the window</h2>\n<table>\n<thead><tr><th>Run</th><th>"
       "Target</th><th>Status</th><th>Requests</th><th>Errors</th><th>p95</th><th>p99</th><th>"
       "Thresholds</th></tr></thead>\n<tbody>\n";
  for (const IncidentRun& x : r.runs) {
    std::string thresholds = x.verdict.empty() ? "-" : x.verdict;
    for (const auto& f : x.breached) thresholds += "; failed " + f;
    b += fmt::format(
        "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td></tr>\n",
        E(x.id), E(x.target), E(x.status), x.requests, x.errors,
        x.has_latency ? E(FormatDurationUs(x.p95_us)) : "-",
        x.has_latency ? E(FormatDurationUs(x.p99_us)) : "-", E(thresholds));
  }
  b += fmt::format("</tbody>\n</table>\n<p>{} recorded check(s) in the window.</p>\n</section>\n",
                   r.checks);
  if (!r.warnings.empty()) {
    b += "<section id=\"warnings\"><h2>Notes</h2><ul>\n";
    for (const auto& w : r.warnings) b += "<li>" + E(w) + "</li>\n";
    b += "</ul></section>\n";
  }
  b += "<footer>Written by <code>vitals incident</code> from the run store. Sections marked "
       "\"To fill in\" are for the people who handled the incident.</footer>\n";
  return Page("vitals incident: " + r.title, b);
}

}  // namespace vitals
