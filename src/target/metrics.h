// Request metrics of the test target, kept per worker thread and merged when
// /metrics is scraped.
//
// Each worker owns one ThreadMetrics.  The request path only writes it: a
// series lookup (cached by the caller) and relaxed atomic stores, no locks
// and no read-modify-write instructions, since each counter has exactly one
// writer.  A scrape from any thread reads the published series with relaxed
// loads, so a scrape is a consistent-enough snapshot (each counter is exact,
// a series' buckets may be one request apart from its count).
//
// Labels: method (GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, CONNECT,
// TRACE, else OTHER), path (the first path segment, "/" for the root; at most
// kMaxPathLabels distinct values per thread, later ones become "/_other"),
// code (the status answered).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace vitals {

// Upper bounds (seconds) of the duration histogram, +Inf implied.
inline constexpr std::array<double, 13> kDurationBucketsS = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
inline constexpr size_t kMaxPathLabels = 64;
inline constexpr size_t kMaxSeriesPerThread = 4096;

// "/api/users/7?x=1" -> "/api"; "/" and "" -> "/"; absolute-form
// "http://h/a/b" -> "/a"; "*" -> "*".  A view into `target`, at most 64 bytes.
std::string_view PathLabel(std::string_view target);
// The method if it is a standard one, else "OTHER".
std::string_view MethodLabel(std::string_view method);

// One label set's histogram and counter.  Written by one thread only.
class Series {
 public:
  Series(std::string_view method, std::string_view path, int code)
      : method_(method), path_(path), code_(code) {}
  Series(const Series&) = delete;
  Series& operator=(const Series&) = delete;

  const std::string& method() const { return method_; }
  const std::string& path() const { return path_; }
  int code() const { return code_; }

  // Writer thread only.
  void Record(int64_t duration_ns);

  struct Snapshot {
    std::array<uint64_t, kDurationBucketsS.size() + 1> buckets{};  // non-cumulative; last: +Inf
    uint64_t count = 0;
    uint64_t sum_ns = 0;
  };
  // Any thread.
  Snapshot Read() const;

 private:
  static void Bump(std::atomic<uint64_t>& c, uint64_t by) {
    c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }
  const std::string method_, path_;
  const int code_;
  std::array<std::atomic<uint64_t>, kDurationBucketsS.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_ns_{0};
};

class ThreadMetrics {
 public:
  ThreadMetrics() = default;
  ThreadMetrics(const ThreadMetrics&) = delete;
  ThreadMetrics& operator=(const ThreadMetrics&) = delete;

  // Writer thread only.  The series for these labels (already collapsed
  // with MethodLabel / PathLabel), created on first use; the pointer stays
  // valid for the life of this object.  nullptr only when
  // kMaxSeriesPerThread is reached (then the request is counted in
  // dropped()).
  Series* Find(std::string_view method, std::string_view path, int code);
  void NoteDropped() { Bump(dropped_, 1); }
  void AddInflight(int64_t delta) {
    inflight_.store(inflight_.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }
  void AddConnections(int64_t delta) {
    connections_.store(connections_.load(std::memory_order_relaxed) + delta,
                       std::memory_order_relaxed);
  }

  // Any thread.
  size_t series_count() const { return published_.load(std::memory_order_acquire); }
  const Series& series(size_t i) const { return *slots_[i]; }  // REQUIRES: i < series_count()
  int64_t inflight() const { return inflight_.load(std::memory_order_relaxed); }
  int64_t connections() const { return connections_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  static void Bump(std::atomic<uint64_t>& c, uint64_t by) {
    c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }
  // Slots [0, published_) are immutable pointers once published (release).
  std::array<std::unique_ptr<Series>, kMaxSeriesPerThread> slots_;
  std::atomic<size_t> published_{0};
  std::atomic<int64_t> inflight_{0};
  std::atomic<int64_t> connections_{0};
  std::atomic<uint64_t> dropped_{0};
  // Writer-only indexes.
  std::unordered_map<std::string, Series*> index_;
  std::unordered_set<std::string> paths_;
};

// Totals over all series of all threads.
struct MetricsTotals {
  uint64_t requests = 0;
  uint64_t errors = 0;  // status >= 400
};
MetricsTotals SumMetrics(std::span<const ThreadMetrics* const> threads);

// The Prometheus text exposition (format 0.0.4) of all threads merged:
// http_request_duration_seconds (histogram), http_requests_total (counter),
// vitals_target_inflight, vitals_target_connections (gauges),
// process_start_time_seconds (gauge).  Series are sorted by labels.
std::string RenderPrometheus(std::span<const ThreadMetrics* const> threads,
                             double process_start_time_s);

}  // namespace vitals
