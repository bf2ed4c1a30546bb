#include "collect/prom_feed.h"

#include <gtest/gtest.h>

#include "promql/engine.h"
#include "promql/parser.h"

namespace vitals {
namespace {

TEST(PromFeed, ScrapesBecomeQueryableSeries) {
  promql::SampleStore store;
  const char* page1 =
      "# TYPE http_requests_total counter\n"
      "http_requests_total{code=\"200\"} 10\n"
      "http_requests_total{code=\"500\"} 1\n";
  const char* page2 =
      "# TYPE http_requests_total counter\n"
      "http_requests_total{code=\"200\"} 70\n"
      "http_requests_total{code=\"500\"} 7\n";
  Result<std::vector<MetricFamily>> p1 = ParsePromText(page1);
  Result<std::vector<MetricFamily>> p2 = ParsePromText(page2);
  ASSERT_TRUE(p1.ok() && p2.ok());
  ASSERT_TRUE(FeedScrape(*p1, "127.0.0.1:8080", 0, &store).ok());
  ASSERT_TRUE(FeedScrape(*p2, "127.0.0.1:8080", 60'000, &store).ok());
  Result<promql::ExprPtr> e = promql::Parse(
      "sum(rate(http_requests_total{code=~\"5..\"}[2m])) / sum(rate(http_requests_total[2m]))");
  ASSERT_TRUE(e.ok()) << e.status().message();
  Result<promql::Value> v = promql::EvalInstant(*e.value(), store, 60'000);
  ASSERT_TRUE(v.ok()) << v.status().message();
  const promql::Vector& out = std::get<promql::Vector>(v.value());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_DOUBLE_EQ(out[0].point.v, 6.0 / 66.0);
  std::vector<promql::StoredSeries> all = store.Select(
      {promql::Matcher{"instance", promql::MatchOp::kEqual, "127.0.0.1:8080", nullptr}}, 0, 60'000);
  EXPECT_EQ(all.size(), 2u);
}

}  // namespace
}  // namespace vitals
