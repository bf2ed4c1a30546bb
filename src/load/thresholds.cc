// Threshold evaluation over a finished run (Evaluate) and during a run (AbortMonitor).
//
// Both paths reduce the data in scope to the same Aggregate and read the metric from it with
// MetricValue, so a threshold can never pass at the end with a different meaning than it had
// while the run was watched.
#include <algorithm>
#include <cmath>
#include <deque>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/units.h"
#include "load/thresholds.h"

namespace vitals {
namespace {

// Interval boundaries are sums of doubles; treat times this close as equal.
constexpr double kTimeEpsS = 1e-6;

bool IsLatency(ThresholdMetric m) {
  return m == ThresholdMetric::kPercentile || m == ThresholdMetric::kAvg ||
         m == ThresholdMetric::kMed || m == ThresholdMetric::kMin || m == ThresholdMetric::kMax;
}

// The numbers a threshold can read, for whatever scope and time span was selected.
struct Aggregate {
  uint64_t requests = 0;
  uint64_t errors = 0;
  double rate = 0;  // req/s over the span
  const Histogram* latency = nullptr;
  uint64_t dropped = 0;
  uint64_t late_sends = 0;
  uint64_t alerts_firing = 0;
  uint64_t status = 0;  // responses matching status_NNN / status_Nxx
};

// The metric value, or nullopt when it is undefined (no request in scope).
std::optional<double> MetricValue(const Threshold& t, const Aggregate& a) {
  if (IsLatency(t.metric)) {
    if (a.latency == nullptr || a.latency->TotalCount() == 0) return std::nullopt;
    const Histogram& h = *a.latency;
    switch (t.metric) {
      case ThresholdMetric::kPercentile:
        return double(h.ValueAtPercentile(t.percentile));
      case ThresholdMetric::kMed:
        return double(h.ValueAtPercentile(50));
      case ThresholdMetric::kAvg:
        return h.Mean();
      case ThresholdMetric::kMin:
        return double(h.Min());
      default:
        return double(h.Max());
    }
  }
  switch (t.metric) {
    case ThresholdMetric::kErrorRate:
      if (a.requests == 0) return std::nullopt;
      return double(a.errors) / double(a.requests);
    case ThresholdMetric::kRate:
      return a.rate;
    case ThresholdMetric::kRequests:
      return double(a.requests);
    case ThresholdMetric::kErrors:
      return double(a.errors);
    case ThresholdMetric::kDropped:
      return double(a.dropped);
    case ThresholdMetric::kLateSends:
      return double(a.late_sends);
    case ThresholdMetric::kAlertsFiring:
      return double(a.alerts_firing);
    default:
      return double(a.status);
  }
}

// How far past the limit a value is (> 0 fails for < and >, >= 0 ... see ThresholdHolds); the
// worst window is the one with the largest margin.
double Margin(ThresholdOp op, double value, double limit) {
  switch (op) {
    case ThresholdOp::kLt:
    case ThresholdOp::kLe:
      return value - limit;
    case ThresholdOp::kGt:
    case ThresholdOp::kGe:
      return limit - value;
    case ThresholdOp::kEq:
      return std::fabs(value - limit);
    case ThresholdOp::kNe:
      return -std::fabs(value - limit);
  }
  return 0;
}

std::string ScopedName(const Threshold& t) {
  std::vector<std::string> items;
  if (!t.phase.empty()) items.push_back("phase:" + t.phase);
  if (!t.request.empty()) items.push_back("request:" + t.request);
  if (t.uncorrected) items.push_back("uncorrected");
  std::string name = ThresholdMetricName(t);
  if (!items.empty()) name += fmt::format("{{{}}}", fmt::join(items, ","));
  return name;
}

std::string LimitText(const Threshold& t) {
  return fmt::format("limit {} {}", ThresholdOpText(t.op), FormatThresholdValue(t, t.limit));
}

std::string SpanText(double a, double b) { return fmt::format("{:g}-{:g}s", a, b); }

ThresholdVerdict NewVerdict(const Threshold& t) {
  ThresholdVerdict v;
  v.expr = t.expr;
  v.limit = t.limit;
  v.unit = std::string(ThresholdUnit(t));
  v.abort_on_fail = t.abort_on_fail;
  v.value_text.assign(1, '-');  // not = "-": GCC 12 -Wrestrict false positive
  return v;
}

void SetValue(const Threshold& t, double value, ThresholdVerdict* v) {
  v->has_value = true;
  v->value = value;
  v->value_text = FormatThresholdValue(t, value);
  v->ok = ThresholdHolds(t.op, value, t.limit);
}

ThresholdVerdict NoData(const Threshold& t, const std::string& why) {
  ThresholdVerdict v = NewVerdict(t);
  v.ok = false;
  v.message = "no data: " + why;
  return v;
}

bool InScope(const Threshold& t, const IntervalSample& s) {
  return (t.phase.empty() || s.phase == t.phase) && s.request == t.request;
}

// All samples in scope that start at the same time.  Histograms are borrowed (final
// evaluation) or held as sparse buckets (AbortMonitor, whose input does not outlive the call).
struct Slot {
  double start_s = 0;
  double end_s = 0;
  uint64_t requests = 0;
  uint64_t errors = 0;
  std::vector<const Histogram*> borrowed;
  std::vector<Histogram::Bucket> owned;
};

const Histogram& LatencyOf(const Threshold& t, const IntervalSample& s) {
  return t.uncorrected ? s.latency_uncorrected : s.latency_corrected;
}

void AddToSlot(const Threshold& t, const IntervalSample& s, bool own, Slot* slot) {
  slot->end_s = std::max(slot->end_s, s.start_s + s.length_s);
  slot->requests += s.requests;
  slot->errors += s.errors;
  if (!IsLatency(t.metric)) return;
  const Histogram& h = LatencyOf(t, s);
  if (!own) {
    slot->borrowed.push_back(&h);
  } else {
    h.ForEachRecorded([&](const Histogram::Bucket& b) { slot->owned.push_back(b); });
  }
}

// Appends the samples in scope to `slots` (merging samples with the same start time).
// Returns the index of the first slot that changed (slots->size() when none did).
size_t AppendSlots(const Threshold& t, const std::vector<IntervalSample>& samples, bool own,
                   std::deque<Slot>* slots) {
  size_t first_changed = SIZE_MAX;
  for (const IntervalSample& s : samples) {
    if (!InScope(t, s)) continue;
    if (slots->empty() || std::fabs(slots->back().start_s - s.start_s) > kTimeEpsS) {
      Slot slot;
      slot.start_s = s.start_s;
      slot.end_s = s.start_s;
      slots->push_back(std::move(slot));
    }
    first_changed = std::min(first_changed, slots->size() - 1);
    AddToSlot(t, s, own, &slots->back());
  }
  return std::min(first_changed, slots->size());
}

// Merges slots [i, k] into an Aggregate; `scratch` receives the latency histogram.
Status MergeSlots(const std::deque<Slot>& slots, size_t i, size_t k, Histogram* scratch,
                  Aggregate* a) {
  scratch->Reset();
  *a = Aggregate{};
  for (size_t j = i; j <= k; ++j) {
    const Slot& s = slots[j];
    a->requests += s.requests;
    a->errors += s.errors;
    for (const Histogram* h : s.borrowed) VITALS_RETURN_IF_ERROR(AddInto(scratch, *h));
    for (const Histogram::Bucket& b : s.owned) scratch->RecordN(b.lowest_value, b.count);
  }
  const double span = slots[k].end_s - slots[i].start_s;
  a->rate = span > 0 ? double(a->requests) / span : 0;
  a->latency = scratch;
  return Status::Ok();
}

// The first slot of the window ending at slot k, or nullopt when slots[0..k] are shorter
// than the window.  `from` is a lower bound found for an earlier k (windows only move right).
std::optional<size_t> WindowStart(const std::deque<Slot>& slots, size_t k, double window_s,
                                  size_t from) {
  size_t i = std::min(from, k);
  while (i < k && slots[k].end_s - slots[i + 1].start_s >= window_s - kTimeEpsS) ++i;
  if (slots[k].end_s - slots[i].start_s >= window_s - kTimeEpsS) return i;
  return std::nullopt;
}

// The running totals of a window that only moves right: each slot is added once when it
// enters and subtracted once when it leaves, so judging every window of a run costs O(slots)
// slot merges whatever the window length (merging each window from scratch costs
// O(slots * window)).  Latency is read straight from the summed bucket counts with the same
// rules as Histogram (tests compare the two).  Reads borrowed histograms only (final
// evaluation).
class SlidingWindow {
 public:
  SlidingWindow(const std::deque<Slot>& slots, bool latency) : slots_(slots), latency_(latency) {}

