#include "load/engine.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "core/clock.h"
#include "load/stats.h"

namespace vitals {
namespace {

Status Validate(const LoadOptions& o) {
  if (o.threads < 1 || o.threads > 1024) {
    return Status::InvalidArgument(fmt::format("--threads {}: expected 1..1024", o.threads));
  }
  if (o.connections < 1) {
    return Status::InvalidArgument(
        fmt::format("--connections {}: expected at least 1", o.connections));
  }
  if (o.max_connections != 0 && o.max_connections < o.connections) {
    return Status::InvalidArgument(fmt::format("--max-connections {} is below --connections {}",
                                               o.max_connections, o.connections));
  }
  if (o.timeout_ns <= 0) return Status::InvalidArgument("--timeout must be > 0");
  return LoadPlan::Validate(o.stages);
}

std::string NewRunId(int64_t unix_ms) {
  std::random_device rd;
  time_t secs = time_t(unix_ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}-{:04x}", t.tm_year + 1900, t.tm_mon + 1,
                     t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, rd() & 0xffff);
}

LoadResult Summarize(const LoadOptions& o, const LoadPlan& plan, const LoadStats& s,
                     int64_t started_unix_ms, double wall_s, bool interrupted) {
  LoadResult r;
  r.run_id = NewRunId(started_unix_ms);
  r.target = o.url;
  if (auto u = ParseUrl(o.url); u.ok()) r.target = u->Redacted();
  r.method = o.request.method;
  r.model = o.model == LoadModel::kOpen ? "open" : "closed";
  r.threads = o.threads;
  r.connections = o.connections;
  r.max_connections = o.max_connections ? o.max_connections : o.connections;
  r.started_unix_ms = started_unix_ms;
  r.duration_s = wall_s;
  r.planned_s = double(plan.total_ns()) / 1e9;
  r.interrupted = interrupted;
  r.requests = s.requests();
  r.completed = s.completed;
  r.errors = s.errors();
  r.error_rate = r.requests ? double(r.errors) / double(r.requests) : 0;
  if (o.model == LoadModel::kOpen && r.planned_s > 0) {
    r.rate_asked = plan.CumulativeAt(plan.total_ns()) / r.planned_s;  // mean planned rate
  }
  // Achieved rate over the time requests were actually going out: the plan,
  // stretched to the last actual send when sending fell behind (so a client
  // that cannot keep up never reports the asked rate), or the wall time when
  // the run was cut short or bounded by --requests.
  double window = std::max(r.planned_s, double(s.last_send_ns) / 1e9);
  if (interrupted || o.max_requests || r.planned_s <= 0) window = wall_s;
  r.rate_achieved = window > 0 ? double(r.requests) / window : 0;
  r.late_sends = s.late_sends;
  r.dropped = s.dropped;
  r.connections_opened = s.connections_opened;
  r.connections_failed = s.connect_failed;
  r.max_inflight = s.max_inflight;
  r.bytes_read = s.bytes_read;
  r.bytes_written = s.bytes_written;
  for (size_t i = 1; i < s.net_errors.size(); ++i) {
    if (s.net_errors[i]) r.errors_by_kind[NetErrorName(NetError(i))] = s.net_errors[i];
  }
  for (size_t i = 1; i < s.parse_errors.size(); ++i) {
    if (s.parse_errors[i]) {
      r.errors_by_kind[std::string("parse:") +
                       ResponseParser::ErrorName(ResponseParser::Error(i))] = s.parse_errors[i];
    }
  }
  for (size_t code = 0; code < s.status.size(); ++code) {
    if (!s.status[code]) continue;
    r.status_codes[int(code)] = s.status[code];
    if (code >= 400) r.errors_by_kind[fmt::format("status_{}", code)] = s.status[code];
  }
  r.latency_corrected = s.latency_corrected;
  r.latency_uncorrected = s.latency_uncorrected;
  r.connect_time = s.connect_time;
  r.ttfb = s.ttfb;
  r.send_lag = s.send_lag;
  for (size_t i = 0; i < plan.stages().size(); ++i) {
    const Stage& st = plan.stages()[i];
    const PhaseStats& ps = s.phases[i];
    PhaseResult p;
    p.name = st.name;
    p.duration_s = double(st.duration_ns) / 1e9;
    p.level_start = st.start;
    p.level_end = st.end;
    p.requests = ps.requests;
    p.errors = ps.errors;
    p.dropped = ps.dropped;
    p.latency_corrected = ps.latency_corrected;
    p.latency_uncorrected = ps.latency_uncorrected;
    r.phases.push_back(std::move(p));
  }
  r.tags = o.tags;
  return r;
}

}  // namespace

