#include "core/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace vitals {
namespace {

constexpr int64_t kHighest = 3'600'000'000;  // 1 h in us

// PRODUCT.md "Known facts": 10,000 x 1000 and one 100,000,000, raw and with expected interval
// 10,000 (the HdrHistogram standard check).
struct StandardVectors {
  Histogram raw;
  Histogram corrected;
  StandardVectors() {
    for (int i = 0; i < 10000; ++i) {
      raw.Record(1000);
      corrected.RecordCorrected(1000, 10000);
    }
    raw.Record(100000000);
    corrected.RecordCorrected(100000000, 10000);
  }
};

void ExpectWithin(double actual, double expected, double rel, const char* what) {
  EXPECT_NEAR(actual, expected, expected * rel) << what;
}

TEST(HistogramTest, DefaultConfigMatchesHdrHistogramLayout) {
  Histogram h;
  EXPECT_EQ(h.config().lowest_discernible_value, 1);
  EXPECT_EQ(h.config().highest_trackable_value, kHighest);
  EXPECT_EQ(h.config().significant_figures, 3);
  // HdrHistogram_c's test_create: 1 .. 3.6e9, 3 figures -> 23,552 counts.
  EXPECT_EQ(h.counts_len(), 23552);
  EXPECT_GE(h.MemoryBytes(), 23552u * 8u);
  EXPECT_LT(h.MemoryBytes(), 23552u * 8u + 1024u);
  Result<int32_t> len = Histogram::CountsLenFor(HistogramConfig{});
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(*len, 23552);
}

TEST(HistogramTest, OtherLayouts) {
  // 2 significant figures, lowest 20000 (jHiccup's ns config): sub-bucket count 256.
  Result<int32_t> len = Histogram::CountsLenFor({20000, 3'600'000'000'000, 2});
  ASSERT_TRUE(len.ok());
  // unit magnitude 14, 256 << 14 = 4,194,304; buckets to cover 3.6e12: 21 -> (21+1)*128.
  EXPECT_EQ(*len, 22 * 128);
  // The widest allowed range is still finite.
  Result<Histogram> wide = Histogram::Create({1, INT64_MAX, 2});
  ASSERT_TRUE(wide.ok()) << wide.status().ToString();
  wide->Record(INT64_MAX);
  EXPECT_EQ(wide->TotalCount(), 1);
  EXPECT_EQ(wide->saturated(), 0);
  EXPECT_EQ(wide->Max(), INT64_MAX);
  EXPECT_TRUE(wide->ValuesAreEquivalent(wide->ValueAtPercentile(100), INT64_MAX));
}

TEST(HistogramTest, RejectsInvalidConfigsWithClearMessages) {
  struct Case {
    HistogramConfig config;
    const char* message_part;
  };
  const Case cases[] = {
      {{0, 1000, 3}, "lowest discernible value must be >= 1"},
      {{1, 1000, 0}, "significant figures must be 1..5"},
      {{1, 1000, 6}, "significant figures must be 1..5"},
      {{100, 150, 3}, "at least 2 x the lowest"},
      {{int64_t{1} << 60, INT64_MAX, 5}, "does not fit 64-bit buckets"},
  };
  for (const Case& c : cases) {
    Result<Histogram> h = Histogram::Create(c.config);
    ASSERT_FALSE(h.ok());
    EXPECT_EQ(h.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(h.status().message().find(c.message_part), std::string::npos) << h.status().message();
    EXPECT_FALSE(ValidateHistogramConfig(c.config).ok());
  }
}

TEST(HistogramTest, StandardVectorRaw) {
  StandardVectors v;
  EXPECT_EQ(v.raw.TotalCount(), 10001);
  ExpectWithin(v.raw.ValueAtPercentile(99), 1000, 0.001, "raw p99");
  ExpectWithin(v.raw.ValueAtPercentile(30), 1000, 0.001, "raw p30");
  ExpectWithin(v.raw.ValueAtPercentile(99.99), 1000, 0.001, "raw p99.99");
  ExpectWithin(v.raw.ValueAtPercentile(99.999), 1e8, 0.001, "raw p99.999");
  ExpectWithin(v.raw.ValueAtPercentile(100), 1e8, 0.001, "raw p100");
  ExpectWithin(v.raw.Mean(), 10998.9, 0.001, "raw mean");
  EXPECT_EQ(v.raw.Min(), 1000);
  ExpectWithin(v.raw.Max(), 1e8, 0.001, "raw max");
  // Standard deviation of the exact samples (bucket midpoints stay within 0.1 %).
  const double mean = (1000.0 * 10000 + 1e8) / 10001;
  const double var = (10000 * (1000 - mean) * (1000 - mean) + (1e8 - mean) * (1e8 - mean)) / 10001;
  ExpectWithin(v.raw.Stddev(), std::sqrt(var), 0.001, "raw stddev");
}

TEST(HistogramTest, StandardVectorCorrected) {
  StandardVectors v;
  EXPECT_EQ(v.corrected.TotalCount(), 20000);
  ExpectWithin(v.corrected.ValueAtPercentile(50), 1000, 0.001, "corrected p50");
  ExpectWithin(v.corrected.ValueAtPercentile(75), 5e7, 0.001, "corrected p75");
  ExpectWithin(v.corrected.ValueAtPercentile(90), 8e7, 0.001, "corrected p90");
  ExpectWithin(v.corrected.ValueAtPercentile(99), 9.8e7, 0.001, "corrected p99");
  ExpectWithin(v.corrected.ValueAtPercentile(99.999), 1e8, 0.001, "corrected p99.999");
  ExpectWithin(v.corrected.ValueAtPercentile(100), 1e8, 0.001, "corrected max");
  EXPECT_EQ(v.corrected.Min(), 1000);
  // Mean of 10,000 x 1000 plus 10,000, 20,000, ..., 1e8.
  ExpectWithin(v.corrected.Mean(), (1000.0 * 10000 + 10000.0 * (1e8 + 10000) / 2) / 20000, 0.001,
               "corrected mean");
}

TEST(HistogramTest, RecordCorrectedMatchesNaiveBackFill) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    int64_t interval = 1 + static_cast<int64_t>(rng() % 200000);
    int64_t value = static_cast<int64_t>(rng() % 50'000'000);
    if (round == 0) {  // back-fill that starts above the highest trackable value
      value = 4'000'000'000;
      interval = 100'000;
    }
    if (value / interval > 200000) continue;  // keep the naive loop short
    Histogram fast;
    Histogram naive;
    fast.RecordCorrected(value, interval);
    naive.Record(value);
    for (int64_t m = value - interval; value > interval && m >= interval; m -= interval) {
      naive.Record(m);
    }
    ASSERT_TRUE(fast.EqualCounts(naive)) << "value " << value << " interval " << interval;
    EXPECT_EQ(fast.saturated(), naive.saturated());
    if (round == 0) {
      EXPECT_EQ(fast.saturated(), 4000);  // 4.0e9 - k * 1e5 > 3.6e9 for k = 0 .. 3999
    }
    EXPECT_EQ(fast.Min(), naive.Min());
    EXPECT_EQ(fast.Max(), naive.Max());
  }
  // A huge value with a tiny interval finishes quickly (batched per bucket).
  Histogram h;
  h.RecordCorrected(kHighest, 1);
  EXPECT_EQ(h.TotalCount(), kHighest);
  // Non-positive interval: just the value.
  Histogram once;
  once.RecordCorrected(5000, 0);
  once.RecordCorrected(5000, -3);
  EXPECT_EQ(once.TotalCount(), 2);
}

