// vitals gate --baseline NAME: compare the newest run with a baseline under a policy and exit
// 99 when it regressed (src/gate/gate.h; docs/gating.md).
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/gate_cli.h"
#include "gate/compare.h"
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
5 intervals of 1 s per side - or a result JSON without per-interval samples).

Examples (CI):
  vitals load http://127.0.0.1:8080/ --rate 500 -d 30s --tag commit=$SHA --quiet
  vitals gate --baseline main --junit gate.xml
  vitals gate --baseline main --run latest~1 --policy .vitals/gate.yaml --json gate.json
  vitals gate --show-policy > gate.yaml

Exit codes: 0 passed; 99 a rule failed (the table says which and by how much); 2 cannot
decide or bad input (unknown run or baseline, different scenarios, runs too short, bad
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
    c.failure_type = r.outcome == gate::RuleOutcome::kFail ? "regression" : "not_testable";
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace

int RunGate(int argc, char** argv) {
  CLI::App app{
      "Fail CI on a performance regression: compare a run with a baseline under a "
      "policy; exit 99 when a rule fails.",
      "vitals gate"};
  app.footer(std::string("\n") + kRunNamingText + kFooter);
  std::string baseline, run = "latest", policy_path, junit_path, json_path, store_flag;
  bool force = false, show_policy = false;
  app.add_option("--baseline", baseline,
                 "baseline name (vitals baseline set NAME RUN), or a result JSON file");
  app.add_option("--run", run, "the candidate run")->capture_default_str();
  app.add_option("--policy", policy_path, "policy YAML file (default: the built-in policy)");
  app.add_option("--junit", junit_path, "also write JUnit XML (one test case per rule) to FILE");
  app.add_option("--json", json_path, "also write the result as JSON to FILE ('-': stdout)");
  app.add_flag("--force", force, "gate runs of different scenarios anyway");
  app.add_flag("--show-policy", show_policy, "print the default policy file and exit");
  app.add_option("--store", store_flag, kStoreFlagHelp);
  if (int rc = ParseOrExit(app, argc, argv); rc >= 0) return rc;

  const std::string cmd = "vitals gate";
  if (show_policy) {
    std::fputs(gate::DefaultPolicyYaml(), stdout);
    return kExitOk;
  }
  if (baseline.empty()) {
    std::fprintf(stderr,
                 "%s: error: --baseline NAME is required (`vitals baseline list` shows the "
                 "names; `vitals baseline set NAME RUN` makes one)\n",
                 cmd.c_str());
    return kExitUsage;
  }
  gate::Policy policy = gate::DefaultPolicy();
  if (!policy_path.empty()) {
    auto loaded = gate::LoadPolicyFile(policy_path);
    if (!loaded.ok()) return FailWith(cmd, loaded.status());
    policy = std::move(loaded).value();
  }
  auto store = OpenExistingStore(store_flag);
  if (!store.ok()) return FailWith(cmd, store.status());
  const bool baseline_is_file =
      baseline.size() > 5 && baseline.substr(baseline.size() - 5) == ".json";
  std::string baseline_run = baseline;
  if (!baseline_is_file && baseline.rfind("baseline:", 0) != 0) {
    auto b = store->GetBaseline(baseline);
    if (!b.ok()) return FailWith(cmd, b.status());
    baseline_run = "baseline:" + baseline;
  }
  auto a = gate::LoadRun(&*store, baseline_run);
  if (!a.ok()) return FailWith(cmd, a.status());
  auto b = gate::LoadRun(&*store, run);
  if (!b.ok()) return FailWith(cmd, b.status());
  if (a->id == b->id) {
    return FailWith(cmd, Status::InvalidArgument(fmt::format(
                             "the candidate '{}' is run {}, which is the baseline itself: run "
                             "`vitals load` first (it stores the new run), or name the "
                             "candidate with --run",
                             run, b->id)));
  }
  if (!force) {
    if (Status st = gate::CheckSameScenario(*a, *b); !st.ok()) return FailWith(cmd, st);
  }
  gate::CompareOptions options;
  options.alpha = policy.alpha;
  const gate::Comparison cmp = gate::Compare(*a, *b, options);
  std::vector<gate::RecentRun> recent;
  if (policy.consecutive.enabled) {
    auto r = gate::RecentRuns(*store, *b, policy.consecutive);
    if (!r.ok()) return FailWith(cmd, r.status());
    recent = std::move(r).value();
  }
  const gate::GateResult g = gate::EvaluateGate(cmp, policy, *a, recent);
  const gate::GateHeader header{baseline, a->id, run, b->id, policy.source, policy.alpha};
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
  switch (g.outcome) {
    case gate::GateOutcome::kPass:
      return kExitOk;
    case gate::GateOutcome::kFail:
      return kExitThresholds;
    case gate::GateOutcome::kUndecided:
      return kExitUsage;
  }
  return kExitFailure;
}

}  // namespace vitals::cli
