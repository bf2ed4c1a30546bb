// Fuzz target for the PostgreSQL plan logic: ParsePlanJson + AppendPlanFacts, and the SQL
// tokenizer behind IsSafeToAnalyze / IsExplainable / CountParams.
// Asserts: no crash; a parsed plan has a node for its hottest index and a fingerprint that
// AccessPaths and DescribePlanChange accept; a statement judged safe to analyse starts with
// SELECT or WITH and has no parameters.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "collect/postgres_plan.h"

namespace {
void Check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string why;
  const bool safe = vitals::detail::IsSafeToAnalyze(text, &why);
  Check(safe == why.empty());
  if (safe) {
    Check(vitals::detail::IsExplainable(text));
    Check(vitals::detail::CountParams(text) == 0);
  }

  auto plan = vitals::detail::ParsePlanJson(text);
  if (!plan.ok()) return 0;
  Check(!plan->nodes.empty());
  Check(plan->hottest >= 0 && plan->hottest < static_cast<int>(plan->nodes.size()));
  (void)vitals::detail::AccessPaths(plan->fingerprint);
  (void)vitals::detail::DescribePlanChange(plan->fingerprint, "Seq Scan public.t");
  vitals::detail::PlanContext ctx;
  ctx.queryid = "1";
  std::vector<vitals::Fact> facts;
  vitals::detail::AppendPlanFacts(*plan, ctx, &facts);
  Check(!facts.empty() && facts[0].kind == "pg.plan");
  return 0;
}
