// vitals demo: the main job end to end on embedded defaults.  Starts the
// built-in target in-process on 127.0.0.1 (a lognormal latency profile, 0.2 %
// errors and a periodic stall), loads it through smoke, ramp, steady and spike
// phases with the open model and live progress, observes the target's /metrics
// and the host for the whole run (its cache collapses in the spike: the
// finding says when and in which phase), records everything in the run store
// and writes a self-contained HTML report.  Needs nothing else running.
#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/load_observe.h"
#include "cli/progress_line.h"
#include "cli/run_outputs.h"
#include "load/engine.h"
#include "load/thresholds.h"
#include "report/html_report.h"
#include "report/load_summary.h"
#include "report/report_data.h"
#include "report/verdict_table.h"
#include "store/store.h"
#include "target/target_server.h"

namespace vitals::cli {
namespace {

std::atomic<bool> g_demo_stop{false};
void OnDemoSignal(int) { g_demo_stop.store(true); }

constexpr int64_t kSec = 1'000'000'000;

}  // namespace

int RunDemo(int argc, char** argv) {
  CLI::App app{
      "Run the main job end to end on embedded defaults: start the built-in target, load it "
      "in phases (smoke, ramp, steady, spike) with live progress, observe its /metrics and the "
      "host during the run, store the run and write an HTML report.",
      "vitals demo"};
  double scale = 1.0;
  std::string json_out, report_out = "vitals-report.html", store_flag;
  bool quiet = false;
  app.add_option("--scale", scale,
                 "multiply every phase duration (0.1 .. 10), e.g. 0.2 for a quick look")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 10.0));
  app.add_option("-o,--report", report_out, "where to write the HTML report")
      ->capture_default_str();
  app.add_option("--store", store_flag, "run store (default $VITALS_STORE or ./.vitals/vitals.db)");
  app.add_option("--json", json_out, "also write the result JSON to FILE");
  app.add_flag("-q,--quiet", quiet, "no live progress on stderr");
  app.footer(
      "\nExamples:\n  vitals demo                 # about 50 s\n  vitals demo --scale 0.25   "
      "  # a quick look\n\nAfterwards: vitals runs list; vitals report latest -o r.md\n");
  if (int rc = ParseOrExit(app, argc, argv); rc >= 0) return rc;
  const std::string cmd = "vitals demo";

  TargetOptions topt;
  topt.listen = "127.0.0.1:0";
  topt.threads = 1;
  auto lat = ParseLatencySpec("lognormal:median=2ms,p99=20ms");
  auto stall = StallSchedule::Make(300'000'000, 5 * kSec);
  if (!lat.ok() || !stall.ok()) return ReportError(cmd, Status::Internal("demo target defaults"));
  topt.latency = *lat;
  topt.stall = *stall;
  topt.error_rate = 0.002;
  // The failure the observation must find: an application cache of 3000 entries whose working
  // set follows the request rate (5 keys per req/s).  It holds the steady phase (2000 keys)
  // and collapses in the spike (10000 keys): misses pay a 20 ms backend call.
  topt.cache.capacity = 3000;
  topt.cache.keys_per_rps = 5;
  auto server = TargetServer::Start(topt);
  if (!server.ok()) return ReportError(cmd, server.status());
  std::printf(
      "vitals demo: target %s (latency lognormal median 2ms p99 20ms, 0.2%% errors, "
      "300ms stall every 5s, a 3000-entry cache in front of a 20 ms backend)\n",
      (*server)->url().c_str());

  auto dur = [&](double s) { return int64_t(s * scale * double(kSec)); };
  LoadOptions o;
  o.url = (*server)->url();
  o.model = LoadModel::kOpen;
  o.threads = 1;
  o.connections = 20;
  o.max_connections = 300;
  o.timeout_ns = 5 * kSec;
  o.stages = {Stage{"smoke", dur(5), 20, 20}, Stage{"ramp", dur(10), 20, 400},
              Stage{"steady", dur(20), 400, 400}, Stage{"spike", dur(5), 2000, 2000}};
  o.tags = {{"source", "demo"}};
  for (const char* expr : {"error_rate<1%", "p(50)<10ms", "p(99)<100ms over 5s"}) {
    auto t = ParseThreshold(expr);
    if (!t.ok()) return ReportError(cmd, t.status());
    o.thresholds.push_back(*t);
  }
  std::printf(
      "vitals demo: open model, phases smoke 20 req/s -> ramp to 400 -> steady 400 -> spike "
      "2000 (5x), %.0f s; thresholds error_rate<1%%, p(50)<10ms, p(99)<100ms over 5s\n\n",
      40 * scale);
  std::fflush(stdout);

  RunOutputsOptions oo;
  oo.store_path = ResolveStorePath(store_flag);
  oo.scenario_name = "demo";
  auto outputs_or = RunOutputs::Open(oo, &o);
  if (!outputs_or.ok()) return ReportError(cmd, outputs_or.status());
  RunOutputs& outputs = **outputs_or;

  // The target's /metrics and the host are observed for the whole run (vitals load --observe).
  ObserveFlags observe_flags;
  observe_flags.observe = {"prometheus=" + (*server)->url() + "metrics", "host"};
  auto observation = LoadObservation::Start(observe_flags, o.interval_ns);
  if (!observation.ok()) {
    outputs.Fail(observation.status().message());
    return ReportError(cmd, observation.status());
  }

  std::signal(SIGINT, OnDemoSignal);
  std::signal(SIGPIPE, SIG_IGN);
  ProgressLine progress(stderr, quiet, "vitals demo");
  auto result = RunLoad(o, &g_demo_stop, [&](const Progress& p) { progress.Update(p); });
  progress.Done();
  if (!result.ok()) {
    (*server)->Stop();
    outputs.Fail(result.status().message());
    return ReportError(cmd, result.status());
  }
  // Stop observing before the target goes away (no "connection refused" readings).
  const ObservationReport observed = (*observation)->Finish(o, *result);
  (*server)->Stop();
  std::vector<ThresholdVerdict> verdicts;
  if (Status st = outputs.Finish(o, &*result, &verdicts); !st.ok()) return ReportError(cmd, st);
  if (Status st =
          outputs.AddObservation(ToStoredSeries(observed.series), ObservationJson(observed).dump());
      !st.ok()) {
    return ReportError(cmd, st);
  }

  std::fputs(FormatLoadSummary(*result).c_str(), stdout);
  std::printf(
      "\nRead it: the 'corrected' row counts each request from when it was due, so the stalls "
      "show in p99;\nthe 'uncorrected' row (what closed-loop tools print) hides most of them.\n");
  std::printf("\n%s", FormatVerdictTable(verdicts).c_str());
  if (!AllPassed(verdicts)) {
    std::printf(
        "(the windowed p99 threshold catches the injected stalls; `vitals load` would exit 99 "
        "here, the demo exits 0)\n");
  }

  std::printf("%s", FormatObservationText(observed).c_str());
  std::printf(
      "(observed like `vitals load --observe prometheus=%smetrics --observe host`: each finding "
      "with the time and phase it began)\n",
      (*server)->url().c_str());

  auto store = Store::Open(oo.store_path, Store::OpenMode::kExisting);
  if (!store.ok()) return ReportError(cmd, store.status());

  auto data = LoadReportData(*store, outputs.run_id());
  if (!data.ok()) return ReportError(cmd, data.status());
  if (Status st = WriteTextFile(report_out, RenderHtmlReport(*data)); !st.ok()) {
    return ReportError(cmd, st);
  }
  if (!json_out.empty()) {
    nlohmann::json j = nlohmann::json::parse(ToJson(*result));
    j["observe"] = ObservationJson(observed);
    if (Status st = WriteTextFile(json_out, j.dump(2) + "\n"); !st.ok()) {
      return ReportError(cmd, st);
    }
    std::printf("result JSON: %s\n", json_out.c_str());
  }
  std::printf("\nStored as run %s in %s\nHTML report: %s\n", outputs.run_id().c_str(),
              oo.store_path.c_str(), report_out.c_str());
  std::printf("Next: vitals runs list; vitals report latest --format markdown -o run.md\n");
  return kExitOk;
}

}  // namespace vitals::cli
