// vitals compare A B | --ab TAG=A TAG=B: per-metric deltas with a statistical verdict
// (src/gate/compare.h; docs/gating.md).
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/gate_cli.h"
#include "gate/compare.h"
#include "gate/format.h"
#include "gate/run_data.h"

namespace vitals::cli {
namespace {

constexpr const char* kFooter = R"(
What it prints: for p50, p95, p99 and mean latency (corrected for coordinated omission), error
rate and achieved throughput, overall and per phase: A, B, the delta and delta %, and a verdict.

Verdicts:
  regression             B is worse and the change is significant (Mann-Whitney U on the
                         per-interval values, p <= alpha)
  improvement            B is better and the change is significant
  no significant change  the difference is within what the runs' own variation explains
  not testable [n]       the test cannot run; the footnote says why (e.g. runs shorter than
                         5 intervals per side at alpha 0.01, a result JSON without
                         per-interval samples)
EFFECT is the rank-biserial correlation (-1..+1, > 0: B higher); the 95% CI is a bootstrap
interval of the percentile difference B - A from the merged histograms.  docs/gating.md
explains them in plain words.

A and B must be runs of the same scenario (same fingerprint); otherwise compare refuses and
names both scenarios.  --force compares them anyway.

Examples:
  vitals compare baseline:main latest
  vitals compare latest~1 latest --json cmp.json
  vitals compare before.json after.json
  vitals compare --ab flag=off flag=on        # all runs tagged flag=off vs flag=on, pooled

Exit codes: 0 compared (whatever the verdicts), 1 runtime failure, 2 unknown run, different
scenarios, bad flags.  For a pass/fail exit code use `vitals gate`.
)";

// Every completed run tagged k=v, pooled into one group.
Result<gate::RunData> LoadGroup(Store& store, const std::string& tag) {
  auto kv = ParseTagFlag("--ab", tag);
  if (!kv.ok()) return kv.status();
  RunFilter filter;
  filter.tags = {*kv};
  auto listed = store.ListRuns(filter);
  if (!listed.ok()) return listed.status();
  std::vector<gate::RunData> runs;
  for (const RunInfo& info : *listed) {
    if (info.status != RunStatus::kCompleted) continue;
    auto run = store.GetRun(info.id);
    if (!run.ok()) return run.status();
    runs.push_back(gate::FromStoredRun(*run, info.id));
  }
  if (runs.empty()) {
    return Status::NotFound(fmt::format(
        "no completed run is tagged {} in store '{}': tag runs with `vitals load ... --tag {}` "
        "(see `vitals runs list --tag {}`)",
        tag, store.path(), tag, tag));
  }
  // Every run of a group must be the same scenario, as must the two groups.
  for (const gate::RunData& r : runs) {
    VITALS_RETURN_IF_ERROR(gate::CheckSameScenario(runs.front(), r));
  }
  return gate::PoolRuns(runs, tag);
}

}  // namespace

int RunCompare(int argc, char** argv) {
  CLI::App app{
      "Compare two runs (or two tagged groups of runs) metric by metric, with a "
      "statistical verdict.",
      "vitals compare"};
  app.footer(std::string("\n") + kRunNamingText + kFooter);
  std::vector<std::string> names, ab;
  std::string store_flag, json_path;
  bool force = false;
  gate::CompareOptions options;
  std::string a_name, b_name;
  app.add_option("A", a_name, "the run before (the reference)");
  app.add_option("B", b_name, "the run after");
  app.add_option("--ab", ab, "TAG=A TAG=B: compare all runs tagged TAG=A with all tagged TAG=B")
      ->expected(2);
  app.add_option("--json", json_path, "also write the comparison as JSON to FILE ('-': stdout)");
  app.add_option("--alpha", options.alpha, "significance level (p <= alpha is significant)")
      ->capture_default_str()
      ->check(CLI::Range(1e-9, 0.5));
  app.add_flag("--force", force, "compare runs of different scenarios anyway");
  app.add_option("--store", store_flag, kStoreFlagHelp);
  if (int rc = ParseOrExit(app, argc, argv); rc >= 0) return rc;

  const std::string cmd = "vitals compare";
  for (const std::string& n : {a_name, b_name}) {
    if (!n.empty()) names.push_back(n);
  }
  if (ab.empty() == (names.size() != 2) || (!ab.empty() && !names.empty())) {
    std::fprintf(stderr,
                 "%s: error: give two runs (vitals compare A B) or two tags (vitals compare "
                 "--ab flag=off flag=on)\n",
                 cmd.c_str());
    return kExitUsage;
  }
  std::optional<Store> store;
  bool need_store = !ab.empty();
  for (const std::string& n : names) {
    need_store = need_store || n.size() < 5 || n.substr(n.size() - 5) != ".json";
  }
  if (need_store) {
    auto opened = OpenExistingStore(store_flag);
    if (!opened.ok()) return FailWith(cmd, opened.status());
    store.emplace(std::move(opened).value());
  }
  Store* sp = store ? &*store : nullptr;
  auto a = ab.empty() ? gate::LoadRun(sp, names[0]) : LoadGroup(*store, ab[0]);
  if (!a.ok()) return FailWith(cmd, a.status());
  auto b = ab.empty() ? gate::LoadRun(sp, names[1]) : LoadGroup(*store, ab[1]);
  if (!b.ok()) return FailWith(cmd, b.status());
  if (!force) {
    if (Status st = gate::CheckSameScenario(*a, *b); !st.ok()) return FailWith(cmd, st);
  }
  const gate::Comparison cmp = gate::Compare(*a, *b, options);
  std::string text = gate::FormatComparisonText(cmp);
  if (!ab.empty()) {
    text = fmt::format(
               "A/B: {} runs tagged {} vs {} runs tagged {} (intervals and histograms "
               "pooled)\n",
               a->runs, ab[0], b->runs, ab[1]) +
           text;
  }
  if (json_path != "-") std::fputs(text.c_str(), stdout);
  if (!json_path.empty()) {
    if (Status st = WriteTextFile(json_path, gate::ComparisonJson(cmp)); !st.ok()) {
      return ReportError(cmd, st);
    }
  }
  return kExitOk;
}

}  // namespace vitals::cli
