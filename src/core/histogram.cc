#include "core/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

namespace vitals {
namespace {

struct Layout {
  int32_t unit_magnitude = 0;
  int32_t sub_bucket_half_count_magnitude = 0;
  int32_t sub_bucket_count = 0;
  int32_t counts_len = 0;
};

int32_t FloorLog2(uint64_t v) { return 63 - __builtin_clzll(v); }

// Integer forms of HdrHistogram_c's hdr_calculate_bucket_config: the C code uses
// log()/log(2) in doubles; exact integer arithmetic gives the same layout for every valid
// input without the risk of a power of two rounding down.
Result<Layout> ComputeLayout(const HistogramConfig& c) {
  if (c.lowest_discernible_value < 1) {
    return Status::InvalidArgument(fmt::format(
        "histogram lowest discernible value must be >= 1, got {}", c.lowest_discernible_value));
  }
  if (c.significant_figures < 1 || c.significant_figures > 5) {
    return Status::InvalidArgument(
        fmt::format("histogram significant figures must be 1..5, got {}", c.significant_figures));
  }
  if (c.highest_trackable_value / 2 < c.lowest_discernible_value) {
    return Status::InvalidArgument(fmt::format(
        "histogram highest trackable value ({}) must be at least 2 x the lowest discernible "
        "value ({})",
        c.highest_trackable_value, c.lowest_discernible_value));
  }
  Layout l;
  uint64_t largest_single_unit = 2;  // 2 * 10^sig
  for (int i = 0; i < c.significant_figures; ++i) largest_single_unit *= 10;
  int32_t sub_bucket_count_magnitude = FloorLog2(largest_single_unit);
  if ((uint64_t{1} << sub_bucket_count_magnitude) < largest_single_unit) {
    ++sub_bucket_count_magnitude;  // ceil(log2(..))
  }
  l.sub_bucket_half_count_magnitude = std::max(sub_bucket_count_magnitude, 1) - 1;
  l.unit_magnitude = FloorLog2(static_cast<uint64_t>(c.lowest_discernible_value));
  if (l.unit_magnitude + l.sub_bucket_half_count_magnitude > 61) {
    return Status::InvalidArgument(fmt::format(
        "histogram lowest discernible value {} with {} significant figures does not fit 64-bit "
        "buckets; lower the lowest value or the significant figures",
        c.lowest_discernible_value, c.significant_figures));
  }
  l.sub_bucket_count = int32_t{1} << (l.sub_bucket_half_count_magnitude + 1);

  // Buckets needed so that highest_trackable_value is covered.
  int64_t smallest_untrackable = static_cast<int64_t>(l.sub_bucket_count) << l.unit_magnitude;
  int32_t buckets = 1;
  while (smallest_untrackable <= c.highest_trackable_value) {
    if (smallest_untrackable > INT64_MAX / 2) {
      ++buckets;
      break;
    }
    smallest_untrackable <<= 1;
    ++buckets;
  }
  l.counts_len = (buckets + 1) * (l.sub_bucket_count / 2);
  return l;
}

}  // namespace

Status ValidateHistogramConfig(const HistogramConfig& config) {
  Result<Layout> l = ComputeLayout(config);
  return l.ok() ? Status::Ok() : l.status();
}

Histogram::Histogram() : Histogram(HistogramConfig{}) {}

Histogram::Histogram(const HistogramConfig& config) : config_(config) {
  Result<Layout> r = ComputeLayout(config);
  const Layout& l = r.value();  // callers validated; the default config is valid
  unit_magnitude_ = l.unit_magnitude;
  sub_bucket_half_count_magnitude_ = l.sub_bucket_half_count_magnitude;
  sub_bucket_count_ = l.sub_bucket_count;
  sub_bucket_half_count_ = l.sub_bucket_count / 2;
  leading_zero_count_base_ = 64 - unit_magnitude_ - sub_bucket_half_count_magnitude_ - 1;
  sub_bucket_mask_ = static_cast<uint64_t>(sub_bucket_count_ - 1) << unit_magnitude_;
  counts_.assign(static_cast<size_t>(l.counts_len), 0);
}

Result<Histogram> Histogram::Create(const HistogramConfig& config) {
  VITALS_RETURN_IF_ERROR(ValidateHistogramConfig(config));
  return Histogram(config);
}

Result<int32_t> Histogram::CountsLenFor(const HistogramConfig& config) {
  Result<Layout> l = ComputeLayout(config);
  if (!l.ok()) return l.status();
  return l->counts_len;
}

Result<Histogram> Histogram::FromCounts(const HistogramConfig& config,
                                        std::vector<int64_t> counts) {
  Result<Layout> l = ComputeLayout(config);
  if (!l.ok()) return l.status();
  if (counts.size() != static_cast<size_t>(l->counts_len)) {
    return Status::InvalidArgument(
        fmt::format("histogram counts array has {} entries, the config needs {}", counts.size(),
                    l->counts_len));
  }
  Histogram h(config);
  int64_t total = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const int64_t c = counts[i];
    if (c < 0) return Status::Parse(fmt::format("negative count {} at bucket index {}", c, i));
    if (c == 0) continue;
    const auto idx = static_cast<int32_t>(i);
    // A bucket whose values do not fit int64 cannot be queried or reset consistently.
    if (h.CountsIndexFor(h.ValueAtIndex(idx)) != idx) {
      return Status::Parse(fmt::format(
          "count at bucket index {} lies beyond the 64-bit value range of the histogram", i));
    }
    if (__builtin_add_overflow(total, c, &total)) {
      return Status::Parse("histogram total count overflows a 64-bit integer");
    }
  }
  h.counts_ = std::move(counts);
  h.RecomputeFromCounts();
  return h;
}

