#include "rules/expr.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vitals {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Fact MakeFact() {
  Fact f;
  f.component = "redis";
  f.kind = "redis.info";
  f.subject = "127.0.0.1:6379";
  f.num = {
      {"a", 2},        {"b", 3},        {"c", 4},   {"zero", 0}, {"used_memory_bytes", 12582912},
      {"ratio", 0.25}, {"lat_s", 0.75}, {"neg", -1}};
  f.text = {{"policy", "noeviction"}, {"role", "master"}};
  return f;
}

RuleExpr MustParse(std::string_view text) {
  auto e = RuleExpr::Parse(text);
  EXPECT_TRUE(e.ok()) << text << ": " << e.status().ToString();
  return e.ok() ? *e : *RuleExpr::Parse("false");
}

double Num(std::string_view text) {
  auto v = MustParse(text).Number(MakeFact());
  EXPECT_TRUE(v.has_value()) << text;
  return v.value_or(-12345);
}

bool Holds(std::string_view text) { return MustParse(text).Test(MakeFact()); }

std::string ParseError(std::string_view text) {
  auto e = RuleExpr::Parse(text);
  EXPECT_FALSE(e.ok()) << "expected an error for: " << text;
  return e.ok() ? "" : e.status().message();
}

TEST(RuleExprTest, ArithmeticPrecedence) {
  EXPECT_DOUBLE_EQ(Num("a + b * c"), 14);
  EXPECT_DOUBLE_EQ(Num("(a + b) * c"), 20);
  EXPECT_DOUBLE_EQ(Num("c - b - a"), -1);  // left associative
  EXPECT_DOUBLE_EQ(Num("c / a / a"), 1);
  EXPECT_DOUBLE_EQ(Num("-a * b"), -6);
  EXPECT_DOUBLE_EQ(Num("- -a"), 2);
  EXPECT_DOUBLE_EQ(Num("a - -b"), 5);
  EXPECT_DOUBLE_EQ(Num("1e3 + 2.5e-1"), 1000.25);
}

TEST(RuleExprTest, BooleanPrecedence) {
  // and binds tighter than or; not tighter than and.
  EXPECT_TRUE(Holds("a > 100 and b > 100 or c == 4"));
  EXPECT_FALSE(Holds("a > 100 and (b > 100 or c == 4)"));
  EXPECT_TRUE(Holds("not a > 100 and c == 4"));
  EXPECT_FALSE(Holds("not (a < 100 and c == 4)"));
  EXPECT_TRUE(Holds("a + 1 == b"));  // arithmetic before comparison
  EXPECT_TRUE(Holds("true"));
  EXPECT_FALSE(Holds("false or false"));
}

TEST(RuleExprTest, ComparisonOperators) {
  EXPECT_TRUE(Holds("a < b"));
  EXPECT_TRUE(Holds("a <= 2"));
  EXPECT_FALSE(Holds("a > 2"));
  EXPECT_TRUE(Holds("a >= 2"));
  EXPECT_TRUE(Holds("a != b"));
  EXPECT_FALSE(Holds("a == b"));
}

TEST(RuleExprTest, Units) {
  EXPECT_DOUBLE_EQ(Num("500ms"), 0.5);
  EXPECT_DOUBLE_EQ(Num("1%"), 0.01);
  EXPECT_DOUBLE_EQ(Num("10MB"), 10485760);
  EXPECT_DOUBLE_EQ(Num("1KB"), 1024);
  EXPECT_DOUBLE_EQ(Num("2GB"), 2147483648.0);
  EXPECT_DOUBLE_EQ(Num("2s"), 2);
  EXPECT_DOUBLE_EQ(Num("250us"), 0.00025);
  EXPECT_DOUBLE_EQ(Num("5min"), 300);
  EXPECT_DOUBLE_EQ(Num("1h"), 3600);
  EXPECT_DOUBLE_EQ(Num("85.5%"), 0.855);
  EXPECT_TRUE(Holds("used_memory_bytes > 10MB and used_memory_bytes < 12MB + 1"));
  EXPECT_TRUE(Holds("lat_s > 500ms"));
  EXPECT_TRUE(Holds("ratio == 25%"));
}

TEST(RuleExprTest, MissingFieldsNeverFire) {
  EXPECT_FALSE(Holds("missing > 1"));
  EXPECT_FALSE(Holds("missing < 1"));
  EXPECT_FALSE(Holds("missing == 0"));
  EXPECT_FALSE(Holds("missing != 0"));  // a comparison with a missing field is false
  EXPECT_FALSE(Holds("missing + 1 > 0"));
  EXPECT_FALSE(Holds("-missing < 0"));
  EXPECT_FALSE(Holds("a > 1 and missing > 1"));
  EXPECT_TRUE(Holds("a > 1 or missing > 1"));
  EXPECT_FALSE(MustParse("missing * 2").Number(MakeFact()).has_value());
}

