#include "cli/tune_validate.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/load_target.h"
#include "cli/run_outputs.h"
#include "core/redact.h"
#include "core/units.h"
#include "gate/compare.h"
#include "gate/environment.h"
#include "gate/format.h"
#include "gate/gate.h"
#include "gate/policy.h"
#include "gate/run_data.h"
#include "load/engine.h"
#include "load/scenario.h"
#include "tune/engine.h"

namespace vitals::cli {
namespace {

// SIGINT / SIGTERM after the apply: stop the wait or the load, roll back, exit 130.
std::atomic<bool> g_interrupted{false};
void OnInterrupt(int) { g_interrupted.store(true); }

struct LoadRunOutcome {
  std::string run_id;
  std::string failure;  // the load failed outright (nothing succeeded, ...)
  std::string line;     // "run X: N requests, p95 Y, errors Z (R %)"
  uint64_t requests = 0;
  double error_rate = 0;
};

// A baseline where this share of the requests (or more) failed measures a broken target, not
// the system the change is for: nothing is applied.
constexpr double kBaselineMaxErrorRate = 0.5;

Result<LoadOptions> BuildLoad(const ValidateFlags& f, std::string* scenario_name) {
  LoadOptions o;
  if (LooksLikeScenario(f.target)) {
    auto sc = LoadScenario(f.target);
    if (!sc.ok()) return sc.status();
    ApplyScenario(*sc, &o);
    *scenario_name = sc->name;
    bool any_open = false;
    for (const ScenarioPhase& p : sc->phases) any_open |= p.model == LoadModel::kOpen;
    if (any_open) o.max_connections = std::max(o.connections, 1000);
    return o;
  }
  auto d = ParseDurationNs(f.duration);
  if (!d.ok()) return Status::InvalidArgument("--duration: " + d.status().message());
  o.url = f.target;
  o.model = f.rate > 0 ? LoadModel::kOpen : LoadModel::kClosed;
  o.connections = f.connections;
  const double level = f.rate > 0 ? f.rate : double(f.connections);
  o.stages.push_back(Stage{"main", *d, level, level});
  *scenario_name = "url";
  return o;
}

Result<LoadRunOutcome> RunOneLoad(const ValidateFlags& f, const std::string& store_path,
                                  const char* phase, std::atomic<bool>* stop) {
  std::string scenario_name;
  auto o = BuildLoad(f, &scenario_name);
  if (!o.ok()) return o.status();
  o->tags.emplace_back("tune_validate", phase);
  RunOutputsOptions oo;
  oo.store_path = store_path;
  oo.scenario_name = scenario_name;
  auto outputs = RunOutputs::Open(oo, &*o);
  if (!outputs.ok()) return outputs.status();
  auto result = RunLoad(*o, stop, [](const Progress&) {});
  if (!result.ok()) {
    (*outputs)->Fail(result.status().message());
    return result.status();
  }
  std::vector<ThresholdVerdict> verdicts;
  VITALS_RETURN_IF_ERROR((*outputs)->Finish(*o, &*result, &verdicts));
  LoadRunOutcome out;
  out.run_id = (*outputs)->run_id();
  out.failure = result->failure;
  out.requests = result->requests;
  out.error_rate = result->error_rate;
  out.line = fmt::format("{} load: run {}: {} requests, p95 {}, errors {} ({:.2f} %)", phase,
                         out.run_id, result->requests,
                         FormatDurationUs(double(result->latency_corrected.ValueAtPercentile(95))),
                         result->errors, 100 * result->error_rate);
  return out;
}

void Say(bool json, const std::string& line) {
  std::fprintf(json ? stderr : stdout, "%s\n", line.c_str());
  std::fflush(json ? stderr : stdout);
}

// Rolls back and says how it went; the exit code to return (`code` when complete, 1 when not).
int RollBack(TuneSession& session, Store& store, const std::string& id, const std::string& reason,
             int code, bool json, nlohmann::json* report) {
  auto back = RollbackBackup(session, store, id, reason);
  if (!back.ok()) {
    Say(json,
        fmt::format("validate: ROLLBACK FAILED for backup {}: {}", id, back.status().message()));
    (*report)["rollback"] = {{"ok", false}, {"error", back.status().message()}};
    return kExitFailure;
  }
  (*report)["rollback"] = {{"ok", back->ok()}, {"not_restored", back->not_restored}};
  if (back->ok()) {
    Say(json, fmt::format("validate: rolled back backup {} ({}): {} items restored and verified",
                          id, reason, back->items));
    return code;
  }
  Say(json, fmt::format("validate: rolled back backup {} ({}), but {} items are not as they were:",
                        id, reason, back->not_restored.size()));
  for (const auto& l : back->not_restored) Say(json, "  - " + l);
  return kExitFailure;
}

}  // namespace

void AddValidateFlags(CLI::App& app, ValidateFlags* f) {
  const char* g = "Validate (--apply --validate TARGET)";
  app.add_option("--validate", f->target,
                 "Run this load (scenario file or URL) before and after the apply, gate the pair "
                 "with the default policy and roll back on a regression or failed health check")
      ->type_name("SCENARIO|URL")
      ->group(g);
  app.add_option("--settle", f->settle, "Wait this long after the apply before the second load")
      ->type_name("DURATION")
      ->capture_default_str()
      ->group(g);
  app.add_option("-d,--duration", f->duration, "Each load's duration (URL target)")
      ->type_name("DURATION")
      ->capture_default_str()
      ->group(g);
  app.add_option("--rate", f->rate, "Open model at this many requests/s (URL target)")
      ->type_name("R")
      ->group(g);
  app.add_option("-c,--connections", f->connections, "Closed model connections (URL target)")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000))
      ->group(g);
  app.add_flag("--ignore-environment", f->ignore_environment,
               "Gate without the noise check between the two loads (as vitals gate)")
      ->group(g);
}

