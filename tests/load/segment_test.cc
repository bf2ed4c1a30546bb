#include "load/segment.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "load/schedule.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;

TEST(Segment, ParsesOneBasedForm) {
  auto s = ParseSegment("2/4");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->index, 1);
  EXPECT_EQ(s->count, 4);
  EXPECT_EQ(s->Label(), "2/4");
  auto last = ParseSegment("4/4");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->index, 3);
}

TEST(Segment, RejectsBadFormsWithTheConvention) {
  for (const char* bad : {"0/4", "5/4", "2", "a/4", "1/0", "-1/4", "1/99999"}) {
    auto s = ParseSegment(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_THAT(s.status().message(), HasSubstr("1-based")) << bad;
  }
  EXPECT_THAT(ParseSegment("0/4").status().message(), HasSubstr("--segment-index"));
}

TEST(Segment, ZeroBasedIndex) {
  auto s = MakeSegment(0, 3);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->Label(), "1/3");
  EXPECT_FALSE(MakeSegment(3, 3).ok());
  EXPECT_FALSE(MakeSegment(-1, 3).ok());
  EXPECT_FALSE(MakeSegment(0, 0).ok());
}

TEST(Segment, SharesAddUpToTheWhole) {
  for (int64_t total : {0, 1, 7, 50, 101}) {
    for (int parts : {1, 3, 4, 16}) {
      int64_t sum = 0, lo = total, hi = 0;
      for (int i = 0; i < parts; ++i) {
        const int64_t share = SplitShare(total, i, parts);
        sum += share;
        lo = std::min(lo, share);
        hi = std::max(hi, share);
      }
      EXPECT_EQ(sum, total) << total << " over " << parts;
      EXPECT_LE(hi - lo, 1) << "remainders spread: " << total << " over " << parts;
    }
  }
}

// Two levels of splitting (segments, then each segment's workers, with different worker
// counts per segment as on different machines) still add up to the level.
TEST(Segment, ClosedLevelSplitsAcrossSegmentsAndWorkers) {
  const int workers[] = {1, 3, 2, 4};
  for (int64_t level : {1, 5, 50, 99}) {
    int64_t sum = 0;
    for (int s = 0; s < 4; ++s) {
      const int64_t seg = SplitShare(level, s, 4);
      for (int w = 0; w < workers[s]; ++w) sum += SplitShare(seg, w, workers[s]);
    }
    EXPECT_EQ(sum, level);
  }
}

// The union of the segments' (and their workers') requests is the single plan: each k
// exactly once, at the same intended time, on a plan with a ramp and a steady stage.
TEST(Segment, OpenScheduleUnionIsTheWholePlanExactlyOnce) {
  LoadPlan plan({Stage{"ramp", 2'000'000'000, 0, 300}, Stage{"steady", 3'000'000'000, 300, 300}});
  const uint64_t total = plan.TotalRequests();
  ASSERT_GT(total, 1000u);
  std::vector<int> seen(total, 0);
  const int kSegments = 4;
  const int workers[kSegments] = {2, 1, 3, 2};
  for (int s = 0; s < kSegments; ++s) {
    Segment seg{s, kSegments};
    uint64_t mine = 0;
    for (int w = 0; w < workers[s]; ++w) {
      for (uint64_t k = WorkerOffset(seg, w); k < total; k += WorkerStride(seg, workers[s])) {
        ASSERT_EQ(k % kSegments, uint64_t(s));
        ++seen[k];
        ++mine;
      }
    }
    EXPECT_EQ(mine, uint64_t(SplitShare(int64_t(total), s, kSegments)));
  }
  for (uint64_t k = 0; k < total; ++k) ASSERT_EQ(seen[k], 1) << "request " << k;
}

}  // namespace
}  // namespace vitals