TEST(HistogramTest, SaturationAndNegativeValuesClampNeverDrop) {
  Histogram h;
  h.Record(kHighest + 1);
  h.Record(INT64_MAX);
  h.RecordN(10 * kHighest, 3);
  EXPECT_EQ(h.TotalCount(), 5);
  EXPECT_EQ(h.saturated(), 5);
  EXPECT_EQ(h.CountAtValue(kHighest), 5);
  EXPECT_EQ(h.Max(), h.HighestEquivalentValue(kHighest));
  EXPECT_TRUE(h.ValuesAreEquivalent(h.ValueAtPercentile(50), kHighest));

  h.Record(-1);
  h.RecordN(INT64_MIN, 2);
  EXPECT_EQ(h.TotalCount(), 8);
  EXPECT_EQ(h.clamped_negative(), 3);
  EXPECT_EQ(h.CountAtValue(0), 3);
  EXPECT_EQ(h.Min(), 0);

  h.RecordN(42, 0);  // no-op
  h.RecordN(42, -5);
  EXPECT_EQ(h.TotalCount(), 8);
  EXPECT_EQ(h.CountAtValue(42), 0);
}

TEST(HistogramTest, MinMaxAndEmpty) {
  Histogram h;
  EXPECT_EQ(h.TotalCount(), 0);
  EXPECT_EQ(h.Min(), 0);
  EXPECT_EQ(h.Max(), 0);
  EXPECT_EQ(h.Mean(), 0);
  EXPECT_EQ(h.Stddev(), 0);
  EXPECT_EQ(h.ValueAtPercentile(50), 0);
  EXPECT_TRUE(h.RecordedValues().empty());
  EXPECT_TRUE(h.PercentileIteration(5).empty());

  h.Record(12345);
  h.Record(3);
  h.Record(7);
  EXPECT_EQ(h.Min(), 3);
  EXPECT_EQ(h.Max(), h.HighestEquivalentValue(12345));
  EXPECT_TRUE(h.ValuesAreEquivalent(h.Max(), 12345));
  EXPECT_EQ(h.ValueAtPercentile(0), 3);
  EXPECT_EQ(h.ValueAtPercentile(-5), 3);
  EXPECT_EQ(h.ValueAtPercentile(std::nan("")), 3);
  EXPECT_EQ(h.ValueAtPercentile(250), h.Max());
}

