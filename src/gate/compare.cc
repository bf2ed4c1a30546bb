#include "gate/compare.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "core/units.h"

namespace vitals::gate {
namespace {

constexpr Metric kAllMetrics[] = {Metric::kP50,  Metric::kP95,       Metric::kP99,
                                  Metric::kMean, Metric::kErrorRate, Metric::kRate};

double Percentile(Metric m) {
  switch (m) {
    case Metric::kP50:
      return 50;
    case Metric::kP95:
      return 95;
    case Metric::kP99:
      return 99;
    default:
      return 0;
  }
}

// Intervals shorter than this share of the run's longest interval are not samples.
constexpr double kMinIntervalShare = 0.5;

const char* Side(bool a) { return a ? "A" : "B"; }

// Why a side cannot be tested, or "" when both can.
std::string NotTestableReason(const RunData& a, const RunData& b, size_t n_a, size_t n_b,
                              const std::string& phase) {
  for (const RunData* r : {&a, &b}) {
    if (!r->has_intervals) {
      return fmt::format(
          "{} ({}) has no per-interval samples (a result JSON without \"intervals\"), so the "
          "Mann-Whitney test is unavailable; name the stored run instead",
          Side(r == &a), r->label);
    }
  }
  const size_t need = stats::kMinSamplesPerSide;
  if (n_a >= need && n_b >= need) return "";
  const std::string what = phase.empty() ? "runs" : fmt::format("phase '{}'", phase);
  std::string sides;
  if (n_a < need && n_b < need) {
    sides = fmt::format("A has {} intervals and B has {}", n_a, n_b);
  } else if (n_a < need) {
    sides = fmt::format("A has {} intervals", n_a);
  } else {
    sides = fmt::format("B has {} intervals", n_b);
  }
  return fmt::format("{} too short to test: {}, need at least {} per side (one per second of load)",
                     what, sides, need);
}

// The smallest two-sided p-value Mann-Whitney can give for these sample sizes (complete
// separation, no ties): 2 / C(n_a + n_b, n_a).  Above alpha, no change can be significant.
double SmallestPValue(size_t n_a, size_t n_b) {
  const double log_choose = std::lgamma(double(n_a + n_b) + 1) - std::lgamma(double(n_a) + 1) -
                            std::lgamma(double(n_b) + 1);
  return std::min(1.0, 2 * std::exp(-log_choose));
}

// The fewest intervals per side (equal sides) at which SmallestPValue <= alpha.
size_t IntervalsNeeded(double alpha) {
  size_t n = stats::kMinSamplesPerSide;
  while (n < 1000 && SmallestPValue(n, n) > alpha) ++n;
  return n;
}

bool AllEqual(const std::vector<double>& a, const std::vector<double>& b) {
  const double first = a.empty() ? (b.empty() ? 0 : b.front()) : a.front();
  auto same = [&](double v) { return v == first; };
  return std::all_of(a.begin(), a.end(), same) && std::all_of(b.begin(), b.end(), same);
}

}  // namespace

const char* MetricName(Metric m) {
  switch (m) {
    case Metric::kP50:
      return "p50";
    case Metric::kP95:
      return "p95";
    case Metric::kP99:
      return "p99";
    case Metric::kMean:
      return "mean";
    case Metric::kErrorRate:
      return "error_rate";
    case Metric::kRate:
      return "rate";
  }
  return "?";
}

std::optional<Metric> ParseMetric(const std::string& name) {
  for (Metric m : kAllMetrics) {
    if (name == MetricName(m)) return m;
  }
  return std::nullopt;
}

const char* MetricNamesList() { return "p50 p95 p99 mean error_rate rate"; }

bool IsLatency(Metric m) {
  return m == Metric::kP50 || m == Metric::kP95 || m == Metric::kP99 || m == Metric::kMean;
}

bool HigherIsWorse(Metric m) { return m != Metric::kRate; }

double ScopeValue(const ScopeData& s, Metric m) {
  switch (m) {
    case Metric::kP50:
      return s.p50_us;
    case Metric::kP95:
      return s.p95_us;
    case Metric::kP99:
      return s.p99_us;
    case Metric::kMean:
      return s.mean_us;
    case Metric::kErrorRate:
      return s.error_rate;
    case Metric::kRate:
      return s.rate_per_s;
  }
  return 0;
}

namespace {

// Longest interval of the run: intervals shorter than kMinIntervalShare of it are slivers.
double LongestInterval(const RunData& r) {
  double longest_s = 0;
  for (const IntervalPoint& i : r.intervals) longest_s = std::max(longest_s, i.length_s);
  return longest_s;
}

// The metric's value in one interval, or nullopt when the interval has none (or is a sliver,
// another phase, or excluded as disturbed).
std::optional<double> PointValue(const IntervalPoint& i, Metric m, const std::string& phase,
                                 double longest_s) {
  if (i.excluded) return std::nullopt;
  if (!phase.empty() && i.phase != phase) return std::nullopt;
  // The interval that closes the run (the drain after the last send) is a sliver: its rate and
  // percentiles describe a few milliseconds, not a second of load.
  if (i.length_s < kMinIntervalShare * longest_s) return std::nullopt;
  switch (m) {
    case Metric::kRate:
      if (i.length_s > 0) return double(i.requests) / i.length_s;
      return std::nullopt;
    case Metric::kErrorRate:
      if (i.requests > 0) return double(i.errors) / double(i.requests);
      return std::nullopt;
    default:
      // An interval without requests has no latency at all, not a latency of 0.
      if (i.requests == 0) return std::nullopt;
      return m == Metric::kP50   ? i.p50_us
             : m == Metric::kP95 ? i.p95_us
             : m == Metric::kP99 ? i.p99_us
                                 : i.mean_us;
  }
}

size_t ExcludedCount(const RunData& r, const std::string& phase) {
  size_t n = 0;
  for (const IntervalPoint& i : r.intervals) {
    if (i.excluded && (phase.empty() || i.phase == phase)) ++n;
  }
  return n;
}

}  // namespace

std::vector<double> IntervalValues(const RunData& r, Metric m, const std::string& phase) {
  std::vector<double> out;
  const double longest_s = LongestInterval(r);
  for (const IntervalPoint& i : r.intervals) {
    if (auto v = PointValue(i, m, phase, longest_s)) out.push_back(*v);
  }
  return out;
}

void PairedIntervalValues(const RunData& a, const RunData& b, Metric m, const std::string& phase,
                          std::vector<double>* va, std::vector<double>* vb) {
  const double la = LongestInterval(a), lb = LongestInterval(b);
  std::map<std::pair<double, std::string>, const IntervalPoint*> in_b;
  for (const IntervalPoint& i : b.intervals) in_b[{i.start_s, i.phase}] = &i;
  for (const IntervalPoint& i : a.intervals) {
    auto it = in_b.find({i.start_s, i.phase});
    if (it == in_b.end()) continue;
    auto x = PointValue(i, m, phase, la);
    auto y = PointValue(*it->second, m, phase, lb);
    // A pair is left out when either side's interval is (PointValue refuses an excluded one):
    // the pair is the unit.
    if (!x || !y) continue;
    va->push_back(*x);
    vb->push_back(*y);
  }
}

double PValue(const MetricComparison& c) {
  if (c.signed_rank) return c.signed_rank->p_value;
  if (c.mann_whitney) return c.mann_whitney->p_value;
  return 1;
}

const char* TestName(const MetricComparison& c) {
  return c.signed_rank ? "Wilcoxon signed-rank" : "Mann-Whitney";
}

std::string FormatValue(Metric m, double v) {
  if (IsLatency(m)) return FormatDurationUs(v);
  if (m == Metric::kErrorRate) return fmt::format("{:.2f}%", v * 100);
  return fmt::format("{:.1f}/s", v);
}

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kRegression:
      return "regression";
    case Verdict::kImprovement:
      return "improvement";
    case Verdict::kNoChange:
      return "no significant change";
    case Verdict::kNotTestable:
      return "not testable";
  }
  return "?";
}