TEST(RuleExprTest, DivisionByZeroIsFalse) {
  EXPECT_FALSE(Holds("a / zero > 0"));
  EXPECT_FALSE(Holds("a / zero < 0"));
  EXPECT_FALSE(Holds("a / 0 == a / 0"));
  EXPECT_FALSE(MustParse("a / zero").Number(MakeFact()).has_value());
  EXPECT_DOUBLE_EQ(Num("zero / a"), 0);
}

TEST(RuleExprTest, HasAndText) {
  EXPECT_TRUE(Holds("has(a)"));
  EXPECT_TRUE(Holds("has(policy)"));
  EXPECT_FALSE(Holds("has(nope)"));
  EXPECT_TRUE(Holds("not has(nope)"));
  EXPECT_TRUE(Holds("policy == 'noeviction'"));
  EXPECT_TRUE(Holds("policy != \"allkeys-lru\""));
  EXPECT_TRUE(Holds("subject == '127.0.0.1:6379'"));
  // A text field in arithmetic or an ordered comparison is "missing", not an error.
  EXPECT_FALSE(Holds("policy > 1"));
  EXPECT_FALSE(Holds("policy + 1 > 0"));
  EXPECT_FALSE(Holds("role == policy"));
}

TEST(RuleExprTest, FieldsListsNames) {
  EXPECT_EQ(MustParse("b > 1 and has(a.x) or b < c").Fields(),
            (std::vector<std::string>{"a.x", "b", "c"}));
}

TEST(RuleExprTest, TypesAreChecked) {
  EXPECT_TRUE(MustParse("a > 1").IsCondition());
  EXPECT_TRUE(MustParse("a * 2").IsNumeric());
  EXPECT_FALSE(MustParse("a * 2").IsCondition());
  // A numeric expression used as a condition never fires; a condition has no number.
  EXPECT_FALSE(MustParse("a").Test(MakeFact()));
  EXPECT_FALSE(MustParse("a > 1").Number(MakeFact()).has_value());
}

TEST(RuleExprTest, ErrorsNamePositionAndExpectation) {
  EXPECT_EQ(ParseError("a > "),
            "column 5: expected a number, a field name, has(...), 'not' or "
            "'(', found the end of the expression");
  EXPECT_THAT(ParseError("a >> 2"), StartsWith("column 4: expected a number"));
  EXPECT_THAT(ParseError("(a > 1"),
              AllOf(StartsWith("column 7:"), HasSubstr("')' to close the '(' at column 1")));
  EXPECT_THAT(ParseError("a > 5x"),
              AllOf(StartsWith("column 6:"), HasSubstr("unknown unit 'x'"), HasSubstr("ms, s")));
  EXPECT_THAT(ParseError("a = 1"), AllOf(StartsWith("column 3:"), HasSubstr("'=='")));
  EXPECT_THAT(ParseError("a > 1 && b > 1"), AllOf(StartsWith("column 7:"), HasSubstr("'and'")));
  EXPECT_THAT(ParseError("a > 1 b"), StartsWith("column 7: expected an operator"));
  EXPECT_THAT(ParseError("a and b > 1"), AllOf(StartsWith("column 1:"), HasSubstr("condition")));
  EXPECT_THAT(ParseError("a < b < c"), AllOf(StartsWith("column 7:"), HasSubstr("do not chain")));
  EXPECT_THAT(ParseError("(a > 1) + 2"), HasSubstr("'+' needs a number"));
  EXPECT_THAT(ParseError("policy > 'x'"), HasSubstr("strings can only be compared with == or !="));
  EXPECT_THAT(ParseError("a == 'x' + 1"), HasSubstr("'+' needs a number"));
  EXPECT_THAT(ParseError("'abc"), AllOf(StartsWith("column 1:"), HasSubstr("not closed")));
  EXPECT_THAT(ParseError("max(a)"), HasSubstr("unknown function 'max'"));
  EXPECT_THAT(ParseError("has a"), HasSubstr("'(' after has"));
  EXPECT_THAT(ParseError("a > 1 $"), AllOf(StartsWith("column 7:"), HasSubstr("'$'")));
  EXPECT_EQ(ParseError("   "), "column 1: expected an expression, found nothing");
}

TEST(RuleExprTest, DeepNestingIsAnErrorNotACrash) {
  std::string deep(200, '(');
  deep += "a";
  deep += std::string(200, ')');
  EXPECT_THAT(ParseError(deep), HasSubstr("nested more than 64 levels"));
  std::string nots;
  for (int i = 0; i < 100; ++i) nots += "not ";
  EXPECT_THAT(ParseError(nots + "true"), HasSubstr("nested"));
  EXPECT_THAT(ParseError(std::string(5000, '1')), HasSubstr("at most 4096"));
  // Within the limits, nesting works.
  EXPECT_DOUBLE_EQ(Num(std::string(50, '(') + "a" + std::string(50, ')')), 2);
}

}  // namespace
}  // namespace vitals
