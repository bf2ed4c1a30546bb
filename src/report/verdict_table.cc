#include "report/verdict_table.h"

#include <algorithm>

#include <fmt/format.h>

namespace vitals {

std::string VerdictDetail(const ThresholdVerdict& v) {
  if (!v.has_value) return v.message;
  if (!v.window) return "";
  if (v.windows == 0) return fmt::format("{:g}-{:g}s", v.window->start_s, v.window->end_s);
  return fmt::format("worst {:g}-{:g}s, {} of {} failed", v.window->start_s, v.window->end_s,
                     v.windows_failed, v.windows);
}

std::string FormatVerdictTable(const std::vector<ThresholdVerdict>& verdicts) {
  if (verdicts.empty()) return "";
  size_t expr_w = std::string_view("THRESHOLD").size();
  size_t value_w = std::string_view("VALUE").size();
  for (const ThresholdVerdict& v : verdicts) {
    expr_w = std::max(expr_w, v.expr.size());
    value_w = std::max(value_w, v.value_text.size());
  }
  std::string out;
  auto row = [&](std::string_view expr, std::string_view value, std::string_view result,
                 const std::string& detail) {
    std::string line = fmt::format("{:<{}}  {:<{}}  {:<6}", expr, expr_w, value, value_w, result);
    if (!detail.empty()) line += "  " + detail;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  row("THRESHOLD", "VALUE", "RESULT", "WINDOW");
  int passed = 0;
  for (const ThresholdVerdict& v : verdicts) {
    passed += v.ok ? 1 : 0;
    row(v.expr, v.value_text, v.ok ? "ok" : "FAILED", VerdictDetail(v));
  }
  out += fmt::format("{} of {} thresholds passed\n", passed, verdicts.size());
  return out;
}

}  // namespace vitals
