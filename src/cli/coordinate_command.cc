// vitals coordinate URL|SCENARIO [load flags] --segments N --listen ADDR: one run from N
// segment processes (vitals load --coordinator), merged live and at the end, stored as one run.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/coord_conn.h"
#include "cli/coordinator.h"
#include "cli/load_hooks.h"
#include "cli/load_segment.h"
#include "cli/progress_line.h"
#include "cli/run_outputs.h"
#include "core/clock.h"
#include "core/units.h"
#include "load/merge.h"
#include "load/thresholds.h"
#include "report/load_summary.h"
#include "report/verdict_table.h"
#include "store/store.h"

namespace vitals::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

constexpr const char* kCmd = "vitals coordinate";

constexpr const char* kFooter = R"(
The plan is `vitals load`'s: a URL with --rate / --stages / --duration / -c / --threshold /
--tag ..., or a scenario file (its thresholds, abort_on_fail included).  Every flag that is
not one of the coordinator's own above is a load flag and goes to the segments as is.

The coordinator waits for N segments to join:
  vitals load --coordinator HOST:PORT --segment I/N          (1-based, by hand)
  vitals load --coordinator HOST:PORT --segment-index I --segments N   (0-based, Kubernetes)
A segment needs no plan: the coordinator sends the load flags, the scenario text and a start
time 2 s ahead (--start-at semantics: one time zero for all).  Each segment sends exactly its
share (open model: the requests k with k mod N == I-1), streams its intervals as they close
(HdrHistogram V2) and a heartbeat a second.  The coordinator adds them exactly, judges the
abort_on_fail thresholds on the merged series (and stops every segment when one fails),
shows the whole test's progress, and at the end merges the segments' results (vitals merge's
exact merge), evaluates every threshold on the whole and stores ONE run with the segments'
provenance (vitals runs show RUN lists them).

Refused segments (the segment exits 2 and says why): a wrong or missing token, another plan
(a segment may pass its own URL or scenario; it must be the coordinator's), a segment index
that already joined or is out of range, another segment count.

Faults:
  a segment never joins      after --join-timeout the coordinator exits 1 naming it; nothing
                             was started (no segment sent a request)
  a segment dies mid-run     (closed socket, or no heartbeat for 5 s) the run is PARTIAL: the
                             summary, --json ("partial") and the store name it, its share of
                             the plan and when it was lost; the others go on
                             (--on-segment-loss continue) or are stopped (abort); exit 1
  the coordinator dies       each segment stops within 5 s of silence and exits 1

Security: beyond loopback a shared token is required (VITALS_COORDINATOR_TOKEN or
--token-file, the same on every segment).  It never crosses the wire (challenge / HMAC-
SHA256), is never printed or stored.

Examples:
  vitals coordinate http://10.0.0.5:8080/ --rate 4000 -d 5m --threshold 'p(99)<50ms' \
      --segments 4 --listen 0.0.0.0:7070 --token-file token --json run.json
  vitals coordinate examples/scenarios/steady.yaml --segments 2 --listen 127.0.0.1:7070

Exit codes: 0 ok, 1 a segment never joined or was lost (partial run) or failed, 2 usage
error, 99 a threshold failed on the merged run, 130 interrupted.
)";

struct CoordFlag {
  const char* name;
  bool takes_value;
};
constexpr CoordFlag kCoordFlags[] = {
    {"--segments", true},        {"--listen", true},     {"--join-timeout", true},
    {"--on-segment-loss", true}, {"--token-file", true}, {"--json", true},
    {"--store", true},           {"--no-store", false},  {"-q", false},
    {"--quiet", false},          {"-h", false},          {"--help", false},
};

// Splits argv into the coordinator's flags and the load flags (the plan).
Status SplitArgs(int argc, char** argv, std::vector<std::string>* coord,
                 std::vector<std::string>* load) {
  coord->push_back(kCmd);
  load->push_back(kCmd);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const std::string name = a.substr(0, a.find('='));
    const CoordFlag* f = nullptr;
    for (const CoordFlag& c : kCoordFlags) {
      if (name == c.name) f = &c;
    }
    if (f) {
      coord->push_back(a);
      if (f->takes_value && a.find('=') == std::string::npos && i + 1 < argc) {
        coord->push_back(argv[++i]);
      }
      continue;
    }
    if (IsRefusedPlanFlag(name)) {
      return Status::InvalidArgument(fmt::format(
          "{} is not a plan flag: {}", name,
          name == "--threads" || name == "-t"
              ? "each segment sets its own threads (vitals load --coordinator ... --threads N)"
              : "vitals coordinate sets the segments and the start itself, and writes --json "
                "and the store; run --csv/--hlog/--observe/--duet with vitals load"));
    }
    load->push_back(a);
  }
  return Status::Ok();
}