const MetricComparison* Comparison::Find(Metric m, const std::string& phase) const {
  for (const MetricComparison& c : metrics) {
    if (c.metric == m && c.phase == phase) return &c;
  }
  return nullptr;
}

MetricComparison CompareMetric(const RunData& a, const RunData& b, Metric m,
                               const std::string& phase, const CompareOptions& options) {
  MetricComparison c;
  c.metric = m;
  c.phase = phase;
  const ScopeData* sa = phase.empty() ? &a.overall : a.Phase(phase);
  const ScopeData* sb = phase.empty() ? &b.overall : b.Phase(phase);
  if (sa) c.a = ScopeValue(*sa, m);
  if (sb) c.b = ScopeValue(*sb, m);
  c.delta = c.b - c.a;
  c.has_delta_pct = c.a != 0;
  if (c.has_delta_pct) c.delta_pct = 100 * c.delta / c.a;

  std::vector<double> va, vb;
  if (options.paired) {
    PairedIntervalValues(a, b, m, phase, &va, &vb);
  } else {
    va = IntervalValues(a, m, phase);
    vb = IntervalValues(b, m, phase);
  }
  c.n_a = va.size();
  c.n_b = vb.size();
  c.a_median = FiniteMedian(va);
  c.b_median = FiniteMedian(vb);
  c.excluded_a = ExcludedCount(a, phase);
  c.excluded_b = ExcludedCount(b, phase);
  // The smallest p-value these sample sizes allow: complete separation (Mann-Whitney) or
  // every pair moving one way (signed-rank: 2 / 2^n).
  const double smallest =
      options.paired ? std::min(1.0, 2 * std::ldexp(1.0, -int(std::min<size_t>(c.n_a, 1000))))
                     : SmallestPValue(c.n_a, c.n_b);
  const char* noun = options.paired ? "paired intervals" : "intervals";
  if (std::string why = NotTestableReason(a, b, c.n_a, c.n_b, phase); !why.empty()) {
    c.verdict = Verdict::kNotTestable;
    c.not_testable_reason = std::move(why);
  } else if (smallest > options.alpha) {
    // Not a silent "no significant change": these runs could never show one.
    c.verdict = Verdict::kNotTestable;
    c.not_testable_reason = fmt::format(
        "{} too short to test at alpha {:g}: with {} and {} {} the smallest possible "
        "p-value is {:.2g}; need at least {} {} per side",
        phase.empty() ? "runs" : fmt::format("phase '{}'", phase), options.alpha, c.n_a, c.n_b,
        noun, smallest,
        options.paired ? size_t(std::ceil(std::log2(2 / options.alpha)))
                       : IntervalsNeeded(options.alpha),
        noun);
  } else if (AllEqual(va, vb)) {
    // Identical samples on both sides (e.g. no errors at all): nothing to rank.
    c.verdict = Verdict::kNoChange;
    stats::MannWhitney mw;
    mw.n_a = va.size();
    mw.n_b = vb.size();
    mw.u_a = double(va.size() * vb.size()) / 2;
    c.mann_whitney = mw;
  } else if (options.paired) {
    auto sr = stats::WilcoxonSignedRank(va, vb);
    if (!sr.ok()) {
      c.verdict = Verdict::kNotTestable;
      c.not_testable_reason = sr.status().message();
    } else {
      c.signed_rank = *sr;
      const double n = double(std::max<size_t>(sr->n, 1));
      // Matched-pairs rank-biserial: (W+ - W-) / (n(n+1)/2), > 0 when B is larger.
      c.effect_r = (2 * sr->w_plus - n * (n + 1) / 2) / (n * (n + 1) / 2);
      const double shift = sr->shift != 0 ? sr->shift : c.effect_r;
      if (sr->p_value > options.alpha || shift == 0) {
        c.verdict = Verdict::kNoChange;
      } else {
        c.verdict = (shift > 0) == HigherIsWorse(m) ? Verdict::kRegression : Verdict::kImprovement;
      }
    }
  } else if (auto mw = stats::MannWhitneyU(va, vb); !mw.ok()) {
    c.verdict = Verdict::kNotTestable;
    c.not_testable_reason = mw.status().message();
  } else {
    c.mann_whitney = *mw;
    c.effect_r = -mw->rank_biserial;
    const double shift = mw->hodges_lehmann != 0 ? mw->hodges_lehmann : c.effect_r;
    const bool b_higher = shift > 0;
    if (mw->p_value > options.alpha || shift == 0) {
      c.verdict = Verdict::kNoChange;
    } else {
      c.verdict = b_higher == HigherIsWorse(m) ? Verdict::kRegression : Verdict::kImprovement;
    }
  }

  if (options.bootstrap && Percentile(m) > 0) {
    if (!sa || !sb || !sa->latency || !sb->latency) {
      c.bootstrap_note = "no histograms (result JSON file): bootstrap interval unavailable";
    } else {
      auto ci = stats::BootstrapPercentileDiff(*sa->latency, *sb->latency, Percentile(m),
                                               options.bootstrap_resamples, options.confidence,
                                               options.seed);
      if (ci.ok()) {
        c.bootstrap = *ci;
      } else {
        c.bootstrap_note = ci.status().message();
      }
    }
  }
  return c;
}

