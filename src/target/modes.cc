#include "target/modes.h"

#include "core/clock.h"
#include "target/process_metrics.h"
#include "target/worker.h"

namespace vitals::detail {

Result<std::unique_ptr<ThreadModes>> ThreadModes::Make(const TargetOptions& o, int thread) {
  if (!o.cache.enabled() && !o.backend.enabled()) return std::unique_ptr<ThreadModes>();
  std::unique_ptr<ThreadModes> m(new ThreadModes());
  m->miss_latency_ = o.cache.miss_latency;
  if (o.cache.enabled()) m->cache_ = std::make_unique<ThreadCache>(o.cache, o.threads);
  if (o.backend.enabled()) {
    auto b = ConnectBackend(o.backend, thread, o.cache.value_bytes);
    if (!b.ok()) return b.status();
    m->backend_ = std::move(b).value();
    m->uniform_keys_ = o.backend.redis_keys;
    if (o.backend.kind == BackendOptions::Kind::kRedis && m->uniform_keys_ <= 0) {
      m->keys_ = std::make_unique<WorkingSet>(o.cache.keys_per_rps,
                                              (o.cache.min_keys + o.threads - 1) / o.threads);
    }
  }
  return m;
}

ModeResult ThreadModes::Handle(int64_t now_ns, FastRng& rng) {
  ModeResult r;
  if (cache_ && !cache_->cache.Lookup(cache_->keys.NextKey(now_ns, rng))) {
    r.added_ns = SampleLatencyNs(miss_latency_, rng);
  }
  if (backend_) {
    const uint64_t key = keys_           ? keys_->NextKey(now_ns, rng)
                         : uniform_keys_ ? rng.Next() % uint64_t(uniform_keys_)
                                         : 0;
    const int64_t t0 = MonotonicNs();
    BackendAnswer a = backend_->Call(key, rng);
    // The answer is due once the call's time has passed (plus any injected latency), so the
    // duration the target records includes the backend.
    r.added_ns += MonotonicNs() - t0;
    r.answered = true;
    r.status = a.status;
    r.label = a.label;
    r.rows = a.rows;
  }
  return r;
}

std::string RenderTargetMetrics(const WorkerShared& shared) {
  std::string out = RenderPrometheus(shared.all_metrics, shared.process_start_s);
  AppendProcessMetrics(ReadProcessStats(), &out);
  if (shared.leaker != nullptr) AppendLeakMetrics(*shared.leaker, &out);
  std::vector<const ThreadCache*> caches;
  std::vector<const Backend*> backends;
  for (const ThreadModes* m : shared.all_modes) {
    if (m->cache() != nullptr) caches.push_back(m->cache());
    if (m->backend() != nullptr) backends.push_back(m->backend());
  }
  if (!caches.empty()) AppendCacheMetrics(caches, &out);
  AppendBackendMetrics(backends, &out);
  return out;
}

}  // namespace vitals::detail
