// Execution segments stored with a merged run (AddSegments / StoredRun::segments, table
// run_segments, schema version 10).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "store/store.h"
#include "store/store_test_util.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using testing::MakeResult;
using testing::MakeStart;
using ::testing::Not;
using testing::TempDir;

TEST(StoreSegments, ProvenanceRoundTripsByIndexAndRedacted) {
  TempDir dir;
  auto store = Store::Open(dir.File("v.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto id = store->BeginRun(MakeStart(1'700'000'000'000));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store->CompleteRun(*id, MakeResult(4, 50, 1000), "", "").ok());
  SegmentProvenance lost;
  lost.index = 1;
  lost.count = 2;
  lost.host = "gen-b";
  lost.status = "lost";
  lost.requests = 120;
  lost.errors = 3;
  lost.planned_requests = 400;
  lost.joined_unix_ms = 1'700'000'000'100;
  lost.left_unix_ms = 1'700'000'002'100;
  lost.lost = true;
  lost.lost_at_s = 2.1;
  lost.lost_reason = "connection closed by http://u:s3cret@peer";
  SegmentProvenance ok;
  ok.index = 0;
  ok.count = 2;
  ok.run_id = "seg-a";
  ok.host = "gen-a";
  ok.status = "completed";
  ok.requests = 400;
  ok.planned_requests = 400;
  ASSERT_TRUE(store->AddSegments(*id, {lost, ok}).ok());
  auto run = store->GetRun(*id);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_EQ(run->segments.size(), 2u);
  EXPECT_EQ(run->segments[0].index, 0);
  EXPECT_EQ(run->segments[0].run_id, "seg-a");
  EXPECT_FALSE(run->segments[0].lost);
  EXPECT_EQ(run->segments[0].joined_unix_ms, 0);
  const SegmentProvenance& b = run->segments[1];
  EXPECT_EQ(b.host, "gen-b");
  EXPECT_EQ(b.status, "lost");
  EXPECT_EQ(b.requests, 120u);
  EXPECT_EQ(b.errors, 3u);
  EXPECT_EQ(b.planned_requests, 400u);
  EXPECT_EQ(b.joined_unix_ms, 1'700'000'000'100);
  EXPECT_EQ(b.left_unix_ms, 1'700'000'002'100);
  EXPECT_TRUE(b.lost);
  EXPECT_DOUBLE_EQ(b.lost_at_s, 2.1);
  EXPECT_THAT(b.lost_reason, HasSubstr("connection closed"));
  EXPECT_THAT(b.lost_reason, Not(HasSubstr("s3cret")));
  // A single-process run has none; an unknown run is NotFound.
  auto other = store->BeginRun(MakeStart(1'700'000'100'000));
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(store->GetRun(*other)->segments.empty());
  EXPECT_EQ(store->AddSegments("nope", {ok}).code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace vitals
