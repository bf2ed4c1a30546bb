#include "load/engine.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "core/clock.h"
#include "load/interval_collector.h"
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
  if (o.pipeline < 1 || o.pipeline > 1024) {
    return Status::InvalidArgument(fmt::format("--pipeline {}: expected 1..1024", o.pipeline));
  }
  if (o.streams < 0 || o.streams > 1000) {
    return Status::InvalidArgument(fmt::format("--streams {}: expected 1..1000", o.streams));
  }
  if (o.streams > 0 && !o.http2) {
    return Status::InvalidArgument(
        "--streams needs --http2 (HTTP/1.1 has one request in flight "
        "per connection; see --pipeline)");
  }
  if (o.http2) {
    // Each stream is a request slot of its own: keep the pool's memory sane.
    const int64_t slots =
        int64_t(std::max(o.connections, o.max_connections)) * (o.streams > 0 ? o.streams : 100);
    if (slots > 200'000) {
      return Status::InvalidArgument(fmt::format(
          "--http2 with {} connections x {} streams is {} requests in flight; at most 200000 "
          "(lower --connections / --max-connections or --streams)",
          std::max(o.connections, o.max_connections), o.streams > 0 ? o.streams : 100, slots));
    }
  }
  if (o.pipeline_batch_timing && o.pipeline < 2) {
    return Status::InvalidArgument(
        "--pipeline-timing batch needs --pipeline N (N >= 2): it decides when the answers of a "
        "pipelined batch are read");
  }
  if (o.http2 && o.pipeline > 1) {
    return Status::InvalidArgument(
        "--pipeline and --http2 do not go together: HTTP/2 keeps "
        "several requests in flight with --streams N");
  }
  if (o.interval_ns < 100'000'000) {
    return Status::InvalidArgument("--interval must be at least 100ms");
  }
  if (o.requests.size() > kMaxRequests) {
    return Status::InvalidArgument(fmt::format("{} requests in the mix; at most {} are supported",
                                               o.requests.size(), kMaxRequests));
  }
  for (const LoadRequest& r : o.requests) {
    if (!(r.weight > 0) || !std::isfinite(r.weight)) {
      return Status::InvalidArgument(
          fmt::format("request '{}': weight must be a number > 0", r.name));
    }
    if (r.timeout_ns < 0) {
      return Status::InvalidArgument(fmt::format("request '{}': timeout must be > 0", r.name));
    }
  }
  if (o.segment.count < 1 || o.segment.count > kMaxSegments || o.segment.index < 0 ||
      o.segment.index >= o.segment.count) {
    return Status::InvalidArgument(
        fmt::format("segment index {} of {}: out of range", o.segment.index, o.segment.count));
  }
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
  r.run_id = o.run_id.empty() ? NewRunId(started_unix_ms) : o.run_id;
  r.target = o.url;
  if (auto u = ParseUrl(o.url); u.ok()) r.target = u->Redacted();
  r.method = o.requests.empty()       ? o.request.method
             : o.requests.size() == 1 ? o.requests[0].spec.method
                                      : "mixed";
  const bool open = plan.HasOpenStage(), closed = plan.HasClosedStage();
  r.model = open && closed ? "mixed" : open ? "open" : "closed";
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
  if (open && r.planned_s > 0) {
    // The mean planned rate of this segment (the whole plan's for one segment).
    r.rate_asked = plan.CumulativeAt(plan.total_ns()) / r.planned_s / o.segment.count;
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
    if (s.net_errors[i] && !s.net_error_detail[i].empty()) {
      r.error_details[NetErrorName(NetError(i))] = s.net_error_detail[i];
    }
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
  r.tls_handshake = s.tls_handshake;
  r.tls_full = s.tls_full;
  r.tls_resumed = s.tls_resumed;
  r.tls_session = s.tls_session;
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
    p.model = *st.model == LoadModel::kOpen ? "open" : "closed";
    p.requests = ps.requests;
    p.errors = ps.errors;
    p.dropped = ps.dropped;
    // One phase: the workers recorded only the run's histograms (they are the phase's).
    const bool single = plan.stages().size() == 1;
    p.latency_corrected = single ? s.latency_corrected : ps.latency_corrected;
    p.latency_uncorrected = single ? s.latency_uncorrected : ps.latency_uncorrected;
    r.phases.push_back(std::move(p));
  }
  r.tags = o.tags;
  r.segment_index = o.segment.index;
  r.segment_count = o.segment.count;
  if (!o.segment.whole()) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0) r.segment_host = host;
  }
  if (open) {
    uint64_t total = plan.TotalRequests();
    if (o.max_requests) total = std::min<uint64_t>(total, o.max_requests);
    r.planned_requests = uint64_t(SplitShare(int64_t(total), o.segment.index, o.segment.count));
  }
  return r;
}

}  // namespace