  // Moves to slots [i, k] and fills the counts of `a` (not its latency: LatencyValue).
  // REQUIRES: i and k never decrease between calls, i <= k.
  Status MoveTo(size_t i, size_t k, Aggregate* a) {
    while (hi_ <= k) VITALS_RETURN_IF_ERROR(Apply(slots_[hi_++], +1));
    while (lo_ < i) VITALS_RETURN_IF_ERROR(Apply(slots_[lo_++], -1));
    *a = Aggregate{};
    a->requests = requests_;
    a->errors = errors_;
    const double span = slots_[k].end_s - slots_[i].start_s;
    a->rate = span > 0 ? double(requests_) / span : 0;
    return Status::Ok();
  }

  // The latency metric of `t` over the current window; nullopt when it holds no value.
  std::optional<double> LatencyValue(const Threshold& t) const {
    if (!proto_) return std::nullopt;
    int64_t total = 0;
    size_t first = counts_.size(), last = 0;
    for (size_t j = 0; j < counts_.size(); ++j) {
      if (counts_[j] == 0) continue;
      total += counts_[j];
      first = std::min(first, j);
      last = j;
    }
    if (total == 0) return std::nullopt;
    const Histogram& h = *proto_;
    auto value_at = [&](size_t j) { return h.ValueAtIndex(int32_t(j)); };
    switch (t.metric) {
      case ThresholdMetric::kMin:
        return double(h.LowestEquivalentValue(value_at(first)));
      case ThresholdMetric::kMax: {
        const int64_t v = value_at(last);
        return v == 0 ? 0.0 : double(h.HighestEquivalentValue(v));
      }
      case ThresholdMetric::kAvg: {
        double sum = 0;
        for (size_t j = first; j <= last; ++j) {
          if (counts_[j] != 0)
            sum += double(counts_[j]) * double(h.MedianEquivalentValue(value_at(j)));
        }
        return sum / double(total);
      }
      default:
        break;
    }
    // Histogram::ValueAtPercentile, on the summed counts.
    double p = t.metric == ThresholdMetric::kMed ? 50 : std::clamp(t.percentile, 0.0, 100.0);
    const double target = p / 100.0 * double(total) + 0.5;
    int64_t at = target >= double(total) ? total : int64_t(target);
    at = std::max<int64_t>(at, 1);
    int64_t cumulative = 0;
    for (size_t j = first; j <= last; ++j) {
      cumulative += counts_[j];
      if (cumulative >= at) {
        const int64_t v = value_at(j);
        return double(p == 0 ? h.LowestEquivalentValue(v) : h.HighestEquivalentValue(v));
      }
    }
    return double(h.HighestEquivalentValue(value_at(last)));
  }

