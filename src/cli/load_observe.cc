#include "cli/load_observe.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "collect/prom_source.h"
#include "core/clock.h"
#include "core/redact.h"
#include "core/units.h"
#include "rules/loader.h"

namespace vitals::cli {

void AddObserveFlags(CLI::App& app, ObserveFlags* f) {
  app.add_option("--observe", f->observe,
                 "sample the system under test during the run: host, postgres=DSN, redis=URL, "
                 "prometheus=URL (a server or the service's /metrics) - repeatable; findings "
                 "get their onset and phase (docs/observe.md)");
  app.add_option("--observe-every", f->every,
                 "--observe: sample every N reporting intervals (default 1)")
      ->check(CLI::Range(1, 3600));
  app.add_option("--observe-timeout", f->timeout,
                 "--observe: connect/statement/request timeout of one sample (default 2s)");
  app.add_option("--observe-rules", f->rules_dir,
                 "--observe: a directory of rule files added to the shipped catalog");
}

Result<std::unique_ptr<LoadObservation>> LoadObservation::Start(const ObserveFlags& flags,
                                                                int64_t interval_ns) {
  auto timeout = ParseDurationNs(flags.timeout);
  if (!timeout.ok() || *timeout < 100'000'000) {
    return Status::InvalidArgument("--observe-timeout " + flags.timeout +
                                   ": expected a duration of at least 100ms, e.g. 2s");
  }
  std::unique_ptr<LoadObservation> o(new LoadObservation());
  auto catalog = LoadRuleCatalog(flags.rules_dir);
  if (!catalog.ok()) return catalog.status();
  o->rules_ = std::move(*catalog);
  SamplerOptions so;
  so.period_ns = interval_ns * flags.every;
  so.timeout_ms = *timeout / 1'000'000;
  so.prom_auth = PromAuthFromEnv();
  std::vector<std::unique_ptr<Sampler>> samplers;
  std::vector<std::string> seen;
  for (const std::string& arg : flags.observe) {
    auto spec = ParseObserveSpec(arg);
    if (!spec.ok()) return spec.status();
    if (std::find(seen.begin(), seen.end(), arg) != seen.end()) continue;  // once is enough
    seen.push_back(arg);
    auto s = MakeSampler(spec->component, spec->target, so);
    if (!s.ok()) return s.status();
    o->described_.push_back(spec->component + " " + RedactSecrets((*s)->Describe()));
    samplers.push_back(std::move(*s));
  }
  o->period_s_ = double(so.period_ns) / 1e9;
  o->start_unix_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  o->observer_ = Observer::Start(std::move(samplers), so.period_ns, MonotonicNs());
  return o;
}

std::string LoadObservation::Describe() const {
  std::string out;
  for (const auto& d : described_) out += (out.empty() ? "" : ", ") + d;
  return out;
}

ObservationReport LoadObservation::Finish(const LoadOptions& options, const LoadResult& result) {
  ObservationInput in;
  in.components = observer_->Stop();
  // The observer started just before the engine: put its samples on the run's clock, and
  // keep only the readings of the run (not those taken while a --start-at wait went on).
  const double shift_s = double(start_unix_ms_ - result.started_unix_ms) / 1000.0;
  const double end_s = result.duration_s + period_s_;
  for (auto& c : in.components) {
    std::vector<ObservedSample> kept;
    for (auto& s : c.samples) {
      s.t_s += shift_s;
      if (s.t_s < -0.5 || s.t_s > end_s) continue;
      s.t_s = std::max(0.0, s.t_s);
      kept.push_back(std::move(s));
    }
    c.samples = std::move(kept);
  }
  double t = 0;
  for (const Stage& s : options.stages) {
    const double len = double(s.duration_ns) / 1e9;
    in.phases.push_back({s.name, t, t + len});
    t += len;
  }
  in.interval_s = double(options.interval_ns) / 1e9;
  in.period_s = period_s_;
  in.duration_s = result.duration_s;
  const size_t n = size_t(std::ceil(result.duration_s / in.interval_s - 1e-9));
  in.client_p95_s.assign(n, std::nan(""));
  in.client_error_ratio.assign(n, std::nan(""));
  std::vector<double> reqs(n, 0), errs(n, 0), p95_weight(n, 0);
  for (const IntervalSample& s : result.intervals) {
    if (!s.request.empty() || n == 0) continue;
    // A long run's oldest intervals are merged pairwise (load/interval_collector.h): a merged
    // slot gives its numbers to every interval it covers.
    const size_t first = size_t(std::max(0.0, s.start_s) / in.interval_s + 1e-9);
    const size_t count =
        std::max<size_t>(1, size_t(std::lround(std::max(s.length_s, 0.0) / in.interval_s)));
    for (size_t i = first; i < first + count && i < n; ++i) {
      reqs[i] += double(s.requests) / double(count);
      errs[i] += double(s.errors) / double(count);
      // Two phases in one interval: the p95 of the one with more answers stands for it.
      if (s.latency_corrected.TotalCount() > 0 && double(s.requests) > p95_weight[i]) {
        in.client_p95_s[i] = double(s.latency_corrected.ValueAtPercentile(95)) / 1e6;
        p95_weight[i] = double(s.requests);
      }
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (reqs[i] > 0) in.client_error_ratio[i] = errs[i] / reqs[i];
  }
  return Analyze(rules_, std::move(in));
}

std::vector<StoredSeries> ToStoredSeries(const std::vector<ServerSeries>& series) {
  std::vector<StoredSeries> out;
  for (const ServerSeries& s : series) {
    StoredSeries t;
    t.name = s.name;
    t.subject = s.subject;
    t.component = s.component;
    t.unit = s.unit;
    for (const SeriesPoint& p : s.points) t.points.emplace_back(p.t_s, p.value);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace vitals::cli
