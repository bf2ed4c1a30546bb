// Saturation-side facts in PromQL from the standard client-library and
// exporter metrics: process, Go runtime, JVM, database connection pools,
// Kafka consumer lag.  Grouped by `instance`: a Prometheus server scrapes
// many processes, and their goroutines must not be added up.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "collect/prom_facts.h"

namespace vitals::detail {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// instance -> value.
using ByInstance = std::map<std::string, double>;

ByInstance Per(PromQuerier& q, const std::string& what, const std::string& agg,
               const std::string& inner) {
  ByInstance out;
  for (const auto& s : q.Vec(what, agg + " by (instance) (" + inner + ")")) {
    if (std::isfinite(s.point.v)) out[std::string(s.labels.Get("instance"))] = s.point.v;
  }
  return out;
}

// One fact per instance; the subject is `base` when there is one instance,
// else "<base> <instance>".
class PerInstanceFacts {
 public:
  PerInstanceFacts(std::string kind, std::string base)
      : kind_(std::move(kind)), base_(std::move(base)) {}
  void Set(const std::string& field, const ByInstance& values) {
    for (const auto& [inst, v] : values) facts_[inst][field] = v;
  }
  // field = num / den for every instance that has both and den > 0.
  void Ratio(const std::string& field, const std::string& num, const std::string& den) {
    for (auto& [inst, fields] : facts_) {
      auto n = fields.find(num), d = fields.find(den);
      if (n != fields.end() && d != fields.end() && d->second > 0) {
        fields[field] = n->second / d->second;
      }
    }
  }
  void Emit(Collection* out) const {
    for (const auto& [inst, fields] : facts_) {
      if (fields.empty()) continue;
      std::string subject = facts_.size() == 1 || inst.empty() ? base_ : base_ + " " + inst;
      Fact f{"prometheus", kind_, subject, fields, {}};
      if (!inst.empty()) f.text["instance"] = inst;
      out->facts.push_back(std::move(f));
    }
  }

