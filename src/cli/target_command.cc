// `vitals target`: runs the built-in HTTP test target until SIGINT/SIGTERM
// or --duration, printing one "listening on URL" line on stdout when ready.
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/target_mode_flags.h"
#include "core/clock.h"
#include "core/units.h"
#include "target/latency.h"
#include "target/stall_schedule.h"
#include "target/target_server.h"

namespace vitals::cli {
namespace {

constexpr const char* kDescription =
    "Run the built-in HTTP test target: every path answers 200 \"ok\" after an injected\n"
    "latency, a share of answers can be errors, and periodic stalls freeze all answers.\n"
    "GET /metrics serves Prometheus metrics (never delayed), GET /healthz answers at once.\n"
    "Prints 'vitals target listening on http://HOST:PORT/' (https:// with --tls) on stdout when\n"
    "ready.";

constexpr const char* kExamples =
    "\nLatency specs (--latency):\n"
    "  0                             no added latency (default)\n"
    "  2ms                           fixed delay\n"
    "  uniform:1ms..5ms              uniform between the bounds\n"
    "  lognormal:median=2ms,p99=20ms log-normal with that median and p99\n"
    "  exp:mean=5ms                  exponential with that mean\n"
    "\nDegrade: --degrade 10s..30s --degrade-latency 3s [--degrade-error-rate 10%] makes\n"
    "answers slow (and/or failing) from 10 s to 30 s after start: an incident to practise on.\n"
    "\nStalls: --stall S --stall-every E freezes every answer during [k*E-S, k*E) after start\n"
    "(k = 1, 2, ...); a request arriving in a stall is answered when it ends (plus latency).\n"
    "\nExamples:\n"
    "  vitals target                                        # 127.0.0.1:8080, answers at once\n"
    "  vitals target --listen 127.0.0.1:0                   # pick a free port\n"
    "  vitals target --latency lognormal:median=2ms,p99=20ms --error-rate 1%\n"
    "  vitals target --stall 500ms --stall-every 5s --duration 30s\n"
    "  vitals target --threads 4 --listen [::1]:9000 --body-bytes 1024\n"
    "  curl -s http://127.0.0.1:8080/metrics | grep http_requests_total\n"
    "  vitals target --tls --listen 127.0.0.1:8443          # https, self-signed localhost cert\n"
    "  vitals target --http2 --tls --listen 127.0.0.1:8443  # HTTP/2 over TLS (ALPN h2)\n"
    "  vitals load https://127.0.0.1:8443/ --insecure -d 10s\n"
    "  vitals target --leak 1MB/10s                         # a soak that leaks 6 MB/min\n"
    "  vitals target --cache 2000 --threads 2               # hit ratio falls in a spike\n"
    "  vitals target --redis redis://127.0.0.1:6379 --threads 4\n"
    "  vitals target --postgres postgresql://app@127.0.0.1/shop \\\n"
    "      --sql 'SELECT * FROM orders WHERE customer_id = $1' --sql-param-max 10000\n"
    "\nExit codes: 0 stopped by SIGINT/SIGTERM or --duration, 1 runtime failure (e.g. port in\n"
    "use), 2 bad flags.";

int Usage(const std::string& msg) {
  std::fprintf(stderr, "vitals target: %s\n(see vitals target --help)\n", msg.c_str());
  return kExitUsage;
}

// Waits for SIGINT/SIGTERM (blocked by the caller) or until deadline_ns
// (MonotonicNs; <= 0 means none).  Returns the signal, or 0 on deadline.
int WaitForStop(const sigset_t& set, int64_t deadline_ns) {
  for (;;) {
    if (deadline_ns <= 0) {
      int sig = 0;
      if (sigwait(&set, &sig) == 0) return sig;
      continue;
    }
    int64_t left = deadline_ns - MonotonicNs();
    if (left <= 0) return 0;
    timespec ts{time_t(left / 1'000'000'000), long(left % 1'000'000'000)};
    int sig = sigtimedwait(&set, nullptr, &ts);
    if (sig > 0) return sig;
    if (errno == EAGAIN) return 0;
  }
}

}  // namespace

// --degrade FROM..TO with --degrade-latency and/or --degrade-error-rate.
Status ParseDegrade(const std::string& window, const std::string& latency,
                    const std::string& error_rate, DegradeWindow* out) {
  if (window.empty()) {
    if (!latency.empty() || !error_rate.empty()) {
      return Status::InvalidArgument(
          "--degrade-latency and --degrade-error-rate need --degrade FROM..TO (e.g. 10s..30s)");
    }
    return Status::Ok();
  }
  const size_t dots = window.find("..");
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(
        fmt::format("--degrade '{}': {}; expected FROM..TO after the target starts, e.g. 10s..30s",
                    window, why));
  };
  if (dots == std::string::npos) return bad("no '..'");
  auto from = ParseDurationNs(window.substr(0, dots));
  if (!from.ok()) return bad(from.status().message());
  auto to = ParseDurationNs(window.substr(dots + 2));
  if (!to.ok()) return bad(to.status().message());
  if (*from < 0 || *to <= *from) return bad("TO must be after FROM");
  if (latency.empty() && error_rate.empty()) {
    return Status::InvalidArgument(
        "--degrade needs --degrade-latency SPEC and/or --degrade-error-rate F (what changes in "
        "the window)");
  }
  out->from_ns = *from;
  out->to_ns = *to;
  if (!latency.empty()) {
    auto lat = ParseLatencySpec(latency);
    if (!lat.ok()) return Status::InvalidArgument("--degrade-latency: " + lat.status().message());
    out->latency = *lat;
    out->has_latency = true;
  }
  if (!error_rate.empty()) {
    auto rate = ParseFraction(error_rate);
    if (!rate.ok()) {
      return Status::InvalidArgument("--degrade-error-rate: " + rate.status().message());
    }
    out->error_rate = *rate;
  }
  return Status::Ok();
}