HistogramConfig IntervalHistogramConfig(int64_t max_timeout_ns) {
  HistogramConfig c;
  c.lowest_discernible_value = 1;
  c.highest_trackable_value = std::max<int64_t>(2 * max_timeout_ns / 1000 + 1'000'000, 2);
  c.significant_figures = 2;
  return c;
}

namespace {

// The request mix as the workers see it: bytes per request, weights, timeouts; and the
// address every request goes to.
struct Mix {
  std::vector<HttpRequest> built;
  std::vector<std::string> names;
  std::vector<WorkerRequest> requests;
  std::vector<double> cumulative;
  ResolvedAddress addr;
  std::string address;  // host:port, for messages
  bool tls = false;     // https
  std::string host;     // the URL's host: SNI and the name the certificate must have
  int64_t max_timeout_ns = 0;
};

// The address for `url`: a matching --resolve entry (numeric, no lookup), else Resolve().
Result<ResolvedAddress> ResolveTarget(const Url& url, const std::vector<std::string>& resolve) {
  for (const std::string& text : resolve) {
    auto r = ParseResolveOverride(text);
    if (!r.ok()) return r.status();
    if (r->host != url.host || r->port != url.port) continue;
    Url numeric = url;
    numeric.host = r->addr;
    numeric.ipv6 = r->addr.find(':') != std::string::npos;
    auto addr = Resolve(numeric);
    if (!addr.ok()) {
      return Status::InvalidArgument(
          fmt::format("--resolve {}: '{}' is not an IP address", text, r->addr));
    }
    return addr;
  }
  return Resolve(url);
}

Result<Mix> BuildMix(const LoadOptions& o) {
  std::vector<LoadRequest> reqs = o.requests;
  if (reqs.empty()) {
    auto url = ParseUrl(o.url);
    if (!url.ok()) return url.status();
    reqs.push_back(LoadRequest{"", *url, o.request, 1, 0});
  }
  Mix m;
  std::string host_port;
  double total = 0;
  for (const LoadRequest& r : reqs) total += r.weight;
  double cum = 0;
  for (const LoadRequest& lr : reqs) {
    const Url* url = &lr.url;
    const std::string hp = fmt::format("{}://{}:{}", url->scheme, url->host, url->port);
    if (host_port.empty()) {
      host_port = hp;
      // host:port for messages ("connection refused by 127.0.0.1:8080").
      m.address = url->host.find(':') != std::string::npos
                      ? fmt::format("[{}]:{}", url->host, url->port)
                      : fmt::format("{}:{}", url->host, url->port);
      m.tls = url->tls();
      m.host = url->host;
      auto addr = ResolveTarget(*url, o.resolve);
      if (!addr.ok()) return addr.status();
      m.addr = *addr;
    } else if (hp != host_port) {
      return Status::InvalidArgument(
          fmt::format("request '{}' goes to {} but the first request goes to {}; one run loads one "
                      "host:port (run one scenario per target)",
                      lr.name, hp, host_port));
    }
    auto req = BuildRequest(*url, lr.spec);
    if (!req.ok()) return req.status();
    m.built.push_back(std::move(req).value());
    m.names.push_back(lr.name);
    const int64_t tmo = lr.timeout_ns > 0 ? lr.timeout_ns : o.timeout_ns;
    m.max_timeout_ns = std::max(m.max_timeout_ns, tmo);
    m.requests.push_back(WorkerRequest{nullptr, false, tmo});
    cum += lr.weight / total;
    m.cumulative.push_back(cum);
  }
  m.cumulative.back() = 1.0;
  for (size_t i = 0; i < m.built.size(); ++i) {
    m.requests[i].bytes = &m.built[i].bytes;
    m.requests[i].no_body = m.built[i].no_body_expected;
  }
  return m;
}

// The merged latency of one interval's all-requests samples, for the progress line.
void FillIntervalProgress(const std::vector<IntervalSample>& samples, Progress* p) {
  if (samples.empty()) return;
  const double start = samples.back().start_s;
  std::optional<Histogram> h;
  uint64_t requests = 0, errors = 0;
  double length = 0;
  for (const IntervalSample& x : samples) {
    if (x.start_s != start || !x.request.empty()) continue;
    requests += x.requests;
    errors += x.errors;
    length = x.length_s;
    if (!h)
      h = x.latency_corrected;
    else
      (void)h->Add(x.latency_corrected);
  }
  p->has_interval = true;
  p->interval_rate = length > 0 ? double(requests) / length : 0;
  p->interval_errors = errors;
  const bool any = h && h->TotalCount() > 0;
  const double none = std::numeric_limits<double>::quiet_NaN();
  p->interval_p50_us = any ? double(h->ValueAtPercentile(50)) : none;
  p->interval_p99_us = any ? double(h->ValueAtPercentile(99)) : none;
}

}  // namespace