struct Plan {
  LoadOptions options;
  std::string target, scenario_name;
};

double PlannedSeconds(const LoadOptions& o) {
  int64_t ns = 0;
  for (const Stage& s : o.stages) ns += s.duration_ns;
  return double(ns) / 1e9;
}

std::string Label(int i, int n) { return fmt::format("{}/{}", i + 1, n); }

// Each segment's share of the plan: 1/N of an open schedule (requests k mod N), or of a
// closed plan its share of the connections (3, 3, 2, 2 of 10 over 4: load/segment.h).
std::vector<double> Shares(const LoadOptions& o, int n) {
  bool any_open = o.model == LoadModel::kOpen;
  for (const Stage& s : o.stages) any_open |= s.model && *s.model == LoadModel::kOpen;
  std::vector<double> shares(size_t(n), 1.0 / n);
  if (!any_open && o.connections > 0) {
    for (int i = 0; i < n; ++i) {
      shares[size_t(i)] = double(SplitShare(o.connections, i, n)) / o.connections;
    }
  }
  return shares;
}

}  // namespace

int RunCoordinate(int argc, char** argv) {
  std::vector<std::string> coord_args, load_args;
  if (Status st = SplitArgs(argc, argv, &coord_args, &load_args); !st.ok()) {
    return ReportError(kCmd, st);
  }
  CLI::App app{
      "Run one load plan from N segment processes (vitals load --coordinator) on other machines: "
      "hand out the plan and a common start, merge their intervals live and exactly, judge the "
      "thresholds on the whole, store one run.  Every other flag is a `vitals load` flag (the "
      "plan; see vitals load --help).",
      kCmd};
  app.footer(kFooter);
  int segments = 0;
  std::string listen, join_timeout = "60s", on_loss = "continue", token_file, json_out, store_flag;
  bool no_store = false, quiet = false;
  app.add_option("--segments", segments, "how many segment processes run the plan (>= 2)")
      ->required();
  app.add_option("--listen", listen,
                 "where segments join, HOST:PORT (port 0: any free port, printed); beyond "
                 "loopback a token is required")
      ->required();
  app.add_option("--join-timeout", join_timeout,
                 "give up (exit 1, nothing started) when not every segment joined by then")
      ->capture_default_str();
  app.add_option("--on-segment-loss", on_loss,
                 "a segment lost mid-run: continue (the others finish; the run is partial) or "
                 "abort (stop every segment)")
      ->capture_default_str();
  app.add_option("--token-file", token_file,
                 "the shared token's file (default: $VITALS_COORDINATOR_TOKEN)");
  app.add_option("--json", json_out, "write the merged result JSON to FILE ('-' for stdout)");
  app.add_option("--store", store_flag,
                 "run store (SQLite); default $VITALS_STORE or ./.vitals/vitals.db");
  app.add_flag("--no-store", no_store, "do not record the run");
  app.add_flag("-q,--quiet", quiet, "no live progress on stderr");
  std::vector<char*> cargv;
  for (std::string& a : coord_args) cargv.push_back(a.data());
  if (int rc = ParseOrExit(app, int(cargv.size()), cargv.data()); rc >= 0) return rc;

  if (segments < 2 || segments > kMaxSegments) {
    return ReportError(kCmd, Status::InvalidArgument(fmt::format(
                                 "--segments {}: expected 2..{} (one segment is plain vitals load)",
                                 segments, kMaxSegments)));
  }
  if (on_loss != "continue" && on_loss != "abort") {
    return ReportError(kCmd, Status::InvalidArgument("--on-segment-loss '" + on_loss +
                                                     "': expected continue or abort"));
  }
  auto jt = ParseDurationNs(join_timeout, 1'000'000'000);
  if (!jt.ok() || *jt <= 0) {
    return ReportError(kCmd, Status::InvalidArgument("--join-timeout '" + join_timeout +
                                                     "': expected a duration, e.g. 60s"));
  }
  auto hp = ParseHostPort("--listen", listen);
  if (!hp.ok()) return ReportError(kCmd, hp.status());
  auto token = CoordinatorToken(token_file);
  if (!token.ok()) return ReportError(kCmd, token.status());
  if (token->empty() && !IsLoopbackHost(hp->host)) {
    return ReportError(
        kCmd, Status::InvalidArgument(fmt::format(
                  "--listen {}: beyond loopback a shared token is required, so that only your "
                  "segments can join: set VITALS_COORDINATOR_TOKEN or --token-file FILE (the "
                  "same on every segment)",
                  listen)));
  }

  // The plan: `vitals load`'s own parsing and validation of the load flags.
  Plan plan;
  LoadHooks plan_hooks;
  plan_hooks.command = kCmd;
  plan_hooks.on_plan = [&plan](const LoadOptions& o, const std::string& target,
                               const std::string& scenario) {
    plan.options = o;
    plan.target = target;
    plan.scenario_name = scenario;
    return -1;
  };
  if (int rc = RunLoadWithHooks(load_args, &plan_hooks); rc != -1) return rc;
  std::string scenario_text;
  auto hash = TargetHash(plan.target, &scenario_text);
  if (!hash.ok()) return ReportError(kCmd, hash.status());
  nlohmann::json plan_args = nlohmann::json::array();
  bool target_dropped = false;
  for (size_t i = 1; i < load_args.size(); ++i) {
    if (!target_dropped && load_args[i] == plan.target) {
      target_dropped = true;
      continue;
    }
    plan_args.push_back(load_args[i]);
  }

  CoordinatorConfig cfg;
  cfg.segments = segments;
  cfg.plan_hash = *hash;
  cfg.plan_name = scenario_text.empty() ? plan.options.url : plan.scenario_name;
  cfg.plan = {{"args", plan_args},
              {"target", scenario_text.empty() ? plan.target : ""},
              {"scenario", scenario_text}};
  cfg.thresholds = plan.options.thresholds;
  cfg.token = *token;
  cfg.join_timeout_ms = *jt / 1'000'000;
  cfg.abort_on_loss = on_loss == "abort";
  cfg.planned_s = PlannedSeconds(plan.options);
  cfg.shares = Shares(plan.options, segments);

  auto listener = FrameListener::Listen(*hp);
  if (!listener.ok()) return ReportError(kCmd, listener.status());
  std::printf("vitals coordinate: listening on %s:%u for %d segments\n",
              hp->host.empty() ? "*" : hp->host.c_str(), unsigned(listener->port()), segments);
  std::fflush(stdout);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);

  ProgressLine progress(stderr, quiet, kCmd);
  auto outcome = RunCoordinator(*listener, cfg, &g_stop, &progress);
  if (!outcome.ok()) return ReportError(kCmd, outcome.status());

  // The final, exact merge of the segments' results (vitals merge's).
  std::vector<SegmentResult> results;
  std::vector<SegmentSeen>& seen = outcome->segments;
  for (SegmentSeen& s : seen) {
    if (s.lost) continue;
    auto r = SegmentFromJson(s.result_json, "segment " + Label(s.index, segments));
    if (!r.ok()) {
      s.lost = true;
      s.lost_reason = "its result could not be read: " + r.status().message();
      std::fprintf(stderr, "vitals coordinate: segment %s: %s\n", Label(s.index, segments).c_str(),
                   s.lost_reason.c_str());
      continue;
    }
    results.push_back(std::move(r).value());
  }
  if (results.empty()) {
    return ReportError(kCmd, Status::Unavailable("every segment was lost: there is no result to "
                                                 "merge (see the messages above)"));
  }
  MergeOptions mo;
  std::vector<int> lost;
  for (const SegmentSeen& s : seen) {
    if (s.lost) lost.push_back(s.index);
  }
  mo.allow_missing = !lost.empty();
  double lost_share = 0;
  for (int i : lost) lost_share += cfg.shares[size_t(i)];
  std::vector<int> missing;
  auto merged = MergeSegments(results, mo, &missing);
  if (!merged.ok()) return ReportError(kCmd, merged.status());
  LoadResult& r = *merged;
  r.scenario_name = plan.scenario_name;
  r.aborted_by = outcome->aborted_by;
  if (lost.empty()) {
    // The segments were stopped by the coordinator: the run's own reason is the coordinator's.
    r.stopped_by_caller = outcome->stopped_by_caller;
    r.interrupted = r.interrupted || !r.aborted_by.empty() || outcome->stopped_by_caller;
  }
  for (SegmentProvenance& p : r.segments) {
    const SegmentSeen& s = seen[size_t(p.index)];
    if (p.host.empty()) p.host = s.host;
    p.joined_unix_ms = s.joined_unix_ms;
    p.left_unix_ms = s.left_unix_ms;
  }
  const uint64_t planned_per_segment = r.segments.empty() ? 0 : r.segments.front().planned_requests;
  for (int i : lost) {
    const SegmentSeen& s = seen[size_t(i)];
    SegmentProvenance p;
    p.index = i;
    p.count = segments;
    p.host = s.host;
    p.requests = s.requests;
    p.errors = s.errors;
    p.planned_requests = planned_per_segment;
    p.status = "lost";
    p.joined_unix_ms = s.joined_unix_ms;
    p.left_unix_ms = s.left_unix_ms;
    p.lost = true;
    p.lost_at_s = s.lost_at_s;
    p.lost_reason = s.lost_reason;
    r.segments.push_back(std::move(p));
  }
  std::sort(r.segments.begin(), r.segments.end(),
            [](const auto& a, const auto& b) { return a.index < b.index; });
  std::vector<ThresholdVerdict> verdicts = EvaluateAll(plan.options.thresholds, r);
  if (!verdicts.empty()) {
    r.thresholds_json = ThresholdsJson(verdicts).dump();
    r.verdict = AllPassed(verdicts) ? "pass" : "fail";
  }

  std::fputs(FormatLoadSummary(r).c_str(), stdout);
  std::printf("\nSegments (%d):\n", segments);
  for (const SegmentProvenance& p : r.segments) {
    std::printf(
        "  %d/%d  %-24s %-11s %llu requests, %llu errors%s\n", p.index + 1, p.count, p.host.c_str(),
        p.status.c_str(), static_cast<unsigned long long>(p.requests),
        static_cast<unsigned long long>(p.errors),
        p.lost ? fmt::format("; lost at {:.1f} s: {}", p.lost_at_s, p.lost_reason).c_str() : "");
  }
  if (!lost.empty()) {
    std::string names;
    for (int i : lost) names += (names.empty() ? "" : ", ") + Label(i, segments);
    std::printf("\nPARTIAL: segment%s %s lost, %.1f %% of the plan's load not in this run\n",
                lost.size() > 1 ? "s" : "", names.c_str(), 100.0 * lost_share);
  }
  if (!r.aborted_by.empty()) {
    std::printf("\nAborted early by an abort_on_fail threshold on the merged run: %s\n",
                r.aborted_by.c_str());
  }
  if (!verdicts.empty()) std::printf("\n%s", FormatVerdictTable(verdicts).c_str());

  if (!no_store) {
    const std::string path = ResolveStorePath(store_flag);
    auto store = Store::Open(path);
    if (!store.ok()) return ReportError(kCmd, store.status());
    nlohmann::json config =
        nlohmann::json::parse(RunConfigJson(plan.options, plan.scenario_name), nullptr, false);
    if (!config.is_object()) config = nlohmann::json::object();
    config["coordinated"] = {{"segments", segments}};
    RunStart start;
    start.run_id = r.run_id;
    start.target = r.target;
    start.method = r.method;
    start.model = r.model;
    start.config_json = config.dump();
    start.tags = r.tags;
    start.started_unix_ms = r.started_unix_ms;
    start.env = CurrentEnvironment(VITALS_VERSION);
    auto id = store->BeginRun(start);
    if (!id.ok()) return ReportError(kCmd, id.status());
    Status st = store->AppendIntervals(*id, r.intervals);
    if (st.ok()) st = store->CompleteRun(*id, r, r.thresholds_json, r.verdict);
    if (st.ok()) st = store->AddSegments(*id, r.segments);
    if (!st.ok()) return ReportError(kCmd, st);
    const std::string status = ResultStatus(r);
    std::printf("\nStored as %srun %s in %s (vitals runs show %s)\n",
                status == "completed" ? "" : (status + " ").c_str(), id->c_str(), path.c_str(),
                id->c_str());
  }
  std::fflush(stdout);
  if (!json_out.empty()) {
    nlohmann::json j = nlohmann::json::parse(MergedJson(r, missing, segments), nullptr, false);
    if (!lost.empty()) {
      nlohmann::json details = nlohmann::json::array();
      for (int i : lost) {
        const SegmentSeen& s = seen[size_t(i)];
        details.push_back({{"segment", i + 1},
                           {"host", s.host},
                           {"lost_at_s", s.lost_at_s},
                           {"reason", s.lost_reason},
                           {"share", cfg.shares[size_t(i)]}});
      }
      j["partial"]["lost"] = details;
      j["partial"]["missing_share"] = lost_share;
    }
    j["coordinated"] = {{"segments", segments}, {"start_unix_ms", outcome->start_unix_ms}};
    if (Status st = WriteTextFile(json_out, j.dump(2) + "\n"); !st.ok()) {
      return ReportError(kCmd, st);
    }
  }
  if (!verdicts.empty() && !AllPassed(verdicts)) return kExitThresholds;
  if (!lost.empty()) {
    std::fprintf(stderr, "vitals coordinate: error: partial run: %zu of %d segments lost\n",
                 lost.size(), segments);
    return kExitFailure;
  }
  if (!r.failure.empty()) {
    std::fprintf(stderr, "vitals coordinate: error: %s\n", r.failure.c_str());
    return kExitFailure;
  }
  if (outcome->stopped_by_caller) return kExitInterrupted;
  return kExitOk;
}

}  // namespace vitals::cli
