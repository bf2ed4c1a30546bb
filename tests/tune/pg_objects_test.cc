#include "tune/pg_objects.h"

#include <gtest/gtest.h>

#include <string>

namespace vitals::tuneobj {
namespace {

TEST(VitalsIndexName, TableAndColumnsWithSuffix) {
  EXPECT_EQ(VitalsIndexName("orders", {"customer_id"}), "vitals_orders_customer_id_idx");
  EXPECT_EQ(VitalsIndexName("orders", {"customer_id", "status"}),
            "vitals_orders_customer_id_status_idx");
}

TEST(VitalsIndexName, FitsSixtyThreeBytesAtAUtf8Boundary) {
  const std::string long_table(80, 't');
  const std::string name = VitalsIndexName(long_table, {"c"});
  EXPECT_EQ(name.size(), 63u);
  EXPECT_EQ(name.substr(name.size() - 4), "_idx");
  // "é" is two bytes: a cut never splits it.
  std::string accents;
  for (int i = 0; i < 40; ++i) accents += "\xc3\xa9";
  const std::string cut = VitalsIndexName(accents, {});
  EXPECT_LE(cut.size(), 63u);
  const std::string body = cut.substr(0, cut.size() - 4);
  EXPECT_EQ((body.size() - 7) % 2, 0u) << cut;  // "vitals_" then whole two-byte characters
}

TEST(BuildTimeEstimate, FromTableSize) {
  EXPECT_EQ(BuildTimeEstimate(0), "~1 s");
  EXPECT_EQ(BuildTimeEstimate(500.0 * 1024 * 1024), "~10 s");
  EXPECT_EQ(BuildTimeEstimate(60.0 * 1024 * 1024 * 1024), "~21 min");
}

TEST(Qualified, QuotesWhatNeedsIt) {
  EXPECT_EQ(Qualified("public", "orders"), "public.orders");
  EXPECT_EQ(Qualified("public", "Orders"), "public.\"Orders\"");
}

}  // namespace
}  // namespace vitals::tuneobj
