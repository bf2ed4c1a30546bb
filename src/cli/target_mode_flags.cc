#include "cli/target_mode_flags.h"

#include <fmt/format.h>

#include "core/redact.h"
#include "core/units.h"
#include "target/byte_size.h"
#include "target/latency.h"

namespace vitals::cli {

const char* const kTargetModesHelp =
    "\nFailure modes in detail (what `vitals load --observe` and `vitals check` should find):\n"
    "  --leak 1MB/10s               every 10 s allocate 1 MB more, write every page, never\n"
    "                               free it (resident memory grows; capped by --leak-max)\n"
    "  --cache 2000                 an application cache of 2000 entries (LRU) before a slow\n"
    "                               backend: each request reads a key drawn uniformly from a\n"
    "                               working set of max(100, K x requests/s over the last 2 s)\n"
    "                               keys (K = --cache-keys-per-rps), so a spike brings users\n"
    "                               whose data is not cached; a miss adds --cache-miss-latency\n"
    "                               and stores a --cache-value-size value (freed on eviction).\n"
    "                               /metrics: "
    "cache_gets_total{cache=\"items\",result=\"hit|miss\"},\n"
    "                               cache_evictions_total, cache_size (Micrometer's names)\n"
    "\nBackends (test modes): every request calls a real server, blocking its worker thread:\n"
    "one connection per --threads thread, so the backend concurrency is --threads.\n"
    "  --redis URL                  cache-aside: GET vitals:item:<thread>:<key> (keys as for\n"
    "                               --cache, or uniform over --redis-keys N); a miss SETs a\n"
    "                               --cache-value-size value.  Answers 200 \"hit\" or \"miss\"\n"
    "  --postgres DSN --sql STMT    runs STMT per request ($1 = a random integer in\n"
    "                               [1, --sql-param-max]); answers 200 with the row count\n"
    "  --postgres-connect request   a new connection per request (no pool): a spike on many\n"
    "                               --threads can exhaust max_connections\n"
    "A failed backend call answers 503 and counts in\n"
    "vitals_target_backend_requests_total{result=\"error\"}.  /metrics also has\n"
    "process_resident_memory_bytes, process_virtual_memory_bytes, process_cpu_seconds_total.\n"
    "\nSizes: 4096, 4KiB, 1MB, 1GiB (KB/MB/GB = 1000^n bytes, KiB/MiB/GiB = 1024^n).\n";

void AddTargetModeFlags(CLI::App& app, TargetModeFlags* f) {
  const std::string modes = "Failure modes", backends = "Backends (test modes)";
  app.add_option("--leak", f->leak,
                 "leak SIZE every PERIOD from the start, e.g. 1MB/10s (memory written, never "
                 "freed)")
      ->group(modes);
  app.add_option("--leak-max", f->leak_max, "stop leaking at this total (a message says so)")
      ->capture_default_str()
      ->group(modes);
  app.add_option("--cache", f->cache,
                 "cache mode: an LRU cache of this many entries (split over --threads) before a "
                 "slow backend")
      ->group(modes);
  app.add_option("--cache-keys-per-rps", f->cache_keys_per_rps,
                 "working set = max(100, K x requests/s over the last 2 s) keys (--cache, "
                 "--redis)")
      ->capture_default_str()
      ->group(modes);
  app.add_option("--cache-miss-latency", f->cache_miss_latency,
                 "latency spec added to a miss: the backend's cost")
      ->capture_default_str()
      ->group(modes);
  app.add_option("--cache-value-size", f->cache_value_size,
                 "bytes stored per cached entry (--cache: allocated; --redis: the SET value)")
      ->capture_default_str()
      ->group(modes);
  app.add_option("--redis", f->redis,
                 "cache-aside against this Redis per request: redis://[:password@]host:port[/db]")
      ->group(backends);
  app.add_option("--redis-keys", f->redis_keys,
                 "with --redis: keys uniform over N instead of the working-set model")
      ->group(backends);
  app.add_option("--postgres", f->postgres,
                 "run --sql against this PostgreSQL per request (libpq DSN or URL)")
      ->group(backends);
  app.add_option("--postgres-connect", f->postgres_connect,
                 "with --postgres: 'thread' (one connection per thread, kept) or 'request' (a "
                 "new one per request: no pool, a spike can exhaust max_connections)")
      ->capture_default_str()
      ->group(backends);
  app.add_option("--sql", f->sql, "with --postgres: the statement; $1 gets a random integer")
      ->capture_default_str()
      ->group(backends);
  app.add_option("--sql-param-max", f->sql_param_max, "with --postgres: $1 is uniform in [1, N]")
      ->capture_default_str()
      ->group(backends);
}

Status ApplyTargetModeFlags(const TargetModeFlags& f, TargetOptions* o) {
  if (!f.leak.empty()) {
    auto leak = ParseLeakSpec(f.leak);
    if (!leak.ok()) return leak.status();
    o->leak = *leak;
  }
  auto max = ParseByteSize(f.leak_max);
  if (!max.ok()) return Status::InvalidArgument("--leak-max: " + max.status().message());
  o->leak.max_bytes = *max;

  if (f.cache < 0) return Status::InvalidArgument("--cache must be a number of entries >= 1");
  o->cache.capacity = f.cache;
  o->cache.keys_per_rps = f.cache_keys_per_rps;
  auto miss = ParseLatencySpec(f.cache_miss_latency);
  if (!miss.ok())
    return Status::InvalidArgument("--cache-miss-latency: " + miss.status().message());
  o->cache.miss_latency = *miss;
  auto value = ParseByteSize(f.cache_value_size);
  if (!value.ok()) {
    return Status::InvalidArgument("--cache-value-size: " + value.status().message());
  }
  o->cache.value_bytes = *value;

  if (!f.redis.empty() && !f.postgres.empty()) {
    return Status::InvalidArgument("--redis and --postgres: use one backend per target");
  }
  if (f.redis.empty() && f.redis_keys != 0)
    return Status::InvalidArgument("--redis-keys needs --redis");
  if (!f.redis.empty()) {
    o->backend.kind = BackendOptions::Kind::kRedis;
    o->backend.url = f.redis;
    o->backend.redis_keys = f.redis_keys;
    if (f.redis_keys < 0) return Status::InvalidArgument("--redis-keys must be >= 1");
  }
  if (!f.postgres.empty()) {
    o->backend.kind = BackendOptions::Kind::kPostgres;
    o->backend.url = f.postgres;
  }
  if (f.postgres_connect != "thread" && f.postgres_connect != "request") {
    return Status::InvalidArgument(fmt::format(
        "--postgres-connect '{}': expected 'thread' (a kept connection per thread) or 'request' "
        "(a new connection per request)",
        f.postgres_connect));
  }
  o->backend.connect_per_request = f.postgres_connect == "request";
  o->backend.sql = f.sql;
  o->backend.sql_param_max = f.sql_param_max;
  return Status::Ok();
}

std::string DescribeTargetModes(const TargetOptions& o) {
  std::string s;
  if (o.leak.enabled()) {
    s += fmt::format(", leak {} every {} (max {})", FormatByteSize(o.leak.bytes),
                     FormatDurationUs(double(o.leak.period_ns) / 1e3),
                     FormatByteSize(o.leak.max_bytes));
  }
  if (o.cache.enabled()) {
    s += fmt::format(", cache {} entries (working set max(100, {:g} x req/s), miss +{}, {} values)",
                     o.cache.capacity, o.cache.keys_per_rps,
                     FormatLatencySpec(o.cache.miss_latency), FormatByteSize(o.cache.value_bytes));
  }
  if (o.backend.kind == BackendOptions::Kind::kRedis) {
    s += fmt::format(", cache-aside on Redis {}", RedactSecrets(o.backend.url));
  } else if (o.backend.kind == BackendOptions::Kind::kPostgres) {
    s += fmt::format(", SQL on PostgreSQL {}", RedactSecrets(o.backend.url));
  }
  return s;
}

}  // namespace vitals::cli
