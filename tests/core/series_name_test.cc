#include "core/series_name.h"

#include <gtest/gtest.h>

namespace vitals {
namespace {

TEST(SeriesDisplayName, ImpliedSubjectsGiveTheBareName) {
  for (const char* subject : {"", "overall", "server", "process", "go", "jvm"}) {
    EXPECT_EQ(SeriesDisplayName("pg_connections", subject), "pg_connections") << subject;
  }
}

TEST(SeriesDisplayName, OtherSubjectsAreShownInBraces) {
  EXPECT_EQ(SeriesDisplayName("pg_dead_tuples", "public.orders"), "pg_dead_tuples{public.orders}");
  EXPECT_EQ(SeriesDisplayName("cache_hit_ratio", "items"), "cache_hit_ratio{items}");
  // Only exact subjects are implied: a table called "server_log" is still named.
  EXPECT_EQ(SeriesDisplayName("pg_dead_tuples", "server_log"), "pg_dead_tuples{server_log}");
}

}  // namespace
}  // namespace vitals
