#include "core/units.h"

#include <ctime>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace vitals {

Result<double> ParseDouble(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("expected a number, got an empty value");
  std::string s(text);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v)) {
    return Status::InvalidArgument(fmt::format("expected a number, got '{}'", text));
  }
  return v;
}

Result<int64_t> ParseInt(std::string_view text) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || v < 0) {
    return Status::InvalidArgument(fmt::format("expected a non-negative integer, got '{}'", text));
  }
  return v;
}

Result<int64_t> ParseDurationNs(std::string_view text, int64_t default_unit_ns) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  std::string_view num = text.substr(0, i), unit = text.substr(i);
  auto bad = [&] {
    return Status::InvalidArgument(fmt::format(
        "bad duration '{}': expected a number and a unit (ns, us, ms, s, m, h), e.g. 250ms or 10s",
        text));
  };
  if (num.empty()) return bad();
  auto v = ParseDouble(num);
  if (!v.ok()) return bad();
  double mult;
  if (unit == "ns")
    mult = 1;
  else if (unit == "us")
    mult = 1e3;
  else if (unit == "ms")
    mult = 1e6;
  else if (unit == "s")
    mult = 1e9;
  else if (unit == "m")
    mult = 60e9;
  else if (unit == "h")
    mult = 3600e9;
  else if (unit.empty() && (*v == 0 || default_unit_ns > 0))
    mult = double(default_unit_ns);
  else
    return bad();
  double ns = *v * mult;
  if (ns > 9.2e18) return bad();
  return static_cast<int64_t>(std::llround(ns));
}

Result<double> ParseFraction(std::string_view text) {
  bool pct = !text.empty() && text.back() == '%';
  auto v = ParseDouble(pct ? text.substr(0, text.size() - 1) : text);
  double f = v.ok() ? (pct ? *v / 100.0 : *v) : -1;
  if (!v.ok() || f < 0 || f > 1) {
    return Status::InvalidArgument(
        fmt::format("bad fraction '{}': expected a percent like 1% or a fraction in [0, 1]", text));
  }
  return f;
}

std::string FormatDurationUs(double us) {
  auto sig3 = [](double v) {
    if (v >= 100) return fmt::format("{:.0f}", v);
    if (v >= 10) return fmt::format("{:.1f}", v);
    return fmt::format("{:.2f}", v);
  };
  if (us < 1000) return sig3(us) + "us";
  if (us < 1e6) return sig3(us / 1e3) + "ms";
  return sig3(us / 1e6) + "s";
}

namespace {
std::string FormatTimeMs(int64_t unix_ms, bool utc) {
  if (unix_ms <= 0) return "-";
  const time_t secs = time_t(unix_ms / 1000);
  tm t{};
  if (utc) {
    gmtime_r(&secs, &t);
  } else {
    localtime_r(&secs, &t);
  }
  char buf[40];
  std::strftime(buf, sizeof buf, utc ? "%Y-%m-%d %H:%M:%S UTC" : "%Y-%m-%d %H:%M:%S", &t);
  return buf;
}
}  // namespace

std::string FormatLocalTimeMs(int64_t unix_ms) { return FormatTimeMs(unix_ms, false); }
std::string FormatUtcTimeMs(int64_t unix_ms) { return FormatTimeMs(unix_ms, true); }

}  // namespace vitals
