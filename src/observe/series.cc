#include "observe/series.h"

#include <algorithm>
#include <map>
#include <utility>

#include "core/series_name.h"

namespace vitals {

const std::vector<SeriesInfo>& SeriesCatalog() {
  static const std::vector<SeriesInfo> kCatalog = {
      // The target's own golden signals, from its /metrics or the Prometheus server.
      {"target_p95_s", "prometheus", "http.endpoint", "p95_s", "s", "overall"},
      {"target_p99_s", "prometheus", "http.endpoint", "p99_s", "s", "overall"},
      {"target_error_ratio", "prometheus", "http.endpoint", "error_ratio", "ratio", "overall"},
      {"target_rate_per_s", "prometheus", "http.endpoint", "rate_per_s", "per_s", "overall"},
      {"process_resident_memory_bytes", "prometheus", "prom.process", "resident_memory_bytes",
       "bytes", ""},
      {"process_cpu_cores", "prometheus", "prom.process", "cpu_seconds_per_s", "cores", ""},
      {"process_open_fds", "prometheus", "prom.process", "open_fds", "count", ""},
      {"go_heap_inuse_bytes", "prometheus", "prom.go", "heap_inuse_bytes", "bytes", ""},
      {"go_goroutines", "prometheus", "prom.go", "goroutines", "count", ""},
      {"jvm_heap_used_bytes", "prometheus", "prom.jvm", "heap_used_bytes", "bytes", ""},
      {"jvm_threads", "prometheus", "prom.jvm", "threads", "count", ""},
      {"db_pool_active", "prometheus", "prom.db_pool", "active", "count", ""},
      {"cache_hit_ratio", "prometheus", "prom.cache", "hit_ratio", "ratio", ""},
      {"cache_evictions_per_s", "prometheus", "prom.cache", "evictions_per_s", "per_s", ""},
      {"cache_size", "prometheus", "prom.cache", "size", "count", ""},
      // The host vitals runs on (or the one whose /proc it reads).
      {"host_cpu_busy_ratio", "host", "host.cpu", "busy_ratio", "ratio", ""},
      {"host_memory_used_ratio", "host", "host.memory", "used_ratio", "ratio", ""},
      {"host_psi_cpu_some_ratio", "host", "host.pressure", "some_window_ratio", "ratio", "cpu"},
      {"host_psi_memory_some_ratio", "host", "host.pressure", "some_window_ratio", "ratio",
       "memory"},
      {"host_psi_io_some_ratio", "host", "host.pressure", "some_window_ratio", "ratio", "io"},
      // PostgreSQL.
      {"pg_connections", "postgres", "pg.connections", "connections", "count", ""},
      {"pg_active", "postgres", "pg.connections", "active", "count", ""},
      {"pg_connections_used_ratio", "postgres", "pg.connections", "used_ratio", "ratio", ""},
      {"pg_waiting", "postgres", "pg.activity", "waiting", "count", ""},
      {"pg_lock_waits", "postgres", "pg.activity", "lock_waits", "count", ""},
      {"pg_cache_hit_ratio", "postgres", "pg.cache", "heap_hit_ratio", "ratio", ""},
      {"pg_deadlocks_per_s", "postgres", "pg.activity", "deadlocks_per_s", "per_s", ""},
      {"pg_temp_files_per_s", "postgres", "pg.activity", "temp_files_per_s", "per_s", ""},
      {"pg_temp_bytes_per_s", "postgres", "pg.activity", "temp_bytes_per_s", "per_s", ""},
      {"pg_xact_per_s", "postgres", "pg.activity", "xact_per_s", "per_s", ""},
      {"pg_dead_tuples", "postgres", "pg.activity", "dead_tuples", "count", ""},
      // Redis.
      {"redis_hit_ratio", "redis", "redis.stats", "hit_ratio", "ratio", ""},
      {"redis_evicted_keys_per_s", "redis", "redis.stats", "evicted_keys_per_s", "per_s", ""},
      {"redis_ops_per_s", "redis", "redis.stats", "commands_per_s", "per_s", ""},
      {"redis_used_memory_bytes", "redis", "redis.memory", "used_memory_bytes", "bytes", ""},
      {"redis_connected_clients", "redis", "redis.clients", "connected_clients", "count", ""},
  };
  return kCatalog;
}

std::vector<ServerSeries> ExtractSeries(const std::vector<ObservedComponent>& components) {
  const auto& catalog = SeriesCatalog();
  // (catalog index, subject) -> series.  Two components of one kind (two databases, two
  // services) get their description (masked URL or DSN) in the subject, so their points are
  // never interleaved.
  std::map<std::string, int> per_kind;
  for (const ObservedComponent& c : components) ++per_kind[c.component];
  std::map<std::pair<size_t, std::string>, ServerSeries> found;
  for (const ObservedComponent& c : components) {
    const std::string instance = per_kind[c.component] > 1 ? c.description + " " : "";
    for (const ObservedSample& s : c.samples) {
      for (const Fact& f : s.collection.facts) {
        for (size_t i = 0; i < catalog.size(); ++i) {
          const SeriesInfo& info = catalog[i];
          if (f.kind != info.kind || f.component != info.component) continue;
          if (info.subject[0] != '\0' && f.subject != info.subject) continue;
          auto v = f.num.find(info.field);
          if (v == f.num.end()) continue;
          ServerSeries& series = found[{i, instance + f.subject}];
          if (series.name.empty()) {
            series.name = info.name;
            series.component = info.component;
            series.subject = instance + f.subject;
            series.unit = info.unit;
          }
          series.points.push_back({s.t_s, v->second});
        }
      }
    }
  }
  std::vector<ServerSeries> out;
  for (auto& [key, series] : found) {
    std::stable_sort(series.points.begin(), series.points.end(),
                     [](const SeriesPoint& a, const SeriesPoint& b) { return a.t_s < b.t_s; });
    out.push_back(std::move(series));
  }
  return out;
}

std::string SeriesLabel(const ServerSeries& s) {
  for (const SeriesInfo& info : SeriesCatalog()) {
    if (s.name == info.name && info.subject[0] != '\0' && s.subject == info.subject) return s.name;
  }
  return SeriesDisplayName(s.name, s.subject);
}

}  // namespace vitals
