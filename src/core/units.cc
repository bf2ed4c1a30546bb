#include "core/units.h"

#include <ctime>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>

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

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Days since 1970-01-01 of a civil date (proleptic Gregorian; Howard Hinnant's algorithm).
int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::optional<int64_t> ParseRfc3339Ms(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (!Digits(s, 0, 4, &y) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' ||
      !Digits(s, 17, 2, &sec)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  size_t i = 19;
  int64_t ms = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int64_t scale = 100;
    const size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ms += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return std::nullopt;
  }
  int64_t offset_min = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!Digits(s, i + 1, 2, &oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
        !Digits(s, i + 4, 2, &om)) {
      return std::nullopt;
    }
    offset_min = (s[i] == '+' ? 1 : -1) * (oh * 60 + om);
    i += 6;
  } else {
    return std::nullopt;  // RFC 3339 requires a zone: Z or an offset
  }
  if (i != s.size()) return std::nullopt;
  const int64_t secs = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
  return (secs - offset_min * 60) * 1000 + ms;
}

}  // namespace

Result<int64_t> ParseTimeMs(std::string_view text, int64_t now_unix_ms) {
  auto bad = [&]() {
    return Status::InvalidArgument(fmt::format(
        "time '{}': expected RFC 3339 (2026-12-06T01:02:03Z or with an offset, +01:00), Unix "
        "seconds (1796519689), now, or now-DURATION (now-15m)",
        text));
  };
  if (text == "now") return now_unix_ms;
  if (text.substr(0, 4) == "now-" || text.substr(0, 4) == "now+") {
    auto d = ParseDurationNs(text.substr(4));
    if (!d.ok()) return bad();
    return now_unix_ms + (text[3] == '-' ? -1 : 1) * (*d / 1'000'000);
  }
  if (!text.empty() && text.find_first_not_of("0123456789.") == std::string_view::npos) {
    auto v = ParseDouble(text);
    if (!v.ok() || *v < 0) return bad();
    return int64_t(*v * 1000.0 + 0.5);
  }
  if (auto ms = ParseRfc3339Ms(text)) return *ms;
  return bad();
}

}  // namespace vitals