 private:
  std::string kind_, base_;
  std::map<std::string, std::map<std::string, double>> facts_;
};

std::string Rate(const PromQuerier& q, const std::string& name) {
  return "rate(" + q.Sel(name) + q.Range() + ")";
}

// gc_per_s = rate(<base>_count) and gc_pause_mean_s = rate(<base>_sum) /
// rate(<base>_count), per instance, for the summaries of GC pauses.
void AddGcRate(PromQuerier& q, const std::vector<std::string>& names, const std::string& base,
               const std::string& runtime, PerInstanceFacts* facts) {
  if (!Contains(names, base + "_count")) return;
  ByInstance count = Per(q, runtime + " gc rate", "sum", Rate(q, base + "_count"));
  facts->Set("gc_per_s", count);
  if (!Contains(names, base + "_sum")) return;
  ByInstance sum = Per(q, runtime + " gc mean", "sum", Rate(q, base + "_sum"));
  ByInstance mean;
  for (const auto& [inst, c] : count) {
    if (auto it = sum.find(inst); it != sum.end() && c > 0) mean[inst] = it->second / c;
  }
  facts->Set("gc_pause_mean_s", mean);
}

void AddProcess(PromQuerier& q, const std::vector<std::string>& names, Collection* out) {
  auto has = [&](const char* n) { return Contains(names, n); };
  PerInstanceFacts p("prom.process", "process");
  if (has("process_cpu_seconds_total")) {
    p.Set("cpu_seconds_per_s", Per(q, "process cpu", "sum", Rate(q, "process_cpu_seconds_total")));
  }
  for (auto [metric, field] : std::array<std::pair<const char*, const char*>, 3>{
           {{"process_resident_memory_bytes", "resident_memory_bytes"},
            {"process_open_fds", "open_fds"},
            {"process_max_fds", "max_fds"}}}) {
    if (has(metric)) p.Set(field, Per(q, field, "sum", q.Sel(metric)));
  }
  // GOMEMLIMIT (client_golang exports it; math.MaxInt64 means no limit).
  if (has("go_gc_gomemlimit_bytes")) {
    p.Set("memory_limit_bytes",
          Per(q, "memory limit", "sum", q.Sel("go_gc_gomemlimit_bytes") + " < 1e18"));
  }
  p.Ratio("fds_ratio", "open_fds", "max_fds");
  p.Ratio("memory_limit_ratio", "resident_memory_bytes", "memory_limit_bytes");
  p.Emit(out);
}

void AddGo(PromQuerier& q, const std::vector<std::string>& names, Collection* out) {
  auto has = [&](const std::string& n) { return Contains(names, n); };
  PerInstanceFacts g("prom.go", "go");
  if (has("go_goroutines")) {
    g.Set("goroutines", Per(q, "goroutines", "sum", q.Sel("go_goroutines")));
    g.Set("goroutines_delta",
          Per(q, "goroutines change", "sum",
              q.Sel("go_goroutines") + " - " + q.Sel("go_goroutines") + q.Offset()));
  }
  const std::string gc = "go_gc_duration_seconds";
  if (has(gc)) {
    for (auto [quantile, field] : std::array<std::pair<const char*, const char*>, 3>{
             {{"0.5", "gc_pause_p50_s"}, {"0.75", "gc_pause_p75_s"}, {"1", "gc_pause_max_s"}}}) {
      g.Set(field,
            Per(q, "go gc pause", "max", q.Sel(gc, fmt::format("quantile=\"{}\"", quantile))));
    }
  }
  AddGcRate(q, names, gc, "go", &g);
  if (has("go_memstats_heap_inuse_bytes")) {
    g.Set("heap_inuse_bytes", Per(q, "go heap", "sum", q.Sel("go_memstats_heap_inuse_bytes")));
  }
  g.Emit(out);
}

void AddJvm(PromQuerier& q, const std::vector<std::string>& names, Collection* out) {
  auto has = [&](const std::string& n) { return Contains(names, n); };
  PerInstanceFacts j("prom.jvm", "jvm");
  // Micrometer: jvm_gc_pause_seconds{action,cause} summary plus a _max gauge;
  // client_java hotspot: jvm_gc_collection_seconds{gc} summary.
  if (has("jvm_gc_pause_seconds_max")) {
    j.Set("gc_pause_max_s", Per(q, "jvm gc pause", "max", q.Sel("jvm_gc_pause_seconds_max")));
  }
  for (std::string base : {"jvm_gc_pause_seconds", "jvm_gc_collection_seconds"}) {
    if (!has(base + "_count")) continue;
    AddGcRate(q, names, base, "jvm", &j);
    break;
  }
  auto heap = [&](const char* micrometer, const char* client_java, const char* field) {
    for (const char* m : {micrometer, client_java}) {
      if (!has(m)) continue;
      j.Set(field, Per(q, field, "sum", q.Sel(m, "area=\"heap\"") + " >= 0"));
      return;
    }
  };
  heap("jvm_memory_used_bytes", "jvm_memory_bytes_used", "heap_used_bytes");
  heap("jvm_memory_max_bytes", "jvm_memory_bytes_max", "heap_max_bytes");
  for (const char* m : {"jvm_threads_live_threads", "jvm_threads_current"}) {
    if (!has(m)) continue;
    j.Set("threads", Per(q, "jvm threads", "sum", q.Sel(m)));
    break;
  }
  j.Ratio("heap_used_ratio", "heap_used_bytes", "heap_max_bytes");
  j.Emit(out);
}

// Connection pools: (in use, maximum) metric pairs of the common libraries,
// and the runbooks' db_connections_active / db_connections_max.
void AddDbPools(PromQuerier& q, const std::vector<std::string>& names, Collection* out) {
  static constexpr std::array<std::array<const char*, 3>, 5> kPairs = {{
      {"db_connections_active", "db_connections_max", "db_connections_*"},
      {"hikaricp_connections_active", "hikaricp_connections_max", "HikariCP"},
      {"jdbc_connections_active", "jdbc_connections_max", "Micrometer JDBC"},
      {"go_sql_in_use_connections", "go_sql_max_open_connections", "Go database/sql"},
      {"pgxpool_acquired_conns", "pgxpool_max_conns", "pgxpool"},
  }};
  for (const auto& [active, max, library] : kPairs) {
    if (!Contains(names, active) || !Contains(names, max)) continue;
    auto grouped = [&](const char* metric) {
      std::map<std::string, std::pair<promql::Labels, double>> m;
      for (const auto& s :
           q.Vec("db pool",
                 fmt::format("sum by (instance, pool, name, db_name, db) ({})", q.Sel(metric)))) {
        if (std::isfinite(s.point.v)) m[s.labels.Key()] = {s.labels, s.point.v};
      }
      return m;
    };
    auto in_use = grouped(active);
    auto limits = grouped(max);
    for (const auto& [key, a] : in_use) {
      auto it = limits.find(key);
      if (it == limits.end()) continue;
      const promql::Labels& l = a.first;
      std::string subject = "db";
      for (const char* n : {"pool", "name", "db_name", "db"}) {
        if (l.Has(n)) {
          subject = std::string(l.Get(n));
          break;
        }
      }
      Fact f{"prometheus", "prom.db_pool", subject, {}, {}};
      f.num["active"] = a.second;
      f.num["max"] = it->second.second;
      if (it->second.second > 0) f.num["use_ratio"] = a.second / it->second.second;
      f.text["metric"] = active;
      f.text["library"] = library;
      if (l.Has("instance")) f.text["instance"] = std::string(l.Get("instance"));
      out->facts.push_back(std::move(f));
    }
  }
}

// Consumer lag in messages, by the metric names of kafka_exporter
// (kafka_consumergroup_lag), Micrometer/JMX (kafka_consumer_fetch_manager_
// records_lag[_max]) and similar: kafka_* names containing "lag" that are
// not durations.
bool IsKafkaLagMetric(const std::string& name) {
  if (name.rfind("kafka_", 0) != 0 || name.find("lag") == std::string::npos) return false;
  for (const char* bad : {"seconds", "_ms", "time", "_created", "_sum", "_count", "_bucket"}) {
    if (name.find(bad) != std::string::npos) return false;
  }
  return true;
}

std::string KafkaSubject(const promql::Labels& l, const std::string& metric) {
  std::string group;
  for (const char* n : {"consumergroup", "group", "client_id"}) {
    if (l.Has(n)) {
      group = std::string(l.Get(n));
      break;
    }
  }
  if (group.empty() && !l.Has("topic")) return metric;
  return (group.empty() ? "?" : group) + "/" + (l.Has("topic") ? std::string(l.Get("topic")) : "*");
}

void AddKafka(PromQuerier& q, const std::vector<std::string>& names, Collection* out) {
  // One lag metric, so per-partition sums and maxima never mix: the
  // well-known names first, then any other kafka_*lag* gauge.
  std::string metric;
  for (const char* name :
       {"kafka_consumergroup_lag", "kafka_consumer_fetch_manager_records_lag",
        "kafka_consumer_records_lag", "kafka_consumer_fetch_manager_records_lag_max",
        "kafka_consumer_records_lag_max", "kafka_consumergroup_group_lag"}) {
    if (Contains(names, name)) {
      metric = name;
      break;
    }
  }
  for (const std::string& n : names) {
    if (metric.empty() && IsKafkaLagMetric(n)) metric = n;
  }
  if (metric.empty()) return;
  bool is_max = metric.size() >= 4 && metric.compare(metric.size() - 4, 4, "_max") == 0;
  // Lag per partition adds up to the group's lag; a *_max metric is already
  // a maximum and is folded with max.
  std::string agg =
      std::string(is_max ? "max" : "sum") + " by (consumergroup, group, client_id, topic) ";
  auto lags = [&](const std::string& offset) {
    std::map<std::string, std::pair<promql::Labels, double>> m;
    for (const auto& s : q.Vec("kafka lag", agg + "(" + q.Sel(metric) + offset + " >= 0)")) {
      if (std::isfinite(s.point.v)) m[s.labels.Key()] = {s.labels, s.point.v};
    }
    return m;
  };
  auto now = lags("");
  auto before = lags(q.Offset());
  for (const auto& [key, lag] : now) {
    Fact f{
        "prometheus", "prom.kafka_lag", KafkaSubject(lag.first, metric), {}, {{"metric", metric}}};
    f.num["lag_messages"] = lag.second;
    if (auto it = before.find(key); it != before.end()) {
      f.num["lag_before_messages"] = it->second.second;
      f.num["lag_min_messages"] = std::min(it->second.second, lag.second);
    }
    out->facts.push_back(std::move(f));
  }
}

}  // namespace

Status AddRuntimeFacts(PromQuerier& q, Collection* out) {
  std::vector<std::string> names = q.Names(
      "process_.*|go_goroutines|go_gc_.*|go_memstats_heap_inuse_bytes|jvm_.*|kafka_.*|"
      "db_connections_.*|hikaricp_connections_.*|jdbc_connections_.*|go_sql_.*|pgxpool_.*");
  AddProcess(q, names, out);
  AddGo(q, names, out);
  AddJvm(q, names, out);
  AddDbPools(q, names, out);
  AddKafka(q, names, out);
  return Status::Ok();
}

}  // namespace vitals::detail
