#include "promql/parser.h"

#include <gtest/gtest.h>

#include <cmath>

namespace vitals::promql {
namespace {

std::string Err(std::string_view q) {
  Result<ExprPtr> r = Parse(q);
  EXPECT_FALSE(r.ok()) << q;
  return r.ok() ? "" : r.status().message();
}

std::string Fmt(std::string_view q) {
  Result<ExprPtr> r = Parse(q);
  EXPECT_TRUE(r.ok()) << q << ": " << r.status().message();
  return r.ok() ? Format(*r.value()) : "";
}

TEST(PromqlParser, SelectorsAndMatchers) {
  EXPECT_EQ(Fmt(R"(http_requests_total{status=~"5..", job!="x"})"),
            R"(http_requests_total{status=~"5..", job!="x"})");
  EXPECT_EQ(Fmt(R"({__name__="up"})"), R"({__name__="up"})");
  EXPECT_EQ(Fmt("x[5m] offset 1h"), "x[5m] offset 1h");
  EXPECT_EQ(Fmt("x offset -30s"), "x offset -30s");
  EXPECT_EQ(Fmt("x[1h30m]"), "x[1h30m]");
}

TEST(PromqlParser, PrecedenceAndAssociativity) {
  Result<ExprPtr> r = Parse("1 + 2 * 3 ^ 2 ^ 2");
  ASSERT_TRUE(r.ok());
  // 2 ^ 2 ^ 2 is 2 ^ (2 ^ 2): right-associative.
  const Expr& e = *r.value();
  ASSERT_EQ(e.kind, ExprKind::kBinary);
  EXPECT_EQ(e.op, BinaryOp::kAdd);
  const Expr& mul = *e.args[1];
  EXPECT_EQ(mul.op, BinaryOp::kMul);
  const Expr& pow = *mul.args[1];
  EXPECT_EQ(pow.op, BinaryOp::kPow);
  EXPECT_EQ(pow.args[1]->kind, ExprKind::kBinary);  // right child is 2 ^ 2

  // a - b - c is (a - b) - c.
  Result<ExprPtr> s = Parse("a - b - c");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.value()->args[0]->kind, ExprKind::kBinary);

  // or binds loosest, and before or.
  Result<ExprPtr> o = Parse("a or b and c");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o.value()->op, BinaryOp::kOr);
  EXPECT_EQ(o.value()->args[1]->op, BinaryOp::kAnd);

  // Unary minus binds looser than ^: -2 ^ 2 is -(2 ^ 2).
  Result<ExprPtr> u = Parse("-2 ^ 2");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u.value()->kind, ExprKind::kUnary);
}

TEST(PromqlParser, ModifiersAndAggregations) {
  EXPECT_EQ(Fmt("a > bool on (x) group_left (y) b"), "a > bool on (x) group_left (y) b");
  EXPECT_EQ(Fmt("sum(rate(x[5m])) by (le, endpoint)"), "sum by (le, endpoint) (rate(x[5m]))");
  EXPECT_EQ(Fmt("topk(3, x)"), "topk(3, x)");
  EXPECT_EQ(Fmt(R"(count_values without (a) ("v", x))"), R"(count_values without (a) ("v", x))");
  EXPECT_EQ(Fmt("round(x)"), "round(x)");
  EXPECT_EQ(Fmt("round(x, 0.5)"), "round(x, 0.5)");
  Result<ExprPtr> inf = Parse("-Inf");
  ASSERT_TRUE(inf.ok());
  EXPECT_TRUE(std::isinf(inf.value()->number) && inf.value()->number < 0);
}

TEST(PromqlParser, ErrorsNameColumnAndContext) {
  EXPECT_EQ(Err("histogram_quantile(0.9, rate(x[5m])))"),
            "col 37: unexpected ')' after 'histogram_quantile(0.9, rate(x[5m]))'; expected end of "
            "expression");
  EXPECT_EQ(
      Err("rate(x[5m]"),
      "col 11: unexpected end of input after 'rate(x[5m]'; expected ',' or ')' in the argument "
      "list of rate");
  EXPECT_EQ(
      Err("x{a=\"1\""),
      "col 8: unexpected end of input after 'x{a=\"1\"'; expected ',' or '}' in the selector");
  EXPECT_EQ(Err("x{a=1}"), "col 5: unexpected '1' after 'x{a='; expected a quoted label value");
  EXPECT_EQ(Err("rate(x)"),
            "col 6: expected type range vector in call to function \"rate\", got instant vector");
  EXPECT_EQ(Err("x[5]"),
            "col 3: unexpected '5' after 'x['; expected a duration like 5m in the range");
  EXPECT_EQ(Err("1 > 2"), "col 3: comparisons between scalars must use BOOL modifier");
  EXPECT_EQ(Err("x and 1"), "col 3: set operator \"and\" not allowed in binary scalar expression");
  EXPECT_EQ(Err("{a=\"\"}"), "col 1: vector selector must contain at least one non-empty matcher");
  EXPECT_EQ(Err("x{a=~\"(\"}"), "col 6: invalid regular expression \"(\": missing ): (");
  EXPECT_EQ(Err("\"abc"), "col 1: unterminated string");
  EXPECT_EQ(Err("rat(x[5m])"), "col 1: unknown function \"rat\"");
  EXPECT_EQ(
      Err("sum(x, y)"),
      "col 9: wrong number of arguments for aggregate expression provided, expected 1, got 2");
  EXPECT_EQ(Err(""), "col 1: empty query; give a PromQL expression");
  EXPECT_EQ(Err("x offset 5m [5m]"),
            "col 13: ranges only allowed for vector selectors (write x[5m] offset 1h, not x offset "
            "1h [5m])");
  EXPECT_EQ(Err("a + on(x) group_left 1"),
            "col 3: vector matching only allowed between instant vectors");
}

TEST(PromqlParser, UnsupportedFeaturesAreNamed) {
  EXPECT_EQ(Err("rate(x[5m:1m])"), "col 7: not supported by vitals: subqueries ([range:step])");
  EXPECT_EQ(Err("x @ 100"), "col 3: not supported by vitals: the @ modifier");
  EXPECT_EQ(Err("holt_winters(x[5m], 0.5, 0.5)"),
            "col 1: not supported by vitals: function holt_winters");
  EXPECT_EQ(Err("group(x)"), "col 1: not supported by vitals: aggregation group");
  EXPECT_EQ(Err("a atan2 b"), "col 3: not supported by vitals: operator atan2");
}

}  // namespace
}  // namespace vitals::promql
