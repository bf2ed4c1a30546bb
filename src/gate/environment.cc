#include "gate/environment.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include <fmt/format.h>

#include "core/units.h"

namespace vitals::gate {
namespace {

bool Finite(double v) { return std::isfinite(v); }

constexpr double kWobbleShare = 0.25;

std::string Us(double v) { return Finite(v) ? FormatDurationUs(v) : "-"; }
std::string Pct(double v) { return Finite(v) ? fmt::format("{:.1f}%", v) : "-"; }

// Marks the disturbed intervals of one run; returns its environment over the kept ones.
SideEnvironment Examine(RunData* r, const EnvironmentBounds& b) {
  SideEnvironment side;
  side.intervals = r->intervals.size();
  std::vector<double> sched, psi;
  for (const IntervalPoint& p : r->intervals) {
    sched.push_back(p.sched_delay_p99_us);
    psi.push_back(p.psi_cpu_pct);
  }
  const double sched_med = FiniteMedian(sched);
  const double psi_med = FiniteMedian(psi);
  side.measured = !r->noise.empty() && (Finite(sched_med) || Finite(psi_med));
  if (!side.measured) return side;
  for (IntervalPoint& p : r->intervals) {
    const bool late = Finite(sched_med) && Finite(p.sched_delay_p99_us) &&
                      p.sched_delay_p99_us > b.noisy_factor * sched_med &&
                      p.sched_delay_p99_us > sched_med + b.noisy_excess_us;
    const bool pressed =
        Finite(psi_med) && Finite(p.psi_cpu_pct) && p.psi_cpu_pct > psi_med + b.noisy_psi_points;
    p.excluded = late || pressed;
    if (p.excluded) ++side.excluded;
  }
  // Medians: the few disturbed intervals barely move them.
  side.summary = SummarizeNoise(r->noise);
  return side;
}

}  // namespace

double EnvironmentCheck::FloorFor(Metric m, double a) const {
  double floor = IsLatency(m) ? floor_us : 0;
  if (auto it = repeat_floor.find(m); it != repeat_floor.end()) {
    floor = std::max(floor, it->second * std::abs(a));
  }
  return floor;
}

bool EnvironmentCheck::Noisy() const {
  for (const SideEnvironment* side : {&a, &b}) {
    if (side->measured && std::string_view(NoiseVerdict(side->summary)) != "quiet") return true;
  }
  return false;
}

const char* EnvironmentCheck::Advice() {
  return "rerun when the machine is quieter, let vitals rerun and interleave both sides "
         "(`vitals gate --rerun 3 --interleave --baseline-command CMD -- CMD`), or load both "
         "builds at the same time so the noise hits both alike (`vitals load URL_A --duet "
         "URL_B`, then `vitals gate --duet latest`)";
}

EnvironmentCheck CheckEnvironment(RunData* a, RunData* b, const EnvironmentBounds& bounds,
                                  bool paired) {
  EnvironmentCheck env;
  env.a = Examine(a, bounds);
  env.b = Examine(b, bounds);
  for (const auto& [name, side] : {std::pair{"A", &env.a}, std::pair{"B", &env.b}}) {
    if (!side->measured) continue;
    if (side->intervals > 0 &&
        double(side->excluded) > bounds.max_excluded_share * double(side->intervals)) {
      env.problems.push_back(fmt::format(
          "{}: {} of {} intervals were disturbed (generator sched delay far above the run's "
          "median, or CPU pressure {:g} points above it); more than {:.0f}% cannot be left out",
          name, side->excluded, side->intervals, bounds.noisy_psi_points,
          bounds.max_excluded_share * 100));
    }
    if (Finite(side->summary.gen_cpu_pct) &&
        side->summary.gen_cpu_pct >= bounds.saturated_gen_cpu_pct) {
      env.problems.push_back(fmt::format(
          "{}: the load generator was saturated (median generator CPU {} of its threads): it, "
          "not the target, limited the run; add --threads or lower the load",
          name, Pct(side->summary.gen_cpu_pct)));
    }
  }
  const NoiseSummary& sa = env.a.summary;
  const NoiseSummary& sb = env.b.summary;
  if (env.a.measured && env.b.measured && !paired) {
    if (Finite(sa.psi_cpu_pct) && Finite(sb.psi_cpu_pct) &&
        std::abs(sb.psi_cpu_pct - sa.psi_cpu_pct) > bounds.max_psi_diff_points) {
      env.problems.push_back(fmt::format(
          "CPU pressure differs: A {} vs B {} of the time some task waited for a CPU (bound "
          "{:g} points)",
          Pct(sa.psi_cpu_pct), Pct(sb.psi_cpu_pct), bounds.max_psi_diff_points));
    }
    if (Finite(sa.steal_pct) && Finite(sb.steal_pct) &&
        std::abs(sb.steal_pct - sa.steal_pct) > bounds.max_steal_diff_points) {
      env.problems.push_back(fmt::format("CPU steal differs: A {} vs B {} (bound {:g} points)",
                                         Pct(sa.steal_pct), Pct(sb.steal_pct),
                                         bounds.max_steal_diff_points));
    }
    if (Finite(sa.sched_delay_p99_us) && Finite(sb.sched_delay_p99_us)) {
      const double lo = std::max(1.0, std::min(sa.sched_delay_p99_us, sb.sched_delay_p99_us));
      const double hi = std::max(sa.sched_delay_p99_us, sb.sched_delay_p99_us);
      if (hi / lo > bounds.max_sched_ratio && hi - lo > bounds.min_sched_diff_us) {
        env.problems.push_back(
            fmt::format("generator sched delay p99 differs: A {} vs B {} (bound {:g}x and {})",
                        Us(sa.sched_delay_p99_us), Us(sb.sched_delay_p99_us),
                        bounds.max_sched_ratio, Us(bounds.min_sched_diff_us)));
      }
    }
  }
  env.stable = env.problems.empty();
  if (paired) return env;
  // The floor: how far the generator's own timing moved between the runs (the difference of
  // the sides' sched-delay and send-lag tails), plus a quarter of the smaller tail for the
  // run-to-run wobble of a delay of that size.
  const double da = env.a.measured ? sa.sched_delay_p99_us : NoiseInterval::kAbsent;
  const double db = env.b.measured ? sb.sched_delay_p99_us : NoiseInterval::kAbsent;
  if (Finite(da) && Finite(db)) {
    env.floor_us = std::abs(db - da) + kWobbleShare * std::min(da, db);
    const double la = env.a.measured ? sa.send_lag_p99_us : NoiseInterval::kAbsent;
    const double lb = env.b.measured ? sb.send_lag_p99_us : NoiseInterval::kAbsent;
    if (Finite(la) && Finite(lb)) env.floor_us += std::abs(lb - la);
  } else if (Finite(da) || Finite(db)) {
    env.floor_us = kWobbleShare * (Finite(da) ? da : db);
  }
  return env;
}

Status AddRepeatFloor(Store& store, const RunData& baseline, const std::string& exclude_id,
                      EnvironmentCheck* env) {
  if (baseline.from_json_file) return Status::Ok();
  RunFilter filter;
  filter.tags = baseline.tags;
  filter.limit = kMaxRepeatRuns + 1;  // newest first; +1 for the candidate
  auto runs = store.ListRuns(filter);
  if (!runs.ok()) return runs.status();
  std::map<Metric, std::vector<double>> values;
  int n = 0;
  for (const RunInfo& info : *runs) {
    if (info.status != RunStatus::kCompleted || info.id == exclude_id) continue;
    if (n >= kMaxRepeatRuns) break;
    auto run = store.GetRun(info.id);
    if (!run.ok()) return run.status();
    const RunData r = FromStoredRun(*run, info.id);
    if (r.scenario_fingerprint != baseline.scenario_fingerprint) continue;
    if (r.tags.size() != baseline.tags.size()) continue;  // a superset of tags is another setup
    ++n;
    for (Metric m : {Metric::kP50, Metric::kP95, Metric::kP99, Metric::kMean}) {
      values[m].push_back(ScopeValue(r.overall, m));
    }
  }
  env->repeat_runs = n;
  if (n < kMinRepeatRuns) return Status::Ok();
  for (auto& [m, v] : values) {
    const double med = FiniteMedian(v);
    if (!(med > 0)) continue;
    // What the environment typically moves between two identical runs: the median of the
    // relative differences between every two of them (a few disturbed baselines must not
    // make the floor swallow every regression).
    std::vector<double> diffs;
    for (size_t i = 0; i < v.size(); ++i) {
      for (size_t j = i + 1; j < v.size(); ++j) diffs.push_back(std::abs(v[i] - v[j]) / med);
    }
    env->repeat_floor[m] = FiniteMedian(std::move(diffs));
  }
  return Status::Ok();
}

std::string DescribeSide(const char* name, const SideEnvironment& s) {
  if (!s.measured)
    return fmt::format("{}: not measured (a run from before vitals measured noise)", name);
  const NoiseSummary& n = s.summary;
  return fmt::format(
      "{}: {}, sched delay p99 {}, CPU pressure {}, steal {}, generator CPU {}, {} of {} "
      "intervals excluded",
      name, NoiseVerdict(n), Us(n.sched_delay_p99_us), Pct(n.psi_cpu_pct), Pct(n.steal_pct),
      Pct(n.gen_cpu_pct), s.excluded, s.intervals);
}

}  // namespace vitals::gate
