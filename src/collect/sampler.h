// Samplers: the collectors of `vitals check`, kept connected and read again
// and again, for `vitals load --observe` (src/observe).
//
// A Sampler holds its connection (libpq, hiredis, the Prometheus source's
// sample store, the previous /proc sample) and each Sample() reads once and
// turns the change since the previous Sample() into rates, with the same
// fact kinds and field names as the matching collector (collect/host.h,
// redis.h, postgres.h, prometheus.h), so the rule catalog applies unchanged.
// What one Sample() costs (documented in docs/observe.md):
//   host        one read of the /proc files of collect/host.h; no process spawned
//   postgres    ONE statement (activity counts, pg_stat_database, dead tuples)
//               on one connection, awaited at most the timeout (then the
//               connection is dropped and the next reading reconnects): facts pg.connections,
//               pg.cache (over the interval, from pg_stat_database), pg.temp_files (as the
//               collector's, over the period) and pg.activity (waiting,
//               lock_waits, deadlocks_per_s, temp_files_per_s, temp_bytes_per_s,
//               dead_tuples, xact_per_s, rollback_ratio)
//   redis       ONE INFO: facts redis.stats, redis.memory, redis.clients
//   prometheus  a /metrics endpoint: ONE scrape into the sampler's own sample
//               store, then the PromQL of prom_facts.h evaluated locally
//               (range = 2.5 sampling periods); a server: the same queries over
//               its API with a 1m range (its scrapes are typically 15 s apart)
// A sampler that fails once returns the error; the next Sample() reconnects.
//
// Thread-safety: one thread per sampler.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "collect/fact.h"
#include "collect/http_get.h"
#include "core/status.h"

namespace vitals {

class Sampler {
 public:
  virtual ~Sampler() = default;
  // "host", "postgres", "redis", "prometheus".
  virtual std::string component() const = 0;
  // What is sampled, secrets masked ("redis://:***@127.0.0.1:6379").
  virtual std::string Describe() const = 0;
  // Reads once.  The first call has no rates yet (counters need two reads):
  // its facts carry only levels.
  virtual Result<Collection> Sample() = 0;
};

struct SamplerOptions {
  int64_t period_ns = 1'000'000'000;  // the observation period (Prometheus' rate range)
  int64_t timeout_ms = 2000;          // connect, statement and request timeouts
  HttpAuth prom_auth;                 // Prometheus credentials
  std::string prom_selector;          // extra matchers for every Prometheus query
  std::string proc_root = "/proc";
};

// `component` is host | postgres | redis | prometheus; `spec` the DSN or URL
// (ignored for host).  Opening does not connect yet: the first Sample() does,
// so an unreachable server is a failed sample, not a failed run.
// InvalidArgument for an unknown component or a malformed URL/DSN.
Result<std::unique_ptr<Sampler>> MakeSampler(const std::string& component, const std::string& spec,
                                             const SamplerOptions& options);

}  // namespace vitals
