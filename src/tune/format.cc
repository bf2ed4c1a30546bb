// The plan as text and JSON (docs/tune.md).
#include <fmt/format.h>

#include "tune/plan.h"

namespace vitals {

const char* TuneStrategyName(TuneStrategy s) {
  switch (s) {
    case TuneStrategy::kConservative:
      return "conservative";
    case TuneStrategy::kBalanced:
      return "balanced";
    case TuneStrategy::kAggressive:
      return "aggressive";
  }
  return "?";
}

const char* TuneWorkloadName(TuneWorkload w) {
  switch (w) {
    case TuneWorkload::kWeb:
      return "web";
    case TuneWorkload::kOltp:
      return "oltp";
    case TuneWorkload::kDw:
      return "dw";
    case TuneWorkload::kMixed:
      return "mixed";
  }
  return "?";
}

const char* TuneStorageName(TuneStorage s) {
  switch (s) {
    case TuneStorage::kSsd:
      return "ssd";
    case TuneStorage::kHdd:
      return "hdd";
    case TuneStorage::kSan:
      return "san";
  }
  return "?";
}

namespace {

std::string Bytes(int64_t b) {
  if (b >= (int64_t{1} << 30)) return fmt::format("{:.1f} GiB", b / double(int64_t{1} << 30));
  return fmt::format("{} MiB", b >> 20);
}

}  // namespace

std::string PlanToText(const Plan& plan) {
  const TuneOptions& o = plan.options;
  std::string out = fmt::format("vitals tune plan: strategy {}, workload {}, storage {}",
                                TuneStrategyName(o.strategy), TuneWorkloadName(o.workload),
                                TuneStorageName(o.storage));
  if (o.ram_bytes > 0) out += fmt::format("; RAM {} ({})", Bytes(o.ram_bytes), o.ram_source);
  if (o.cores > 0) out += fmt::format(", {} cores ({})", o.cores, o.cores_source);
  out += "\n";
  for (const auto& [component, target] : plan.targets) {
    out += fmt::format("\n{} {}\n", component, target);
    int shown = 0;
    for (const auto& i : plan.items) {
      if (i.component != component) continue;
      ++shown;
      if (!i.skip.empty()) {
        out += fmt::format("  = {}  {}  (left alone: {})\n", i.name,
                           i.current.empty() ? "(unset)" : i.current, i.skip);
        out += fmt::format("      would be {}: {}  [{}]\n", i.proposed, i.rule, i.source);
        continue;
      }
      out += fmt::format("  ~ {}  {} -> {}\n", i.name, i.current.empty() ? "(unset)" : i.current,
                         i.proposed);
      out += fmt::format("      rule: {}  [{}]\n", i.rule, i.source);
      out += fmt::format("      effect: {}; {}\n", i.effect,
                         i.exact_undo ? "undone exactly by --rollback"
                                      : "NOT undone exactly: " + i.detail.value("undo", ""));
    }
    if (shown == 0) out += "  (nothing to change)\n";
  }
  if (!plan.notes.empty()) {
    out += "\nnotes:\n";
    for (const auto& n : plan.notes) out += "  - " + n + "\n";
  }
  if (!plan.apply_needs.empty()) {
    out += "\napply needs:\n";
    for (const auto& n : plan.apply_needs) out += "  - " + n + "\n";
  }
  const int n = plan.ApplicableCount();
  out += fmt::format("\n{} change{} planned, {} left alone.\n", n, n == 1 ? "" : "s",
                     static_cast<int>(plan.items.size()) - n);
  return out;
}

nlohmann::json PlanToJson(const Plan& plan) {
  const TuneOptions& o = plan.options;
  nlohmann::json items = nlohmann::json::array();
  for (const auto& i : plan.items) {
    nlohmann::json j = {{"kind", i.kind},          {"component", i.component},
                        {"name", i.name},          {"current", i.current},
                        {"proposed", i.proposed},  {"rule", i.rule},
                        {"source", i.source},      {"effect", i.effect},
                        {"restart", i.restart},    {"exact_undo", i.exact_undo},
                        {"apply", i.skip.empty()}, {"detail", i.detail}};
    if (!i.skip.empty()) j["skip"] = i.skip;
    items.push_back(std::move(j));
  }
  return {{"strategy", TuneStrategyName(o.strategy)},
          {"workload", TuneWorkloadName(o.workload)},
          {"storage", TuneStorageName(o.storage)},
          {"ram_bytes", o.ram_bytes},
          {"ram_source", o.ram_source},
          {"cores", o.cores},
          {"cores_source", o.cores_source},
          {"targets", plan.targets},
          {"items", items},
          {"notes", plan.notes},
          {"apply_needs", plan.apply_needs},
          {"changes", plan.ApplicableCount()}};
}

}  // namespace vitals
