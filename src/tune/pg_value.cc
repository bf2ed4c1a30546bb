#include "tune/pg_value.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

namespace vitals {
namespace {

struct UnitInfo {
  int family;  // 1 memory (bytes), 2 time (ms)
  double scale;
};

std::optional<UnitInfo> Unit(std::string_view u) {
  if (u == "B") return UnitInfo{1, 1};
  if (u == "kB") return UnitInfo{1, 1024.0};
  if (u == "8kB") return UnitInfo{1, 8 * 1024.0};
  if (u == "16kB") return UnitInfo{1, 16 * 1024.0};
  if (u == "MB") return UnitInfo{1, 1024.0 * 1024};
  if (u == "16MB") return UnitInfo{1, 16 * 1024.0 * 1024};
  if (u == "GB") return UnitInfo{1, 1024.0 * 1024 * 1024};
  if (u == "TB") return UnitInfo{1, 1024.0 * 1024 * 1024 * 1024};
  if (u == "us") return UnitInfo{2, 0.001};
  if (u == "ms") return UnitInfo{2, 1};
  if (u == "s") return UnitInfo{2, 1000};
  if (u == "min") return UnitInfo{2, 60'000};
  if (u == "h") return UnitInfo{2, 3'600'000};
  if (u == "d") return UnitInfo{2, 86'400'000};
  return std::nullopt;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<bool> Bool(std::string_view v) {
  const std::string l = Lower(v);
  if (l == "on" || l == "true" || l == "yes" || l == "1" || l == "t") return true;
  if (l == "off" || l == "false" || l == "no" || l == "0" || l == "f") return false;
  return std::nullopt;
}

}  // namespace

std::optional<double> PgValueInUnit(std::string_view value, std::string_view unit) {
  std::string text(value);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  const char* begin = text.c_str();
  char* end = nullptr;
  const double number = std::strtod(begin, &end);
  if (end == begin) return std::nullopt;
  std::string_view suffix(end);
  while (!suffix.empty() && suffix.front() == ' ') suffix.remove_prefix(1);
  if (suffix.empty()) return number;
  auto from = Unit(suffix);
  auto to = Unit(unit);
  if (!from || !to || from->family != to->family) return std::nullopt;
  return number * from->scale / to->scale;
}

bool PgSettingEquals(std::string_view setting, std::string_view unit, std::string_view vartype,
                     std::string_view value) {
  if (vartype == "bool") {
    auto a = Bool(setting), b = Bool(value);
    return a && b && *a == *b;
  }
  if (vartype == "integer" || vartype == "real") {
    auto a = PgValueInUnit(setting, "");
    auto b = PgValueInUnit(value, unit);
    if (!a || !b) return false;
    if (vartype == "integer") return std::llround(*a) == std::llround(*b);
    return std::fabs(*a - *b) <= 1e-9 * std::max(1.0, std::fabs(*a));
  }
  return Lower(setting) == Lower(value);
}

bool IsPgSettingName(std::string_view name) {
  if (name.empty() || !(std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_')) {
    return false;
  }
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

}  // namespace vitals
