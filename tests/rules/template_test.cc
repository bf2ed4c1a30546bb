#include "rules/template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vitals {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Fact MakeFact() {
  Fact f;
  f.component = "postgres";
  f.kind = "pg.table";
  f.subject = "public.orders";
  f.num = {{"seq_scan", 120000}, {"hit_ratio", 0.8532}, {"size_bytes", 1536}, {"age_s", 330},
           {"mean_s", 0.25},     {"small", 0.000123},   {"big", 1234.567}};
  f.text = {{"filter_columns", "customer_id"}};
  return f;
}

std::string Render(std::string_view text, std::optional<double> value = std::nullopt) {
  auto t = RuleTemplate::Parse(text);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? t->Render(MakeFact(), value) : "";
}

std::string ParseError(std::string_view text) {
  auto t = RuleTemplate::Parse(text);
  EXPECT_FALSE(t.ok()) << text;
  return t.ok() ? "" : t.status().message();
}

TEST(RuleTemplateTest, FieldsSubjectAndValue) {
  EXPECT_EQ(Render("seq_scan={seq_scan} on {subject}"), "seq_scan=120000 on public.orders");
  EXPECT_EQ(Render("CREATE INDEX CONCURRENTLY ON {subject} ({filter_columns});"),
            "CREATE INDEX CONCURRENTLY ON public.orders (customer_id);");
  EXPECT_EQ(Render("value {value}", 42.0), "value 42");
  EXPECT_EQ(Render("value {value|pct}", 0.9), "value 90.0%");
  EXPECT_EQ(Render("no value: {value}"), "no value: ?");
}

TEST(RuleTemplateTest, Filters) {
  EXPECT_EQ(Render("{hit_ratio|pct}"), "85.3%");
  EXPECT_EQ(Render("{size_bytes|bytes}"), "1.5 KiB");
  EXPECT_EQ(Render("{age_s|dur}"), "5m30s");
  EXPECT_EQ(Render("{mean_s|dur}"), "250ms");
  EXPECT_EQ(Render("{filter_columns|pct}"), "customer_id");  // filters apply to numbers only
}

TEST(RuleTemplateTest, CompactNumbers) {
  EXPECT_EQ(Render("{hit_ratio}"), "0.853");
  EXPECT_EQ(Render("{small}"), "0.000123");
  EXPECT_EQ(Render("{big}"), "1235");
  EXPECT_EQ(FormatCompact(12.345), "12.3");
  EXPECT_EQ(FormatCompact(-3), "-3");
}

TEST(RuleTemplateTest, UnknownFieldPrintsQuestionMark) {
  EXPECT_EQ(Render("idx_scan={idx_scan} seq={seq_scan}"), "idx_scan=? seq=120000");
  EXPECT_EQ(Render("{nope|bytes}"), "?");
}

TEST(RuleTemplateTest, EscapedBraces) {
  EXPECT_EQ(Render("kubectl patch -p '{{\"spec\":{{}}}}' {subject}"),
            "kubectl patch -p '{\"spec\":{}}' public.orders");
}

TEST(RuleTemplateTest, SyntaxErrorsNameColumn) {
  EXPECT_THAT(ParseError("abc {seq_scan"), AllOf(StartsWith("column 5:"), HasSubstr("not closed")));
  EXPECT_THAT(ParseError("x {seq_scan|percent}"),
              AllOf(StartsWith("column 3:"), HasSubstr("unknown filter 'percent'"),
                    HasSubstr("pct, bytes or dur")));
  EXPECT_THAT(ParseError("{}"), HasSubstr("not a field name"));
  EXPECT_THAT(ParseError("{a b}"), HasSubstr("not a field name"));
  EXPECT_THAT(ParseError("a } b"), AllOf(StartsWith("column 3:"), HasSubstr("without a matching")));
  EXPECT_THAT(ParseError("{x|}"), HasSubstr("unknown filter ''"));
}

TEST(FormatTest, HumanUnits) {
  EXPECT_EQ(FormatPct(0.0005), "0.05%");
  EXPECT_EQ(FormatPct(1), "100.0%");
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(10485760), "10 MiB");
  EXPECT_EQ(FormatBytes(1.5 * 1073741824.0), "1.5 GiB");
  EXPECT_EQ(FormatSeconds(0.00025), "250us");
  EXPECT_EQ(FormatSeconds(2.5), "2.5s");
  EXPECT_EQ(FormatSeconds(7260), "2h1m");
  EXPECT_EQ(FormatSeconds(90000), "1d1h");
}

}  // namespace
}  // namespace vitals
