#include "target/cache_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

namespace vitals {

void RateWindow::Add(int64_t now_ns) {
  if (first_ns_ < 0) first_ns_ = now_ns;
  const int64_t b = now_ns / kBucketNs + 1;
  const size_t slot = size_t(b % int64_t(kBuckets));
  if (index_[slot] != b) {
    index_[slot] = b;
    count_[slot] = 0;
  }
  ++count_[slot];
}

double RateWindow::PerSecond(int64_t now_ns) const {
  if (first_ns_ < 0) return 0;
  const int64_t b = now_ns / kBucketNs + 1;
  uint64_t n = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    if (index_[i] > b - int64_t(kBuckets) && index_[i] <= b) n += count_[i];
  }
  // The counted buckets span from the start of the oldest one to now; at least one bucket, so
  // the first requests after the start do not look like a burst.
  const int64_t oldest_start = (b - int64_t(kBuckets)) * kBucketNs;
  const int64_t span = std::max<int64_t>(now_ns - std::max(oldest_start, first_ns_), kBucketNs);
  return double(n) * 1e9 / double(span);
}

uint64_t WorkingSet::NextKey(int64_t now_ns, FastRng& rng) {
  rate_.Add(now_ns);
  const double w = std::ceil(keys_per_rps_ * rate_.PerSecond(now_ns));
  const int64_t size = std::max<int64_t>(min_keys_, int64_t(std::min(w, 1e15)));
  size_.store(size, std::memory_order_relaxed);
  return rng.Next() % uint64_t(size);
}

LruCache::LruCache(int64_t capacity, int64_t value_bytes)
    : capacity_(std::max<int64_t>(1, capacity)), value_bytes_(value_bytes) {
  index_.reserve(size_t(std::min<int64_t>(capacity_, 1 << 20)));
}

bool LruCache::Lookup(uint64_t key) {
  if (auto it = index_.find(key); it != index_.end()) {
    order_.splice(order_.begin(), order_, it->second);
    Bump(hits_);
    return true;
  }
  Bump(misses_);
  if (int64_t(index_.size()) >= capacity_) {
    index_.erase(order_.back().key);
    order_.pop_back();  // frees its value
    Bump(evictions_);
  }
  auto value = std::make_unique_for_overwrite<char[]>(size_t(value_bytes_));
  std::memset(value.get(), int(key & 0xff), size_t(value_bytes_));  // really resident
  order_.push_front(Entry{key, std::move(value)});
  index_.emplace(key, order_.begin());
  size_.store(int64_t(index_.size()), std::memory_order_relaxed);
  return false;
}

ThreadCache::ThreadCache(const CacheOptions& o, int threads)
    : keys(o.keys_per_rps, (o.min_keys + threads - 1) / threads),
      cache((o.capacity + threads - 1) / threads, o.value_bytes) {}

void AppendCacheMetrics(std::span<const ThreadCache* const> caches, std::string* out) {
  uint64_t hits = 0, misses = 0, evictions = 0;
  int64_t size = 0, keys = 0;
  for (const ThreadCache* c : caches) {
    hits += c->cache.hits();
    misses += c->cache.misses();
    evictions += c->cache.evictions();
    size += c->cache.size();
    keys += c->keys.size();
  }
  // HELP texts as Micrometer's CacheMeterBinder writes them.
  fmt::format_to(std::back_inserter(*out),
                 "# HELP cache_gets_total The number of times cache lookup methods have returned "
                 "a cached (hit) or uncached (miss) value.\n"
                 "# TYPE cache_gets_total counter\n"
                 "cache_gets_total{{cache=\"items\",result=\"hit\"}} {}\n"
                 "cache_gets_total{{cache=\"items\",result=\"miss\"}} {}\n"
                 "# HELP cache_evictions_total The number of times the cache was evicted.\n"
                 "# TYPE cache_evictions_total counter\n"
                 "cache_evictions_total{{cache=\"items\"}} {}\n"
                 "# HELP cache_size The number of entries in this cache.\n"
                 "# TYPE cache_size gauge\n"
                 "cache_size{{cache=\"items\"}} {}\n"
                 "# HELP vitals_target_cache_working_set_keys Keys requests currently draw from "
                 "(max(--cache-keys-per-rps x requests/s over 2 s, 100)).\n"
                 "# TYPE vitals_target_cache_working_set_keys gauge\n"
                 "vitals_target_cache_working_set_keys {}\n",
                 hits, misses, evictions, size, keys);
}

}  // namespace vitals
