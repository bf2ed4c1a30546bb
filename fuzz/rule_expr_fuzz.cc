// Fuzzes the rule expression parser and evaluator, and the template parser
// and renderer (src/rules): any input must either parse or yield an error,
// and a parsed expression must evaluate without crashing against facts that
// hold numbers, texts, zeros, infinities and NaN.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "rules/expr.h"
#include "rules/template.h"

namespace {

const vitals::Fact& SampleFact(int which) {
  static const vitals::Fact kFacts[] = {
      {"host",
       "host.cpu",
       "host",
       {{"a", 1}, {"b", 0}, {"busy_ratio", 0.9}, {"x.y", -3}},
       {{"t", "text"}, {"policy", "noeviction"}}},
      {"redis",
       "redis.info",
       "r",
       {{"a", std::numeric_limits<double>::infinity()},
        {"b", std::numeric_limits<double>::quiet_NaN()},
        {"c", std::numeric_limits<double>::max()}},
       {}},
      {},
  };
  return kFacts[which];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto expr = vitals::RuleExpr::Parse(text);
  if (expr.ok()) {
    for (int i = 0; i < 3; ++i) {
      const vitals::Fact& f = SampleFact(i);
      bool t = expr->Test(f);
      auto n = expr->Number(f);
      // Contract: a condition has no number; a number is finite.
      if (expr->IsCondition() && n.has_value()) __builtin_trap();
      if (n.has_value() && !std::isfinite(*n)) __builtin_trap();
      if (!expr->IsCondition() && t) __builtin_trap();
    }
    (void)expr->Fields();
  } else if (expr.status().message().rfind("column ", 0) != 0) {
    __builtin_trap();  // every parse error names its column
  }
  auto tmpl = vitals::RuleTemplate::Parse(text);
  if (tmpl.ok()) {
    for (int i = 0; i < 3; ++i) (void)tmpl->Render(SampleFact(i), i == 0 ? 0.5 : std::nan(""));
  }
  return 0;
}
