#include "tune/pg_value.h"

#include <gtest/gtest.h>

namespace vitals {
namespace {

TEST(PgValue, ConvertsToTheSettingsUnit) {
  EXPECT_DOUBLE_EQ(*PgValueInUnit("1GB", "8kB"), 131072);
  EXPECT_DOUBLE_EQ(*PgValueInUnit("64kB", "kB"), 64);
  EXPECT_DOUBLE_EQ(*PgValueInUnit("4MB", "kB"), 4096);
  EXPECT_DOUBLE_EQ(*PgValueInUnit("5min", "s"), 300);
  EXPECT_DOUBLE_EQ(*PgValueInUnit("16384", "8kB"), 16384);
  EXPECT_FALSE(PgValueInUnit("5min", "kB").has_value()) << "time into a memory unit";
  EXPECT_FALSE(PgValueInUnit("lots", "kB").has_value());
  EXPECT_FALSE(PgValueInUnit("3 parsecs", "kB").has_value());
}

TEST(PgValue, SettingEquals) {
  EXPECT_TRUE(PgSettingEquals("16384", "8kB", "integer", "128MB"));
  EXPECT_FALSE(PgSettingEquals("16384", "8kB", "integer", "256MB"));
  EXPECT_TRUE(PgSettingEquals("4096", "kB", "integer", "4MB"));
  EXPECT_TRUE(PgSettingEquals("0.9", "", "real", "0.9"));
  EXPECT_FALSE(PgSettingEquals("0.5", "", "real", "0.9"));
  EXPECT_TRUE(PgSettingEquals("on", "", "bool", "true"));
  EXPECT_FALSE(PgSettingEquals("on", "", "bool", "off"));
  EXPECT_TRUE(PgSettingEquals("try", "", "enum", "TRY"));
}

TEST(PgValue, SettingNames) {
  EXPECT_TRUE(IsPgSettingName("work_mem"));
  EXPECT_TRUE(IsPgSettingName("pg_stat_statements.max"));
  EXPECT_FALSE(IsPgSettingName("work_mem; DROP TABLE x"));
  EXPECT_FALSE(IsPgSettingName("Work_Mem"));
  EXPECT_FALSE(IsPgSettingName(""));
}

}  // namespace
}  // namespace vitals
