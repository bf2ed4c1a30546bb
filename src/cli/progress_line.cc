#include "cli/progress_line.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "core/units.h"

namespace vitals::cli {

ProgressLine::ProgressLine(std::FILE* out, bool quiet, std::string label, double plain_every_s)
    : out_(out),
      label_(std::move(label)),
      quiet_(quiet),
      tty_(isatty(fileno(out)) == 1),
      plain_every_s_(plain_every_s),
      next_plain_s_(plain_every_s) {}

std::string ProgressLine::Format(const Progress& p) {
  const double eta = std::max(0.0, p.total_s - p.elapsed_s);
  std::string s =
      fmt::format("[{}] {:.1f}s/{:.0f}s  ETA {:.0f}s", p.phase, p.elapsed_s, p.total_s, eta);
  if (p.has_interval) {
    auto us = [](double v) { return std::isfinite(v) ? FormatDurationUs(v) : std::string("-"); };
    s += fmt::format("  {:.0f} req/s  p50 {}  p99 {}", p.interval_rate, us(p.interval_p50_us),
                     us(p.interval_p99_us));
  } else {
    s += "  (first interval running)";
  }
  const double pct = p.requests ? 100.0 * double(p.errors) / double(p.requests) : 0;
  s += fmt::format("  errors {} ({:.1f}%)  in flight {}", p.errors, pct, p.inflight);
  return s;
}

void ProgressLine::Update(const Progress& p) {
  if (quiet_) return;
  if (tty_) {
    std::fprintf(out_, "\r\033[K%s", Format(p).c_str());
    drawn_ = true;
  } else {
    if (p.elapsed_s < next_plain_s_) return;
    next_plain_s_ = p.elapsed_s + plain_every_s_;
    std::fprintf(out_, "%s: %s\n", label_.c_str(), Format(p).c_str());
  }
  std::fflush(out_);
}

void ProgressLine::Done() {
  if (drawn_) {
    std::fputs("\r\033[K", out_);
    std::fflush(out_);
    drawn_ = false;
  }
}

}  // namespace vitals::cli
