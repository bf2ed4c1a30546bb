#include "report/html_report.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/units.h"
#include "report/escape.h"
#include "report/html_style.h"
#include "report/load_summary.h"
#include "report/report_charts.h"
#include "report/sut_charts.h"
#include "report/verdict_table.h"

namespace vitals {
namespace {

std::string E(std::string_view s) { return HtmlEscape(s); }

// "-" for a latency that does not exist (kNoLatency).
std::string Us(double us) { return std::isfinite(us) ? FormatDurationUs(us) : "-"; }

std::string Pct(double fraction) { return fmt::format("{:.2f}%", fraction * 100); }

std::string StatusBadge(const ReportData& d) {
  if (d.incomplete()) return "<span class=\"badge warn\">incomplete</span>";
  if (d.failed()) return "<span class=\"badge bad\">failed</span>";
  if (d.info.verdict == "fail") return "<span class=\"badge bad\">thresholds failed</span>";
  if (d.info.verdict == "pass") return "<span class=\"badge good\">thresholds passed</span>";
  return "<span class=\"badge\">completed</span>";
}

std::string Header(const ReportData& d) {
  const LoadResult& r = d.result;
  std::string out = "<header>\n";
  out += fmt::format("<h1>vitals run <code>{}</code> {}</h1>\n", E(d.info.id), StatusBadge(d));
  out += fmt::format("<p class=\"target\"><span class=\"method\">{}</span> <code>{}</code></p>\n",
                     E(r.method.empty() ? "GET" : r.method), E(r.target));
  out += "<dl class=\"meta\">\n";
  auto item = [&](std::string_view k, const std::string& v_html) {
    out += fmt::format("<div><dt>{}</dt><dd>{}</dd></div>\n", E(k), v_html);
  };
  item("model",
       E(r.model.empty() ? "-" : r.model) + (r.model == "closed" && r.connections > 0
                                                 ? fmt::format(" ({} connections)", r.connections)
                                                 : std::string()));
  item("started", E(FormatUtcTimeMs(d.info.started_unix_ms)));
  item("duration", E(fmt::format("{:.1f}s", r.duration_s)) +
                       (r.planned_s > 0 ? E(fmt::format(" of {:.1f}s planned", r.planned_s)) : ""));
  item("requests", E(fmt::format("{}", r.requests)));
  item("rate asked", r.rate_asked > 0 ? E(fmt::format("{:.1f}/s", r.rate_asked)) : "-");
  item("rate achieved", E(fmt::format("{:.1f}/s", r.rate_achieved)));
  item("errors", E(fmt::format("{} ({})", r.errors, Pct(r.error_rate))));
  if (r.late_sends > 0 || r.dropped > 0 || r.model == "open") {
    item("late sends / dropped", E(fmt::format("{} / {}", r.late_sends, r.dropped)));
  }
  out += "</dl>\n</header>\n";
  return out;
}

std::string Banner(const ReportData& d) {
  if (d.incomplete()) {
    return fmt::format(
        "<div class=\"banner warn\" role=\"alert\"><strong>Incomplete run.</strong> Its process "
        "stopped before the run completed (killed, crashed, or still going). Everything below "
        "comes from the {} interval{} it stored; there are no phase totals or threshold "
        "verdicts.</div>\n",
        d.timeline.size(), d.timeline.size() == 1 ? "" : "s");
  }
  if (d.failed()) {
    return fmt::format(
        "<div class=\"banner bad\" role=\"alert\"><strong>Failed run.</strong> {} Everything "
        "below comes from the {} interval{} it stored.</div>\n",
        E(d.info.failure_reason.empty() ? "No reason was recorded." : d.info.failure_reason),
        d.timeline.size(), d.timeline.size() == 1 ? "" : "s");
  }
  return "";
}

std::string KeyFigures(const ReportData& d) {
  const LatencySummary c = LatencySummary::From(d.result.latency_corrected);
  std::string out = "<section class=\"figures\">\n";
  auto fig = [&](std::string_view label, const std::string& value) {
    out += fmt::format(
        "<div class=\"figure\"><span class=\"v\">{}</span><span class=\"k\">{}</span>"
        "</div>\n",
        E(value), E(label));
  };
  fig("p50 latency", c.count ? Us(c.p50) : "-");
  fig("p95 latency", c.count ? Us(c.p95) : "-");
  fig("p99 latency", c.count ? Us(c.p99) : "-");
  fig("achieved rate", fmt::format("{:.1f}/s", d.result.rate_achieved));
  fig("error rate", Pct(d.result.error_rate));
  out += "</section>\n";
  return out;
}

std::string Thresholds(const ReportData& d) {
  std::string out = "<section id=\"thresholds\">\n<h2>Thresholds</h2>\n";
  if (d.thresholds.empty()) {
    out += d.incomplete() ? "<p class=\"muted\">Not evaluated: the run never completed.</p>\n"
                          : "<p class=\"muted\">No thresholds were given.</p>\n";
    return out + "</section>\n";
  }
  int passed = 0;
  for (const ThresholdVerdict& v : d.thresholds) passed += v.ok;
  out += fmt::format("<p>{} of {} thresholds passed.</p>\n", passed, d.thresholds.size());
  out +=
      "<div class=\"scroll\"><table class=\"verdicts\"><thead><tr><th>threshold</th>"
      "<th>value</th><th>limit</th><th>result</th><th>detail</th></tr></thead><tbody>\n";
  for (const ThresholdVerdict& v : d.thresholds) {
    out += fmt::format(
        "<tr class=\"{}\"><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td>"
        "<td><span class=\"badge {}\">{}</span></td><td>{}</td></tr>\n",
        v.ok ? "ok" : "failed", E(v.expr), E(v.value_text), E(ThresholdLimitText(v)),
        v.ok ? "good" : "bad", v.ok ? "ok" : "FAILED", E(VerdictDetail(v)));
  }
  out += "</tbody></table></div>\n</section>\n";
  return out;
}

// Where alerts fired during the run (vitals load --watch-rules); nothing when none did.
std::string Alerts(const ReportData& d) {
  if (d.alert_spans.empty()) return "";
  std::string out =
      "<section id=\"alerts\">\n<h2>Alerts during the run</h2>\n<div class=\"scroll\"><table>"
      "<thead><tr><th>alert</th><th>labels</th><th>fired at</th><th>until</th></tr></thead>"
      "<tbody>\n";
  for (const AlertSpan& a : d.alert_spans) {
    out += fmt::format(
        "<tr><td><span class=\"badge bad\">{}</span></td><td><code>{}</code></td>"
        "<td>{:.1f} s</td><td>{}</td></tr>\n",
        E(a.alert), E(a.labels), a.start_s,
        a.resolved ? fmt::format("{:.1f} s", a.end_s) : "still firing at the end");
  }
  out += "</tbody></table></div>\n</section>\n";
  return out;
}

std::string Findings(const ReportData& d) {
  std::string out = "<section id=\"findings\">\n<h2>Findings</h2>\n";
  if (d.findings_json.empty()) {
    out += "<p class=\"muted\">No diagnosis was stored with this run.</p>\n";
  } else if (d.findings.empty()) {
    out += "<p class=\"muted\">The diagnosis stored with this run found nothing.</p>\n";
  }
  for (const ReportFinding& f : d.findings) {
    const std::string level = f.level == "critical" ? "critical" : "warning";
    out += fmt::format(
        "<article class=\"finding {}\">\n<h3><span class=\"badge {}\">{} {}</span> {}</h3>\n",
        level, level == "critical" ? "bad" : "warn", E(f.priority), E(f.level), E(f.title));
    out += "<dl>\n";
    if (!f.id.empty()) {
      out += fmt::format("<dt>rule</dt><dd><code>{}</code>{}</dd>\n", E(f.id),
                         f.subject.empty() ? "" : " on <code>" + E(f.subject) + "</code>");
    }
    if (!f.evidence.empty()) out += fmt::format("<dt>evidence</dt><dd>{}</dd>\n", E(f.evidence));
    if (!f.action.empty()) {
      out += fmt::format("<dt>action</dt><dd class=\"action\">{}</dd>\n", E(f.action));
    }
    if (!f.runbook.empty()) {
      const std::string href = SafeHref(f.runbook);
      out += href.empty() ? fmt::format("<dt>runbook</dt><dd><code>{}</code></dd>\n", E(f.runbook))
                          : fmt::format("<dt>runbook</dt><dd><a href=\"{}\">{}</a></dd>\n", href,
                                        E(f.runbook));
    }
    if (!f.source.empty()) out += fmt::format("<dt>source</dt><dd>{}</dd>\n", E(f.source));
    out += "</dl>\n</article>\n";
  }
  return out + "</section>\n";
}

std::string Charts(const ReportData& d) {
  std::string out = "<section id=\"charts\">\n<h2>Charts</h2>\n";
  out += RenderSvgChart(LatencyOverTimeChart(d));
  out += RenderSvgChart(ThroughputChart(d));
  out += RenderSvgChart(PercentileDistributionChart(d));
  if (!d.result.noise.empty()) {
    out += RenderSvgChart(NoiseDelayChart(d));
    out += RenderSvgChart(NoiseCpuChart(d));
  }
  return out + "</section>\n";
}

std::string LatencyTable(const ReportData& d) {
  const LoadResult& r = d.result;
  std::string out =
      "<section id=\"latency\">\n<h2>Latency</h2>\n<div class=\"scroll\"><table><thead><tr>"
      "<th></th><th>count</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>p99.9</th>"
      "<th>max</th><th>mean</th></tr></thead><tbody>\n";
  auto row = [&](std::string_view name, const Histogram& h) {
    const LatencySummary s = LatencySummary::From(h);
    if (s.count == 0) {
      // Nothing succeeded: say so in the main row rather than print a latency of 0.
      if (name.rfind("corrected", 0) == 0) {
        out += fmt::format("<tr><th>{}</th><td class=\"num\">0</td>{}</tr>\n", E(name), [] {
          std::string cells;
          for (int i = 0; i < 7; ++i) cells += "<td class=\"num\">-</td>";
          return cells;
        }());
      }
      return;
    }
    out += fmt::format(
        "<tr><th>{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}"
        "</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
        E(name), s.count, Us(s.p50), Us(s.p90), Us(s.p95), Us(s.p99), Us(s.p999), Us(s.max),
        Us(s.mean));
  };
  row("corrected (from intended send)", r.latency_corrected);
  row("uncorrected (from actual send)", r.latency_uncorrected);
  row("connect", r.connect_time);
  row(r.tls_full + r.tls_resumed > 0
          ? fmt::format("TLS handshake ({} full, {} resumed)", r.tls_full, r.tls_resumed)
          : std::string("TLS handshake"),
      r.tls_handshake);
  row("time to first byte", r.ttfb);
  row("send lag", r.send_lag);
  return out + "</tbody></table></div>\n</section>\n";
}

std::string Phases(const ReportData& d) {
  if (d.result.phases.empty()) return "";
  std::string out =
      "<section id=\"phases\">\n<h2>Phases</h2>\n<div class=\"scroll\"><table><thead><tr>"
      "<th>phase</th><th>duration</th><th>level</th><th>requests</th><th>errors</th>"
      "<th>dropped</th><th>p50</th><th>p95</th><th>p99</th></tr></thead><tbody>\n";
  for (const PhaseResult& p : d.result.phases) {
    const LatencySummary s = LatencySummary::From(p.latency_corrected);
    out += fmt::format(
        "<tr><th>{}</th><td class=\"num\">{:.1f}s</td><td class=\"num\">{:g} &#8594; {:g}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
        E(p.name), p.duration_s, p.level_start, p.level_end, p.requests, p.errors, p.dropped,
        s.count ? Us(s.p50) : "-", s.count ? Us(s.p95) : "-", s.count ? Us(s.p99) : "-");
  }
  return out + "</tbody></table></div>\n</section>\n";
}

std::string Requests(const ReportData& d) {
  if (d.requests.empty()) return "";
  std::string out =
      "<section id=\"requests\">\n<h2>Requests</h2>\n<div class=\"scroll\"><table><thead><tr>"
      "<th>request</th><th>requests</th><th>errors</th><th>p50</th><th>p95</th><th>p99</th>"
      "</tr></thead><tbody>\n";
  for (const RequestRow& r : d.requests) {
    out += fmt::format(
        "<tr><th>{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}"
        "</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
        E(r.name), r.requests, r.errors, Us(r.p50_us), Us(r.p95_us), Us(r.p99_us));
  }
  return out + "</tbody></table></div>\n</section>\n";
}

std::string BarRows(const std::vector<std::pair<std::string, uint64_t>>& rows, bool error) {
  uint64_t top = 1, total = 0;
  for (const auto& [k, n] : rows) top = std::max(top, n), total += n;
  std::string out;
  for (const auto& [k, n] : rows) {
    const bool bad = error || (k.size() == 3 && (k[0] == '4' || k[0] == '5'));
    out += fmt::format(
        "<tr><th><code>{}</code></th><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"barcell\"><span class=\"bar{}\" style=\"width:{:.1f}%\"></span></td></tr>\n",
        E(k), n, total ? Pct(double(n) / double(total)) : "-", bad ? " bad" : "",
        100.0 * double(n) / double(top));
  }
  return out;
}

std::string StatusCodes(const ReportData& d) {
  std::string out = "<section id=\"status\">\n<h2>Status codes and errors</h2>\n";
  if (d.result.status_codes.empty() && d.result.errors_by_kind.empty()) {
    out += d.incomplete() || d.failed()
               ? "<p class=\"muted\">Not recorded: the run never completed.</p>\n"
               : "<p class=\"muted\">No responses.</p>\n";
    return out + "</section>\n";
  }
  out +=
      "<div class=\"scroll\"><table class=\"bars\"><thead><tr><th>status</th><th>count</th>"
      "<th>share</th><th></th></tr></thead><tbody>\n";
  std::vector<std::pair<std::string, uint64_t>> codes;
  for (const auto& [code, n] : d.result.status_codes) codes.emplace_back(std::to_string(code), n);
  out += BarRows(codes, false);
  out += "</tbody></table></div>\n";
  std::vector<std::pair<std::string, uint64_t>> kinds;
  for (const auto& [kind, n] : d.result.errors_by_kind) {
    if (kind.rfind("status_", 0) != 0) kinds.emplace_back(kind, n);  // codes are above
  }
  if (!kinds.empty()) {
    out +=
        "<h3>Errors without a response</h3>\n<div class=\"scroll\"><table class=\"bars\">"
        "<thead><tr><th>kind</th><th>count</th><th>share</th><th></th></tr></thead><tbody>\n";
    out += BarRows(kinds, true);
    out += "</tbody></table></div>\n";
  }
  return out + "</section>\n";
}

std::string Environment(const ReportData& d) {
  const RunInfo& i = d.info;
  std::string out = "<section id=\"environment\">\n<h2>Environment and tags</h2>\n";
  out += "<div class=\"scroll\"><table class=\"kv\"><tbody>\n";
  auto kv = [&](std::string_view k, std::string_view v) {
    out += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", E(k), E(v));
  };
  kv("host", i.env.host);
  kv("cores", std::to_string(i.env.cores));
  kv("kernel", i.env.kernel);
  kv("vitals version", i.env.vitals_version);
  kv("run id", i.id);
  kv("status", i.DisplayStatus());
  if (d.result.threads > 0) kv("threads", std::to_string(d.result.threads));
  kv("noise", FormatEnvironmentLine(SummarizeNoise(d.result.noise), d.result.noise_note)
                  .substr(std::string("environment: ").size()));
  out += "</tbody></table></div>\n";
  if (i.tags.empty()) {
    out += "<p class=\"muted\">No tags.</p>\n";
  } else {
    out += "<h3>Tags</h3>\n<ul class=\"tags\">\n";
    for (const auto& [k, v] : i.tags) {
      out += fmt::format("<li><code>{}={}</code></li>\n", E(k), E(v));
    }
    out += "</ul>\n";
  }
  std::string config = d.config_json;
  const nlohmann::json j = nlohmann::json::parse(config, nullptr, false);
  if (!j.is_discarded()) config = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  if (!config.empty() && config != "{}") {
    out += fmt::format("<details><summary>Configuration</summary><pre>{}</pre></details>\n",
                       E(config));
  }
  return out + "</section>\n";
}

std::string Warnings(const ReportData& d) {
  if (d.warnings.empty()) return "";
  std::string out = "<section id=\"warnings\"><h2>Notes</h2><ul>\n";
  for (const std::string& w : d.warnings) out += "<li>" + E(w) + "</li>\n";
  return out + "</ul></section>\n";
}

}  // namespace

std::string RenderHtmlReport(const ReportData& d) {
  std::string out =
      ReportPageStart(fmt::format("vitals report {} - {}", d.info.id, d.result.target));
  out += Header(d);
  out += Banner(d);
  out += KeyFigures(d);
  out += Thresholds(d);
  out += Findings(d);
  out += Alerts(d);
  out += Charts(d);
  out += SystemUnderTestHtml(d);
  out += LatencyTable(d);
  out += Phases(d);
  out += Requests(d);
  out += StatusCodes(d);
  out += Environment(d);
  out += Warnings(d);
  out +=
      "<footer>Rendered by <code>vitals report</code> from the run store. Latency "
      "\"corrected\" counts from each request's intended send time (coordinated omission "
      "corrected); \"uncorrected\" from its actual send.</footer>\n";
  out += kReportPageEnd;
  return out;
}

}  // namespace vitals