Result<LoadResult> RunLoad(const LoadOptions& options, const std::atomic<bool>* stop,
                           const std::function<void(const Progress&)>& on_progress) {
  VITALS_RETURN_IF_ERROR(Validate(options));
  auto url = ParseUrl(options.url);
  if (!url.ok()) return url.status();
  if (url->tls()) {
    return Status::InvalidArgument(fmt::format(
        "{}: https is not supported yet; use http:// (TLS is planned)", url->Redacted()));
  }
  auto addr = Resolve(*url);
  if (!addr.ok()) return addr.status();
  auto req = BuildRequest(*url, options.request);
  if (!req.ok()) return req.status();
  const HttpRequest request = std::move(req).value();

  LoadPlan plan(options.stages);
  const int threads = options.threads;
  const int max_conns_total =
      options.max_connections ? options.max_connections : options.connections;

  std::atomic<bool> local_stop{false};
  const std::atomic<bool>* stop_flag = stop ? stop : &local_stop;

  std::vector<std::unique_ptr<Worker>> workers;
  for (int w = 0; w < threads; ++w) {
    WorkerConfig wc;
    wc.model = options.model;
    wc.plan = &plan;
    wc.offset = uint64_t(w);
    wc.stride = uint64_t(threads);
    wc.worker_index = w;
    wc.worker_count = threads;
    auto share = [&](int total) { return total / threads + (w < total % threads ? 1 : 0); };
    wc.connections = std::max(share(options.connections), 1);
    wc.max_connections = std::max(share(max_conns_total), wc.connections);
    if (options.model == LoadModel::kClosed) {
      double peak = 0;
      for (const Stage& s : plan.stages()) peak = std::max({peak, s.start, s.end});
      wc.max_connections = std::max(wc.max_connections, share(int(peak + 0.5)));
      wc.max_requests = options.max_requests
                            ? options.max_requests / uint64_t(threads) +
                                  (uint64_t(w) < options.max_requests % uint64_t(threads))
                            : 0;
      if (options.max_requests && wc.max_requests == 0) continue;
    } else {
      wc.max_requests = options.max_requests;
    }
    wc.timeout_ns = options.timeout_ns;
    wc.addr = addr->addr;
    wc.addr_len = addr->len;
    wc.request = &request.bytes;
    wc.no_body = request.no_body_expected;
    wc.stop = stop_flag;
    workers.push_back(std::make_unique<Worker>(wc));
  }

  // The schedule starts once every worker is built (connection pools are
  // allocated), with a little slack for the threads to start.
  const int64_t start_ns = MonotonicNs() + 20'000'000;
  const int64_t started_unix_ms = WallClockMs() + 20;
  std::vector<Status> statuses(workers.size());
  std::vector<std::thread> pool;
  pool.reserve(workers.size());
  std::atomic<int> running{int(workers.size())};
  for (size_t i = 0; i < workers.size(); ++i) {
    pool.emplace_back([&, i] {
      statuses[i] = workers[i]->Run(start_ns);
      running.fetch_sub(1);
    });
  }
  const double total_s = double(plan.total_ns()) / 1e9;
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!on_progress) continue;
    Progress p;
    p.elapsed_s = std::max(0.0, double(MonotonicNs() - start_ns) / 1e9);
    p.total_s = total_s;
    for (const auto& w : workers) {
      p.requests += w->progress().requests.load(std::memory_order_relaxed);
      p.errors += w->progress().errors.load(std::memory_order_relaxed);
      p.inflight += w->progress().inflight.load(std::memory_order_relaxed);
    }
    int64_t t = std::min<int64_t>(MonotonicNs() - start_ns, plan.total_ns() - 1);
    p.phase = plan.stages()[size_t(plan.StageAt(std::max<int64_t>(t, 0)))].name;
    on_progress(p);
  }
  for (auto& t : pool) t.join();
  const double wall_s = double(MonotonicNs() - start_ns) / 1e9;
  for (const Status& s : statuses) {
    if (!s.ok()) return s;
  }
  LoadStats merged(plan.stages().size());
  for (auto& w : workers) merged.Merge(w->stats());
  bool interrupted = stop_flag->load();
  return Summarize(options, plan, merged, started_unix_ms, wall_s, interrupted);
}

}  // namespace vitals
