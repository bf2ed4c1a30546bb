#include "target/metrics.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

namespace vitals {

std::string_view PathLabel(std::string_view target) {
  if (target == "*") return target;
  // Absolute form: skip "scheme://authority".
  if (size_t scheme = target.find("://"); scheme != std::string_view::npos && target[0] != '/') {
    size_t slash = target.find('/', scheme + 3);
    if (slash == std::string_view::npos) return "/";
    target = target.substr(slash);
  }
  if (target.empty() || target[0] != '/') return "/";
  size_t end = target.find_first_of("/?#", 1);
  std::string_view seg = target.substr(0, end);
  return seg.size() > 64 ? seg.substr(0, 64) : seg;
}

std::string_view MethodLabel(std::string_view m) {
  static constexpr std::string_view kKnown[] = {"GET",   "HEAD",    "POST",    "PUT",  "DELETE",
                                                "PATCH", "OPTIONS", "CONNECT", "TRACE"};
  for (std::string_view k : kKnown) {
    if (m == k) return k;
  }
  return "OTHER";
}

void Series::Record(int64_t duration_ns) {
  if (duration_ns < 0) duration_ns = 0;
  // Integer bounds: le="0.001" must hold exactly 1'000'000 ns.
  static constexpr auto kBoundsNs = [] {
    std::array<int64_t, kDurationBucketsS.size()> ns{};
    for (size_t i = 0; i < ns.size(); ++i) ns[i] = int64_t(kDurationBucketsS[i] * 1e9 + 0.5);
    return ns;
  }();
  size_t b = 0;
  while (b < kBoundsNs.size() && duration_ns > kBoundsNs[b]) ++b;
  Bump(buckets_[b], 1);
  Bump(sum_ns_, uint64_t(duration_ns));
  Bump(count_, 1);
}

Series::Snapshot Series::Read() const {
  Snapshot s;
  for (size_t i = 0; i < buckets_.size(); ++i)
    s.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
  s.count = count_.load(std::memory_order_relaxed);
  s.sum_ns = sum_ns_.load(std::memory_order_relaxed);
  return s;
}

Series* ThreadMetrics::Find(std::string_view method, std::string_view path, int code) {
  if (paths_.find(std::string(path)) == paths_.end()) {
    if (paths_.size() >= kMaxPathLabels) {
      path = "/_other";
    } else {
      paths_.emplace(path);
    }
  }
  std::string key = fmt::format("{} {} {}", method, path, code);
  if (auto it = index_.find(key); it != index_.end()) return it->second;
  size_t n = published_.load(std::memory_order_relaxed);
  if (n >= slots_.size()) return nullptr;
  slots_[n] = std::make_unique<Series>(method, path, code);
  Series* s = slots_[n].get();
  index_.emplace(std::move(key), s);
  published_.store(n + 1, std::memory_order_release);
  return s;
}

MetricsTotals SumMetrics(std::span<const ThreadMetrics* const> threads) {
  MetricsTotals t;
  for (const ThreadMetrics* m : threads) {
    for (size_t i = 0, n = m->series_count(); i < n; ++i) {
      const Series& s = m->series(i);
      uint64_t c = s.Read().count;
      t.requests += c;
      if (s.code() >= 400) t.errors += c;
    }
  }
  return t;
}

namespace {

// Label values are ours (tchar methods, visible-ASCII paths) but a path may
// hold '"' or '\'; escape as the exposition format requires.
std::string Escape(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string FormatBound(double b) { return fmt::format("{}", b); }

}  // namespace

std::string RenderPrometheus(std::span<const ThreadMetrics* const> threads,
                             double process_start_time_s) {
  using Key = std::tuple<std::string, std::string, int>;  // path, method, code
  std::map<Key, Series::Snapshot> merged;
  int64_t inflight = 0, connections = 0;
  uint64_t dropped = 0;
  for (const ThreadMetrics* m : threads) {
    for (size_t i = 0, n = m->series_count(); i < n; ++i) {
      const Series& s = m->series(i);
      Series::Snapshot snap = s.Read();
      // A series is created when its request is parsed; show it once answered.
      if (snap.count == 0) continue;
      Series::Snapshot& into = merged[Key(s.path(), s.method(), s.code())];
      for (size_t b = 0; b < snap.buckets.size(); ++b) into.buckets[b] += snap.buckets[b];
      into.count += snap.count;
      into.sum_ns += snap.sum_ns;
    }
    inflight += m->inflight();
    connections += m->connections();
    dropped += m->dropped();
  }

  std::string out;
  out.reserve(512 + merged.size() * 1800);
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "# HELP http_request_duration_seconds Time from a request's arrival to its "
                 "response being written, including injected latency and stalls.\n"
                 "# TYPE http_request_duration_seconds histogram\n");
  for (const auto& [key, snap] : merged) {
    const auto& [path, method, code] = key;
    std::string labels =
        fmt::format("method=\"{}\",path=\"{}\",code=\"{}\"", Escape(method), Escape(path), code);
    uint64_t cumulative = 0;
    for (size_t b = 0; b < kDurationBucketsS.size(); ++b) {
      cumulative += snap.buckets[b];
      fmt::format_to(it, "http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels,
                     FormatBound(kDurationBucketsS[b]), cumulative);
    }
    cumulative += snap.buckets.back();
    fmt::format_to(it, "http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels,
                   cumulative);
    fmt::format_to(it, "http_request_duration_seconds_sum{{{}}} {}\n", labels,
                   double(snap.sum_ns) * 1e-9);
    fmt::format_to(it, "http_request_duration_seconds_count{{{}}} {}\n", labels, cumulative);
  }
  fmt::format_to(it,
                 "# HELP http_requests_total Requests answered, by method, first path segment "
                 "and status code.\n"
                 "# TYPE http_requests_total counter\n");
  for (const auto& [key, snap] : merged) {
    const auto& [path, method, code] = key;
    uint64_t total = 0;
    for (uint64_t b : snap.buckets) total += b;
    fmt::format_to(it, "http_requests_total{{method=\"{}\",path=\"{}\",code=\"{}\"}} {}\n",
                   Escape(method), Escape(path), code, total);
  }
  fmt::format_to(it,
                 "# HELP vitals_target_inflight Requests received and not yet answered (delayed "
                 "or stalled).\n"
                 "# TYPE vitals_target_inflight gauge\n"
                 "vitals_target_inflight {}\n"
                 "# HELP vitals_target_connections Open client connections.\n"
                 "# TYPE vitals_target_connections gauge\n"
                 "vitals_target_connections {}\n"
                 "# HELP vitals_target_unrecorded_total Requests answered but not recorded "
                 "because the series limit was reached.\n"
                 "# TYPE vitals_target_unrecorded_total counter\n"
                 "vitals_target_unrecorded_total {}\n"
                 "# HELP process_start_time_seconds Start time of the process since unix epoch "
                 "in seconds.\n"
                 "# TYPE process_start_time_seconds gauge\n"
                 "process_start_time_seconds {:.3f}\n",
                 inflight, connections, dropped, process_start_time_s);
  return out;
}

}  // namespace vitals
