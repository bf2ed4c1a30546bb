#include "report/markdown_report.h"

#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "core/units.h"
#include "report/escape.h"
#include "report/load_summary.h"
#include "report/sut_charts.h"
#include "report/verdict_table.h"

namespace vitals {
namespace {

std::string C(std::string_view s) { return MarkdownCell(s); }
// "-" for a latency that does not exist (kNoLatency).
std::string Us(double us) { return std::isfinite(us) ? FormatDurationUs(us) : "-"; }
std::string Pct(double f) { return fmt::format("{:.2f}%", f * 100); }

std::string Verdict(const ReportData& d) {
  if (d.incomplete()) return "INCOMPLETE";
  if (d.failed()) return "FAILED RUN";
  if (d.info.verdict == "fail") return "thresholds FAILED";
  if (d.info.verdict == "pass") return "thresholds passed";
  return "completed";
}

void Summary(const ReportData& d, std::string* out) {
  const LoadResult& r = d.result;
  *out += fmt::format("## vitals run {}: {}\n\n", MarkdownCode(d.info.id, false), Verdict(d));
  if (d.incomplete()) {
    *out += fmt::format(
        "> **Incomplete run:** its process stopped before the run completed. The numbers come "
        "from the {} interval(s) it stored; there are no phase totals or threshold verdicts.\n\n",
        d.timeline.size());
  } else if (d.failed()) {
    *out += fmt::format("> **Failed run:** {}\n\n",
                        MarkdownText(d.info.failure_reason.empty() ? "no reason was recorded"
                                                                   : d.info.failure_reason));
  }
  *out += "| | |\n|---|---|\n";
  auto row = [&](std::string_view k, const std::string& v_md) {
    *out += fmt::format("| {} | {} |\n", k, v_md);
  };
  row("target", C((r.method.empty() ? "" : r.method + " ") + r.target));
  row("model", C(r.model.empty() ? "-" : r.model));
  row("started", C(FormatUtcTimeMs(d.info.started_unix_ms)));
  row("duration", fmt::format("{:.1f}s", r.duration_s));
  row("requests", fmt::format("{}", r.requests));
  row("rate asked / achieved",
      fmt::format("{} / {:.1f}/s", r.rate_asked > 0 ? fmt::format("{:.1f}/s", r.rate_asked) : "-",
                  r.rate_achieved));
  row("errors", fmt::format("{} ({})", r.errors, Pct(r.error_rate)));
  if (r.model == "open" || r.late_sends > 0 || r.dropped > 0) {
    row("late sends / dropped", fmt::format("{} / {}", r.late_sends, r.dropped));
  }
  *out += "\n";
}

void Latency(const ReportData& d, std::string* out) {
  *out +=
      "### Latency\n\n| | count | p50 | p90 | p95 | p99 | p99.9 | max | mean |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  auto row = [&](std::string_view name, const Histogram& h) {
    const LatencySummary s = LatencySummary::From(h);
    if (s.count == 0) {
      // Nothing succeeded: say so in the main row rather than print a latency of 0.
      if (name == "corrected") *out += "| corrected | 0 | - | - | - | - | - | - | - |\n";
      return;
    }
    *out +=
        fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", name, s.count, Us(s.p50),
                    Us(s.p90), Us(s.p95), Us(s.p99), Us(s.p999), Us(s.max), Us(s.mean));
  };
  row("corrected", d.result.latency_corrected);
  row("uncorrected", d.result.latency_uncorrected);
  row("connect", d.result.connect_time);
  row("TLS handshake", d.result.tls_handshake);
  row("time to first byte", d.result.ttfb);
  *out += "\n";
}

void Phases(const ReportData& d, std::string* out) {
  if (d.result.phases.empty()) return;
  *out +=
      "### Phases\n\n| phase | duration | level | requests | errors | dropped | p50 | p95 | "
      "p99 |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const PhaseResult& p : d.result.phases) {
    const LatencySummary s = LatencySummary::From(p.latency_corrected);
    *out += fmt::format("| {} | {:.1f}s | {:g} → {:g} | {} | {} | {} | {} | {} | {} |\n", C(p.name),
                        p.duration_s, p.level_start, p.level_end, p.requests, p.errors, p.dropped,
                        s.count ? Us(s.p50) : "-", s.count ? Us(s.p95) : "-",
                        s.count ? Us(s.p99) : "-");
  }
  *out += "\n";
}

void Requests(const ReportData& d, std::string* out) {
  if (d.requests.empty()) return;
  *out +=
      "### Requests\n\n| request | requests | errors | p50 | p95 | p99 |\n"
      "|---|---:|---:|---:|---:|---:|\n";
  for (const RequestRow& r : d.requests) {
    *out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", C(r.name), r.requests, r.errors,
                        Us(r.p50_us), Us(r.p95_us), Us(r.p99_us));
  }
  *out += "\n";
}