TEST(HistogramTest, EquivalentValuesMatchHdrHistogram) {
  Histogram h;  // values from HdrHistogram_c's equivalence tests (1 .. 3.6e9, 3 figures)
  EXPECT_EQ(h.LowestEquivalentValue(10007), 10000);
  EXPECT_EQ(h.LowestEquivalentValue(10009), 10008);
  EXPECT_EQ(h.HighestEquivalentValue(8180), 8183);
  EXPECT_EQ(h.HighestEquivalentValue(8191), 8191);
  EXPECT_EQ(h.HighestEquivalentValue(8193), 8199);
  EXPECT_EQ(h.HighestEquivalentValue(9995), 9999);
  EXPECT_EQ(h.HighestEquivalentValue(10007), 10007);
  EXPECT_EQ(h.HighestEquivalentValue(10008), 10015);
  EXPECT_EQ(h.SizeOfEquivalentValueRange(1), 1);
  EXPECT_EQ(h.SizeOfEquivalentValueRange(2500), 2);
  EXPECT_EQ(h.SizeOfEquivalentValueRange(8191), 4);
  EXPECT_EQ(h.SizeOfEquivalentValueRange(8192), 8);
  EXPECT_EQ(h.SizeOfEquivalentValueRange(10000), 8);
  EXPECT_EQ(h.MedianEquivalentValue(4), 4);
  EXPECT_EQ(h.MedianEquivalentValue(5), 5);
  EXPECT_EQ(h.MedianEquivalentValue(4000), 4001);
  EXPECT_EQ(h.MedianEquivalentValue(8000), 8002);
  EXPECT_EQ(h.MedianEquivalentValue(10007), 10004);
  EXPECT_TRUE(h.ValuesAreEquivalent(10000, 10007));
  EXPECT_FALSE(h.ValuesAreEquivalent(10007, 10008));
  EXPECT_EQ(h.LowestEquivalentValue(-5), 0);
}

