#include "report/verdict_table.h"

#include <gtest/gtest.h>

#include "load/thresholds.h"

namespace vitals {
namespace {

ThresholdVerdict Judge(std::string_view expr, const LoadResult& r) {
  Result<Threshold> t = ParseThreshold(expr);
  EXPECT_TRUE(t.ok()) << t.status().message();
  return Evaluate(*t, r);
}

TEST(VerdictTable, OneRowPerThresholdWithValueResultAndWindow) {
  LoadResult r;
  r.requests = 200;
  r.errors = 5;
  r.error_rate = 0.025;
  r.latency_corrected.RecordN(312'000, 200);
  for (int i = 0; i < 4; ++i) {
    IntervalSample s;
    s.start_s = i;
    s.requests = 50;
    s.latency_corrected.RecordN(i == 2 ? 1'200'000 : 300'000, 50);
    r.intervals.push_back(s);
  }
  std::vector<ThresholdVerdict> vs = {
      Judge("p(95)<500ms", r),
      Judge("error_rate<1%", r),
      Judge("p(99)<800ms over 2s", r),
      Judge("p(95){request:login}<1s", r),
  };
  EXPECT_EQ(FormatVerdictTable(vs),
            "THRESHOLD                VALUE  RESULT  WINDOW\n"
            "p(95)<500ms              312ms  ok\n"
            "error_rate<1%            2.5%   FAILED\n"
            "p(99)<800ms over 2s      1.20s  FAILED  worst 1-3s, 2 of 3 failed\n"
            "p(95){request:login}<1s  -      FAILED  no data: no interval samples for "
            "p(95){request:login} in this run\n"
            "1 of 4 thresholds passed\n");
}

TEST(VerdictTable, EmptyWithoutThresholds) { EXPECT_EQ(FormatVerdictTable({}), ""); }

}  // namespace
}  // namespace vitals
