// vitals gate --baseline NAME: compare the newest run with a baseline under a policy and exit
// 99 when it regressed (src/gate/gate.h; docs/gating.md).
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/duet.h"
#include "cli/gate_cli.h"
#include "cli/rerun.h"
#include "gate/compare.h"
#include "gate/environment.h"
#include "gate/format.h"
#include "gate/gate.h"
#include "gate/policy.h"
#include "gate/run_data.h"
#include "report/junit.h"

namespace vitals::cli {
namespace {

constexpr const char* kFooter = R"(
The default policy (print it with --show-policy; write your own with --policy FILE):
  fail when p95 or p99 is up more than 20 % AND the change is significant (Mann-Whitney U on
  the per-interval values, p <= 0.01); when the error rate rises by more than 1 point; when
  achieved throughput falls by more than 10 %.  Optional: p95 up more than 30 % in N
  consecutive runs with the same tags.  docs/gating.md explains the statistics and the file.

Results per rule: pass; FAIL (the limit is exceeded, and the change is significant when the
rule asks for it); not testable (the runs cannot answer: too short - at alpha 0.01 at least
5 intervals of 1 s per side - or a result JSON without per-interval samples); unstable (the
two runs' machines differed too much to judge latency); within noise (significant and over
the limit, but no larger than this machine moves between identical runs).

Noise: every run measures its generator's noise per interval (sched delay, CPU pressure,
steal, generator CPU).  Before the rules, the gate compares the two environments: disturbed
intervals are left out (the table says how many); when the environments differ beyond the
bounds in docs/gating.md the verdict is UNSTABLE ENVIRONMENT (exit 2) with the figures.

Robust answers on a noisy CI runner:
  vitals gate --baseline main --rerun 3 -- vitals load http://127.0.0.1:8080/ --rate 500 -d 20s
      reruns the command (the candidate) until the verdict is PASS or FAIL, at most 3 times,
      and decides on all its runs;
  vitals gate --rerun 3 --interleave --baseline-command 'vitals load http://127.0.0.1:8081/ ...' \
      -- vitals load http://127.0.0.1:8082/ ...
      also reruns the baseline, A/B/A/B, so both sides see the same stretch of time;
  vitals load http://127.0.0.1:8081/ --duet http://127.0.0.1:8082/ --rate 500 -d 20s
  vitals gate --duet
      loads both builds at the same time and compares interval by interval (paired test).

Examples (CI):
  vitals load http://127.0.0.1:8080/ --rate 500 -d 30s --tag commit=$SHA --quiet
  vitals gate --baseline main --junit gate.xml
  vitals gate --baseline main --run latest~1 --policy .vitals/gate.yaml --json gate.json
  vitals gate --show-policy > gate.yaml

Exit codes: 0 passed; 99 a rule failed (the table says which and by how much); 2 cannot
decide (UNSTABLE ENVIRONMENT, not testable) or bad input (unknown run or baseline, different scenarios, runs too short, bad
policy file); 1 runtime failure (store unreadable, output not writable).
)";

std::vector<JUnitCase> JUnitCases(const gate::GateResult& g) {
  std::vector<JUnitCase> cases;
  for (const gate::RuleResult& r : g.rules) {
    JUnitCase c;
    c.name = r.phase.empty() ? r.rule : fmt::format("{} [phase {}]", r.rule, r.phase);
    c.classname = "vitals.gate";
    c.ok = r.outcome == gate::RuleOutcome::kPass;
    c.text = r.message;
    c.failure_message =
        fmt::format("{}: {} -> {} ({}, limit {})", r.rule, gate::FormatValue(r.metric, r.baseline),
                    gate::FormatValue(r.metric, r.candidate), r.change_text, r.limit_text);
    c.failure_type = r.outcome == gate::RuleOutcome::kFail          ? "regression"
                     : r.outcome == gate::RuleOutcome::kNotTestable ? "not_testable"
                                                                    : "unstable_environment";
    cases.push_back(std::move(c));
  }
  return cases;
}