TEST(HistogramTest, LayoutInvariantsAcrossConfigs) {
  std::mt19937_64 rng(11);
  for (int sig = 1; sig <= 5; ++sig) {
    for (int64_t lowest : {int64_t{1}, int64_t{1000}, int64_t{20000}}) {
      Result<Histogram> r = Histogram::Create({lowest, 100'000'000'000, sig});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      const Histogram& h = *r;
      for (int i = 0; i < 2000; ++i) {
        const int64_t v = static_cast<int64_t>(rng() % 100'000'000'000);
        const int64_t lo = h.LowestEquivalentValue(v);
        const int64_t hi = h.HighestEquivalentValue(v);
        ASSERT_LE(lo, v);
        ASSERT_GE(hi, v);
        ASSERT_EQ(hi - lo + 1, h.SizeOfEquivalentValueRange(v));
        const int32_t idx = h.CountsIndexFor(v);
        ASSERT_LT(idx, h.counts_len());
        ASSERT_EQ(h.CountsIndexFor(lo), idx);
        ASSERT_EQ(h.CountsIndexFor(hi), idx);
        ASSERT_EQ(h.CountsIndexFor(hi + 1), idx + 1);
        ASSERT_EQ(h.ValueAtIndex(idx), lo);
        // The precision promise: a bucket is narrower than value / 10^(sig-1) / 2 + lowest.
        ASSERT_LE(static_cast<double>(hi - lo), std::max<double>(v / std::pow(10.0, sig), lowest));
      }
      ASSERT_LT(h.CountsIndexFor(100'000'000'000), h.counts_len());
    }
  }
}

TEST(HistogramTest, AddMergesAndRejectsMismatchedConfigs) {
  Histogram a, b, all;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 5000; ++i) {
    const int64_t v = static_cast<int64_t>(rng() % 10'000'000);
    (i % 2 ? a : b).Record(v);
    all.Record(v);
  }
  b.Record(kHighest * 2);
  all.Record(kHighest * 2);
  ASSERT_TRUE(a.Add(b).ok());
  EXPECT_TRUE(a.EqualCounts(all));
  EXPECT_EQ(a.TotalCount(), 5001);
  EXPECT_EQ(a.Min(), all.Min());
  EXPECT_EQ(a.Max(), all.Max());
  EXPECT_EQ(a.saturated(), 1);

  Histogram empty;
  ASSERT_TRUE(a.Add(empty).ok());
  EXPECT_TRUE(a.EqualCounts(all));
  ASSERT_TRUE(empty.Add(a).ok());
  EXPECT_TRUE(empty.EqualCounts(all));

  Histogram twice = all;
  ASSERT_TRUE(twice.Add(twice).ok());  // self-merge doubles every count
  EXPECT_EQ(twice.TotalCount(), 2 * all.TotalCount());
  EXPECT_EQ(twice.CountAtValue(kHighest), 2);

  Result<Histogram> other = Histogram::Create({1, kHighest, 2});
  ASSERT_TRUE(other.ok());
  other->Record(5);
  const Status st = a.Add(*other);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("different configs"), std::string::npos) << st.message();
  EXPECT_TRUE(a.EqualCounts(all));  // unchanged
}

TEST(HistogramTest, ResetClearsEverythingFast) {
  Histogram fresh;
  Histogram h;
  std::mt19937_64 rng(5);
  for (int i = 0; i < 10000; ++i) h.Record(static_cast<int64_t>(rng() % 100'000'000));
  h.Record(-4);
  h.Record(INT64_MAX);
  h.Reset();
  EXPECT_EQ(h.TotalCount(), 0);
  EXPECT_EQ(h.saturated(), 0);
  EXPECT_EQ(h.clamped_negative(), 0);
  EXPECT_EQ(h.Max(), 0);
  EXPECT_TRUE(h.EqualCounts(fresh));  // every bucket, not only the range touched

  // Reset after a merge and after FromCounts covers the merged/decoded range too.
  Histogram lowvals, highvals;
  lowvals.Record(2);
  highvals.Record(3'000'000'000);
  ASSERT_TRUE(h.Add(lowvals).ok());
  ASSERT_TRUE(h.Add(highvals).ok());
  h.Reset();
  EXPECT_TRUE(h.EqualCounts(fresh));

  std::vector<int64_t> counts(static_cast<size_t>(fresh.counts_len()), 0);
  counts[1] = 4;
  counts[20000] = 6;
  Result<Histogram> loaded = Histogram::FromCounts(HistogramConfig{}, counts);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->TotalCount(), 10);
  EXPECT_EQ(loaded->Min(), 1);
  EXPECT_EQ(loaded->CountAtIndex(20000), 6);
  loaded->Reset();
  EXPECT_TRUE(loaded->EqualCounts(fresh));

  h.Record(77);
  EXPECT_EQ(h.TotalCount(), 1);
  EXPECT_EQ(h.Min(), 77);
}

TEST(HistogramTest, FromCountsRejectsBadCounts) {
  Histogram fresh;
  std::vector<int64_t> counts(static_cast<size_t>(fresh.counts_len()), 0);
  counts[5] = -1;
  Result<Histogram> neg = Histogram::FromCounts(HistogramConfig{}, counts);
  ASSERT_FALSE(neg.ok());
  EXPECT_NE(neg.status().message().find("negative count"), std::string::npos);

  counts[5] = INT64_MAX;
  counts[6] = INT64_MAX;
  Result<Histogram> overflow = Histogram::FromCounts(HistogramConfig{}, counts);
  ASSERT_FALSE(overflow.ok());
  EXPECT_NE(overflow.status().message().find("overflows"), std::string::npos);

  Result<Histogram> short_counts = Histogram::FromCounts(HistogramConfig{}, {1, 2, 3});
  ASSERT_FALSE(short_counts.ok());
  EXPECT_NE(short_counts.status().message().find("23552"), std::string::npos);
}

TEST(HistogramTest, IteratesRecordedBuckets) {
  Histogram h;
  h.RecordN(1, 2);
  h.RecordN(10007, 3);
  h.Record(10000);
  h.Record(2'000'000);
  const std::vector<Histogram::Bucket> buckets = h.RecordedValues();
  ASSERT_EQ(buckets.size(), 3u);
  EXPECT_EQ(buckets[0].lowest_value, 1);
  EXPECT_EQ(buckets[0].highest_value, 1);
  EXPECT_EQ(buckets[0].count, 2);
  EXPECT_EQ(buckets[1].lowest_value, 10000);
  EXPECT_EQ(buckets[1].highest_value, 10007);
  EXPECT_EQ(buckets[1].count, 4);
  EXPECT_TRUE(h.ValuesAreEquivalent(buckets[2].lowest_value, 2'000'000));
  EXPECT_EQ(buckets[2].count, 1);
  int64_t sum = 0;
  h.ForEachRecorded([&](const Histogram::Bucket& b) { sum += b.count; });
  EXPECT_EQ(sum, h.TotalCount());
}

TEST(HistogramTest, PercentileIterationFollowsHdrTicks) {
  StandardVectors v;
  const std::vector<Histogram::PercentilePoint> pts = v.raw.PercentileIteration(5);
  const double expected[] = {0,  10, 20,   30, 40,   50, 55,   60,    65,
                             70, 75, 77.5, 80, 82.5, 85, 87.5, 88.75, 90};
  ASSERT_GT(pts.size(), std::size(expected));
  for (size_t i = 0; i < std::size(expected); ++i) {
    EXPECT_DOUBLE_EQ(pts[i].percentile, expected[i]) << i;
    EXPECT_EQ(pts[i].value, 1000) << i;
    EXPECT_EQ(pts[i].cumulative_count, 10000) << i;
  }
  for (size_t i = 1; i < pts.size(); ++i) {
    EXPECT_GT(pts[i].percentile, pts[i - 1].percentile);
    EXPECT_GE(pts[i].value, pts[i - 1].value);
    EXPECT_GE(pts[i].cumulative_count, pts[i - 1].cumulative_count);
  }
  // The 1e8 sample is the last 0.01 %: its first point is past 99.99 %, then the closing 100.
  EXPECT_DOUBLE_EQ(pts.back().percentile, 100.0);
  EXPECT_EQ(pts.back().value, v.raw.Max());
  EXPECT_EQ(pts.back().cumulative_count, 10001);
  const Histogram::PercentilePoint& before_last = pts[pts.size() - 2];
  EXPECT_EQ(before_last.value, v.raw.Max());
  EXPECT_GT(before_last.percentile, 99.99);
  EXPECT_EQ(pts[pts.size() - 3].value, 1000);
  // More ticks, more points.
  EXPECT_GT(v.corrected.PercentileIteration(10).size(), v.corrected.PercentileIteration(5).size());
}

TEST(HistogramTest, PercentilesMatchSortedSamplesWithinPrecision) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> log_us(0.0, std::log(static_cast<double>(kHighest)));
  Histogram h;
  std::vector<int64_t> samples;
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<int64_t>(std::exp(log_us(rng)));
    samples.push_back(v);
    h.Record(v);
  }
  std::sort(samples.begin(), samples.end());
  const auto n = static_cast<int64_t>(samples.size());
  for (double p : {0.0, 0.1, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    const int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(p / 100.0 * n + 0.5));
    const int64_t exact = samples[static_cast<size_t>(rank - 1)];
    const int64_t got = h.ValueAtPercentile(p);
    EXPECT_TRUE(h.ValuesAreEquivalent(got, exact))
        << "p" << p << " got " << got << " exact " << exact;
    EXPECT_LE(std::abs(static_cast<double>(got - exact)), exact * 1e-3 + 1) << "p" << p;
  }
  double exact_mean = 0;
  for (int64_t s : samples) exact_mean += static_cast<double>(s);
  exact_mean /= static_cast<double>(n);
  EXPECT_NEAR(h.Mean(), exact_mean, exact_mean * 1e-3);
  EXPECT_TRUE(h.ValuesAreEquivalent(h.Min(), samples.front()));
  EXPECT_TRUE(h.ValuesAreEquivalent(h.Max(), samples.back()));
  EXPECT_EQ(h.TotalCount(), n);
}

TEST(HistogramTest, CopiesAreIndependent) {
  Histogram a;
  a.Record(5);
  Histogram b = a;
  b.Record(6);
  EXPECT_EQ(a.TotalCount(), 1);
  EXPECT_EQ(b.TotalCount(), 2);
  Histogram c = std::move(b);
  EXPECT_EQ(c.TotalCount(), 2);
  EXPECT_EQ(c.CountAtValue(6), 1);
}

}  // namespace
}  // namespace vitals
