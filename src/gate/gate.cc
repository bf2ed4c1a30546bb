#include "gate/gate.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace vitals::gate {
namespace {

std::string SignedPct(double fraction) {
  if (std::isinf(fraction)) return fraction > 0 ? "+inf%" : "-inf%";
  return fmt::format("{:+.1f}%", fraction * 100);
}

std::string Significance(const MetricComparison& c, double alpha) {
  if (c.verdict == Verdict::kNotTestable) return "not testable";
  const double p = PValue(c);
  return fmt::format("{} (p={:.2g})", p <= alpha && c.verdict != Verdict::kNoChange ? "yes" : "no",
                     p);
}

RuleResult Evaluate(const PolicyRule& rule, const MetricComparison& c, double alpha,
                    const EnvironmentCheck* env) {
  RuleResult r;
  r.rule = rule.Describe();
  r.phase = c.phase;
  r.metric = rule.metric;
  r.baseline = c.a;
  r.candidate = c.b;
  r.policy_line = rule.line;
  double change = 0;
  bool exceeded = false;
  std::string typical_note;
  switch (rule.kind) {
    case LimitKind::kMaxIncrease:
      change =
          c.a != 0 ? (c.b - c.a) / c.a : (c.b > 0 ? std::numeric_limits<double>::infinity() : 0);
      exceeded = change > rule.limit;
      // A few disturbed intervals can inflate the baseline's whole-run percentile and hide a
      // slowdown: the change of the typical interval counts too.
      if (!exceeded && IsLatency(rule.metric) && c.a_median > 0 && std::isfinite(c.b_median)) {
        const double typical = (c.b_median - c.a_median) / c.a_median;
        if (typical > rule.limit) {
          exceeded = true;
          typical_note = fmt::format(" (per-interval median {} -> {}, {})",
                                     FormatValue(rule.metric, c.a_median),
                                     FormatValue(rule.metric, c.b_median), SignedPct(typical));
        }
      }
      r.change_text = SignedPct(change);
      r.limit_text = SignedPct(rule.limit);
      break;
    case LimitKind::kMaxDecrease:
      change = c.a != 0 ? (c.b - c.a) / c.a : 0;
      exceeded = -change > rule.limit;
      r.change_text = SignedPct(change);
      r.limit_text = SignedPct(-rule.limit);
      break;
    case LimitKind::kMaxIncreasePoints:
      change = c.b - c.a;
      exceeded = change > rule.limit;
      r.change_text = fmt::format("{:+.2f} pt", change * 100);
      r.limit_text = fmt::format("+{:g} pt", rule.limit * 100);
      break;
  }
  r.significance_text = rule.significant ? Significance(c, alpha) : "-";
  const std::string where = c.phase.empty() ? "" : fmt::format(" in phase '{}'", c.phase);
  const std::string moved =
      fmt::format("{}{}: {} -> {} ({}, limit {}){}", MetricName(rule.metric), where,
                  FormatValue(rule.metric, c.a), FormatValue(rule.metric, c.b), r.change_text,
                  r.limit_text, typical_note);
  if (rule.significant && c.verdict == Verdict::kNotTestable) {
    r.outcome = RuleOutcome::kNotTestable;
    r.message =
        fmt::format("{}; cannot tell whether it is significant: {}", moved, c.not_testable_reason);
    return r;
  }
  if (env && !env->stable && rule.metric != Metric::kErrorRate) {
    r.outcome = RuleOutcome::kUnstable;
    r.message = fmt::format(
        "{}: not judged, the two runs' environments differ (see the environment lines)", moved);
    return r;
  }
  if (!exceeded) {
    r.message = moved + ": within the limit";
    return r;
  }
  if (rule.significant && c.verdict != Verdict::kRegression && env && IsLatency(rule.metric) &&
      env->Noisy()) {
    // On a noisy machine a real slowdown can drown in the noise: over the limit but not
    // significant is "cannot tell", not a pass.
    r.outcome = RuleOutcome::kUnstable;
    r.message = fmt::format(
        "{}: over the limit but not significant ({} p={:.2g} > alpha {:g}) on a noisy "
        "machine: a real slowdown could hide in that noise, so it is not judged",
        moved, TestName(c), PValue(c), alpha);
    return r;
  }
  if (rule.significant && c.verdict != Verdict::kRegression) {
    r.message = fmt::format(
        "{}: over the limit but not significant ({} p={:.2g} > "
        "alpha {:g}): noise, not a regression",
        moved, TestName(c), PValue(c), alpha);
    return r;
  }
  if (env && IsLatency(rule.metric)) {
    const double floor = env->FloorFor(rule.metric, c.a);
    if (std::abs(c.b - c.a) <= floor) {
      r.outcome = RuleOutcome::kWithinNoise;
      r.message = fmt::format(
          "{}: over the limit and significant, but the change ({}) is no larger than what "
          "this machine moves between identical runs (floor {}{}): within noise, not judged",
          moved, FormatValue(rule.metric, std::abs(c.b - c.a)), FormatValue(rule.metric, floor),
          env->repeat_floor.count(rule.metric)
              ? fmt::format(", from the noise figures and {} repeated baseline runs",
                            env->repeat_runs)
              : ", from the generator's sched delay");
      return r;
    }
  }
  r.outcome = RuleOutcome::kFail;
  r.message = rule.significant
                  ? fmt::format(
                        "{}: over the limit by {:.1f} points and significant "
                        "({} p={:.2g} <= alpha {:g})",
                        moved, (std::abs(change) - rule.limit) * 100, TestName(c), PValue(c), alpha)
                  : fmt::format("{}: over the limit", moved);
  return r;
}

RuleResult MissingScope(const PolicyRule& rule, const std::string& phase) {
  RuleResult r;
  r.rule = rule.Describe();
  r.metric = rule.metric;
  r.phase = phase;
  r.policy_line = rule.line;
  r.outcome = RuleOutcome::kNotTestable;
  r.change_text = r.limit_text = r.significance_text = "-";
  r.message = fmt::format(
      "phase '{}' is not in both runs, so this rule cannot be checked (fix "
      "the scope in the policy)",
      phase);
  return r;
}

RuleResult EvaluateConsecutive(const ConsecutiveRule& rule, const RunData& baseline,
                               const std::vector<RecentRun>& recent) {
  RuleResult r;
  r.rule = rule.Describe();
  r.metric = rule.metric;
  r.baseline = ScopeValue(baseline.overall, rule.metric);
  r.candidate = recent.empty() ? 0 : recent.front().value;
  r.limit_text = SignedPct(rule.max_increase);
  r.significance_text = "-";
  const double ref = r.baseline;
  int over = 0;
  std::string values;
  for (const RecentRun& run : recent) {
    if (ref > 0 && (run.value - ref) / ref > rule.max_increase) ++over;
    if (!values.empty()) values += ", ";
    values += fmt::format("{} {}", run.id,
                          ref > 0 ? SignedPct((run.value - ref) / ref) : std::string("?"));
  }
  // The streak counts from the newest run back.
  int streak = 0;
  for (const RecentRun& run : recent) {
    if (!(ref > 0 && (run.value - ref) / ref > rule.max_increase)) break;
    ++streak;
  }
  r.change_text = fmt::format("{}/{} runs", streak, rule.runs);
  if (int(recent.size()) < rule.runs) {
    r.message = fmt::format(
        "only {} run(s) with the candidate's tags so far, the rule needs {}: "
        "passes until there are enough ({})",
        recent.size(), rule.runs, values.empty() ? "none" : values);
    return r;
  }
  if (streak >= rule.runs) {
    r.outcome = RuleOutcome::kFail;
    r.message = fmt::format("{} above baseline {} by more than {} in each of the last {} runs: {}",
                            MetricName(rule.metric), FormatValue(rule.metric, ref),
                            SignedPct(rule.max_increase), rule.runs, values);
  } else {
    r.message = fmt::format("{} of the last {} runs above the limit: {}", over, rule.runs, values);
  }
  return r;
}

}  // namespace

