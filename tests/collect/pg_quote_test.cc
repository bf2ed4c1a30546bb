#include <gtest/gtest.h>

#include "collect/postgres_conn.h"

namespace vitals::detail {
namespace {

TEST(PgQuoteLiteral, DoublesQuotes) {
  EXPECT_EQ(PgQuoteLiteral("it's"), "'it''s'");
  EXPECT_EQ(PgQuoteLiteral(""), "''");
}

// With standard_conforming_strings=off, 'a\' would end in an escaped quote; E'...' with doubled
// backslashes means the same text under either setting.
TEST(PgQuoteLiteral, BackslashesUseAnEscapeStringLiteral) {
  EXPECT_EQ(PgQuoteLiteral("a\\b"), "E'a\\\\b'");
  EXPECT_EQ(PgQuoteLiteral("x\\'; DROP TABLE t; --"), "E'x\\\\''; DROP TABLE t; --'");
  EXPECT_EQ(PgQuoteLiteral("\\"), "E'\\\\'");
}

}  // namespace
}  // namespace vitals::detail
