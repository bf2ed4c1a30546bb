// vitals::Histogram: an HdrHistogram (High Dynamic Range histogram) of int64 values.
//
// Why our own and not a library: the latency store is the product (PRODUCT.md "Latency
// store"); we need a hot path we control (inline, no allocation, no locks, clamping instead of
// dropping) and a codec we can harden against hostile input.  The bucket layout is exactly
// HdrHistogram_c's, so histograms we encode (core/hdr_log.h) open in the standard HdrHistogram
// tools and theirs decode into ours.
//
// Layout (same as HdrHistogram_c / Java):
//   sub_bucket_count = 2^ceil(log2(2 * 10^significant_figures)), half of it per bucket after
//   the first; unit_magnitude = floor(log2(lowest_discernible_value)); bucket_count = the
//   number of power-of-two buckets needed to cover highest_trackable_value;
//   counts_len = (bucket_count + 1) * sub_bucket_count / 2.
//   Every value is tracked with a relative error of at most 1 part in 10^significant_figures.
//
// Memory: counts_len * 8 bytes plus ~100 bytes.  The load-engine default (1 us .. 1 h,
// 3 significant figures) has counts_len = 23,552, i.e. ~184 KiB per histogram.
//
// Values: record in the unit the caller chose (the load engine uses microseconds).  A value
// above highest_trackable_value is recorded as highest_trackable_value and counted in
// saturated(); a negative value is recorded as 0 and counted in clamped_negative().  Nothing
// is ever dropped and no value is undefined behaviour.
//
// Counts are int64 and not overflow-checked on the hot path: keep a histogram's total below
// 2^63 (FromCounts and the decoders do check).
//
// Thread-safety: none.  One thread records into its own Histogram; others read or merge
// copies (the load engine copies per-thread histograms and Add()s them).  Copyable and
// movable (a copy duplicates the counts array).
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"

namespace vitals {

struct HistogramConfig {
  int64_t lowest_discernible_value = 1;               // >= 1
  int64_t highest_trackable_value = 3'600'000'000LL;  // >= 2 * lowest (1 h in us)
  int significant_figures = 3;                        // 1..5
  bool operator==(const HistogramConfig&) const = default;
};

// Ok, or InvalidArgument saying which field is out of range and what is allowed.
Status ValidateHistogramConfig(const HistogramConfig& config);

class Histogram {
 public:
  // One bucket of equivalent values: every value in [lowest_value, highest_value] is counted
  // as the same value.
  struct Bucket {
    int64_t lowest_value = 0;
    int64_t highest_value = 0;
    int64_t count = 0;
  };
  // One step of PercentileIteration(): `value` is the highest equivalent value at which the
  // cumulative count first reaches `percentile` (0..100).
  struct PercentilePoint {
    double percentile = 0;
    int64_t value = 0;
    int64_t cumulative_count = 0;
  };

  // The load-engine default: 1 .. 3,600,000,000 (us), 3 significant figures.
  Histogram();
  // InvalidArgument when the config is out of range (see ValidateHistogramConfig).
  static Result<Histogram> Create(const HistogramConfig& config);
  // A histogram holding `counts` (index layout as above; counts.size() must equal
  // CountsLenFor(config)).  Used by decoders.  Parse error for negative counts or a total that
  // overflows int64.
  static Result<Histogram> FromCounts(const HistogramConfig& config, std::vector<int64_t> counts);
  // counts_len for a config without allocating, or the validation error.
  static Result<int32_t> CountsLenFor(const HistogramConfig& config);

  const HistogramConfig& config() const { return config_; }
  int32_t counts_len() const { return static_cast<int32_t>(counts_.size()); }
  size_t MemoryBytes() const { return sizeof(*this) + counts_.size() * sizeof(int64_t); }

  // ---- hot path: inline, no allocation, O(1) ----
  void Record(int64_t value) { RecordN(value, 1); }
  // Records `value` `count` times.  count <= 0 is a no-op.
  void RecordN(int64_t value, int64_t count) {
    if (count <= 0) return;
    if (static_cast<uint64_t>(value) > static_cast<uint64_t>(config_.highest_trackable_value)) {
      value = Clamp(value, count);  // rare: negative or above highest
    }
    counts_[static_cast<size_t>(CountsIndexFor(value))] += count;
    total_count_ += count;
    if (value < min_) min_ = value;
    if (value > max_) max_ = value;
  }
  // Records `value` and, when value > expected_interval, back-fills value - k*expected_interval
  // for every k >= 1 while that is >= expected_interval: the samples a stalled closed-loop
  // client failed to send (coordinated omission; same values as hdr_record_corrected_value).
  // Cost is O(buckets spanned), not O(value / expected_interval).  expected_interval <= 0
  // records only `value`.
  void RecordCorrected(int64_t value, int64_t expected_interval);

  // Adds every count of `other`.  InvalidArgument (counts unchanged) when the configs differ.
  Status Add(const Histogram& other);
  // Clears all counts; O(buckets between min and max recorded), not O(counts_len).
  void Reset();