const char* RuleOutcomeName(RuleOutcome o) {
  switch (o) {
    case RuleOutcome::kPass:
      return "pass";
    case RuleOutcome::kFail:
      return "FAIL";
    case RuleOutcome::kNotTestable:
      return "not testable";
    case RuleOutcome::kUnstable:
      return "unstable";
    case RuleOutcome::kWithinNoise:
      return "within noise";
  }
  return "?";
}

GateResult EvaluateGate(const Comparison& cmp, const Policy& policy, const RunData& baseline,
                        const std::vector<RecentRun>& recent, const EnvironmentCheck* environment) {
  GateResult g;
  if (environment) g.environment = *environment;
  for (const PolicyRule& rule : policy.rules) {
    std::vector<std::string> scopes;
    if (rule.scope == "overall") {
      scopes.push_back("");
    } else if (rule.scope == "each_phase") {
      for (const MetricComparison& c : cmp.metrics) {
        if (c.metric == rule.metric && !c.phase.empty()) scopes.push_back(c.phase);
      }
      if (scopes.empty()) scopes.push_back("");  // one phase: the overall numbers are it
    } else {
      scopes.push_back(rule.scope);
    }
    for (const std::string& phase : scopes) {
      const MetricComparison* c = cmp.Find(rule.metric, phase);
      // A single-phase run is compared overall only; its phase is the whole run.
      if (!c && !phase.empty() && baseline.phases.size() == 1 &&
          baseline.phases.front().phase == phase) {
        c = cmp.Find(rule.metric, "");
      }
      g.rules.push_back(c ? Evaluate(rule, *c, policy.alpha, environment)
                          : MissingScope(rule, phase));
    }
  }
  if (policy.consecutive.enabled) {
    g.rules.push_back(EvaluateConsecutive(policy.consecutive, baseline, recent));
  }
  for (const RuleResult& r : g.rules) {
    g.failed += r.outcome == RuleOutcome::kFail;
    g.not_testable += r.outcome == RuleOutcome::kNotTestable;
    g.unstable += r.outcome == RuleOutcome::kUnstable || r.outcome == RuleOutcome::kWithinNoise;
  }
  // Runs too short (not testable) is the first thing to fix, before any environment.
  g.outcome = g.failed         ? GateOutcome::kFail
              : g.not_testable ? GateOutcome::kUndecided
              : g.unstable     ? GateOutcome::kUnstable
                               : GateOutcome::kPass;
  return g;
}

