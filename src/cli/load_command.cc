// vitals load URL: flags -> LoadOptions -> engine -> summary / JSON.
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "core/units.h"
#include "load/engine.h"
#include "report/load_summary.h"

namespace vitals::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

constexpr const char* kFooter = R"(
Models:
  closed (default)  each of --connections sends its next request when the previous answer
                    arrives (like wrk).  Latency is measured from the actual send.
  open (--rate R)   requests leave on one global schedule, request k at start + k/R,
                    whatever the answers do.  A request that cannot go out on time (all
                    connections busy) is sent late and its latency still counts from the
                    intended time: the "corrected" row.  The "uncorrected" row counts from
                    the actual send.  Late sends and dropped requests (no free connection
                    within --timeout) are counted, never hidden, and nothing is discarded
                    as warm-up.

Examples:
  vitals load http://127.0.0.1:8080/ -c 50 -d 30s
  vitals load http://127.0.0.1:8080/api --rate 1000 --duration 1m --max-connections 200
  vitals load http://127.0.0.1:8080/ --stages 30s:100,1m:100,10s:500 --rate 1
  vitals load http://127.0.0.1:8080/items -X POST -H 'Content-Type: application/json' \
              --body @item.json --requests 10000 --json result.json

Exit codes: 0 ok, 1 runtime failure, 2 usage error.
)";

Result<int64_t> DurationFlag(const std::string& flag, const std::string& text) {
  auto d = ParseDurationNs(text, 1'000'000'000);  // a bare number is seconds, as in wrk
  if (!d.ok()) return Status::InvalidArgument(flag + ": " + d.status().message());
  if (*d <= 0) return Status::InvalidArgument(flag + " must be > 0, got '" + text + "'");
  return *d;
}

bool IsTerminal(FILE* f) { return isatty(fileno(f)) == 1; }

// Raises the soft open-files limit to the hard one, so that thousands of
// connections need no `ulimit -n`; says clearly when even that is too few.
Status EnsureFileLimit(uint64_t connections) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return Status::Ok();
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  const uint64_t need = connections + 64;  // sockets plus epoll fds, stdio, files
  if (rl.rlim_cur != RLIM_INFINITY && need > rl.rlim_cur) {
    return Status::InvalidArgument(
        fmt::format("{} connections need about {} file descriptors but the limit is {}; raise it "
                    "(ulimit -n, or LimitNOFILE= for a service) or use fewer connections",
                    connections, need, uint64_t(rl.rlim_cur)));
  }
  return Status::Ok();
}

}  // namespace

