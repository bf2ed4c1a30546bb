// Saturation-side facts from the standard client-library and exporter
// metrics: process, Go runtime, JVM, Kafka consumer lag.
#include <cmath>
#include <map>
#include <optional>

#include "collect/prom_signals.h"

namespace vitals::detail {
namespace {

// Sum of the finite values of the series named `name` in `page`.
std::optional<double> Sum(const PromPage& page, const std::string& name) {
  std::optional<double> total;
  for (const PromSample* s : page.Samples(name)) {
    if (std::isfinite(s->value)) total = total.value_or(0) + s->value;
  }
  return total;
}

std::optional<double> Max(const PromPage& page, const std::string& name) {
  std::optional<double> best;
  for (const PromSample* s : page.Samples(name)) {
    if (std::isfinite(s->value)) best = std::max(best.value_or(s->value), s->value);
  }
  return best;
}

// Sum of the increases of the series named `name`; nullopt when there are none.
std::optional<double> IncreaseOf(const PromWindow& w, const std::string& name) {
  const auto& samples = w.after.Samples(name);
  if (samples.empty()) return std::nullopt;
  double total = 0;
  for (const PromSample* s : samples) total += w.Increase(*s);
  return total;
}

// The value of the summary quantile `q` of `name` (max over series).
std::optional<double> Quantile(const PromPage& page, const std::string& name, double q) {
  std::optional<double> best;
  for (const PromSample* s : page.Samples(name)) {
    const std::string* ql = s->Label("quantile");
    double qv;
    if (ql == nullptr || !ParsePromFloat(*ql, &qv) || std::fabs(qv - q) > 1e-9) continue;
    if (std::isfinite(s->value)) best = std::max(best.value_or(s->value), s->value);
  }
  return best;
}

// Sum over series whose label `label` equals `value`.
std::optional<double> SumWhere(const PromPage& page, const std::string& name,
                               const std::string& label, const std::string& value) {
  std::optional<double> total;
  for (const PromSample* s : page.Samples(name)) {
    const std::string* v = s->Label(label);
    if (v == nullptr || *v != value || !std::isfinite(s->value) || s->value < 0) continue;
    total = total.value_or(0) + s->value;
  }
  return total;
}

void Set(Fact& f, const char* field, std::optional<double> v) {
  if (v && std::isfinite(*v)) f.num[field] = *v;
}

void AddProcess(const PromWindow& w, Collection* out) {
  Fact f{"prometheus", "prom.process", "process", {}, {}};
  if (auto cpu = IncreaseOf(w, "process_cpu_seconds_total")) {
    f.num["cpu_seconds_per_s"] = *cpu / w.Seconds();
  }
  Set(f, "resident_memory_bytes", Sum(w.after, "process_resident_memory_bytes"));
  auto open = Sum(w.after, "process_open_fds");
  auto max = Sum(w.after, "process_max_fds");
  Set(f, "open_fds", open);
  Set(f, "max_fds", max);
  if (open && max && *max > 0) f.num["fds_ratio"] = *open / *max;
  if (!f.num.empty()) out->facts.push_back(std::move(f));
}

void AddGo(const PromWindow& w, Collection* out) {
  Fact f{"prometheus", "prom.go", "go", {}, {}};
  auto goroutines = Sum(w.after, "go_goroutines");
  Set(f, "goroutines", goroutines);
  if (auto before = Sum(w.before, "go_goroutines"); goroutines && before) {
    f.num["goroutines_delta"] = *goroutines - *before;
  }
  const std::string gc = "go_gc_duration_seconds";
  Set(f, "gc_pause_p50_s", Quantile(w.after, gc, 0.5));
  Set(f, "gc_pause_p75_s", Quantile(w.after, gc, 0.75));
  Set(f, "gc_pause_max_s", Quantile(w.after, gc, 1.0));
  auto gc_count = IncreaseOf(w, gc + "_count");
  auto gc_sum = IncreaseOf(w, gc + "_sum");
  if (gc_count) f.num["gc_per_s"] = *gc_count / w.Seconds();
  if (gc_count && gc_sum && *gc_count > 0) f.num["gc_pause_mean_s"] = *gc_sum / *gc_count;
  Set(f, "heap_inuse_bytes", Sum(w.after, "go_memstats_heap_inuse_bytes"));
  if (!f.num.empty()) out->facts.push_back(std::move(f));
}

void AddJvm(const PromWindow& w, Collection* out) {
  Fact f{"prometheus", "prom.jvm", "jvm", {}, {}};
  // Micrometer: jvm_gc_pause_seconds{action,cause} summary plus a _max gauge;
  // client_java hotspot: jvm_gc_collection_seconds{gc} summary.
  Set(f, "gc_pause_max_s", Max(w.after, "jvm_gc_pause_seconds_max"));
  std::optional<double> count, sum;
  for (const char* base : {"jvm_gc_pause_seconds", "jvm_gc_collection_seconds"}) {
    std::string b = base;
    if (!w.after.Has(b + "_count")) continue;
    count = IncreaseOf(w, b + "_count");
    sum = IncreaseOf(w, b + "_sum");
    break;
  }
  if (count) f.num["gc_per_s"] = *count / w.Seconds();
  if (count && sum && *count > 0) f.num["gc_pause_mean_s"] = *sum / *count;
  auto used = SumWhere(w.after, "jvm_memory_used_bytes", "area", "heap");
  if (!used) used = SumWhere(w.after, "jvm_memory_bytes_used", "area", "heap");
  auto max = SumWhere(w.after, "jvm_memory_max_bytes", "area", "heap");
  if (!max) max = SumWhere(w.after, "jvm_memory_bytes_max", "area", "heap");
  Set(f, "heap_used_bytes", used);
  Set(f, "heap_max_bytes", max);
  if (used && max && *max > 0) f.num["heap_used_ratio"] = *used / *max;
  auto threads = Sum(w.after, "jvm_threads_live_threads");
  if (!threads) threads = Sum(w.after, "jvm_threads_current");
  Set(f, "threads", threads);
  if (!f.num.empty()) out->facts.push_back(std::move(f));
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

std::string KafkaSubject(const PromSample& s) {
  std::string group;
  for (const char* l : {"consumergroup", "group", "client_id"}) {
    if (const std::string* v = s.Label(l)) {
      group = *v;
      break;
    }
  }
  const std::string* topic = s.Label("topic");
  if (group.empty() && topic == nullptr) return s.name;
  return (group.empty() ? "?" : group) + "/" + (topic ? *topic : std::string("*"));
}

struct Lag {
  std::optional<double> before, after;
};

void AddKafka(const PromWindow& w, const std::string& name, Collection* out) {
  bool is_max = name.size() >= 4 && name.compare(name.size() - 4, 4, "_max") == 0;
  // Lag per partition adds up to the group's lag; a *_max metric is already a
  // maximum and is folded with max.
  auto fold = [&](std::optional<double>& acc, double v) {
    acc = is_max ? std::max(acc.value_or(v), v) : acc.value_or(0) + v;
  };
  std::map<std::string, Lag> lags;
  for (const PromSample* s : w.after.Samples(name)) {
    if (!std::isfinite(s->value) || s->value < 0) continue;
    Lag& lag = lags[KafkaSubject(*s)];
    fold(lag.after, s->value);
    const double* prev = w.before.Value(*s);
    if (prev != nullptr && std::isfinite(*prev) && *prev >= 0) fold(lag.before, *prev);
  }
  for (const auto& [subject, lag] : lags) {
    Fact f{"prometheus", "prom.kafka_lag", subject, {}, {{"metric", name}}};
    f.num["lag_messages"] = *lag.after;
    if (lag.before) {
      f.num["lag_before_messages"] = *lag.before;
      f.num["lag_min_messages"] = std::min(*lag.before, *lag.after);
    }
    out->facts.push_back(std::move(f));
  }
}

}  // namespace

void AddRuntimeFacts(const PromWindow& window, Collection* out) {
  AddProcess(window, out);
  AddGo(window, out);
  AddJvm(window, out);
  // One lag metric per page, so per-partition sums and maxima never mix:
  // the well-known names first, then any other kafka_*lag* gauge.
  std::string kafka;
  for (const char* name :
       {"kafka_consumergroup_lag", "kafka_consumer_fetch_manager_records_lag",
        "kafka_consumer_records_lag", "kafka_consumer_fetch_manager_records_lag_max",
        "kafka_consumer_records_lag_max", "kafka_consumergroup_group_lag"}) {
    if (window.after.Has(name)) {
      kafka = name;
      break;
    }
  }
  if (kafka.empty()) {
    for (const std::string& name : window.after.SampleNames()) {
      if (IsKafkaLagMetric(name)) {
        kafka = name;
        break;
      }
    }
  }
  if (!kafka.empty()) AddKafka(window, kafka, out);
}

}  // namespace vitals::detail