std::string CheckValidateFlags(const ValidateFlags& f) {
  if (!f.enabled()) return "";
  auto s = ParseDurationNs(f.settle);
  if (!s.ok() || *s < 0) return "--settle '" + f.settle + "': give a duration like 10s";
  if (!LooksLikeScenario(f.target)) {
    auto d = ParseDurationNs(f.duration);
    if (!d.ok() || *d <= 0) return "--duration '" + f.duration + "': give a duration like 10s";
    if (f.target.find("://") == std::string::npos) {
      return "--validate '" + f.target + "': give a scenario file (.yaml) or an http(s):// URL";
    }
  }
  return "";
}

int RunValidated(const ValidateFlags& f, TuneSession& session, const Plan& plan, Store& store,
                 bool json) {
  nlohmann::json report = {{"plan", PlanToJson(plan)}};
  auto emit = [&](int code) {
    report["exit_code"] = code;
    if (json) std::printf("%s\n", report.dump(2).c_str());
    return code;
  };
  // 0. Refuse before any load when the apply would be refused.
  if (!plan.apply_needs.empty() || plan.ApplicableCount() == 0) {
    auto refused = ApplyPlan(session, plan, store);  // returns the refusal, changes nothing
    std::fprintf(stderr, "vitals tune: error: %s\n", refused.status().message().c_str());
    return refused.status().code() == Status::Code::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  // 1. Baseline.
  Say(json, "validate: baseline load " + RedactSecrets(f.target));
  std::atomic<bool> no_stop{false};
  auto before = RunOneLoad(f, store.path(), "baseline", &no_stop);
  if (!before.ok() || !before->failure.empty()) {
    const std::string why = before.ok() ? before->failure : before.status().message();
    std::fprintf(stderr,
                 "vitals tune: error: the baseline load failed, so nothing was applied: %s\n",
                 why.c_str());
    return kExitFailure;
  }
  Say(json, before->line);
  report["baseline_run"] = before->run_id;
  if (before->requests == 0 || before->error_rate >= kBaselineMaxErrorRate) {
    std::fprintf(stderr,
                 "vitals tune: error: the baseline load failed %.0f %% of its requests (run %s), "
                 "so it cannot show whether the change helps or harms: nothing was applied.  "
                 "Fix the target (is it up? is the URL right?) and validate again\n",
                 100 * (before->requests == 0 ? 1.0 : before->error_rate), before->run_id.c_str());
    return emit(kExitFailure);
  }
  // 2. Apply.
  auto applied = ApplyPlan(session, plan, store);
  if (!applied.ok()) {
    std::fprintf(stderr, "vitals tune: error: %s\n", applied.status().message().c_str());
    return kExitFailure;
  }
  const std::string id = applied->backup_id;
  report["backup_id"] = id;
  if (!applied->ok()) {
    Say(json, fmt::format("Apply failed and was rolled back from backup {}:", id));
    for (const auto& p : applied->problems) Say(json, "  - " + p);
    return emit(kExitFailure);
  }
  Say(json, fmt::format("Applied {} change{}. Backup {}.", applied->applied,
                        applied->applied == 1 ? "" : "s", id));
  (void)session.Audit("tune", "validate: baseline load was run " + before->run_id, "ok");
  // 3. Settle, then the same load again; an interrupt from here on rolls back.
  g_interrupted.store(false);
  std::signal(SIGINT, OnInterrupt);
  std::signal(SIGTERM, OnInterrupt);
  auto interrupted = [&] {
    Say(json, "validate: interrupted; rolling back");
    report["verdict"] = "interrupted";
    return emit(
        RollBack(session, store, id, "validate: interrupted", kExitInterrupted, json, &report));
  };
  const auto settle_end = std::chrono::steady_clock::now() +
                          std::chrono::nanoseconds(ParseDurationNs(f.settle).value());
  Say(json, "validate: settling " + f.settle);
  while (!g_interrupted.load() && std::chrono::steady_clock::now() < settle_end) {
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(50), settle_end - std::chrono::steady_clock::now()));
  }
  if (g_interrupted.load()) return interrupted();
  Say(json, "validate: load after the apply");
  auto after = RunOneLoad(f, store.path(), "after", &g_interrupted);
  if (g_interrupted.load()) return interrupted();
  if (!after.ok() || !after->failure.empty()) {
    const std::string why = after.ok() ? after->failure : after.status().message();
    Say(json, "validate: health check failed: the load after the apply failed: " + why);
    (void)session.Audit("tune", "validate: load after the apply", "failed: " + why);
    report["verdict"] = "health check failed";
    return emit(RollBack(session, store, id, "validate: health check failed: " + why, kExitFailure,
                         json, &report));
  }
  Say(json, after->line);
  report["after_run"] = after->run_id;
  (void)session.Audit("tune", "validate: load after the apply was run " + after->run_id, "ok");

  // 4. Gate the pair with the default policy.
  auto a = gate::LoadRun(&store, before->run_id);
  auto b = gate::LoadRun(&store, after->run_id);
  if (!a.ok() || !b.ok()) {
    const std::string why = a.ok() ? b.status().message() : a.status().message();
    Say(json, "validate: cannot read the runs back, so nothing decides to keep the change: " + why +
                  "; rolling back");
    report["verdict"] = "runs unreadable";
    return emit(RollBack(session, store, id, "validate: cannot read the runs back: " + why,
                         kExitFailure, json, &report));
  }
  gate::Policy policy = gate::DefaultPolicy();
  std::optional<gate::EnvironmentCheck> env;
  if (!f.ignore_environment) env = gate::CheckEnvironment(&*a, &*b, {}, /*paired=*/false);
  gate::CompareOptions co;
  co.alpha = policy.alpha;
  gate::Comparison cmp = gate::Compare(*a, *b, co);
  gate::GateResult g = gate::EvaluateGate(cmp, policy, *a, {}, env ? &*env : nullptr);
  gate::GateHeader h;
  h.baseline_name = "before the apply";
  h.baseline_id = before->run_id;
  h.candidate_name = "after the apply";
  h.candidate_id = after->run_id;
  h.policy_source = "default policy";
  h.alpha = policy.alpha;
  if (json) {
    report["gate"] = nlohmann::json::parse(gate::GateJson(g, h, cmp), nullptr, false);
  } else {
    std::fputs(("\n" + gate::FormatComparisonText(cmp) + "\n").c_str(), stdout);
    std::fputs(gate::FormatGateText(g, h).c_str(), stdout);
    std::fflush(stdout);
  }
  const std::string outcome = gate::GateOutcomeName(g.outcome);
  (void)session.Audit("tune", fmt::format("validate: gate {} vs {}", before->run_id, after->run_id),
                      outcome);
  if (g.outcome == gate::GateOutcome::kFail) {
    std::string why;
    for (const auto& r : g.rules) {
      if (r.outcome == gate::RuleOutcome::kFail) {
        why = r.rule + " (" + r.change_text + ")";
        break;
      }
    }
    Say(json, "validate: REGRESSION: " + why + "; rolling back");
    report["verdict"] = "regression";
    return emit(RollBack(session, store, id, "validate: regression: " + why, kExitThresholds, json,
                         &report));
  }
  if (g.outcome == gate::GateOutcome::kPass) {
    (void)store.SetTuneBackupState(
        id, "applied", fmt::format("validate: pass ({} -> {})", before->run_id, after->run_id));
    Say(json, fmt::format("validate: PASS: the change is kept (vitals tune --rollback {} undoes "
                          "it)",
                          id));
    report["verdict"] = "pass";
    return emit(kExitOk);
  }
  Say(json, fmt::format("validate: the comparison could not decide ({}): only a PASS keeps the "
                        "change; rolling back (a longer -d/--duration gives the gate more "
                        "intervals per side)",
                        outcome));
  report["verdict"] = "undecided";
  return emit(RollBack(session, store, id,
                       "validate: the comparison could not decide (" + outcome + ")", kExitFailure,
                       json, &report));
}

}  // namespace vitals::cli
