#include "report/load_summary.h"

#include <cmath>

#include <fmt/format.h>

#include "core/units.h"

namespace vitals {
namespace {

std::string Row(const char* label, const Histogram& h) {
  if (h.TotalCount() == 0) return fmt::format("  {:<14} {:>9}\n", label, "-");
  LatencySummary s = LatencySummary::From(h);
  return fmt::format("  {:<14} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n", label,
                     FormatDurationUs(s.p50), FormatDurationUs(s.p90), FormatDurationUs(s.p95),
                     FormatDurationUs(s.p99), FormatDurationUs(s.p999), FormatDurationUs(s.max),
                     FormatDurationUs(s.mean));
}

std::string Pct(double v) { return std::isfinite(v) ? fmt::format("{:.1f}%", v) : "-"; }
std::string Us(double v) { return std::isfinite(v) ? FormatDurationUs(v) : "-"; }

}  // namespace

std::string FormatEnvironmentLine(const NoiseSummary& s, const std::string& note) {
  if (s.intervals == 0) return "environment: not measured";
  std::string out = fmt::format(
      "environment: {}: sched delay p99 {} (max {}), generator CPU {}, CPU pressure {}, steal {}",
      NoiseVerdict(s), Us(s.sched_delay_p99_us), Us(s.sched_delay_max_us), Pct(s.gen_cpu_pct),
      Pct(s.psi_cpu_pct), Pct(s.steal_pct));
  if (std::isfinite(s.send_lag_p99_us)) out += ", send lag p99 " + Us(s.send_lag_p99_us);
  if (std::isfinite(s.runnable_per_cpu)) {
    out += fmt::format(", runnable {:.2f}/CPU", s.runnable_per_cpu);
  }
  if (!note.empty()) out += " (" + note + ")";
  return out;
}

std::string FormatLoadSummary(const LoadResult& r) {
  std::string out;
  out += fmt::format("vitals load {} {}  run {}\n", r.method, r.target, r.run_id);
  if (r.model == "open") {
    out += fmt::format("  model open: {:.1f} req/s asked, {} threads, {} connections (max {})\n",
                       r.rate_asked, r.threads, r.connections, r.max_connections);
  } else {
    out += fmt::format(
        "  model closed: {} connections{}, {} threads\n", r.connections,
        r.pipeline > 1
            ? fmt::format(", pipeline {}{}", r.pipeline,
                          r.pipeline_timing == "batch" ? " (answers timed per batch)" : "")
            : "",
        r.threads);
  }
  if (r.segment_count > 1) {
    // The figures above and below are this segment's share (connections: the whole plan's).
    const std::string share =
        r.model == "open" ? fmt::format(": requests k with k mod {} = {}, {} planned",
                                        r.segment_count, r.segment_index, r.planned_requests)
                          : ": its share of the connections";
    out += fmt::format("  segment {}/{} of the plan{}{}\n", r.segment_index + 1, r.segment_count,
                       share, r.segment_host.empty() ? "" : ", on " + r.segment_host);
  } else if (!r.segments.empty()) {
    out += fmt::format("  merged from {} segments\n", r.segments.size());
  }
  const char* ended = !r.failure.empty() ? " (stopped: no request succeeded)"
                      : r.interrupted    ? " (interrupted)"
                                         : "";
  out += fmt::format("  duration {:.2f}s{}   requests {}   achieved {:.1f} req/s\n", r.duration_s,
                     ended, r.requests, r.rate_achieved);
  out += fmt::format("  errors {} ({:.2f}%)   late sends {}   dropped {}\n", r.errors,
                     r.error_rate * 100, r.late_sends, r.dropped);
  out += fmt::format("  connections opened {}, failed {}, max in flight {}\n", r.connections_opened,
                     r.connections_failed, r.max_inflight);
  if (r.tls || r.tls_full + r.tls_resumed > 0) {
    out += fmt::format("  tls handshakes {} full, {} resumed{}\n", r.tls_full, r.tls_resumed,
                       r.tls_session.empty() ? "" : "; " + r.tls_session);
  }
  if (r.http2) {
    out += fmt::format("  http/2 streams per connection {}, goaways {}, streams retried {}\n",
                       r.streams > 0 ? std::to_string(r.streams) : "server's (max 100)",
                       r.h2_goaways, r.h2_streams_retried);
  }
  out += "  " + FormatEnvironmentLine(SummarizeNoise(r.noise), r.noise_note) + "\n";
  out += "\n";
  out += fmt::format("  {:<14} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "latency", "p50",
                     "p90", "p95", "p99", "p99.9", "max", "mean");
  out += Row(r.model == "open" ? "corrected" : "total", r.latency_corrected);
  if (r.model == "open") out += Row("uncorrected", r.latency_uncorrected);
  out += Row("connect", r.connect_time);
  if (r.tls || r.tls_handshake.TotalCount() > 0) out += Row("tls handshake", r.tls_handshake);
  out += Row("first byte", r.ttfb);
  if (r.model == "open") out += Row("send lag", r.send_lag);
  if (!r.status_codes.empty()) {
    out += "\n  status codes:";
    for (const auto& [code, n] : r.status_codes) out += fmt::format(" {}={}", code, n);
    out += "\n";
  }
  if (!r.errors_by_kind.empty()) {
    out += "  errors by kind:";
    for (const auto& [kind, n] : r.errors_by_kind) out += fmt::format(" {}={}", kind, n);
    out += "\n";
    for (const auto& [kind, text] : r.error_details) out += fmt::format("    {}: {}\n", kind, text);
  }
  if (r.phases.size() > 1) {
    out += fmt::format("\n  {:<12} {:>9} {:>8} {:>9} {:>9} {:>9}\n", "phase", "requests", "errors",
                       "p50", "p95", "p99");
    for (const PhaseResult& p : r.phases) {
      LatencySummary s = LatencySummary::From(p.latency_corrected);
      auto us = [&](double v) { return s.count ? FormatDurationUs(v) : std::string("-"); };
      out += fmt::format("  {:<12} {:>9} {:>8} {:>9} {:>9} {:>9}\n", p.name, p.requests, p.errors,
                         us(s.p50), us(s.p95), us(s.p99));
    }
  }
  return out;
}

}  // namespace vitals
