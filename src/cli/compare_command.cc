// vitals compare A B | --ab TAG=A TAG=B: per-metric deltas with a statistical verdict
// (src/gate/compare.h; docs/gating.md).
#include <cstdio>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/duet.h"
#include "cli/gate_cli.h"
#include "cli/rerun.h"
#include "gate/compare.h"
#include "gate/environment.h"
#include "gate/format.h"
#include "gate/run_data.h"
#include "gate/series_compare.h"

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

Noise: each run measured its generator's noise per interval; compare leaves disturbed
intervals out (the scope line says how many) and prints both environments.  With --duet the
two sides of one `vitals load --duet` run are compared interval by interval (Wilcoxon
signed-rank on paired intervals: noise that hit both sides cancels).  With --interleave N it
runs --command-a and --command-b itself, A/B/A/B N times, and compares the pooled runs.

Examples:
  vitals compare baseline:main latest
  vitals compare --duet latest                # the pair of the newest duet run
  vitals compare --interleave 3 --command-a 'vitals load http://127.0.0.1:8081/ -d 15s' \
                 --command-b 'vitals load http://127.0.0.1:8082/ -d 15s'
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
  std::string a_name, b_name, command_a, command_b;
  bool duet = false;
  int interleave = 0;
  app.add_flag("--duet", duet, "A is a duet run (either side): compare its side a with side b");
  app.add_option("--interleave", interleave,
                 "run --command-a and --command-b N times each, A/B/A/B, and compare the pools")
      ->check(CLI::Range(1, 20));
  app.add_option("--command-a", command_a, "with --interleave: shell command that loads A");
  app.add_option("--command-b", command_b, "with --interleave: shell command that loads B");
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
  const int modes = int(!ab.empty()) + int(duet) + int(interleave > 0) + int(names.size() == 2);
  const bool names_ok = duet ? names.size() <= 1 : (names.empty() || names.size() == 2);
  if (modes != 1 || !names_ok || (interleave > 0) != (!command_a.empty() && !command_b.empty()) ||
      ((!command_a.empty() || !command_b.empty()) && interleave == 0)) {
    std::fprintf(stderr,
                 "%s: error: give two runs (vitals compare A B), two tags (vitals compare "
                 "--ab flag=off flag=on), one duet run (vitals compare --duet [RUN]) or "
                 "--interleave N --command-a CMD --command-b CMD\n",
                 cmd.c_str());
    return kExitUsage;
  }
  std::optional<Store> store;
  bool need_store = !ab.empty() || duet || interleave > 0;
  for (const std::string& n : names) {
    need_store = need_store || n.size() < 5 || n.substr(n.size() - 5) != ".json";
  }
  if (need_store) {
    auto opened =
        interleave > 0 ? Store::Open(ResolveStorePath(store_flag)) : OpenExistingStore(store_flag);
    if (!opened.ok()) return FailWith(cmd, opened.status());
    store.emplace(std::move(opened).value());
  }
  Store* sp = store ? &*store : nullptr;
  std::optional<gate::RunData> a, b;
  if (duet) {
    auto pair = LoadDuetPair(*store, names.empty() ? "latest" : names[0]);
    if (!pair.ok()) return FailWith(cmd, pair.status());
    a = std::move(pair->first);
    b = std::move(pair->second);
    options.paired = true;
  } else if (interleave > 0) {
    Rerunner runner(*store, store->path());
    std::vector<gate::RunData> as, bs;
    for (int i = 1; i <= interleave; ++i) {
      for (const auto& [side, shell, into] :
           {std::tuple{"a", &command_a, &as}, std::tuple{"b", &command_b, &bs}}) {
        std::fprintf(stderr, "vitals compare: try %d/%d: %s: %s\n", i, interleave, side,
                     shell->c_str());
        auto r = runner.Run(LoadCommand{{}, *shell}, side, i);
        if (!r.ok()) return FailWith(cmd, r.status());
        into->push_back(std::move(r).value());
      }
    }
    auto pa = gate::PoolRuns(as, fmt::format("A ({} interleaved runs)", as.size()));
    if (!pa.ok()) return FailWith(cmd, pa.status());
    auto pb = gate::PoolRuns(bs, fmt::format("B ({} interleaved runs)", bs.size()));
    if (!pb.ok()) return FailWith(cmd, pb.status());
    a = std::move(pa).value();
    b = std::move(pb).value();
  } else {
    auto la = ab.empty() ? gate::LoadRun(sp, names[0]) : LoadGroup(*store, ab[0]);
    if (!la.ok()) return FailWith(cmd, la.status());
    auto lb = ab.empty() ? gate::LoadRun(sp, names[1]) : LoadGroup(*store, ab[1]);
    if (!lb.ok()) return FailWith(cmd, lb.status());
    a = std::move(la).value();
    b = std::move(lb).value();
  }
  if (!force && !duet) {
    if (Status st = gate::CheckSameScenario(*a, *b); !st.ok()) return FailWith(cmd, st);
  }
  const gate::EnvironmentCheck env = gate::CheckEnvironment(&*a, &*b, {}, options.paired);
  const gate::Comparison cmp = gate::Compare(*a, *b, options);
  std::string text = gate::FormatComparisonText(cmp);
  const std::vector<gate::SeriesChange> series = gate::CompareSeries(*a, *b);
  text += gate::FormatSeriesChanges(series);
  text += "\nenvironment " + gate::DescribeSide("A", env.a) + "\nenvironment " +
          gate::DescribeSide("B", env.b) + "\n";
  for (const std::string& p : env.problems) text += "unstable: " + p + "\n";
  if (!ab.empty()) {
    text = fmt::format(
               "A/B: {} runs tagged {} vs {} runs tagged {} (intervals and histograms "
               "pooled)\n",
               a->runs, ab[0], b->runs, ab[1]) +
           text;
  }
  if (json_path != "-") std::fputs(text.c_str(), stdout);
  if (!json_path.empty()) {
    std::string doc = gate::ComparisonJson(cmp);
    if (!series.empty()) {
      nlohmann::json j = nlohmann::json::parse(doc, nullptr, false);
      if (j.is_object()) {
        j["server_series"] = gate::SeriesChangesJson(series);
        doc = j.dump(2) + "\n";
      }
    }
    if (Status st = WriteTextFile(json_path, doc); !st.ok()) {
      return ReportError(cmd, st);
    }
  }
  return kExitOk;
}

}  // namespace vitals::cli
