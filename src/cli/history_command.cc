// vitals history METRIC: a metric across the stored runs with its change points
// (src/gate/history.h; docs/gating.md).
#include <cstdio>
#include <string>
#include <vector>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/gate_cli.h"
#include "core/units.h"
#include "gate/compare.h"
#include "gate/history.h"

namespace vitals::cli {
namespace {

constexpr const char* kFooter = R"(
METRIC: p50 p95 p99 mean (corrected latency), error_rate, rate (achieved req/s).

The runs: completed runs with every --tag, oldest first, of the same scenario as the newest
one.  Change points come from e-divisive means (the split where the runs before and after
differ most), kept when Welch's t-test between the two sides gives p <= --p and the means
differ by at least --min-change.  A slow drift shows up once enough of it has accumulated,
not only a step.  Each change point is printed where it starts, with the means before and
after.  At least 2 x --min-segment runs are needed.

Examples:
  vitals history p95
  vitals history p99 --tag branch=main --limit 100
  vitals history rate --min-change 10% --p 0.01 --json history.json

Exit codes: 0 ok (change points are findings, not failures), 1 runtime failure, 2 bad flags.
)";

}  // namespace

int RunHistory(int argc, char** argv) {
  CLI::App app{"Show a metric across stored runs and find where it changed (change points).",
               "vitals history"};
  app.footer(kFooter);
  std::string metric_name, store_flag, json_path, min_change = "5%";
  std::vector<std::string> tags;
  gate::HistoryOptions options;
  int min_segment = int(options.change_points.min_segment);
  app.add_option("metric", metric_name, "p50, p95, p99, mean, error_rate or rate")->required();
  app.add_option("--tag", tags, "only runs with this tag, k=v (repeatable: all must match)");
  app.add_option("--limit", options.limit, "the newest N runs (0: all)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--min-change", min_change, "smallest relative change reported, e.g. 5%")
      ->capture_default_str();
  app.add_option("--p", options.change_points.max_p_value, "largest t-test p-value reported")
      ->capture_default_str()
      ->check(CLI::Range(1e-12, 0.5));
  app.add_option("--min-segment", min_segment, "fewest runs between change points")
      ->capture_default_str()
      ->check(CLI::Range(2, 1000));
  app.add_option("--json", json_path, "also write the series as JSON to FILE ('-': stdout)");
  app.add_option("--store", store_flag, kStoreFlagHelp);
  if (int rc = ParseOrExit(app, argc, argv); rc >= 0) return rc;

  const std::string cmd = "vitals history";
  auto metric = gate::ParseMetric(metric_name);
  if (!metric) {
    return FailWith(cmd, Status::InvalidArgument("unknown metric '" + metric_name +
                                                 "': expected one of " + gate::MetricNamesList()));
  }
  auto change = ParseFraction(min_change);
  if (!change.ok()) return FailWith(cmd, change.status());
  options.change_points.min_relative_change = *change;
  options.change_points.min_segment = size_t(min_segment);
  for (const std::string& t : tags) {
    auto kv = ParseTagFlag("--tag", t);
    if (!kv.ok()) return FailWith(cmd, kv.status());
    options.tags.push_back(*kv);
  }
  auto store = OpenExistingStore(store_flag);
  if (!store.ok()) return FailWith(cmd, store.status());
  auto h = gate::LoadHistory(*store, *metric, options);
  if (!h.ok()) return FailWith(cmd, h.status());
  if (h->points.empty()) {
    std::fprintf(stderr, "no completed runs%s in store '%s': `vitals load` stores each run\n",
                 tags.empty() ? "" : " with these tags", store->path().c_str());
    return kExitOk;
  }
  if (json_path != "-") std::fputs(gate::FormatHistoryText(*h).c_str(), stdout);
  if (!json_path.empty()) {
    if (Status st = WriteTextFile(json_path, gate::HistoryJson(*h)); !st.ok()) {
      return ReportError(cmd, st);
    }
  }
  return kExitOk;
}

}  // namespace vitals::cli