 private:
  Status Apply(const Slot& s, int64_t sign) {
    requests_ = sign > 0 ? requests_ + s.requests : requests_ - s.requests;
    errors_ = sign > 0 ? errors_ + s.errors : errors_ - s.errors;
    if (!latency_) return Status::Ok();
    for (const Histogram* h : s.borrowed) {
      if (!proto_) {
        Result<Histogram> proto = Histogram::Create(h->config());
        if (!proto.ok()) return proto.status();
        proto_ = std::move(*proto);
        counts_.assign(size_t(h->counts_len()), 0);
      } else if (!(h->config() == proto_->config())) {
        return Status::InvalidArgument(
            "interval histograms were recorded with different configs and cannot be merged");
      }
      h->ForEachRecorded([&](const Histogram::Bucket& b) {
        counts_[size_t(h->CountsIndexFor(b.lowest_value))] += sign * b.count;
      });
    }
    return Status::Ok();
  }

  const std::deque<Slot>& slots_;
  const bool latency_;
  size_t lo_ = 0, hi_ = 0;  // the running totals hold slots [lo_, hi_)
  uint64_t requests_ = 0, errors_ = 0;
  std::optional<Histogram> proto_;  // the layout (index <-> value) of the summed counts
  std::vector<int64_t> counts_;
};

std::string PhaseList(const LoadResult& r) {
  std::vector<std::string> names;
  for (const PhaseResult& p : r.phases) names.push_back("'" + p.name + "'");
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
}

const PhaseResult* FindPhase(const LoadResult& r, const std::string& name) {
  for (const PhaseResult& p : r.phases) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

ThresholdVerdict EvaluateWindows(const Threshold& t, const LoadResult& r) {
  std::deque<Slot> slots;
  AppendSlots(t, r.intervals, /*own=*/false, &slots);
  if (slots.empty()) {
    return NoData(t, fmt::format("no interval samples for {} in this run", ScopedName(t)));
  }
  const double window_s = double(t.window_ns) / 1e9;
  SlidingWindow sliding(slots, IsLatency(t.metric));
  ThresholdVerdict v = NewVerdict(t);
  double worst_margin = -INFINITY;
  std::optional<ThresholdWindow> worst;
  double worst_value = 0;
  int windows = 0, failed = 0;
  bool partial = false;
  auto consider = [&](size_t i, size_t k) -> Status {
    Aggregate a;
    VITALS_RETURN_IF_ERROR(sliding.MoveTo(i, k, &a));
    std::optional<double> value = IsLatency(t.metric) ? sliding.LatencyValue(t) : MetricValue(t, a);
    if (!value) return Status::Ok();  // an idle window says nothing about latency
    ++windows;
    if (!ThresholdHolds(t.op, *value, t.limit)) ++failed;
    const double m = Margin(t.op, *value, t.limit);
    if (!worst || m > worst_margin) {
      worst_margin = m;
      worst = ThresholdWindow{slots[i].start_s, slots[k].end_s};
      worst_value = *value;
    }
    return Status::Ok();
  };
  size_t from = 0;
  bool any_complete = false;
  for (size_t k = 0; k < slots.size(); ++k) {
    std::optional<size_t> i = WindowStart(slots, k, window_s, from);
    if (!i) continue;
    any_complete = true;
    from = *i;
    Status st = consider(*i, k);
    if (!st.ok()) return NoData(t, st.message());
  }
  if (!any_complete) {
    // The run (or the scope) is shorter than one window: judge what there is, and say so.
    partial = true;
    Status st = consider(0, slots.size() - 1);
    if (!st.ok()) return NoData(t, st.message());
  }
  if (!worst) return NoData(t, fmt::format("no requests for {} in any window", ScopedName(t)));
  SetValue(t, worst_value, &v);
  v.ok = failed == 0;
  v.window = worst;
  v.windows = windows;
  v.windows_failed = failed;
  const std::string span = SpanText(worst->start_s, worst->end_s);
  const std::string window_text = FormatDurationUs(double(t.window_ns) / 1e3);
  if (partial) {
    v.message = fmt::format("run shorter than the {} window, judged once over {}: {} = {} ({})",
                            window_text, span, ScopedName(t), v.value_text, LimitText(t));
  } else {
    v.message =
        fmt::format("worst {} window {}: {} = {} ({}); {} of {} windows failed", window_text, span,
                    ScopedName(t), v.value_text, LimitText(t), failed, windows);
  }
  return v;
}

uint64_t StatusCount(const Threshold& t, const LoadResult& r) {
  uint64_t n = 0;
  for (const auto& [code, count] : r.status_codes) {
    if (t.metric == ThresholdMetric::kStatusCode ? code == t.status : code / 100 == t.status) {
      n += count;
    }
  }
  return n;
}

ThresholdVerdict FromAggregate(const Threshold& t, const Aggregate& a) {
  std::optional<double> value = MetricValue(t, a);
  if (!value) return NoData(t, fmt::format("no requests for {}", ScopedName(t)));
  ThresholdVerdict v = NewVerdict(t);
  SetValue(t, *value, &v);
  v.message = fmt::format("{} = {} ({})", ScopedName(t), v.value_text, LimitText(t));
  return v;
}

}  // namespace

ThresholdVerdict Evaluate(const Threshold& t, const LoadResult& r) {
  if (t.window_ns > 0) return EvaluateWindows(t, r);
  Aggregate a;
  if (t.phase.empty() && t.request.empty()) {
    a.requests = r.requests;
    a.errors = r.errors;
    a.rate = r.rate_achieved;
    a.latency = t.uncorrected ? &r.latency_uncorrected : &r.latency_corrected;
    a.dropped = r.dropped;
    a.late_sends = r.late_sends;
    a.alerts_firing = r.alerts_firing;
    a.status = StatusCount(t, r);
    return FromAggregate(t, a);
  }
  const PhaseResult* phase = t.phase.empty() ? nullptr : FindPhase(r, t.phase);
  if (phase != nullptr && t.request.empty()) {
    a.requests = phase->requests;
    a.errors = phase->errors;
    a.rate = phase->duration_s > 0 ? double(phase->requests) / phase->duration_s : 0;
    a.latency = t.uncorrected ? &phase->latency_uncorrected : &phase->latency_corrected;
    a.dropped = phase->dropped;
    return FromAggregate(t, a);
  }
  // Request scope (or a phase without a PhaseResult): merge the intervals in scope.
  std::deque<Slot> slots;
  AppendSlots(t, r.intervals, /*own=*/false, &slots);
  if (slots.empty()) {
    if (!t.phase.empty() && phase == nullptr) {
      return NoData(
          t, fmt::format("no phase named '{}' in this run (phases: {})", t.phase, PhaseList(r)));
    }
    return NoData(t, fmt::format("no interval samples for {} in this run", ScopedName(t)));
  }
  if (t.metric == ThresholdMetric::kDropped) {
    return NoData(t, "dropped requests are counted per phase; this run has no phase results");
  }
  Histogram scratch;
  Status st = MergeSlots(slots, 0, slots.size() - 1, &scratch, &a);
  if (!st.ok()) return NoData(t, st.message());
  // The request's rate is over the time the scope ran, not only the intervals it showed up in.
  const double span = phase != nullptr ? phase->duration_s : t.phase.empty() ? r.duration_s : 0;
  if (span > 0) a.rate = double(a.requests) / span;
  return FromAggregate(t, a);
}

std::vector<ThresholdVerdict> EvaluateAll(const std::vector<Threshold>& ts, const LoadResult& r) {
  std::vector<ThresholdVerdict> out;
  out.reserve(ts.size());
  for (const Threshold& t : ts) out.push_back(Evaluate(t, r));
  return out;
}

bool AllPassed(const std::vector<ThresholdVerdict>& verdicts) {
  return std::all_of(verdicts.begin(), verdicts.end(),
                     [](const ThresholdVerdict& v) { return v.ok; });
}

nlohmann::json ThresholdsJson(const std::vector<ThresholdVerdict>& verdicts) {
  nlohmann::json arr = nlohmann::json::array();
  for (const ThresholdVerdict& v : verdicts) {
    nlohmann::json j = {{"expr", v.expr},       {"ok", v.ok},
                        {"limit", v.limit},     {"unit", v.unit},
                        {"message", v.message}, {"abort_on_fail", v.abort_on_fail}};
    j["value"] = v.has_value ? nlohmann::json(v.value) : nlohmann::json(nullptr);
    if (v.window) {
      j["window"] = {{"start_s", v.window->start_s},
                     {"end_s", v.window->end_s},
                     {"windows", v.windows},
                     {"failed", v.windows_failed}};
    }
    arr.push_back(std::move(j));
  }
  return arr;
}

// ---- AbortMonitor ----

struct AbortMonitor::State {
  Threshold t;
  // Whole-run thresholds: everything in scope so far.
  uint64_t requests = 0, errors = 0;
  double first_start_s = INFINITY, last_end_s = 0;
  Histogram latency;
  // Windowed thresholds: the slots that a future window may still need.
  std::deque<Slot> slots;
};

AbortMonitor::AbortMonitor(const std::vector<Threshold>& thresholds) {
  for (const Threshold& t : thresholds) {
    if (!t.abort_on_fail) continue;
    State s;
    s.t = t;
    states_.push_back(std::move(s));
  }
}
AbortMonitor::AbortMonitor(AbortMonitor&&) noexcept = default;
AbortMonitor& AbortMonitor::operator=(AbortMonitor&&) noexcept = default;
AbortMonitor::~AbortMonitor() = default;

bool AbortMonitor::active() const { return !states_.empty(); }

std::optional<ThresholdVerdict> AbortMonitor::Observe(
    const std::vector<IntervalSample>& completed) {
  if (states_.empty() || completed.empty()) return std::nullopt;
  for (const IntervalSample& x : completed) now_s_ = std::max(now_s_, x.start_s + x.length_s);
  const double now_s = now_s_;
  for (State& s : states_) {
    const Threshold& t = s.t;
    const double delay_s = double(t.delay_abort_eval_ns) / 1e9;
    if (t.window_ns > 0) {
      // Judge the windows ending at the slots this call changed (a slot whose samples arrive
      // over two calls is judged again when it grows).
      const size_t first_dirty = AppendSlots(t, completed, /*own=*/true, &s.slots);
      const double window_s = double(t.window_ns) / 1e9;
      Histogram scratch;
      size_t from = 0;
      for (size_t k = first_dirty; k < s.slots.size(); ++k) {
        std::optional<size_t> i = WindowStart(s.slots, k, window_s, from);
        if (!i) continue;
        from = *i;
        if (s.slots[k].end_s < delay_s - kTimeEpsS) continue;
        Aggregate a;
        if (!MergeSlots(s.slots, *i, k, &scratch, &a).ok()) continue;
        std::optional<double> value = MetricValue(t, a);
        if (!value || ThresholdHolds(t.op, *value, t.limit)) continue;
        ThresholdVerdict v = NewVerdict(t);
        SetValue(t, *value, &v);
        v.window = ThresholdWindow{s.slots[*i].start_s, s.slots[k].end_s};
        v.windows = v.windows_failed = 1;
        v.message = fmt::format("aborting: {} window {}: {} = {} ({})",
                                FormatDurationUs(double(t.window_ns) / 1e3),
                                SpanText(v.window->start_s, v.window->end_s), ScopedName(t),
                                v.value_text, LimitText(t));
        return v;
      }
      // Drop slots no future window can start at: the window ending at the newest slot is
      // already complete without them, and later windows end later still.
      while (s.slots.size() >= 2 &&
             s.slots.back().end_s - s.slots[1].start_s >= window_s - kTimeEpsS) {
        s.slots.pop_front();
      }
      continue;
    }
    for (const IntervalSample& x : completed) {
      if (!InScope(t, x)) continue;
      s.requests += x.requests;
      s.errors += x.errors;
      s.first_start_s = std::min(s.first_start_s, x.start_s);
      s.last_end_s = std::max(s.last_end_s, x.start_s + x.length_s);
      if (IsLatency(t.metric)) (void)AddInto(&s.latency, LatencyOf(t, x));
    }
    if (now_s < delay_s - kTimeEpsS) continue;
    const bool monotone =
        (t.metric == ThresholdMetric::kRequests || t.metric == ThresholdMetric::kErrors) &&
        (t.op == ThresholdOp::kLt || t.op == ThresholdOp::kLe);
    const bool estimable = IsLatency(t.metric) || t.metric == ThresholdMetric::kErrorRate ||
                           t.metric == ThresholdMetric::kRate;
    if (!monotone && !estimable) continue;
    if (estimable &&
        (now_s * 1e9 < double(kMinAbortEvalNs) - 1e3 || s.requests < kMinAbortRequests)) {
      continue;
    }
    Aggregate a;
    a.requests = s.requests;
    a.errors = s.errors;
    const double span = s.last_end_s - std::min(s.first_start_s, s.last_end_s);
    a.rate = span > 0 ? double(s.requests) / span : 0;
    a.latency = &s.latency;
    std::optional<double> value = MetricValue(t, a);
    if (!value || ThresholdHolds(t.op, *value, t.limit)) continue;
    ThresholdVerdict v = NewVerdict(t);
    SetValue(t, *value, &v);
    v.message = fmt::format("aborting after {:g}s: {} = {} so far ({})", now_s, ScopedName(t),
                            v.value_text, LimitText(t));
    return v;
  }
  return std::nullopt;
}

bool ShouldAbort(const Threshold& t, const std::vector<IntervalSample>& so_far) {
  if (!t.abort_on_fail) return false;
  AbortMonitor m({t});
  return m.Observe(so_far).has_value();
}

}  // namespace vitals
