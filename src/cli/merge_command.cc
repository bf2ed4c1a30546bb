// vitals merge RESULT.json...: the segments of one plan (vitals load --segment I/N --json)
// merged exactly into the whole run; thresholds evaluated on the merged data.
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "load/merge.h"
#include "load/thresholds.h"
#include "report/load_summary.h"
#include "report/verdict_table.h"
#include "store/store.h"

namespace vitals::cli {
namespace {

constexpr const char* kFooter = R"(
Each segment of a plan runs `vitals load ... --segment I/N --start-at TIME --json FILE`; its
JSON carries its histograms (HdrHistogram V2, exact) besides the usual figures.  The merge
adds the histograms, the counters and every interval of the time series, so the merged p99
is the p99 of all requests, not an average of the segments' p99s.  The thresholds the
segments ran with (and any --threshold given here) are evaluated on the merged run: a p99
that only the whole test breaches fails here even when every segment passed.

Refused (exit 2): files that are not segment results, segments of different plans
(scenario fingerprint, segment count, time zero), a segment given twice or missing.

Examples:
  vitals merge seg1.json seg2.json seg3.json seg4.json
  vitals merge seg*.json --threshold 'p(99)<50ms' --json merged.json --store runs.db

A segment that died leaves no result: --allow-missing merges the others into a run marked
partial ("partial" in the JSON: the missing segments and their share of the plan), stored
as interrupted so it is never `latest`, and exits 1 (after the thresholds' table).

Exit codes: 0 ok, 1 a segment failed or is missing (--allow-missing) or storing failed,
2 usage error, 99 a threshold failed.
)";

Result<std::string> ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument(fmt::format(
        "{}: cannot read it (does it exist? pass the --json files of the segments)", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The merged run's configuration as stored: where it came from.
std::string MergedConfigJson(const LoadResult& r, const std::vector<std::string>& files) {
  nlohmann::json j;
  j["merged_from"] = files;
  j["segments"] = r.segments.size();
  if (!r.scenario_fingerprint.empty()) {
    j["scenario"] = {{"name", r.scenario_name}, {"fingerprint", r.scenario_fingerprint}};
  }
  return j.dump();
}

}  // namespace

int RunMerge(int argc, char** argv) {
  CLI::App app{
      "Merge the results of the segments of one plan (vitals load --segment I/N --json FILE) "
      "into the whole run, exactly: histograms add, counters add, intervals add; evaluate the "
      "thresholds on the merged run.",
      "vitals merge"};
  app.footer(kFooter);
  std::vector<std::string> files, threshold_flags;
  std::string json_out, store_path;
  bool quiet = false, allow_missing = false;
  app.add_option("results", files, "the segments' result JSON files (all N of them)")->required();
  app.add_option("--threshold", threshold_flags,
                 "pass/fail criterion on the merged run, e.g. 'p(99)<50ms' (repeatable; added "
                 "to the thresholds the segments ran with)");
  app.add_option("--json", json_out, "write the merged result JSON to FILE ('-' for stdout)");
  app.add_option("--store", store_path, "also record the merged run in this run store (SQLite)");
  app.add_flag("--allow-missing", allow_missing,
               "merge the segments given even when some are missing (a segment that died): the "
               "run is marked partial, names the missing segments and their share, and is "
               "stored as interrupted");
  app.add_flag("-q,--quiet", quiet, "no summary on stdout (the verdict table still prints)");
  if (int rc = ParseOrExit(app, argc, argv); rc >= 0) return rc;
  const std::string cmd = "vitals merge";

  std::vector<SegmentResult> segments;
  std::vector<std::string> exprs;
  for (const std::string& f : files) {
    auto text = ReadFileText(f);
    if (!text.ok()) return ReportError(cmd, text.status());
    auto s = SegmentFromJson(*text, f);
    if (!s.ok()) return ReportError(cmd, s.status());
    for (const std::string& e : s->threshold_exprs) {
      if (std::find(exprs.begin(), exprs.end(), e) == exprs.end()) exprs.push_back(e);
    }
    segments.push_back(std::move(s).value());
  }
  for (const std::string& e : threshold_flags) {
    if (std::find(exprs.begin(), exprs.end(), e) == exprs.end()) exprs.push_back(e);
  }
  std::vector<Threshold> thresholds;
  for (const std::string& e : exprs) {
    auto t = ParseThreshold(e);
    if (!t.ok()) {
      return ReportError(cmd, Status::InvalidArgument("threshold: " + t.status().message()));
    }
    thresholds.push_back(std::move(t).value());
  }
  MergeOptions mo;
  mo.allow_missing = allow_missing;
  std::vector<int> missing;
  auto merged = MergeSegments(segments, mo, &missing);
  if (!merged.ok()) return ReportError(cmd, merged.status());
  LoadResult& r = *merged;
  std::vector<ThresholdVerdict> verdicts = EvaluateAll(thresholds, r);
  if (!verdicts.empty()) {
    r.thresholds_json = ThresholdsJson(verdicts).dump();
    r.verdict = AllPassed(verdicts) ? "pass" : "fail";
  }
  if (!quiet) {
    std::fputs(FormatLoadSummary(r).c_str(), stdout);
    std::printf("\nMerged %zu segments:", r.segments.size());
    for (const SegmentProvenance& p : r.segments) {
      std::printf(" %d/%d %s (%llu requests)", p.index + 1, p.count, p.status.c_str(),
                  static_cast<unsigned long long>(p.requests));
    }
    std::printf("\n");
  }
  const int count = segments.front().result.segment_count;
  if (!missing.empty()) {
    std::string names;
    for (int i : missing) {
      names += fmt::format("{}{}/{}", names.empty() ? "" : ", ", i + 1, count);
    }
    std::printf("\nPARTIAL: segment%s %s missing, %.1f %% of the plan's load not in this run\n",
                missing.size() > 1 ? "s" : "", names.c_str(),
                100.0 * double(missing.size()) / count);
  }
  if (!verdicts.empty()) std::printf("\n%s", FormatVerdictTable(verdicts).c_str());
  if (!store_path.empty()) {
    auto store = Store::Open(store_path);
    if (!store.ok()) return ReportError(cmd, store.status());
    RunStart start;
    start.run_id = r.run_id;
    start.target = r.target;
    start.method = r.method;
    start.model = r.model;
    start.config_json = MergedConfigJson(r, files);
    start.tags = r.tags;
    start.started_unix_ms = r.started_unix_ms;
    start.env = CurrentEnvironment(VITALS_VERSION);
    auto id = store->BeginRun(start);
    if (!id.ok()) return ReportError(cmd, id.status());
    Status st = store->AppendIntervals(*id, r.intervals);
    if (st.ok()) st = store->CompleteRun(*id, r, r.thresholds_json, r.verdict);
    if (st.ok()) st = store->AddSegments(*id, r.segments);
    if (!st.ok()) return ReportError(cmd, st);
    std::printf("\nStored as run %s in %s (vitals runs show %s)\n", id->c_str(), store_path.c_str(),
                id->c_str());
  }
  std::fflush(stdout);
  if (!json_out.empty()) {
    Status st = WriteTextFile(json_out, MergedJson(r, missing, count) + "\n");
    if (!st.ok()) return ReportError(cmd, st);
  }
  if (!missing.empty()) {
    std::fprintf(stderr,
                 "vitals merge: error: partial run: %zu of %d segments missing (see PARTIAL "
                 "above)\n",
                 missing.size(), count);
  } else if (!r.failure.empty()) {
    std::fprintf(stderr, "vitals merge: error: %s\n", r.failure.c_str());
    return kExitFailure;
  }
  if (!verdicts.empty() && !AllPassed(verdicts)) return kExitThresholds;
  if (!missing.empty()) return kExitFailure;
  return kExitOk;
}

}  // namespace vitals::cli