void Histogram::RecomputeFromCounts() {
  total_count_ = 0;
  min_ = INT64_MAX;
  max_ = 0;
  for (int32_t i = 0; i < counts_len(); ++i) {
    const int64_t c = counts_[static_cast<size_t>(i)];
    if (c == 0) continue;
    total_count_ += c;
    const int64_t v = ValueAtIndex(i);
    if (min_ == INT64_MAX) min_ = v;
    max_ = v;
  }
}

int64_t Histogram::Clamp(int64_t value, int64_t count) {
  if (value < 0) {
    clamped_negative_ += count;
    return 0;
  }
  saturated_ += count;
  return config_.highest_trackable_value;
}

void Histogram::RecordCorrected(int64_t value, int64_t expected_interval) {
  Record(value);
  if (expected_interval <= 0 || value <= expected_interval) return;
  // The back-filled values form an arithmetic progression; record each bucket's share of it
  // at once so a huge value with a tiny interval stays cheap.
  int64_t m = value - expected_interval;
  while (m >= expected_interval) {
    int64_t floor_v = m > config_.highest_trackable_value ? config_.highest_trackable_value + 1
                                                          : LowestEquivalentValue(m);
    floor_v = std::max(floor_v, expected_interval);
    const int64_t n = (m - floor_v) / expected_interval + 1;
    RecordN(m, n);  // all n values are equivalent to m (or all clamp to highest)
    m -= n * expected_interval;
  }
}

Status Histogram::Add(const Histogram& other) {
  if (!(config_ == other.config_)) {
    const auto& a = config_;
    const auto& b = other.config_;
    return Status::InvalidArgument(fmt::format(
        "cannot merge histograms with different configs ({}..{}, {} significant figures vs "
        "{}..{}, {}); create every histogram that is merged from the same HistogramConfig",
        a.lowest_discernible_value, a.highest_trackable_value, a.significant_figures,
        b.lowest_discernible_value, b.highest_trackable_value, b.significant_figures));
  }
  saturated_ += other.saturated_;
  clamped_negative_ += other.clamped_negative_;
  if (other.total_count_ == 0) return Status::Ok();
  const int32_t last = CountsIndexFor(other.max_);
  for (int32_t i = CountsIndexFor(other.min_); i <= last; ++i) {
    counts_[static_cast<size_t>(i)] += other.counts_[static_cast<size_t>(i)];
  }
  total_count_ += other.total_count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  return Status::Ok();
}

