// Query-plan fingerprints stored with recorded checks (schema version 8, check_plans).
#include <gtest/gtest.h>

#include <string>

#include "store/store.h"
#include "store/store_test_util.h"

namespace vitals {
namespace {

using testing::TempDir;

CheckRecord Check(int64_t finished_ms, std::vector<CheckPlan> plans) {
  CheckRecord c;
  c.started_unix_ms = finished_ms - 1000;
  c.finished_unix_ms = finished_ms;
  c.components = "postgres";
  c.findings_json = R"({"findings": []})";
  c.plans = std::move(plans);
  return c;
}

TEST(StorePlans, TheNewestCheckOfTheSameTargetIsReadBackRedacted) {
  TempDir dir;
  auto store = Store::Open(dir.File("vitals.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const std::string shop = "postgresql://app:s3cret@127.0.0.1:5432/shop";
  const std::string other = "postgresql://app@127.0.0.1:5432/other";

  auto none = store->LatestCheckPlans(shop);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->check_id.empty());
  EXPECT_TRUE(none->plans.empty());

  ASSERT_TRUE(
      store
          ->RecordCheck(Check(1'700'000'010'000,
                              {{shop, "11", "Index Scan public.orders o_idx", "SELECT 1", 0.001},
                               {shop, "12", "Seq Scan public.items", "SELECT 2", 0.002}}))
          .ok());
  auto newer = store->RecordCheck(
      Check(1'700'000'020'000, {{shop, "11", "Seq Scan public.orders", "SELECT 1", 0.02}}));
  ASSERT_TRUE(newer.ok());
  // A check of another server, later still, and one without plans.
  ASSERT_TRUE(
      store->RecordCheck(Check(1'700'000'030'000, {{other, "11", "Result", "SELECT 1", 0.5}}))
          .ok());
  ASSERT_TRUE(store->RecordCheck(Check(1'700'000'040'000, {})).ok());

  auto latest = store->LatestCheckPlans(shop);
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(latest->check_id, *newer);
  EXPECT_EQ(latest->finished_unix_ms, 1'700'000'020'000);
  ASSERT_EQ(latest->plans.size(), 1u);
  EXPECT_EQ(latest->plans[0].queryid, "11");
  EXPECT_EQ(latest->plans[0].fingerprint, "Seq Scan public.orders");
  EXPECT_DOUBLE_EQ(latest->plans[0].mean_time_s, 0.02);
  // The password never reaches the store.
  EXPECT_EQ(latest->plans[0].target.find("s3cret"), std::string::npos) << latest->plans[0].target;

  auto o = store->LatestCheckPlans(other);
  ASSERT_TRUE(o.ok());
  ASSERT_EQ(o->plans.size(), 1u);
  EXPECT_EQ(o->plans[0].fingerprint, "Result");
}

}  // namespace
}  // namespace vitals
