#include "alerting/go_format.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace vitals::alerting {
namespace {

// The shortest round-trip digits of |v| (finite, non-zero) and the decimal
// exponent of the first digit: 1234.5 -> "12345", 3.
void ShortestDigits(double v, std::string* digits, int* exp10) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
  std::string s(buf, r.ptr);
  size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  *exp10 = std::atoi(s.c_str() + e + 1);
  digits->clear();
  for (char c : mant) {
    if (c != '.') digits->push_back(c);
  }
}

std::string ExponentSuffix(char e, int exp10) {
  return fmt::format("{}{}{:02d}", e, exp10 < 0 ? '-' : '+', std::abs(exp10));
}

std::string Special(double v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "+Inf" : "-Inf";
}

}  // namespace

std::string GoFloat(double v) {
  if (!std::isfinite(v)) return Special(v);
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  std::string digits;
  int exp10 = 0;
  ShortestDigits(v, &digits, &exp10);
  std::string out = v < 0 ? "-" : "";
  if (exp10 < -4 || exp10 >= 6) {
    out += digits[0];
    if (digits.size() > 1) out += "." + digits.substr(1);
    return out + ExponentSuffix('e', exp10);
  }
  if (exp10 < 0) return out + "0." + std::string(-exp10 - 1, '0') + digits;
  size_t int_digits = size_t(exp10) + 1;
  if (digits.size() <= int_digits)
    return out + digits + std::string(int_digits - digits.size(), '0');
  return out + digits.substr(0, int_digits) + "." + digits.substr(int_digits);
}

std::string GoFloatE(double v) {
  if (!std::isfinite(v)) return Special(v);
  std::string digits = "0";
  int exp10 = 0;
  if (v != 0) ShortestDigits(v, &digits, &exp10);
  std::string out = std::signbit(v) ? "-" : "";
  out += digits[0];
  if (digits.size() > 1) out += "." + digits.substr(1);
  return out + ExponentSuffix('E', exp10);
}

std::string GoPrecG(double v, int prec) {
  if (!std::isfinite(v)) return Special(v);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", prec, v);
  return buf;
}

std::string GoDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string sign = ms < 0 ? "-" : "";
  uint64_t u = ms < 0 ? uint64_t(-ms) : uint64_t(ms);
  if (u < 1000) return sign + std::to_string(u) + "ms";
  uint64_t h = u / 3'600'000, m = (u / 60'000) % 60, s = (u / 1000) % 60, frac = u % 1000;
  std::string secs = std::to_string(s);
  if (frac != 0) {
    std::string f = fmt::format("{:03d}", frac);
    while (f.back() == '0') f.pop_back();
    secs += "." + f;
  }
  if (h > 0) return sign + fmt::format("{}h{}m{}s", h, m, secs);
  if (m > 0) return sign + fmt::format("{}m{}s", m, secs);
  return sign + secs + "s";
}

std::string PromDurationString(int64_t ms) {
  if (ms == 0) return "0s";
  struct Unit {
    const char* name;
    int64_t ms;
  };
  static constexpr Unit kUnits[] = {{"y", 365LL * 24 * 3600 * 1000},
                                    {"w", 7LL * 24 * 3600 * 1000},
                                    {"d", 24LL * 3600 * 1000},
                                    {"h", 3600LL * 1000},
                                    {"m", 60LL * 1000},
                                    {"s", 1000},
                                    {"ms", 1}};
  std::string out = ms < 0 ? "-" : "";
  int64_t left = std::llabs(ms);
  for (const Unit& u : kUnits) {
    if (left >= u.ms) {
      out += std::to_string(left / u.ms) + u.name;
      left %= u.ms;
    }
  }
  return out;
}

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += char(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace vitals::alerting