  // ---- queries ----
  int64_t TotalCount() const { return total_count_; }
  // Values clamped into highest_trackable_value / into 0 since the last Reset.  Not carried
  // by the V2 encoding (the clamped values are in the counts).
  int64_t saturated() const { return saturated_; }
  int64_t clamped_negative() const { return clamped_negative_; }
  // Lowest equivalent value of the smallest recorded value; 0 when empty.
  int64_t Min() const;
  // Highest equivalent value of the largest recorded value; 0 when empty.
  int64_t Max() const;
  // Mean and population standard deviation over bucket midpoints (HdrHistogram's
  // "median equivalent value"); 0 when empty.
  double Mean() const;
  double Stddev() const;
  // HdrHistogram semantics: p is clamped to 0..100; the count at p is round(p/100 * total)
  // (at least 1); returns the highest equivalent value of the bucket where the cumulative
  // count reaches it (the lowest equivalent value for p == 0).  0 when empty.
  int64_t ValueAtPercentile(double p) const;
  int64_t CountAtValue(int64_t value) const;

  bool ValuesAreEquivalent(int64_t a, int64_t b) const {
    return LowestEquivalentValue(a) == LowestEquivalentValue(b);
  }
  int64_t LowestEquivalentValue(int64_t value) const;
  int64_t HighestEquivalentValue(int64_t value) const;  // saturates at INT64_MAX
  int64_t MedianEquivalentValue(int64_t value) const;
  int64_t SizeOfEquivalentValueRange(int64_t value) const;

  // Calls f(const Bucket&) for each non-empty bucket in increasing value order.
  template <typename F>
  void ForEachRecorded(F&& f) const {
    if (total_count_ == 0) return;
    const int32_t last = CountsIndexFor(max_);
    for (int32_t i = CountsIndexFor(min_); i <= last; ++i) {
      const int64_t c = counts_[static_cast<size_t>(i)];
      if (c == 0) continue;
      const int64_t lo = ValueAtIndex(i);
      f(Bucket{lo, HighestEquivalentValue(lo), c});
    }
  }
  std::vector<Bucket> RecordedValues() const;
  // Percentile steps as in HdrHistogram's percentile iterator / .hgrm output: steps halve the
  // remaining distance to 100 % every `ticks_per_half_distance` ticks (0, 10, ..., 50, 55, ...
  // for 5), ending with a point at 100.  Empty vector when the histogram is empty.
  // REQUIRES: ticks_per_half_distance >= 1 (smaller values are treated as 1).
  std::vector<PercentilePoint> PercentileIteration(int32_t ticks_per_half_distance) const;

  // Same config and the same count in every bucket (saturated()/clamped_negative() and exact
  // raw min/max inside a bucket are not compared).
  bool EqualCounts(const Histogram& other) const;

  // ---- layout, for codecs ----
  int32_t CountsIndexFor(int64_t value) const {
    // REQUIRES: 0 <= value; the index is < counts_len for value <= highest_trackable_value.
    const int32_t bucket_index =
        leading_zero_count_base_ - __builtin_clzll(static_cast<uint64_t>(value) | sub_bucket_mask_);
    const int32_t sub_bucket_index =
        static_cast<int32_t>(value >> (bucket_index + unit_magnitude_));
    return ((bucket_index + 1) << sub_bucket_half_count_magnitude_) +
           (sub_bucket_index - sub_bucket_half_count_);
  }
  // Lowest value counted at `index`.  REQUIRES: 0 <= index < counts_len.
  int64_t ValueAtIndex(int32_t index) const;
  int64_t CountAtIndex(int32_t index) const { return counts_[static_cast<size_t>(index)]; }

 private:
  explicit Histogram(const HistogramConfig& config);  // REQUIRES: config validated
  int64_t Clamp(int64_t value, int64_t count);
  void RecomputeFromCounts();

  HistogramConfig config_;
  int32_t unit_magnitude_ = 0;
  int32_t sub_bucket_half_count_magnitude_ = 0;
  int32_t sub_bucket_half_count_ = 0;
  int32_t sub_bucket_count_ = 0;
  int32_t leading_zero_count_base_ = 0;
  uint64_t sub_bucket_mask_ = 0;

  std::vector<int64_t> counts_;
  int64_t total_count_ = 0;
  int64_t min_ = INT64_MAX;  // smallest recorded (clamped) value; INT64_MAX when empty
  int64_t max_ = 0;          // largest recorded (clamped) value
  int64_t saturated_ = 0;
  int64_t clamped_negative_ = 0;
};

// Adds `from` into `into`.  When `into` is empty and has a different config it first takes
// `from`'s config, so merging histograms of one kind (e.g. the load engine's interval
// histograms, 2 significant figures) into a default-constructed one works.  InvalidArgument
// when both hold counts and their configs differ.
Status AddInto(Histogram* into, const Histogram& from);

}  // namespace vitals