struct Decision {
  gate::Comparison cmp;
  gate::GateResult result;
};

// The environment check, then the comparison and the policy (gate/gate.h).
Result<Decision> Decide(Store& store, gate::RunData a, gate::RunData b, const gate::Policy& policy,
                        bool paired, bool check_environment) {
  std::optional<gate::EnvironmentCheck> env;
  if (check_environment) {
    env = gate::CheckEnvironment(&a, &b, {}, paired);
    if (!paired && a.runs == 1) {  // a duet needs no floor; a pool has its own spread
      VITALS_RETURN_IF_ERROR(gate::AddRepeatFloor(store, a, b.id, &*env));
    }
  }
  gate::CompareOptions options;
  options.alpha = policy.alpha;
  options.paired = paired;
  Decision d{gate::Compare(a, b, options), {}};
  std::vector<gate::RecentRun> recent;
  if (policy.consecutive.enabled && !b.from_json_file && b.runs == 1) {
    auto r = gate::RecentRuns(store, b, policy.consecutive);
    if (!r.ok()) return r.status();
    recent = std::move(r).value();
  }
  d.result = gate::EvaluateGate(d.cmp, policy, a, recent, env ? &*env : nullptr);
  return d;
}

int ExitCode(gate::GateOutcome o) {
  switch (o) {
    case gate::GateOutcome::kPass:
      return kExitOk;
    case gate::GateOutcome::kFail:
      return kExitThresholds;
    case gate::GateOutcome::kUndecided:
    case gate::GateOutcome::kUnstable:
      return kExitUsage;
  }
  return kExitFailure;
}

}  // namespace

