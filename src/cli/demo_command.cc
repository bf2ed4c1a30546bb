// vitals demo: the main job end to end on embedded defaults.  Starts the
// built-in target in-process on 127.0.0.1 (a lognormal latency profile and a
// periodic stall), loads it through phases with the open model, and prints
// the summary, so corrected and uncorrected latencies can be compared on a
// fresh machine with nothing else running.
#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <cstdio>

#include <fmt/format.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "load/engine.h"
#include "report/load_summary.h"
#include "target/target_server.h"

namespace vitals::cli {
namespace {

std::atomic<bool> g_demo_stop{false};
void OnDemoSignal(int) { g_demo_stop.store(true); }

constexpr int64_t kSec = 1'000'000'000;

}  // namespace

int RunDemo(int argc, char** argv) {
  CLI::App app{
      "Run the main job end to end on embedded defaults: start the built-in target, "
      "load it in phases (smoke, ramp, steady, spike) and print what happened.",
      "vitals demo"};
  double scale = 1.0;
  std::string json_out;
  app.add_option("--scale", scale,
                 "multiply every phase duration (0.1 .. 10), e.g. 0.2 for a "
                 "quick look")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 10.0));
  app.add_option("--json", json_out, "also write the result JSON to FILE");
  app.footer("\nExample:\n  vitals demo            # about 40 s\n  vitals demo --scale 0.25\n");
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
  auto server = TargetServer::Start(topt);
  if (!server.ok()) return ReportError(cmd, server.status());
  std::printf(
      "vitals demo: target %s (latency lognormal median 2ms p99 20ms, 0.2%% errors, "
      "300ms stall every 5s)\n",
      (*server)->url().c_str());

  auto dur = [&](double s) { return int64_t(s * scale * double(kSec)); };
  LoadOptions o;
  o.url = (*server)->url();
  o.model = LoadModel::kOpen;
  o.threads = 1;
  o.connections = 20;
  o.max_connections = 200;
  o.timeout_ns = 5 * kSec;
  o.stages = {Stage{"smoke", dur(5), 20, 20}, Stage{"ramp", dur(10), 20, 400},
              Stage{"steady", dur(20), 400, 400}, Stage{"spike", dur(5), 2000, 2000}};
  o.tags = {{"source", "demo"}};
  std::printf(
      "vitals demo: open model, phases smoke 20 req/s -> ramp to 400 -> steady 400 -> "
      "spike 2000 (5x), %.0f s\n\n",
      40 * scale);
  std::fflush(stdout);
  std::signal(SIGINT, OnDemoSignal);
  std::signal(SIGPIPE, SIG_IGN);
  const bool live = isatty(fileno(stderr)) == 1;
  auto progress = [&](const Progress& p) {
    if (!live) return;
    std::fprintf(stderr, "\r\033[K[%s] %5.1fs/%.0fs  %llu req  %llu errors  %llu in flight",
                 p.phase.c_str(), p.elapsed_s, p.total_s, (unsigned long long)p.requests,
                 (unsigned long long)p.errors, (unsigned long long)p.inflight);
    std::fflush(stderr);
  };
  auto result = RunLoad(o, &g_demo_stop, progress);
  if (live) std::fprintf(stderr, "\r\033[K");
  (*server)->Stop();
  if (!result.ok()) return ReportError(cmd, result.status());
  std::fputs(FormatLoadSummary(*result).c_str(), stdout);
  std::printf(
      "\nRead it: the 'corrected' row counts each request from when it was due, so the stalls "
      "show in p99;\nthe 'uncorrected' row (what closed-loop tools print) hides most of them.\n");
  if (!json_out.empty()) {
    if (Status st = WriteTextFile(json_out, ToJson(*result) + "\n"); !st.ok()) {
      return ReportError(cmd, st);
    }
    std::printf("result JSON: %s\n", json_out.c_str());
  }
  return kExitOk;
}

}  // namespace vitals::cli