void Thresholds(const ReportData& d, std::string* out) {
  if (d.thresholds.empty()) return;
  int passed = 0;
  for (const ThresholdVerdict& v : d.thresholds) passed += v.ok;
  *out += fmt::format("### Thresholds: {} of {} passed\n\n", passed, d.thresholds.size());
  *out += "| threshold | value | limit | result | detail |\n|---|---:|---|---|---|\n";
  for (const ThresholdVerdict& v : d.thresholds) {
    *out += fmt::format("| {} | {} | {} | {} | {} |\n", MarkdownCode(v.expr), C(v.value_text),
                        C(ThresholdLimitText(v)), v.ok ? "ok" : "**FAILED**", C(VerdictDetail(v)));
  }
  *out += "\n";
}

void StatusCodes(const ReportData& d, std::string* out) {
  if (d.result.status_codes.empty() && d.result.errors_by_kind.empty()) return;
  *out += "### Status codes and errors\n\n| status / error | count |\n|---|---:|\n";
  for (const auto& [code, n] : d.result.status_codes) *out += fmt::format("| {} | {} |\n", code, n);
  for (const auto& [kind, n] : d.result.errors_by_kind) {
    if (kind.rfind("status_", 0) != 0) *out += fmt::format("| {} | {} |\n", MarkdownCode(kind), n);
  }
  *out += "\n";
}

void Alerts(const ReportData& d, std::string* out) {
  if (d.alert_spans.empty()) return;
  *out += fmt::format("### Alerts during the run ({})\n\n", d.alert_spans.size());
  for (const AlertSpan& a : d.alert_spans) {
    *out += fmt::format("- **{}** {} fired at {:.1f} s, {}\n", C(a.alert),
                        MarkdownCode(a.labels, false), a.start_s,
                        a.resolved ? fmt::format("resolved at {:.1f} s", a.end_s)
                                   : std::string("still firing at the end"));
  }
  *out += "\n";
}

void Findings(const ReportData& d, std::string* out) {
  if (d.findings_json.empty()) return;
  *out += fmt::format("### Findings ({})\n\n", d.findings.size());
  if (d.findings.empty()) *out += "No findings.\n\n";
  for (const ReportFinding& f : d.findings) {
    *out += fmt::format("- **{} {}**: {}\n", C(f.priority), C(f.level), MarkdownText(f.title, 2));
    if (!f.id.empty()) {
      *out += fmt::format("  - rule {}{}\n", MarkdownCode(f.id, false),
                          f.subject.empty() ? "" : " on " + MarkdownCode(f.subject, false));
    }
    if (!f.evidence.empty()) *out += "  - evidence: " + MarkdownText(f.evidence, 4) + "\n";
    if (!f.action.empty()) *out += "  - action: " + MarkdownText(f.action, 4) + "\n";
    if (!f.runbook.empty()) {
      // A link only for safe targets; the text is always literal.
      const bool linkable =
          !SafeHref(f.runbook).empty() && f.runbook.find_first_of("()<> \t\n") == std::string::npos;
      *out += linkable ? fmt::format("  - runbook: [{}]({})\n", MarkdownText(f.runbook), f.runbook)
                       : fmt::format("  - runbook: {}\n", MarkdownCode(f.runbook, false));
    }
  }
  *out += "\n";
}

void Environment(const ReportData& d, std::string* out) {
  const RunInfo& i = d.info;
  *out += "### Environment\n\n| | |\n|---|---|\n";
  *out += fmt::format("| host | {} |\n| cores | {} |\n| kernel | {} |\n| vitals | {} |\n",
                      C(i.env.host), i.env.cores, C(i.env.kernel), C(i.env.vitals_version));
  if (!i.tags.empty()) {
    std::string tags;
    for (const auto& [k, v] : i.tags) tags += (tags.empty() ? "" : " ") + MarkdownCode(k + "=" + v);
    *out += fmt::format("| tags | {} |\n", tags);
  }
  *out += fmt::format("| noise | {} |\n",
                      C(FormatEnvironmentLine(SummarizeNoise(d.result.noise), d.result.noise_note)
                            .substr(std::string("environment: ").size())));
  *out += "\n";
}

}  // namespace

std::string RenderMarkdownReport(const ReportData& d) {
  std::string out;
  Summary(d, &out);
  Latency(d, &out);
  Phases(d, &out);
  Requests(d, &out);
  Thresholds(d, &out);
  StatusCodes(d, &out);
  Findings(d, &out);
  out += SystemUnderTestMarkdown(d);
  Alerts(d, &out);
  Environment(d, &out);
  for (const std::string& w : d.warnings) out += "> note: " + MarkdownText(w) + "\n";
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') {
    out.pop_back();
  }
  return out;
}

}  // namespace vitals