Result<std::vector<RecentRun>> RecentRuns(Store& store, const RunData& candidate,
                                          const ConsecutiveRule& rule) {
  RunFilter filter;
  for (const auto& kv : candidate.tags) {
    if (std::find(rule.ignore_tags.begin(), rule.ignore_tags.end(), kv.first) ==
        rule.ignore_tags.end()) {
      filter.tags.push_back(kv);
    }
  }
  auto listed = store.ListRuns(filter);
  if (!listed.ok()) return listed.status();
  std::vector<RecentRun> out;
  bool started = false;
  if (candidate.from_json_file) {
    out.push_back({candidate.id, ScopeValue(candidate.overall, rule.metric)});
    started = true;
  }
  for (const RunInfo& info : *listed) {
    if (int(out.size()) >= rule.runs) break;
    if (!started) {
      started = info.id == candidate.id;
      if (!started) continue;
    } else if (candidate.from_json_file && info.started_unix_ms >= candidate.started_unix_ms) {
      continue;
    }
    if (info.status != RunStatus::kCompleted) continue;
    if (info.id == candidate.id) {
      out.push_back({info.id, ScopeValue(candidate.overall, rule.metric)});
      continue;
    }
    auto run = store.GetRun(info.id);
    if (!run.ok()) return run.status();
    const RunData d = FromStoredRun(*run, info.id);
    if (!candidate.scenario_fingerprint.empty() &&
        d.scenario_fingerprint != candidate.scenario_fingerprint) {
      continue;
    }
    out.push_back({info.id, ScopeValue(d.overall, rule.metric)});
  }
  return out;
}

}  // namespace vitals::gate
