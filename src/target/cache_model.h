// The cache-like mode of the test target (`vitals target --cache 2000`): an application cache
// in front of a slow backend, whose hit ratio collapses when a spike brings users whose data
// is not cached, and whose memory grows while it fills.
//
// The model, per worker thread (nothing shared, no locks):
//  - WorkingSet: each request asks for a key drawn uniformly from [0, W), where
//    W = max(min_keys, keys_per_rps * requests/s this thread saw over the last 2 s).
//    A spike raises the rate, so W grows and new keys (new users) arrive.
//  - LruCache: at most `capacity` entries; a hit refreshes the entry; a miss stores a value
//    of `value_bytes` really allocated and written (freed on eviction), evicting the least
//    recently used entry when full.  The caller adds the miss latency (the backend's cost).
// With T threads each thread holds capacity/T entries and draws from its own key space with
// min_keys/T, so the whole target behaves as one cache of `capacity` over W keys when the
// connections spread evenly.
//
// Thread-safety: every method but the counter reads belongs to the owning thread; counters
// (hits, misses, evictions, size, working set) are relaxed atomics any thread may read.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>

#include "target/latency.h"
#include "target/rng.h"

namespace vitals {

struct CacheOptions {
  int64_t capacity = 0;  // entries over all threads; 0: no cache mode
  double keys_per_rps = 5;
  int64_t min_keys = 100;
  LatencySpec miss_latency{LatencySpec::Kind::kFixed, 20'000'000};
  int64_t value_bytes = 4096;
  bool enabled() const { return capacity > 0; }
};

// Requests per second over the last kWindowNs, counted in kBucketNs buckets.
class RateWindow {
 public:
  static constexpr int64_t kWindowNs = 2'000'000'000;
  static constexpr int64_t kBucketNs = 250'000'000;

  void Add(int64_t now_ns);
  // Requests in the buckets that overlap (now - window, now], divided by the time they cover
  // (less than the window right after the first request, but at least one bucket).
  double PerSecond(int64_t now_ns) const;

 private:
  static constexpr size_t kBuckets = size_t(kWindowNs / kBucketNs);
  std::array<int64_t, kBuckets> index_{};  // bucket number (now / kBucketNs) + 1; 0: empty
  std::array<uint64_t, kBuckets> count_{};
  int64_t first_ns_ = -1;
};

class WorkingSet {
 public:
  WorkingSet(double keys_per_rps, int64_t min_keys)
      : keys_per_rps_(keys_per_rps), min_keys_(min_keys < 1 ? 1 : min_keys) {}
  // Counts one request at now_ns and draws its key.
  uint64_t NextKey(int64_t now_ns, FastRng& rng);
  int64_t size() const { return size_.load(std::memory_order_relaxed); }

 private:
  RateWindow rate_;
  const double keys_per_rps_;
  const int64_t min_keys_;
  std::atomic<int64_t> size_{0};
};

class LruCache {
 public:
  LruCache(int64_t capacity, int64_t value_bytes);
  LruCache(const LruCache&) = delete;
  LruCache& operator=(const LruCache&) = delete;

  // True on a hit.  On a miss the key is stored (evicting the LRU entry when full).
  bool Lookup(uint64_t key);

  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }
  int64_t size() const { return size_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    uint64_t key;
    std::unique_ptr<char[]> value;
  };
  static void Bump(std::atomic<uint64_t>& c) {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  const int64_t capacity_, value_bytes_;
  std::list<Entry> order_;  // most recently used first
  std::unordered_map<uint64_t, std::list<Entry>::iterator> index_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, evictions_{0};
  std::atomic<int64_t> size_{0};
};

// One worker thread's cache mode: its key space and its share of the cache.
struct ThreadCache {
  ThreadCache(const CacheOptions& o, int threads);
  WorkingSet keys;
  LruCache cache;
};

// Micrometer's cache metrics, as a Spring Boot service with a Caffeine cache named "items"
// exposes them (cache_gets_total{result="hit"|"miss"}, cache_evictions_total, cache_size),
// summed over threads, plus vitals_target_cache_working_set_keys, appended to `out`.
void AppendCacheMetrics(std::span<const ThreadCache* const> caches, std::string* out);

}  // namespace vitals