int RunGate(int argc, char** argv) {
  CLI::App app{
      "Fail CI on a performance regression: compare a run with a baseline under a "
      "policy; exit 99 when a rule fails.",
      "vitals gate"};
  app.footer(std::string("\n") + kRunNamingText + kFooter);
  std::string baseline, run = "latest", policy_path, junit_path, json_path, store_flag;
  std::string baseline_command;
  std::vector<std::string> command;
  bool force = false, show_policy = false, duet = false, interleave = false;
  bool ignore_environment = false;
  int rerun = 0;
  app.add_option("--baseline", baseline,
                 "baseline name (vitals baseline set NAME RUN), or a result JSON file");
  app.add_option("--run", run, "the candidate run")->capture_default_str();
  app.add_option("--policy", policy_path, "policy YAML file (default: the built-in policy)");
  app.add_option("--junit", junit_path, "also write JUnit XML (one test case per rule) to FILE");
  app.add_option("--json", json_path, "also write the result as JSON to FILE ('-': stdout)");
  app.add_flag("--force", force, "gate runs of different scenarios anyway");
  app.add_flag("--show-policy", show_policy, "print the default policy file and exit");
  app.add_flag("--duet", duet,
               "the candidate (--run) is one side of a duet (vitals load --duet): gate side b "
               "against side a, interval by interval (no --baseline)");
  app.add_option("--rerun", rerun,
                 "run the command after -- (the candidate) up to N times, until the verdict is "
                 "PASS or FAIL; decide on all its runs")
      ->check(CLI::Range(1, 20));
  app.add_flag("--interleave", interleave,
               "with --rerun: also rerun --baseline-command before each candidate try "
               "(A/B/A/B), and use those runs as the baseline");
  app.add_option("--baseline-command", baseline_command,
                 "with --interleave: the shell command that loads the baseline build");
  app.add_flag("--ignore-environment", ignore_environment,
               "judge latencies even when the two runs' environments differ (not advised)");
  app.add_option("--store", store_flag, kStoreFlagHelp);
  app.add_option("command", command,
                 "with --rerun: the candidate's load command, after --, e.g. -- vitals load URL "
                 "--rate 500 -d 20s");
  if (int rc = ParseOrExit(app, argc, argv); rc >= 0) return rc;

  const std::string cmd = "vitals gate";
  if (show_policy) {
    std::fputs(gate::DefaultPolicyYaml(), stdout);
    return kExitOk;
  }
  auto usage = [&](const std::string& what) {
    std::fprintf(stderr, "%s: error: %s\n", cmd.c_str(), what.c_str());
    return kExitUsage;
  };
  const bool rerunning = rerun > 0 || !command.empty();
  if (rerunning && command.empty()) {
    return usage(
        "--rerun N needs the candidate's load command after --, e.g. `vitals gate "
        "--baseline main --rerun 3 -- vitals load http://127.0.0.1:8080/ -d 20s`");
  }
  for (const std::string& arg : command) {
    if (arg == "--store" || arg == "--no-store" || arg.rfind("--store=", 0) == 0) {
      return usage(fmt::format(
          "the candidate's command passes {}: the gate sets the store for the runs it makes "
          "(VITALS_STORE) and finds them there; drop it, and give --store to vitals gate "
          "(before the --) if you need another store",
          arg));
    }
  }
  if (!rerunning && (interleave || !baseline_command.empty())) {
    return usage("--interleave and --baseline-command go with --rerun N -- COMMAND");
  }
  if (interleave != !baseline_command.empty()) {
    return usage(
        "--interleave needs --baseline-command 'CMD' (the load of the baseline build), "
        "and --baseline-command needs --interleave");
  }
  if (duet && (rerunning || !baseline.empty())) {
    return usage(
        "--duet gates the two sides of one duet run: it takes neither --baseline nor "
        "--rerun (run `vitals load URL_A --duet URL_B` again instead)");
  }
  if (!duet && !interleave && baseline.empty()) {
    return usage(
        "--baseline NAME is required (`vitals baseline list` shows the names; "
        "`vitals baseline set NAME RUN` makes one), or use --duet, or --rerun with "
        "--interleave");
  }
  gate::Policy policy = gate::DefaultPolicy();
  if (!policy_path.empty()) {
    auto loaded = gate::LoadPolicyFile(policy_path);
    if (!loaded.ok()) return FailWith(cmd, loaded.status());
    policy = std::move(loaded).value();
  }
  auto store = OpenExistingStore(store_flag);
  if (rerunning && !store.ok() && store.status().code() == Status::Code::kNotFound) {
    store = Store::Open(ResolveStorePath(store_flag));  // the reruns will fill it
  }
  if (!store.ok()) return FailWith(cmd, store.status());

  std::optional<gate::RunData> a, b;
  std::string baseline_label = baseline, candidate_label = run;
  if (duet) {
    auto pair = LoadDuetPair(*store, run);
    if (!pair.ok()) return FailWith(cmd, pair.status());
    a = std::move(pair->first);
    b = std::move(pair->second);
    baseline_label = a->label;
    candidate_label = b->label;
  } else if (!interleave) {
    const bool baseline_is_file =
        baseline.size() > 5 && baseline.substr(baseline.size() - 5) == ".json";
    std::string baseline_run = baseline;
    if (!baseline_is_file && baseline.rfind("baseline:", 0) != 0) {
      auto bl = store->GetBaseline(baseline);
      if (!bl.ok()) return FailWith(cmd, bl.status());
      baseline_run = "baseline:" + baseline;
    }
    auto loaded = gate::LoadRun(&*store, baseline_run);
    if (!loaded.ok()) return FailWith(cmd, loaded.status());
    a = std::move(loaded).value();
  }

  std::optional<Decision> decision;
  if (rerunning) {
    Rerunner runner(*store, store->path());
    const LoadCommand candidate_cmd{command, ""};
    const LoadCommand baseline_cmd{{}, baseline_command};
    std::vector<gate::RunData> as, bs;
    const int tries = std::max(rerun, 1);
    for (int i = 1; i <= tries; ++i) {
      if (interleave) {
        std::fprintf(stderr, "vitals gate: try %d/%d: baseline: %s\n", i, tries,
                     baseline_command.c_str());
        auto ra = runner.Run(baseline_cmd, "a", i);
        if (!ra.ok()) return FailWith(cmd, ra.status());
        as.push_back(std::move(ra).value());
      }
      std::fprintf(stderr, "vitals gate: try %d/%d: candidate: %s\n", i, tries,
                   candidate_cmd.Describe().c_str());
      auto rb = runner.Run(candidate_cmd, "b", i);
      if (!rb.ok()) return FailWith(cmd, rb.status());
      bs.push_back(std::move(rb).value());
      auto pooled_b = gate::PoolRuns(bs, fmt::format("candidate ({} runs)", bs.size()));
      if (!pooled_b.ok()) return FailWith(cmd, pooled_b.status());
      gate::RunData side_a = *a;
      if (interleave) {
        auto pooled_a = gate::PoolRuns(as, fmt::format("baseline ({} runs)", as.size()));
        if (!pooled_a.ok()) return FailWith(cmd, pooled_a.status());
        side_a = std::move(pooled_a).value();
      }
      if (!force) {
        if (Status st = gate::CheckSameScenario(side_a, *pooled_b); !st.ok()) {
          return FailWith(cmd, st);
        }
      }
      auto d = Decide(*store, side_a, *pooled_b, policy, false, !ignore_environment);
      if (!d.ok()) return FailWith(cmd, d.status());
      decision = std::move(d).value();
      b = std::move(pooled_b).value();
      a = std::move(side_a);
      const gate::GateOutcome o = decision->result.outcome;
      std::fprintf(stderr, "vitals gate: try %d/%d: %s\n", i, tries, gate::GateOutcomeName(o));
      if (o == gate::GateOutcome::kPass || o == gate::GateOutcome::kFail) break;
    }
    baseline_label = interleave ? a->label : baseline;
    candidate_label = b->label;
  } else {
    if (!duet) {
      auto loaded = gate::LoadRun(&*store, run);
      if (!loaded.ok()) return FailWith(cmd, loaded.status());
      b = std::move(loaded).value();
    }
    if (a->id == b->id) {
      return FailWith(cmd, Status::InvalidArgument(fmt::format(
                               "the candidate '{}' is run {}, which is the baseline itself: run "
                               "`vitals load` first (it stores the new run), or name the "
                               "candidate with --run",
                               run, b->id)));
    }
    if (!force && !duet) {
      if (Status st = gate::CheckSameScenario(*a, *b); !st.ok()) return FailWith(cmd, st);
    }
    auto d = Decide(*store, *a, *b, policy, duet, !ignore_environment);
    if (!d.ok()) return FailWith(cmd, d.status());
    decision = std::move(d).value();
  }
  const gate::Comparison& cmp = decision->cmp;
  const gate::GateResult& g = decision->result;
  const gate::GateHeader header{baseline_label, a->id,         candidate_label,
                                b->id,          policy.source, policy.alpha};
  std::string text = gate::FormatGateText(g, header);
  for (const std::string& n : cmp.notes) text += "note: " + n + "\n";
  if (json_path != "-") std::fputs(text.c_str(), stdout);
  if (!json_path.empty()) {
    if (Status st = WriteTextFile(json_path, gate::GateJson(g, header, cmp)); !st.ok()) {
      return ReportError(cmd, st);
    }
  }
  if (!junit_path.empty()) {
    JUnitRunInfo info;
    info.run_id = b->id;
    info.duration_s = b->overall.duration_s;
    info.started_unix_ms = b->started_unix_ms;
    if (Status st = WriteTextFile(junit_path, JUnitXml("vitals gate", JUnitCases(g), info));
        !st.ok()) {
      return ReportError(cmd, st);
    }
  }
  return ExitCode(g.outcome);
}

}  // namespace vitals::cli