int RunTarget(int argc, char** argv) {
  CLI::App app(kDescription, "vitals target");
  app.footer(std::string(kTargetModesHelp) + kExamples);
  app.get_formatter()->column_width(34);

  std::string listen = "127.0.0.1:8080", latency = "0", error_rate = "0", stall, stall_every,
              duration, degrade, degrade_latency, degrade_error_rate;
  int threads = 1, error_status = 500;
  int64_t body_bytes = 2, max_header_bytes = 8192, max_request_body = 1 << 20;
  uint64_t seed = 1;
  bool allow_external = false, tls = false, http2 = false;
  std::string tls_cert, tls_key;
  app.add_option("--listen", listen,
                 "address to listen on: HOST:PORT, [IPv6]:PORT, port 0 picks a free port")
      ->capture_default_str();
  app.add_flag("--allow-external", allow_external,
               "allow a non-loopback listen address (anyone who can reach it can load it)");
  app.add_option("--threads", threads, "event-loop threads sharing the port (SO_REUSEPORT)")
      ->capture_default_str();
  app.add_option("--latency", latency, "delay added to each answer (see specs below)")
      ->capture_default_str();
  app.add_option("--error-rate", error_rate, "share of answers that are errors: 0.01 or 1%")
      ->capture_default_str();
  app.add_option("--error-status", error_status, "status of injected errors (400..599)")
      ->capture_default_str();
  app.add_option("--stall", stall, "length of each server-wide stall, e.g. 500ms");
  app.add_option("--stall-every", stall_every, "period of stalls, e.g. 5s (needs --stall)");
  app.add_option("--degrade", degrade,
                 "a window after start, FROM..TO (e.g. 10s..30s), where answers use the "
                 "--degrade-* settings: an incident to practise on");
  app.add_option("--degrade-latency", degrade_latency,
                 "latency spec inside the --degrade window (e.g. 3s)");
  app.add_option("--degrade-error-rate", degrade_error_rate,
                 "error share inside the --degrade window (e.g. 10%)");
  app.add_option("--body-bytes", body_bytes, "size of the 200 answer's body (\"ok\" for 2)")
      ->capture_default_str();
  app.add_option("--duration", duration,
                 "stop after this long, e.g. 30s (default: run until "
                 "SIGINT/SIGTERM)");
  app.add_option("--seed", seed, "seed of the latency and error sampling (reproducible runs)")
      ->capture_default_str();
  app.add_option("--max-header-bytes", max_header_bytes,
                 "largest request head accepted; bigger ones get 431")
      ->capture_default_str();
  app.add_option("--max-request-body", max_request_body,
                 "largest request body accepted (bytes); bigger ones get 413")
      ->capture_default_str();

  app.add_flag("--tls", tls,
               "serve HTTPS (TLS 1.2/1.3, ALPN http/1.1) with a self-signed localhost "
               "certificate made at start, or --tls-cert/--tls-key");
  app.add_flag("--http2", http2,
               "speak HTTP/2 on every connection: prior knowledge (h2c) on plain TCP, ALPN h2 "
               "with --tls; same latency, stalls and errors as HTTP/1.1");
  app.add_option("--tls-cert", tls_cert, "with --tls: certificate FILE (PEM, chain after it)");
  app.add_option("--tls-key", tls_key, "with --tls: private key FILE (PEM)");
  TargetModeFlags mode_flags;
  AddTargetModeFlags(app, &mode_flags);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  } catch (const CLI::ParseError& e) {
    return Usage(e.what());
  }

  TargetOptions o;
  o.listen = listen;
  o.allow_external = allow_external;
  o.threads = threads;
  o.error_status = error_status;
  o.seed = seed;
  o.limits.max_head_bytes = size_t(max_header_bytes < 0 ? 0 : max_header_bytes);
  o.limits.max_body_bytes = max_request_body;
  if (body_bytes < 0) return Usage("--body-bytes must not be negative");
  o.body_bytes = size_t(body_bytes);
  if (!tls && (!tls_cert.empty() || !tls_key.empty())) {
    return Usage("--tls-cert / --tls-key need --tls");
  }
  if (tls && tls_cert.empty() != tls_key.empty()) {
    return Usage(
        "--tls-cert and --tls-key go together: give both (PEM files), or neither for "
        "a self-signed localhost certificate");
  }
  o.tls = tls;
  o.http2 = http2;
  o.tls_cert_file = tls_cert;
  o.tls_key_file = tls_key;

  auto lat = ParseLatencySpec(latency);
  if (!lat.ok()) return Usage("--latency: " + lat.status().message());
  o.latency = *lat;
  auto rate = ParseFraction(error_rate);
  if (!rate.ok()) return Usage("--error-rate: " + rate.status().message());
  o.error_rate = *rate;
  if (!stall.empty() || !stall_every.empty()) {
    if (stall.empty() || stall_every.empty()) {
      return Usage("--stall and --stall-every go together, e.g. --stall 500ms --stall-every 5s");
    }
    auto s = ParseDurationNs(stall);
    if (!s.ok()) return Usage("--stall: " + s.status().message());
    auto e = ParseDurationNs(stall_every);
    if (!e.ok()) return Usage("--stall-every: " + e.status().message());
    auto schedule = StallSchedule::Make(*s, *e);
    if (!schedule.ok()) return Usage(schedule.status().message());
    o.stall = *schedule;
  }
  if (Status st = ParseDegrade(degrade, degrade_latency, degrade_error_rate, &o.degrade);
      !st.ok()) {
    return Usage(st.message());
  }
  int64_t duration_ns = 0;
  if (!duration.empty()) {
    auto d = ParseDurationNs(duration);
    if (!d.ok()) return Usage("--duration: " + d.status().message());
    if (*d <= 0) return Usage("--duration must be greater than 0");
    duration_ns = *d;
  }
  if (Status st = ApplyTargetModeFlags(mode_flags, &o); !st.ok()) return Usage(st.message());
  if (Status st = ValidateTargetOptions(o); !st.ok()) return Usage(st.message());
  if (auto a = ParseListenAddress(o.listen); !a.ok()) {
    return Usage("--listen: " + a.status().message());
  } else if (!a->IsLoopback() && !allow_external) {
    return Usage(
        fmt::format("--listen {} is not a loopback address; the target would be open "
                    "to anyone who can reach this host. Add --allow-external if you "
                    "mean it.",
                    a->HostPort()));
  }

  // Block the stop signals before the workers start so that they inherit the
  // mask and only this thread receives them (via sigwait, no handler).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto server = TargetServer::Start(o);
  if (!server.ok()) {
    std::fprintf(stderr, "vitals target: %s\n", server.status().message().c_str());
    return server.status().code() == Status::Code::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  std::printf("vitals target listening on %s\n", (*server)->url().c_str());
  std::fflush(stdout);
  std::string stall_text =
      o.stall.enabled()
          ? fmt::format(", stall {} every {}", FormatDurationUs(double(o.stall.stall_ns()) / 1e3),
                        FormatDurationUs(double(o.stall.every_ns()) / 1e3))
          : "";
  if (o.degrade.enabled()) {
    stall_text +=
        fmt::format(", degraded {:g}s..{:g}s (latency {}, errors {})",
                    double(o.degrade.from_ns) / 1e9, double(o.degrade.to_ns) / 1e9,
                    o.degrade.has_latency ? FormatLatencySpec(o.degrade.latency) : "unchanged",
                    o.degrade.error_rate >= 0 ? fmt::format("{:.4g}%", o.degrade.error_rate * 100)
                                              : std::string("unchanged"));
  }
  stall_text += DescribeTargetModes(o);
  std::fprintf(stderr,
               "vitals target: %d thread%s, latency %s, errors %.4g%% as %d%s; metrics at "
               "%smetrics; stop with Ctrl-C\n",
               o.threads, o.threads == 1 ? "" : "s", FormatLatencySpec(o.latency).c_str(),
               o.error_rate * 100, o.error_status, stall_text.c_str(), (*server)->url().c_str());

  const int64_t started = MonotonicNs();
  int sig = WaitForStop(stop_signals, duration_ns > 0 ? started + duration_ns : 0);
  (*server)->Stop();
  MetricsTotals totals = (*server)->Totals();
  std::fprintf(stderr,
               "vitals target: stopped (%s) after %s; answered %llu requests, %llu errors\n",
               sig == SIGINT    ? "SIGINT"
               : sig == SIGTERM ? "SIGTERM"
                                : "--duration",
               FormatDurationUs(double(MonotonicNs() - started) / 1e3).c_str(),
               static_cast<unsigned long long>(totals.requests),
               static_cast<unsigned long long>(totals.errors));
  return kExitOk;
}

}  // namespace vitals::cli