Result<ResolveOverride> ParseResolveOverride(const std::string& text) {
  auto bad = [&] {
    return Status::InvalidArgument(fmt::format(
        "--resolve '{}': expected HOST:PORT:ADDR, e.g. --resolve example.test:443:127.0.0.1",
        text));
  };
  const size_t c1 = text.find(':');
  if (c1 == std::string::npos || c1 == 0) return bad();
  const size_t c2 = text.find(':', c1 + 1);
  if (c2 == std::string::npos || c2 == c1 + 1 || c2 + 1 >= text.size()) return bad();
  ResolveOverride r;
  r.host = text.substr(0, c1);
  for (char& ch : r.host) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  int port = 0;
  for (size_t i = c1 + 1; i < c2; ++i) {
    if (text[i] < '0' || text[i] > '9' || port > 65535) return bad();
    port = port * 10 + (text[i] - '0');
  }
  if (port < 1 || port > 65535) return bad();
  r.port = uint16_t(port);
  r.addr = text.substr(c2 + 1);
  if (r.addr.size() > 2 && r.addr.front() == '[' && r.addr.back() == ']') {
    r.addr = r.addr.substr(1, r.addr.size() - 2);
  }
  return r;
}

Result<LoadResult> RunLoad(const LoadOptions& options, const std::atomic<bool>* stop,
                           const std::function<void(const Progress&)>& on_progress) {
  VITALS_RETURN_IF_ERROR(Validate(options));
  auto mix_or = BuildMix(options);
  if (!mix_or.ok()) return mix_or.status();
  const Mix mix = std::move(mix_or).value();
  TlsClientOptions tls_options = options.tls;
  if (options.http2) tls_options.alpn = {"h2"};
  // Every request closes its connection: no connection writes twice, so vitals' own record
  // layer would never take over, and capturing its keys costs each handshake (OpenSSL formats
  // the keylog lines byte by byte, ~3 % of a handshake-bound run).
  if (!options.http2 && std::all_of(mix.built.begin(), mix.built.end(),
                                    [](const HttpRequest& r) { return r.connection_close; })) {
    tls_options.own_records = false;
  }
  if (mix.tls) {
    // Bad --cacert / --cert / --key files fail here, before any worker starts.
    auto probe = TlsClient::Create(tls_options, mix.host);
    if (!probe.ok()) return probe.status();
  }

  if (options.pipeline_batch_timing && mix.tls) {
    return Status::InvalidArgument(
        "--pipeline-timing batch works over plain http:// only: it sets the socket's receive "
        "low-water mark to the batch's answer bytes, which TLS records would change; over "
        "https:// use the default --pipeline-timing answer");
  }
  LoadPlan plan(options.stages, options.model);
  if (options.pipeline > 1 && plan.HasOpenStage()) {
    return Status::InvalidArgument(fmt::format(
        "--pipeline {} needs the closed model (--connections, no --rate or open phases): in the "
        "open model every request leaves at its own due time on a free connection, and one "
        "queued behind another's answer would have no honest send time",
        options.pipeline));
  }
  const Segment seg = options.segment;
  // This segment's share of a whole-plan figure (the whole when there is one segment).
  auto seg_share = [&](int64_t total) { return SplitShare(total, seg.index, seg.count); };
  // A closed-only plan never keeps more than its peak level of connections busy, and each
  // worker gets its share of the level: more threads than that would leave a worker with no
  // share, whose part of --requests would never be sent (-c 1 on 2 threads used to hang).
  double closed_peak = 0;  // the highest closed level of the plan
  for (const Stage& s : plan.stages()) {
    if (*s.model == LoadModel::kClosed) closed_peak = std::max({closed_peak, s.start, s.end});
  }
  int threads = options.threads;
  if (!plan.HasOpenStage()) {
    // Rounded down, as the workers round the level (Worker::Impl::ClosedTarget).
    threads =
        int(std::clamp<int64_t>(seg_share(int64_t(std::floor(closed_peak + 1e-9))), 1, threads));
  }
  const int seg_connections = int(std::max<int64_t>(seg_share(options.connections), 1));
  const int max_conns_total = std::max(
      int(seg_share(options.max_connections ? options.max_connections : options.connections)),
      seg_connections);
  const HistogramConfig interval_config = IntervalHistogramConfig(mix.max_timeout_ns);

  // Workers watch `run_stop`; the engine sets it on SIGINT (`stop`), on an abort_on_fail
  // threshold and when an interval sink fails.
  std::atomic<bool> run_stop{false};

  std::vector<std::unique_ptr<Worker>> workers;
  for (int w = 0; w < threads; ++w) {
    WorkerConfig wc;
    wc.plan = &plan;
    // Segment s of S, worker w of W: k = s + S * w + S * W * j (one more level of striding).
    wc.offset = WorkerOffset(seg, w);
    wc.stride = WorkerStride(seg, threads);
    wc.worker_index = w;
    wc.worker_count = threads;
    wc.segment_index = seg.index;
    wc.segment_count = seg.count;
    auto share = [&](int64_t total) { return int(SplitShare(total, w, threads)); };
    wc.connections = std::max(share(seg_connections), 1);
    wc.max_connections = std::max(share(max_conns_total), wc.connections);
    if (plan.HasClosedStage()) {
      wc.max_connections =
          std::max(wc.max_connections, share(seg_share(int64_t(closed_peak + 0.5))));
    }
    if (!plan.HasOpenStage()) {
      const uint64_t seg_requests = uint64_t(seg_share(int64_t(options.max_requests)));
      wc.max_requests = options.max_requests ? uint64_t(share(int64_t(seg_requests))) : 0;
      if (options.max_requests && wc.max_requests == 0) continue;
    } else {
      wc.max_requests = options.max_requests;
    }
    wc.addr = mix.addr.addr;
    wc.addr_len = mix.addr.len;
    wc.requests = mix.requests;
    wc.cumulative_weights = mix.cumulative;
    wc.interval_ns = options.interval_ns;
    wc.interval_histogram = interval_config;
    wc.stop = &run_stop;
    wc.pipeline = options.pipeline;
    wc.pipeline_batch_timing = options.pipeline_batch_timing;
    if (mix.tls) {
      wc.tls = tls_options;
      wc.tls_server_name = mix.host;
    }
    wc.http2 = options.http2;
    wc.streams = options.streams;
    workers.push_back(std::make_unique<Worker>(wc));
  }

  // The schedule starts once every worker is built (connection pools are
  // allocated), with a little slack for the threads to start; or at --start-at, on the
  // monotonic clock from the wall clock's distance to it (segments started separately share
  // it to the precision of their hosts' clock synchronisation).
  int64_t start_ns = MonotonicNs() + 20'000'000;
  int64_t started_unix_ms = WallClockMs() + 20;
  if (options.start_unix_ms > 0) {
    const int64_t now_ms = WallClockMs();
    if (options.start_unix_ms + plan.total_ns() / 1'000'000 <= now_ms) {
      return Status::InvalidArgument(fmt::format(
          "--start-at is {:.1f} s ago and the plan lasts {:.1f} s: the whole run is already "
          "over; give a start time in the future (or a recent one: its backlog is sent late)",
          double(now_ms - options.start_unix_ms) / 1e3, double(plan.total_ns()) / 1e9));
    }
    start_ns = MonotonicNs() + (options.start_unix_ms - now_ms) * 1'000'000;
    started_unix_ms = options.start_unix_ms;
  }
  IntervalCollector collector(plan, mix.names, options.interval_ns, interval_config);
  IntervalSeries series;
  NoiseCollector noise(options.interval_ns,
                       options.process_threads > 0 ? options.process_threads : threads,
                       options.host_probe);
  std::vector<NoiseInterval> noise_series;
  noise.Start(MonotonicNs() - start_ns);
  AbortMonitor abort(options.thresholds);
  EarlyStopMonitor early_stop(options.no_success_stop_ns);
  std::string aborted_by;
  Status sink_status = Status::Ok();
  Progress last_interval;
  // Delivers completed intervals: sinks, abort rule, in-memory series, progress.
  auto deliver = [&](const std::vector<IntervalSample>& samples) {
    if (samples.empty()) return;
    if (options.on_interval && sink_status.ok()) {
      sink_status = options.on_interval(samples);
      if (!sink_status.ok()) run_stop.store(true);
    }
    if (abort.active() && aborted_by.empty()) {
      if (auto v = abort.Observe(samples)) {
        aborted_by = v->message.empty() ? v->expr : v->expr + ": " + v->message;
        run_stop.store(true);
      }
    }
    FillIntervalProgress(samples, &last_interval);
    series.Append(samples);
  };
  auto collect = [&](bool final, int64_t end_ns) {
    int64_t frontier = INT64_MAX;
    for (auto& w : workers) frontier = std::min(frontier, w->frontier());
    for (auto& w : workers) {
      for (WorkerInterval& wi : w->TakeIntervals()) {
        noise.Add(wi.index, std::move(wi.noise));
        collector.Add(std::move(wi));
      }
    }
    deliver(collector.Emit(frontier, final, end_ns));
    if (!final) noise.Tick(MonotonicNs() - start_ns);
    std::vector<NoiseInterval> n = noise.Emit(frontier, final, end_ns);
    if (n.empty()) return;
    if (options.on_noise && sink_status.ok()) {
      sink_status = options.on_noise(n);
      if (!sink_status.ok()) run_stop.store(true);
    }
    noise_series.insert(noise_series.end(), n.begin(), n.end());
  };

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
  bool stopped_by_caller = false;
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (stop && stop->load() && !run_stop.load()) {
      stopped_by_caller = true;
      run_stop.store(true);
    }
    collect(/*final=*/false, 0);
    Progress p = last_interval;
    p.elapsed_s = std::max(0.0, double(MonotonicNs() - start_ns) / 1e9);
    p.total_s = total_s;
    std::array<uint64_t, WorkerProgress::kKinds> kinds{};
    for (const auto& w : workers) {
      p.requests += w->progress().requests.load(std::memory_order_relaxed);
      p.errors += w->progress().errors.load(std::memory_order_relaxed);
      p.inflight += w->progress().inflight.load(std::memory_order_relaxed);
      for (size_t k = 0; k < kinds.size(); ++k) {
        kinds[k] += w->progress().errors_by_kind[k].load(std::memory_order_relaxed);
      }
    }
    for (size_t k = 0; k < kinds.size(); ++k) {
      if (kinds[k] > 0) p.errors_by_kind.emplace_back(ProgressErrorKindName(k), kinds[k]);
    }
    if (!run_stop.load() && early_stop.Observe(MonotonicNs() - start_ns, p.requests, p.errors)) {
      run_stop.store(true);
    }
    if (!on_progress) continue;
    int64_t t = std::min<int64_t>(MonotonicNs() - start_ns, plan.total_ns() - 1);
    p.phase = plan.stages()[size_t(plan.StageAt(std::max<int64_t>(t, 0)))].name;
    on_progress(p);
  }
  for (auto& t : pool) t.join();
  const int64_t end_ns = MonotonicNs() - start_ns;
  const double wall_s = double(end_ns) / 1e9;
  for (const Status& s : statuses) {
    if (!s.ok()) return s;
  }
  collect(/*final=*/true, end_ns);
  if (!sink_status.ok()) return sink_status;
  LoadStats merged(plan.stages().size());
  for (auto& w : workers) merged.Merge(w->stats());
  const bool interrupted = run_stop.load();
  LoadResult r = Summarize(options, plan, merged, started_unix_ms, wall_s, interrupted);
  r.threads = int(workers.size());  // a worker with no share of --requests is not started
  r.tls = mix.tls;
  r.pipeline = options.pipeline;
  if (options.pipeline > 1) r.pipeline_timing = options.pipeline_batch_timing ? "batch" : "answer";
  r.http2 = options.http2;
  r.streams = options.streams;
  r.h2_goaways = merged.h2_goaways;
  r.h2_streams_retried = merged.h2_streams_retried;
  r.intervals = series.Take();
  r.noise = std::move(noise_series);
  if (!noise.probe_error().empty()) {
    r.noise_note = "host noise figures unavailable: " + noise.probe_error();
  }
  r.aborted_by = aborted_by;
  r.stopped_by_caller = stopped_by_caller;
  if (early_stop.fired()) {
    r.failure = NoSuccessMessage(early_stop.window_ns(), r.errors_by_kind, mix.address);
  }
  return r;
}

}  // namespace vitals