Comparison Compare(const RunData& a, const RunData& b, const CompareOptions& options) {
  Comparison out;
  out.a_label = a.label;
  out.b_label = b.label;
  out.a_id = a.id;
  out.b_id = b.id;
  out.alpha = options.alpha;
  out.paired = options.paired;
  for (Metric m : kAllMetrics) out.metrics.push_back(CompareMetric(a, b, m, "", options));
  if (a.scenario_fingerprint.empty() || b.scenario_fingerprint.empty()) {
    out.notes.push_back(fmt::format(
        "{} does not record its scenario: vitals cannot check that both sides ran the same load",
        a.scenario_fingerprint.empty() ? "A" : "B"));
  }
  if (!options.per_phase) return out;
  // One phase only (the usual plain URL run) repeats the overall numbers: skip it.
  const bool single_phase = a.phases.size() <= 1 && b.phases.size() <= 1;
  for (const ScopeData& pa : a.phases) {
    if (!b.Phase(pa.phase)) {
      out.notes.push_back(fmt::format("phase '{}' is only in A: not compared", pa.phase));
      continue;
    }
    if (single_phase) continue;
    for (Metric m : kAllMetrics) out.metrics.push_back(CompareMetric(a, b, m, pa.phase, options));
  }
  for (const ScopeData& pb : b.phases) {
    if (!a.Phase(pb.phase)) {
      out.notes.push_back(fmt::format("phase '{}' is only in B: not compared", pb.phase));
    }
  }
  return out;
}

}  // namespace vitals::gate
