#include "load/noise.h"

#include <sys/resource.h>

#include <algorithm>
#include <utility>

namespace vitals {

double FiniteMedian(std::vector<double> values) {
  values.erase(
      std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
      values.end());
  if (values.empty()) return NoiseInterval::kAbsent;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + long(mid), values.end());
  double m = values[mid];
  if (values.size() % 2 == 0) {
    m = (m + *std::max_element(values.begin(), values.begin() + long(mid))) / 2;
  }
  return m;
}

NoiseSummary SummarizeNoise(const std::vector<NoiseInterval>& series) {
  NoiseSummary s;
  s.intervals = series.size();
  auto median_of = [&](double NoiseInterval::*field) {
    std::vector<double> v;
    v.reserve(series.size());
    for (const NoiseInterval& n : series) v.push_back(n.*field);
    return FiniteMedian(std::move(v));
  };
  s.sched_delay_p99_us = median_of(&NoiseInterval::sched_delay_p99_us);
  s.send_lag_p99_us = median_of(&NoiseInterval::send_lag_p99_us);
  s.gen_cpu_pct = median_of(&NoiseInterval::gen_cpu_pct);
  s.steal_pct = median_of(&NoiseInterval::steal_pct);
  s.psi_cpu_pct = median_of(&NoiseInterval::psi_cpu_pct);
  s.runnable_per_cpu = median_of(&NoiseInterval::runnable_per_cpu);
  for (const NoiseInterval& n : series) {
    if (!std::isfinite(n.sched_delay_max_us)) continue;
    if (!std::isfinite(s.sched_delay_max_us) || n.sched_delay_max_us > s.sched_delay_max_us) {
      s.sched_delay_max_us = n.sched_delay_max_us;
    }
  }
  return s;
}

const char* NoiseVerdict(const NoiseSummary& s) {
  auto above = [](double v, double bound) { return std::isfinite(v) && v >= bound; };
  if (above(s.gen_cpu_pct, 90)) return "saturated";
  if (above(s.sched_delay_p99_us, 500) || above(s.psi_cpu_pct, 10) || above(s.steal_pct, 2) ||
      above(s.gen_cpu_pct, 80)) {
    return "noisy";
  }
  return "quiet";
}

NoiseCollector::NoiseCollector(int64_t interval_ns, int threads, HostCpuProbe probe)
    : interval_ns_(interval_ns), threads_(std::max(threads, 1)), probe_(std::move(probe)) {}

NoiseCollector::Reading NoiseCollector::Read(int64_t now_ns) {
  Reading r;
  r.at_ns = now_ns;
  if (probe_ && probe_error_.empty()) {
    auto h = probe_();
    if (h.ok()) {
      r.host = *h;
      r.host_ok = true;
    } else {
      probe_error_ = h.status().message();
    }
  }
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    r.cpu_s = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
              double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  }
  return r;
}

NoiseCollector::Host NoiseCollector::Delta(const Reading& a, const Reading& b) const {
  Host h;
  const double wall_s = double(b.at_ns - a.at_ns) / 1e9;
  if (wall_s <= 0) return h;
  h.gen_cpu_pct = std::clamp(100.0 * (b.cpu_s - a.cpu_s) / (wall_s * threads_), 0.0, 100.0);
  if (!a.host_ok || !b.host_ok) return h;
  const double total = b.host.total_jiffies - a.host.total_jiffies;
  if (total > 0) h.steal_pct = 100.0 * (b.host.steal_jiffies - a.host.steal_jiffies) / total;
  if (std::isfinite(a.host.psi_cpu_some_us) && std::isfinite(b.host.psi_cpu_some_us)) {
    h.psi_cpu_pct =
        std::clamp((b.host.psi_cpu_some_us - a.host.psi_cpu_some_us) / (wall_s * 1e4), 0.0, 100.0);
  }
  if (std::isfinite(b.host.procs_running) && b.host.cpus > 0) {
    h.runnable_per_cpu = b.host.procs_running / b.host.cpus;
  }
  return h;
}

void NoiseCollector::Start(int64_t now_ns) {
  last_ = Read(now_ns);
  read_index_ = 0;
}

void NoiseCollector::Add(int64_t index, WorkerNoise noise) {
  WorkerNoise& into = pending_[index];
  auto merge = [](std::optional<Histogram>& dst, std::optional<Histogram>& src) {
    if (!src) return;
    if (!dst) {
      dst = std::move(src);
    } else {
      (void)dst->Add(*src);
    }
  };
  merge(into.sched_delay, noise.sched_delay);
  merge(into.send_lag, noise.send_lag);
}

void NoiseCollector::Tick(int64_t now_ns) {
  const int64_t index = std::max<int64_t>(now_ns, 0) / interval_ns_;
  if (index <= read_index_) return;
  Reading now = Read(now_ns);
  const Host h = Delta(last_, now);
  // The delta covers every interval that ended since the last read (normally one).
  for (int64_t i = read_index_; i < index; ++i) host_[i] = h;
  read_index_ = index;
  last_ = now;
}

std::vector<NoiseInterval> NoiseCollector::Emit(int64_t frontier, bool final, int64_t end_ns) {
  std::vector<NoiseInterval> out;
  int64_t last = frontier - 1;
  if (final) {
    const int64_t end_index = std::max<int64_t>(end_ns - 1, 0) / interval_ns_;
    // The partial interval at the end gets the figures from the last read to the end.
    if (end_index >= read_index_) {
      Reading now = Read(end_ns);
      const Host h = Delta(last_, now);
      for (int64_t i = read_index_; i <= end_index; ++i) host_[i] = h;
      read_index_ = end_index + 1;
      last_ = now;
    }
    last = end_index;
  }
  for (int64_t i = next_; i <= last; ++i) {
    if (!final && i >= read_index_) break;  // wait for the host figures of interval i
    NoiseInterval n;
    n.start_s = double(i * interval_ns_) / 1e9;
    n.length_s = double(interval_ns_) / 1e9;
    if (final && i == last && end_ns > i * interval_ns_) {
      n.length_s = double(std::min(end_ns - i * interval_ns_, interval_ns_)) / 1e9;
    }
    if (auto it = pending_.find(i); it != pending_.end()) {
      if (auto& h = it->second.sched_delay; h && h->TotalCount() > 0) {
        n.probes = uint64_t(h->TotalCount());
        n.sched_delay_p99_us = double(h->ValueAtPercentile(99));
        n.sched_delay_max_us = double(h->Max());
      }
      if (auto& h = it->second.send_lag; h && h->TotalCount() > 0) {
        n.send_lag_p99_us = double(h->ValueAtPercentile(99));
      }
      pending_.erase(it);
    }
    if (auto it = host_.find(i); it != host_.end()) {
      n.gen_cpu_pct = it->second.gen_cpu_pct;
      n.steal_pct = it->second.steal_pct;
      n.psi_cpu_pct = it->second.psi_cpu_pct;
      n.runnable_per_cpu = it->second.runnable_per_cpu;
      host_.erase(it);
    }
    out.push_back(n);
    next_ = i + 1;
  }
  return out;
}

}  // namespace vitals