void Histogram::Reset() {
  if (total_count_ != 0) {
    // Every non-zero count lies between the buckets of min_ and max_.
    const int32_t first = CountsIndexFor(min_);
    const int32_t last = CountsIndexFor(max_);
    std::memset(&counts_[static_cast<size_t>(first)], 0,
                static_cast<size_t>(last - first + 1) * sizeof(int64_t));
  }
  total_count_ = 0;
  min_ = INT64_MAX;
  max_ = 0;
  saturated_ = 0;
  clamped_negative_ = 0;
}

int64_t Histogram::ValueAtIndex(int32_t index) const {
  int32_t bucket_index = (index >> sub_bucket_half_count_magnitude_) - 1;
  int32_t sub_bucket_index = (index & (sub_bucket_half_count_ - 1)) + sub_bucket_half_count_;
  if (bucket_index < 0) {
    sub_bucket_index -= sub_bucket_half_count_;
    bucket_index = 0;
  }
  const int shift = bucket_index + unit_magnitude_;
  const uint64_t sub = static_cast<uint64_t>(sub_bucket_index);
  // The top bucket of a histogram reaching INT64_MAX covers values past 2^63: saturate.
  if (shift >= 63 || sub > (static_cast<uint64_t>(INT64_MAX) >> shift)) return INT64_MAX;
  return static_cast<int64_t>(sub << shift);
}

int64_t Histogram::LowestEquivalentValue(int64_t value) const {
  if (value < 0) value = 0;
  const int32_t bucket_index =
      leading_zero_count_base_ - __builtin_clzll(static_cast<uint64_t>(value) | sub_bucket_mask_);
  const int shift = bucket_index + unit_magnitude_;
  return static_cast<int64_t>((static_cast<uint64_t>(value) >> shift) << shift);
}

int64_t Histogram::SizeOfEquivalentValueRange(int64_t value) const {
  if (value < 0) value = 0;
  const int32_t bucket_index =
      leading_zero_count_base_ - __builtin_clzll(static_cast<uint64_t>(value) | sub_bucket_mask_);
  const int64_t sub_bucket_index = value >> (bucket_index + unit_magnitude_);
  const int32_t adjusted = sub_bucket_index >= sub_bucket_count_ ? bucket_index + 1 : bucket_index;
  const int shift = unit_magnitude_ + adjusted;
  return shift >= 63 ? INT64_MAX : (int64_t{1} << shift);
}

int64_t Histogram::HighestEquivalentValue(int64_t value) const {
  const uint64_t next = static_cast<uint64_t>(LowestEquivalentValue(value)) +
                        static_cast<uint64_t>(SizeOfEquivalentValueRange(value));
  const uint64_t highest = next - 1;
  return highest > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(highest);
}

int64_t Histogram::MedianEquivalentValue(int64_t value) const {
  const uint64_t mid = static_cast<uint64_t>(LowestEquivalentValue(value)) +
                       static_cast<uint64_t>(SizeOfEquivalentValueRange(value) >> 1);
  return mid > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(mid);
}

int64_t Histogram::Min() const { return total_count_ == 0 ? 0 : LowestEquivalentValue(min_); }

int64_t Histogram::Max() const { return max_ == 0 ? 0 : HighestEquivalentValue(max_); }

int64_t Histogram::CountAtValue(int64_t value) const {
  if (value < 0) return 0;
  const int32_t idx = CountsIndexFor(value);
  if (idx < 0 || idx >= counts_len()) return 0;
  return counts_[static_cast<size_t>(idx)];
}

double Histogram::Mean() const {
  if (total_count_ == 0) return 0;
  double sum = 0;
  ForEachRecorded([&](const Bucket& b) {
    sum +=
        static_cast<double>(b.count) * static_cast<double>(MedianEquivalentValue(b.lowest_value));
  });
  return sum / static_cast<double>(total_count_);
}