int RunLoad(int argc, char** argv) {
  CLI::App app{"Generate HTTP load against URL, record every latency, print a summary.",
               "vitals load"};
  app.footer(kFooter);
  std::string url, duration = "10s", timeout = "10s", stages, method = "GET", body, json_out;
  std::vector<std::string> headers, tags;
  int threads = int(std::max(1u, std::thread::hardware_concurrency()));
  int connections = 50, max_connections = 0;
  double rate = 0;
  uint64_t requests = 0;
  bool quiet = false;
  app.add_option("url", url, "target URL, http://host[:port]/path")->required();
  app.add_option("-t,--threads", threads, "worker threads, one event loop each")
      ->capture_default_str();
  app.add_option("-c,--connections", connections,
                 "keep-alive connections (closed model: the concurrency; open model: "
                 "opened up front)")
      ->capture_default_str();
  app.add_option("--max-connections", max_connections,
                 "open model: connections may grow up to this when all are busy "
                 "(default: --connections)");
  app.add_option("-d,--duration", duration, "run length, e.g. 30s, 2m (a bare number is seconds)")
      ->capture_default_str();
  app.add_option("-n,--requests", requests, "stop after N requests (with or without --duration)");
  app.add_option("-R,--rate", rate, "open model: requests per second on a global schedule");
  app.add_option("--stages", stages,
                 "phases DURATION:LEVEL,... ramping linearly from the previous level (rate "
                 "with --rate, else connections), e.g. 30s:100,1m:100,10s:500");
  app.add_option("--timeout", timeout, "per-request timeout (and the open model's drop deadline)")
      ->capture_default_str();
  app.add_option("-X,--method", method, "HTTP method")->capture_default_str();
  app.add_option("-H,--header", headers, "extra request header 'Name: value' (repeatable)");
  app.add_option("--body", body, "request body, or @FILE to read it from a file");
  app.add_option("--json", json_out, "write the result JSON to FILE ('-' for stdout)");
  app.add_option("--tag", tags, "label the run, k=v (repeatable), e.g. commit=abc123");
  app.add_flag("-q,--quiet", quiet, "no live progress on stderr");
  if (int rc = ParseOrExit(app, argc, argv); rc >= 0) return rc;

  const std::string cmd = "vitals load";
  LoadOptions o;
  o.url = url;
  o.threads = threads;
  o.connections = connections;
  o.max_connections = max_connections;
  o.max_requests = requests;
  o.model = rate > 0 || app.count("--rate") ? LoadModel::kOpen : LoadModel::kClosed;
  if (app.count("--rate") && !(rate > 0)) {
    return ReportError(cmd, Status::InvalidArgument("--rate must be > 0 requests per second"));
  }
  auto tmo = DurationFlag("--timeout", timeout);
  if (!tmo.ok()) return ReportError(cmd, tmo.status());
  o.timeout_ns = *tmo;
  if (!stages.empty()) {
    auto st = ParseStages(stages);
    if (!st.ok()) return ReportError(cmd, st.status());
    o.stages = std::move(st).value();
  } else {
    int64_t dur_ns;
    if (app.count("--duration") || requests == 0) {
      auto d = DurationFlag("--duration", duration);
      if (!d.ok()) return ReportError(cmd, d.status());
      dur_ns = *d;
    } else {
      dur_ns = int64_t(24) * 3600 * 1'000'000'000;  // --requests alone: run until N are done
    }
    double level = o.model == LoadModel::kOpen ? rate : double(connections);
    o.stages.push_back(Stage{"main", dur_ns, level, level});
  }
  o.request.method = method;
  for (const auto& h : headers) {
    auto parsed = ParseHeaderFlag(h);
    if (!parsed.ok())
      return ReportError(cmd, Status::InvalidArgument("-H: " + parsed.status().message()));
    o.request.headers.push_back(std::move(parsed).value());
  }
  if (!body.empty()) {
    auto b = ReadBodyArg(body);
    if (!b.ok())
      return ReportError(cmd, Status::InvalidArgument("--body: " + b.status().message()));
    o.request.body = std::move(b).value();
  }
  for (const auto& t : tags) {
    auto eq = t.find('=');
    if (eq == std::string::npos || eq == 0) {
      return ReportError(cmd, Status::InvalidArgument("--tag '" + t + "': expected key=value"));
    }
    o.tags.emplace_back(t.substr(0, eq), t.substr(eq + 1));
  }

  if (Status st = EnsureFileLimit(uint64_t(std::max(connections, max_connections))); !st.ok()) {
    return ReportError(cmd, st);
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  const bool live = !quiet && IsTerminal(stderr);
  auto progress = [&](const Progress& p) {
    if (!live) return;
    double rps = p.elapsed_s > 0 ? double(p.requests) / p.elapsed_s : 0;
    double eta = std::max(0.0, p.total_s - p.elapsed_s);
    std::fprintf(
        stderr,
        "\r\033[K[%s] %5.1fs/%.0fs  ETA %4.0fs  %llu req  %.0f req/s  %llu errors  %llu in flight",
        p.phase.c_str(), p.elapsed_s, p.total_s, eta, (unsigned long long)p.requests, rps,
        (unsigned long long)p.errors, (unsigned long long)p.inflight);
    std::fflush(stderr);
  };
  auto result = RunLoad(o, &g_stop, progress);
  if (live) std::fprintf(stderr, "\r\033[K");
  if (!result.ok()) return ReportError(cmd, result.status());
  std::fputs(FormatLoadSummary(*result).c_str(), stdout);
  std::fflush(stdout);
  if (!json_out.empty()) {
    Status st = WriteTextFile(json_out, ToJson(*result) + "\n");
    if (!st.ok()) return ReportError(cmd, st);
  }
  return kExitOk;
}

}  // namespace vitals::cli
