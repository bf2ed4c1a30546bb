// vitals load URL|SCENARIO: flags or a scenario file -> LoadOptions -> engine -> store,
// summary, thresholds verdict, JSON / CSV / hlog / JUnit.
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/duet.h"
#include "cli/load_help.h"
#include "cli/load_hooks.h"
#include "cli/load_metrics.h"
#include "cli/load_observe.h"
#include "cli/load_segment.h"
#include "cli/load_target.h"
#include "cli/load_watch.h"
#include "cli/metrics_listener.h"
#include "cli/progress_line.h"
#include "cli/prom_flags.h"
#include "cli/run_outputs.h"
#include "core/clock.h"
#include "core/units.h"
#include "load/engine.h"
#include "load/scenario.h"
#include "load/thresholds.h"
#include "report/junit.h"
#include "report/load_summary.h"
#include "report/verdict_table.h"

namespace vitals::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

Result<int64_t> DurationFlag(const std::string& flag, const std::string& text) {
  auto d = ParseDurationNs(text, 1'000'000'000);  // a bare number is seconds, as in wrk
  if (!d.ok()) return Status::InvalidArgument(flag + ": " + d.status().message());
  if (*d <= 0) return Status::InvalidArgument(flag + " must be > 0, got '" + text + "'");
  return *d;
}

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

namespace {

int RunLoadImpl(int argc, char** argv, LoadHooks* hooks) {
  CLI::App app{
      "Generate HTTP load against URL (or run a scenario file), record every latency, check "
      "thresholds, store the run, print a summary.",
      "vitals load"};
  app.footer(kLoadFooter);
  std::string target, duration = "10s", timeout = "10s", stages, method = "GET", body, json_out;
  std::string store_flag, csv_out, hlog_out, junit_out, interval = "1s", duet_url;
  std::vector<std::string> headers, tags, threshold_flags;
  int threads = int(std::max(1u, std::thread::hardware_concurrency()));
  int connections = 50, max_connections = 0, pipeline = 1, streams = 0;
  std::string pipeline_timing = "answer";
  bool http2 = false;
  double rate = 0;
  uint64_t requests = 0;
  bool quiet = false, no_store = false, keep_going = false;
  std::string cacert, client_cert, client_key, tls_min = "1.2";
  std::string tls13_ciphers = kBrowserTls13Ciphers;
  std::vector<std::string> resolve;
  bool insecure = false, no_tls_resume = false, openssl_records = false;
  app.add_option("target", target,
                 "URL http://host[:port]/path, or a scenario file (.yaml, see docs/scenario.md); "
                 "optional with --coordinator (the coordinator sends the plan)");
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
  app.add_option("--threshold", threshold_flags,
                 "pass/fail criterion, e.g. 'p(95)<500ms', 'error_rate<1%', "
                 "'p(99)<800ms over 10s' (repeatable; added to a scenario's)");
  app.add_option("--interval", interval, "reporting interval of the time series")
      ->capture_default_str();
  app.add_option("--json", json_out, "write the result JSON to FILE ('-' for stdout)");
  app.add_option("--csv", csv_out, "write the per-interval time series to FILE as CSV");
  std::string metrics_listen, watch_interval = "5s";
  ObserveFlags observe_flags;
  AddObserveFlags(app, &observe_flags);
  LoadWatchOptions watch_opts;
  PromFlags prom_flags;
  app.add_option("--watch-rules", watch_opts.rule_files,
                 "Prometheus alert rule files to evaluate while the load runs (needs "
                 "--prometheus); their state changes are stored with the run, printed in the "
                 "summary and counted by the alerts_firing threshold")
      ->type_name("FILE");
  app.add_option("--prometheus", watch_opts.prometheus,
                 "--watch-rules: a Prometheus server, or /metrics endpoints vitals scrapes")
      ->type_name("URL");
  app.add_option("--watch-interval", watch_interval,
                 "--watch-rules: evaluation interval of groups without their own (default 5s)")
      ->type_name("DURATION");
  AddPromFlags(app, &prom_flags);
  app.add_option("--metrics-listen", metrics_listen,
                 "serve the generator's own /metrics here while it runs (requests, errors, "
                 "in-flight, latency histogram), e.g. 127.0.0.1:9464")
      ->type_name("ADDR");
  app.add_option("--hlog", hlog_out,
                 "write per-interval HdrHistogram V2 log lines (.hlog, microseconds) to FILE");
  app.add_option("--junit", junit_out, "write the threshold verdicts to FILE as JUnit XML");
  app.add_option("--store", store_flag,
                 "run store (SQLite); default $VITALS_STORE or ./.vitals/vitals.db");
  app.add_flag("--no-store", no_store, "do not record the run in the store");
  app.add_option("--tag", tags, "label the run, k=v (repeatable), e.g. commit=abc123");
  app.add_flag("-q,--quiet", quiet, "no live progress on stderr");
  app.add_flag("--keep-going", keep_going,
               "run the whole plan even when no request succeeds (default: stop and fail after "
               "5 s without a single success)");
  app.add_option("--pipeline", pipeline,
                 "closed model: N requests written back to back per connection, answered in "
                 "order, each timed from its batch's send (not with --rate: see below)")
      ->capture_default_str();
  app.add_option("--pipeline-timing", pipeline_timing,
                 "--pipeline: 'answer' times each answer when it arrives; 'batch' reads a batch "
                 "once, when all of it is in, and times its answers then (wrk records one "
                 "latency per batch, at its end; about a quarter of the CPU per request against "
                 "nginx; plain http:// only)")
      ->capture_default_str();
  app.add_flag("--http2", http2,
               "speak HTTP/2: ALPN h2 over https://, prior knowledge (h2c) over http://");
  app.add_option("--streams", streams,
                 "--http2: requests in flight per connection (default: the server's "
                 "SETTINGS_MAX_CONCURRENT_STREAMS, at most 100)");
  app.add_option("--cacert", cacert,
                 "https: trust the CA certificates in FILE (PEM) instead of the system store");
  app.add_flag("-k,--insecure", insecure,
               "https: do not verify the server's certificate or name (prints a warning)");
  app.add_option("--cert", client_cert, "https: client certificate FILE (PEM), with --key");
  app.add_option("--key", client_key, "https: private key FILE (PEM) of --cert");
  app.add_option("--tls-min", tls_min, "https: lowest TLS version to offer: 1.2 or 1.3")
      ->capture_default_str();
  app.add_option("--tls13-ciphers", tls13_ciphers,
                 "https: TLS 1.3 suites to offer, in order (OpenSSL names, ':'-separated; "
                 "default: the browsers' order)")
      ->capture_default_str();
  app.add_flag("--no-tls-resume", no_tls_resume,
               "https: a full handshake on every connection (default: resume the worker's "
               "last session)");
  app.add_flag("--openssl-records", openssl_records,
               "https: let OpenSSL carry every record (default: after OpenSSL's TLS 1.3 "
               "handshake, vitals seals and opens the records itself, which costs less CPU)");
  app.add_option("--resolve", resolve,
                 "HOST:PORT:ADDR: connect to ADDR for HOST:PORT, keeping HOST for the Host "
                 "header, SNI and the certificate check (repeatable)");
  app.add_option("--duet", duet_url,
                 "also send the same schedule to URL_B at the same time (a second engine): "
                 "both runs share the machine's noise; compare them with `vitals compare "
                 "--duet RUN` or `vitals gate --duet`");
  std::string segment_flag, start_at;
  int64_t segment_index = -1, segment_count = 0;
  app.add_option("--segment", segment_flag,
                 "run only segment I of N of the plan (1-based, e.g. 2/4; see below)")
      ->type_name("I/N");
  app.add_option("--segment-index", segment_index,
                 "0-based segment index, with --segments N (e.g. $JOB_COMPLETION_INDEX)")
      ->type_name("I");
  app.add_option("--segments", segment_count, "with --segment-index: the number of segments")
      ->type_name("N");
  app.add_option("--start-at", start_at,
                 "the run's time zero: RFC 3339 (2026-12-06T05:00:00Z) or Unix seconds; "
                 "segments started separately share it")
      ->type_name("TIME");
  SegmentJoin join;
  app.add_option("--coordinator", join.coordinator,
                 "join `vitals coordinate` at HOST:PORT as the segment given by --segment I/N or "
                 "--segment-index I --segments N: the coordinator sends the plan and the start "
                 "time (docs/distributed.md)")
      ->type_name("HOST:PORT");
  app.add_option("--coordinator-timeout", join.timeout,
                 "--coordinator: how long to keep trying to reach the coordinator")
      ->capture_default_str()
      ->type_name("DURATION");
  app.add_option("--token-file", join.token_file,
                 "--coordinator: the shared token (default: $VITALS_COORDINATOR_TOKEN)")
      ->type_name("FILE");
  if (int rc = ParseOrExit(app, argc, argv); rc >= 0) return rc;

  const std::string cmd = hooks ? hooks->command : "vitals load";
  if (!join.coordinator.empty() && !hooks) {
    // A coordinated segment: only where to join, which segment, and this machine's own
    // settings; the plan comes from the coordinator.
    if (Status st = CheckSegmentOwnFlags(app); !st.ok()) return ReportError(cmd, st);
    join.target = target;
    join.threads = app.count("--threads") ? threads : 0;
    join.quiet = quiet;
    join.json_out = json_out;
    join.segment_flag = segment_flag;
    join.segment_index = app.count("--segment-index") ? segment_index : -1;
    join.segment_count = app.count("--segments") ? segment_count : 0;
    return RunCoordinatedSegment(join);
  }
  if (target.empty()) {
    return ReportError(cmd, Status::InvalidArgument(
                                "target is required: a URL (http://host:port/path) or a scenario "
                                "file, or --coordinator HOST:PORT to get the plan from vitals "
                                "coordinate (see vitals load --help)"));
  }
  LoadOptions o;
  o.threads = threads;
  if (!segment_flag.empty() && (app.count("--segment-index") || app.count("--segments"))) {
    return ReportError(
        cmd, Status::InvalidArgument("--segment I/N (1-based) and --segment-index I --segments N "
                                     "(0-based) are two spellings of one thing: give one"));
  }
  if (!segment_flag.empty()) {
    auto seg = ParseSegment(segment_flag);
    if (!seg.ok()) return ReportError(cmd, seg.status());
    o.segment = *seg;
  } else if (app.count("--segment-index") || app.count("--segments")) {
    if (!app.count("--segment-index") || !app.count("--segments")) {
      return ReportError(
          cmd, Status::InvalidArgument("--segment-index I and --segments N go together (0-based I, "
                                       "e.g. --segment-index $JOB_COMPLETION_INDEX --segments 4)"));
    }
    auto seg = MakeSegment(segment_index, segment_count);
    if (!seg.ok()) {
      return ReportError(cmd,
                         Status::InvalidArgument("--segment-index: " + seg.status().message()));
    }
    o.segment = *seg;
  }
  if (!start_at.empty()) {
    auto t = ParseTimeMs(start_at, WallClockMs());
    if (!t.ok())
      return ReportError(cmd, Status::InvalidArgument("--start-at: " + t.status().message()));
    o.start_unix_ms = *t;
  }
  o.connections = connections;
  o.max_connections = max_connections;
  o.max_requests = requests;
  if (keep_going) o.no_success_stop_ns = 0;
  o.pipeline = pipeline;
  if (pipeline_timing != "answer" && pipeline_timing != "batch") {
    return ReportError(cmd, Status::InvalidArgument("--pipeline-timing '" + pipeline_timing +
                                                    "': expected answer or batch"));
  }
  o.pipeline_batch_timing = pipeline_timing == "batch";
  o.http2 = http2;
  o.streams = streams;
  if (tls_min != "1.2" && tls_min != "1.3") {
    return ReportError(cmd,
                       Status::InvalidArgument("--tls-min '" + tls_min + "': expected 1.2 or 1.3"));
  }
  o.tls.min_version = tls_min == "1.3" ? 13 : 12;
  o.tls.ca_file = cacert;
  o.tls.cert_file = client_cert;
  o.tls.key_file = client_key;
  o.tls.insecure = insecure;
  o.tls.resume = !no_tls_resume;
  o.tls.own_records = !openssl_records;
  o.tls.tls13_ciphers = tls13_ciphers;
  o.resolve = resolve;
  for (const std::string& r : resolve) {
    if (auto parsed = ParseResolveOverride(r); !parsed.ok())
      return ReportError(cmd, parsed.status());
  }
  if (insecure && !cacert.empty()) {
    return ReportError(cmd, Status::InvalidArgument(
                                "--insecure with --cacert: pick one (--cacert verifies against "
                                "FILE, --insecure verifies nothing)"));
  }
  if (insecure) {
    std::fputs("vitals load: warning: --insecure: the server's certificate is not verified\n",
               stderr);
  }
  auto tmo = DurationFlag("--timeout", timeout);
  if (!tmo.ok()) return ReportError(cmd, tmo.status());
  o.timeout_ns = *tmo;
  auto iv = DurationFlag("--interval", interval);
  if (!iv.ok()) return ReportError(cmd, iv.status());
  o.interval_ns = *iv;
  std::string scenario_name = "url";
  if (LooksLikeScenario(target)) {
    for (const char* flag :
         {"--rate", "--stages", "--duration", "--method", "--header", "--body", "--timeout"}) {
      if (app.count(flag)) {
        return ReportError(cmd, Status::InvalidArgument(fmt::format(
                                    "{} cannot be combined with a scenario file ({}): the "
                                    "scenario sets requests, phases and timeouts; edit it "
                                    "instead",
                                    flag, target)));
      }
    }
    auto sc = LoadScenario(target);
    if (!sc.ok()) return ReportError(cmd, sc.status());
    ApplyScenario(*sc, &o);
    scenario_name = sc->name;
    for (const std::string& spec : sc->observe) observe_flags.observe.push_back(spec);
    bool any_open = false;
    for (const ScenarioPhase& p : sc->phases) any_open |= p.model == LoadModel::kOpen;
    if (any_open && !app.count("--max-connections")) {
      // Phases with a rate: let connections grow with the schedule instead of dropping.
      o.max_connections = std::max(o.connections, 1000);
    }
  } else {
    o.url = target;
    o.model = rate > 0 || app.count("--rate") ? LoadModel::kOpen : LoadModel::kClosed;
    if (app.count("--rate") && !(rate > 0)) {
      return ReportError(cmd, Status::InvalidArgument("--rate must be > 0 requests per second"));
    }
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
  }
  for (const auto& text : threshold_flags) {
    auto t = ParseThreshold(text);
    if (!t.ok()) {
      return ReportError(cmd, Status::InvalidArgument("--threshold: " + t.status().message()));
    }
    o.thresholds.push_back(std::move(t).value());
  }
  if (hooks && hooks->on_start) {
    // The coordinator judges abort_on_fail on the merged series (load_hooks.h).
    for (Threshold& t : o.thresholds) t.abort_on_fail = false;
  }
  bool wants_alerts = false;
  for (const auto& t : o.thresholds) wants_alerts |= t.metric == ThresholdMetric::kAlertsFiring;
  if (wants_alerts && watch_opts.rule_files.empty()) {
    return ReportError(cmd,
                       Status::InvalidArgument(
                           "--threshold alerts_firing needs --watch-rules FILE --prometheus URL "
                           "(the alert rules to watch during the run)"));
  }
  if (watch_opts.rule_files.empty() != watch_opts.prometheus.empty()) {
    return ReportError(cmd, Status::InvalidArgument(
                                "--watch-rules and --prometheus go together: the rules, and where "
                                "their metrics are (a Prometheus server or /metrics endpoints)"));
  }
  // VITALS_TAGS (k=v,k=v): tags a wrapper adds to every run it starts (vitals gate --rerun).
  if (const char* env_tags = std::getenv("VITALS_TAGS"); env_tags && *env_tags) {
    std::string all = env_tags;
    for (size_t pos = 0; pos <= all.size();) {
      const size_t comma = std::min(all.find(',', pos), all.size());
      if (comma > pos) tags.push_back(all.substr(pos, comma - pos));
      pos = comma + 1;
    }
  }
  for (const auto& t : tags) {
    auto eq = t.find('=');
    if (eq == std::string::npos || eq == 0) {
      return ReportError(cmd, Status::InvalidArgument("--tag '" + t + "': expected key=value"));
    }
    o.tags.emplace_back(t.substr(0, eq), t.substr(eq + 1));
  }

  if (Status st = EnsureFileLimit(uint64_t(std::max(o.connections, o.max_connections))); !st.ok()) {
    return ReportError(cmd, st);
  }
  if (hooks && hooks->on_plan) return hooks->on_plan(o, target, scenario_name);
  RunOutputsOptions oo;
  oo.store_path = no_store ? "" : ResolveStorePath(store_flag);
  oo.csv_path = csv_out;
  oo.hlog_path = hlog_out;
  oo.scenario_name = scenario_name;
  if (!duet_url.empty()) {
    if (!junit_out.empty()) {
      return ReportError(
          cmd, Status::InvalidArgument("--junit with --duet: gate the pair instead (vitals gate "
                                       "--duet --junit FILE)"));
    }
    std::signal(SIGINT, OnSignal);
    std::signal(SIGTERM, OnSignal);
    std::signal(SIGPIPE, SIG_IGN);
    if (!metrics_listen.empty()) {
      return ReportError(cmd,
                         Status::InvalidArgument("--metrics-listen is not available with --duet"));
    }
    if (!observe_flags.observe.empty()) {
      return ReportError(cmd, Status::InvalidArgument(
                                  "--observe is not available with --duet: observe one run at a "
                                  "time (vitals load URL --observe ...)"));
    }
    return RunDuetLoad(std::move(o), DuetArgs{duet_url, oo, quiet, json_out}, &g_stop);
  }
  auto outputs_or = RunOutputs::Open(oo, &o);
  if (!outputs_or.ok()) return ReportError(cmd, outputs_or.status());
  RunOutputs& outputs = **outputs_or;

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  LoadMetrics metrics;
  std::unique_ptr<MetricsListener> listener;
  if (!metrics_listen.empty()) {
    auto l = MetricsListener::Start(metrics_listen, [&metrics] { return metrics.Page(); });
    if (!l.ok()) {
      outputs.Fail(l.status().message());
      return ReportError(cmd, Status::InvalidArgument("--metrics-listen " + metrics_listen + ": " +
                                                      l.status().message()));
    }
    listener = std::move(*l);
    std::fprintf(stderr, "vitals load: serving %s\n", listener->url().c_str());
    auto sink = o.on_interval;
    o.on_interval = [&metrics, sink](const std::vector<IntervalSample>& s) {
      metrics.ObserveIntervals(s);
      return sink ? sink(s) : Status::Ok();
    };
  }
  std::unique_ptr<LoadWatch> watch;
  if (!watch_opts.rule_files.empty()) {
    int64_t scrape_ns = 0;
    auto popts = ResolvePromFlags(prom_flags, &scrape_ns);
    auto every = ParseDurationNs(watch_interval);
    Status bad = !popts.ok() ? popts.status()
                 : (!every.ok() || *every < 100'000'000)
                     ? Status::InvalidArgument("--watch-interval " + watch_interval +
                                               ": expected a duration of at least 100ms, e.g. 5s")
                     : Status::Ok();
    if (bad.ok()) {
      watch_opts.eval_interval_ms = *every / 1'000'000;
      auto w = LoadWatch::Start(watch_opts, *popts, scrape_ns / 1'000'000);
      if (w.ok()) {
        watch = std::move(*w);
        if (!quiet) {
          std::fprintf(stderr, "vitals load: watching alert rules against %s\n",
                       watch->Describe().c_str());
        }
      } else {
        bad = w.status();
      }
    }
    if (!bad.ok()) {
      outputs.Fail(bad.message());
      return ReportError(cmd, bad);
    }
  }
  std::unique_ptr<LoadObservation> observation;
  if (!observe_flags.observe.empty()) {
    auto ob = LoadObservation::Start(observe_flags, o.interval_ns);
    if (!ob.ok()) {
      outputs.Fail(ob.status().message());
      return ReportError(cmd, ob.status());
    }
    observation = std::move(*ob);
    if (!quiet) {
      std::fprintf(stderr, "vitals load: observing %s\n", observation->Describe().c_str());
    }
  }
  if (hooks && hooks->on_interval) {
    auto sink = o.on_interval;
    o.on_interval = [hooks, sink](const std::vector<IntervalSample>& s) {
      Status st = sink ? sink(s) : Status::Ok();
      Status sent = hooks->on_interval(s);
      return st.ok() ? sent : st;
    };
  }
  if (hooks && hooks->on_start) hooks->on_start(&g_stop);
  ProgressLine progress(stderr, quiet);
  auto result = RunLoad(o, &g_stop, [&](const Progress& p) {
    progress.Update(p);
    metrics.ObserveProgress(p);
    if (hooks && hooks->on_progress) hooks->on_progress(p);
  });
  progress.Done();
  if (!result.ok()) {
    outputs.Fail(result.status().message());
    return ReportError(cmd, result.status());
  }
  // The observation ends with the load: no reading of the idle system joins the run.
  std::optional<ObservationReport> observed;
  if (observation) observed = observation->Finish(o, *result);
  std::vector<alerting::AlertTransition> alerts;
  if (watch) {
    alerts = watch->Stop();
    result->alerts_firing = CountFired(alerts);
    if (Status st = outputs.AddAlerts(ToStoredAlerts(alerts)); !st.ok()) {
      std::fprintf(stderr, "vitals load: storing the alerts: %s\n", st.message().c_str());
    }
  }
  std::vector<ThresholdVerdict> verdicts;
  Status stored = outputs.Finish(o, &*result, &verdicts);
  if (observed && stored.ok()) {
    nlohmann::json doc = ObservationJson(*observed);
    if (Status st = outputs.AddObservation(ToStoredSeries(observed->series), doc.dump());
        !st.ok()) {
      std::fprintf(stderr, "vitals load: storing the observation: %s\n", st.message().c_str());
    }
  }
  std::fputs(FormatLoadSummary(*result).c_str(), stdout);
  if (observed) std::fputs(FormatObservationText(*observed).c_str(), stdout);
  if (watch) {
    std::string text = FormatRunAlerts(alerts, result->started_unix_ms);
    std::fputs(text.empty() ? "\nAlerts during the run: none\n" : text.c_str(), stdout);
    for (const auto& e : watch->errors())
      std::fprintf(stderr, "vitals load: watch: %s\n", e.c_str());
  }
  if (!result->aborted_by.empty()) {
    std::printf("\nAborted early by an abort_on_fail threshold: %s\n", result->aborted_by.c_str());
  }
  if (!verdicts.empty()) std::printf("\n%s", FormatVerdictTable(verdicts).c_str());
  if (outputs.stored() && stored.ok()) {
    const std::string status = ResultStatus(*result);
    std::printf("\nStored as %srun %s in %s (vitals runs show %s)\n",
                status == "completed" ? "" : (status + " ").c_str(), outputs.run_id().c_str(),
                outputs.store_path().c_str(), outputs.run_id().c_str());
  }
  std::fflush(stdout);
  if (!stored.ok()) return ReportError(cmd, stored);
  if (!json_out.empty()) {
    std::string text = ToJson(*result);
    if (observed) {
      nlohmann::json j = nlohmann::json::parse(text);
      j["observe"] = ObservationJson(*observed);
      text = j.dump(2);
    }
    Status st = WriteTextFile(json_out, text + "\n");
    if (!st.ok()) return ReportError(cmd, st);
  }
  if (!junit_out.empty()) {
    JUnitRunInfo info;
    info.run_id = result->run_id;
    info.target = result->target;
    info.duration_s = result->duration_s;
    info.started_unix_ms = result->started_unix_ms;
    Status st = WriteTextFile(junit_out, ThresholdsJUnitXml(verdicts, info));
    if (!st.ok()) return ReportError(cmd, st);
  }
  int code = kExitOk;
  if (!result->failure.empty()) {
    std::fprintf(stderr, "vitals load: error: %s\n", result->failure.c_str());
    code = kExitFailure;
  } else if (result->stopped_by_caller) {
    code = kExitInterrupted;
  } else if (!verdicts.empty() && !AllPassed(verdicts)) {
    code = kExitThresholds;
  }
  return hooks && hooks->on_result ? hooks->on_result(*result, code) : code;
}

}  // namespace

int RunLoad(int argc, char** argv) { return RunLoadImpl(argc, argv, nullptr); }

int RunLoadWithHooks(std::vector<std::string> args, LoadHooks* hooks) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return RunLoadImpl(int(args.size()), argv.data(), hooks);
}

}  // namespace vitals::cli