double Histogram::Stddev() const {
  if (total_count_ == 0) return 0;
  const double mean = Mean();
  double sum_sq = 0;
  ForEachRecorded([&](const Bucket& b) {
    const double dev = static_cast<double>(MedianEquivalentValue(b.lowest_value)) - mean;
    sum_sq += dev * dev * static_cast<double>(b.count);
  });
  return std::sqrt(sum_sq / static_cast<double>(total_count_));
}

int64_t Histogram::ValueAtPercentile(double p) const {
  if (total_count_ == 0) return 0;
  if (!(p > 0)) p = 0;  // also maps NaN to 0
  if (p > 100) p = 100;
  const double target = p / 100.0 * static_cast<double>(total_count_) + 0.5;
  int64_t count_at_percentile =
      target >= static_cast<double>(total_count_) ? total_count_ : static_cast<int64_t>(target);
  count_at_percentile = std::max<int64_t>(count_at_percentile, 1);
  int64_t cumulative = 0;
  const int32_t last = CountsIndexFor(max_);
  for (int32_t i = CountsIndexFor(min_); i <= last; ++i) {
    cumulative += counts_[static_cast<size_t>(i)];
    if (cumulative >= count_at_percentile) {
      const int64_t v = ValueAtIndex(i);
      return p == 0 ? LowestEquivalentValue(v) : HighestEquivalentValue(v);
    }
  }
  return HighestEquivalentValue(max_);  // unreachable while the counts sum to total_count_
}

std::vector<Histogram::Bucket> Histogram::RecordedValues() const {
  std::vector<Bucket> out;
  ForEachRecorded([&](const Bucket& b) { out.push_back(b); });
  return out;
}

std::vector<Histogram::PercentilePoint> Histogram::PercentileIteration(
    int32_t ticks_per_half_distance) const {
  std::vector<PercentilePoint> out;
  if (total_count_ == 0) return out;
  // Bound the output: each halving of the distance to 100 % adds this many points.
  const int64_t ticks = std::clamp<int32_t>(ticks_per_half_distance, 1, 1000);
  const double total = static_cast<double>(total_count_);
  double next_percentile = 0;
  int64_t cumulative = 0;
  int64_t last_value = 0;
  const int32_t last = CountsIndexFor(max_);
  for (int32_t i = CountsIndexFor(min_); i <= last; ++i) {
    const int64_t c = counts_[static_cast<size_t>(i)];
    if (c == 0) continue;
    cumulative += c;
    last_value = HighestEquivalentValue(ValueAtIndex(i));
    if (cumulative >= total_count_) {
      // As HdrHistogram: one more step in the last bucket, then the closing 100 % point.
      if (next_percentile < 100.0) out.push_back({next_percentile, last_value, cumulative});
      break;
    }
    const double current = 100.0 * static_cast<double>(cumulative) / total;
    while (next_percentile <= current) {
      out.push_back({next_percentile, last_value, cumulative});
      // Halve the remaining distance every `ticks` steps (next_percentile < 100 here).
      const auto halvings = static_cast<int64_t>(std::log2(100.0 / (100.0 - next_percentile))) + 1;
      const double reporting_ticks = static_cast<double>(ticks) * std::exp2(halvings);
      next_percentile += 100.0 / reporting_ticks;
    }
  }
  out.push_back({100.0, last_value, total_count_});
  return out;
}

bool Histogram::EqualCounts(const Histogram& other) const {
  return config_ == other.config_ && total_count_ == other.total_count_ && counts_ == other.counts_;
}

Status AddInto(Histogram* into, const Histogram& from) {
  if (into->TotalCount() == 0 && !(into->config() == from.config())) {
    Result<Histogram> fresh = Histogram::Create(from.config());
    if (!fresh.ok()) return fresh.status();
    *into = std::move(fresh).value();
  }
  return into->Add(from);
}

}  // namespace vitals
