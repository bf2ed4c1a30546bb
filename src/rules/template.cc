#include "rules/template.h"

#include <cctype>
#include <cmath>

#include <fmt/format.h>

namespace vitals {

Result<RuleTemplate> RuleTemplate::Parse(std::string_view text) {
  RuleTemplate t;
  t.text_ = std::string(text);
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) {
      Part p;
      p.literal = std::move(literal);
      t.parts_.push_back(std::move(p));
      literal.clear();
    }
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        literal += '}';
        ++i;
        continue;
      }
      return Status::InvalidArgument(fmt::format(
          "column {}: '}}' without a matching '{{'; write '}}}}' for a literal brace", i + 1));
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      ++i;
      continue;
    }
    size_t close = text.find('}', i);
    if (close == std::string_view::npos) {
      return Status::InvalidArgument(fmt::format(
          "column {}: '{{' is not closed; expected {{field}} or '{{{{' for a literal brace",
          i + 1));
    }
    std::string_view inside = text.substr(i + 1, close - i - 1);
    std::string_view name = inside;
    std::string_view filter;
    if (size_t bar = inside.find('|'); bar != std::string_view::npos) {
      name = inside.substr(0, bar);
      filter = inside.substr(bar + 1);
    }
    bool valid =
        !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
    for (char n : name) {
      valid = valid && (std::isalnum(static_cast<unsigned char>(n)) || n == '_' || n == '.');
    }
    if (!valid) {
      return Status::InvalidArgument(fmt::format(
          "column {}: '{{{}}}' is not a field name; expected letters, digits, '_' or '.' "
          "(write '{{{{' for a literal brace)",
          i + 1, inside));
    }
    Part p;
    p.name = std::string(name);
    if (filter == "pct") {
      p.filter = Filter::kPct;
    } else if (filter == "bytes") {
      p.filter = Filter::kBytes;
    } else if (filter == "dur") {
      p.filter = Filter::kDur;
    } else if (!filter.empty() || inside.find('|') != std::string_view::npos) {
      return Status::InvalidArgument(
          fmt::format("column {}: unknown filter '{}' in '{{{}}}'; expected pct, bytes or dur",
                      i + 1, filter, inside));
    }
    flush();
    t.parts_.push_back(std::move(p));
    i = close;
  }
  flush();
  return t;
}

namespace {
std::string ApplyFilter(double v, RuleTemplate::Filter f) {
  switch (f) {
    case RuleTemplate::Filter::kPct:
      return FormatPct(v);
    case RuleTemplate::Filter::kBytes:
      return FormatBytes(v);
    case RuleTemplate::Filter::kDur:
      return FormatSeconds(v);
    case RuleTemplate::Filter::kNone:
      break;
  }
  return FormatCompact(v);
}
}  // namespace

std::string RuleTemplate::Render(const Fact& fact, std::optional<double> value) const {
  std::string out;
  for (const auto& p : parts_) {
    if (p.name.empty()) {
      out += p.literal;
    } else if (p.name == "subject") {
      out += fact.subject;
    } else if (p.name == "value" && value) {
      out += ApplyFilter(*value, p.filter);
    } else if (auto it = fact.num.find(p.name); it != fact.num.end()) {
      out += ApplyFilter(it->second, p.filter);
    } else if (auto it = fact.text.find(p.name); it != fact.text.end()) {
      out += it->second;
    } else {
      out += '?';
    }
  }
  return out;
}

std::string FormatCompact(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
  double a = std::fabs(v);
  if (a >= 1e15) return fmt::format("{:.3g}", v);
  if (v == std::round(v)) return fmt::format("{:.0f}", v);
  if (a >= 100) return fmt::format("{:.0f}", v);
  std::string s = fmt::format("{:.3g}", v);
  return s;
}

std::string FormatPct(double ratio) {
  double p = ratio * 100;
  if (!std::isfinite(p)) return FormatCompact(p) + "%";
  if (std::fabs(p) >= 10 || p == std::round(p)) return fmt::format("{:.1f}%", p);
  return fmt::format("{:.2g}%", p);
}

std::string FormatBytes(double bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = bytes;
  int u = 0;
  while (std::fabs(v) >= 1024 && u < 6) {
    v /= 1024;
    ++u;
  }
  if (u == 0) return FormatCompact(v) + " B";
  return fmt::format("{} {}",
                     FormatCompact(std::fabs(v) >= 100 ? std::round(v) : std::round(v * 10) / 10),
                     kUnits[u]);
}

std::string FormatSeconds(double s) {
  if (!std::isfinite(s)) return FormatCompact(s) + "s";
  double a = std::fabs(s);
  if (a < 1e-3) return FormatCompact(std::round(s * 1e7) / 10) + "us";
  if (a < 1) return FormatCompact(std::round(s * 1e4) / 10) + "ms";
  if (a < 60) return FormatCompact(std::round(s * 100) / 100) + "s";
  auto whole = static_cast<long long>(std::llround(a));
  std::string sign = s < 0 ? "-" : "";
  if (whole < 3600) return fmt::format("{}{}m{}s", sign, whole / 60, whole % 60);
  if (whole < 86400) return fmt::format("{}{}h{}m", sign, whole / 3600, whole % 3600 / 60);
  return fmt::format("{}{}d{}h", sign, whole / 86400, whole % 86400 / 3600);
}

}  // namespace vitals
