#include "promql/engine.h"

#include <gtest/gtest.h>

#include <cmath>

#include "promql/parser.h"
#include "promql/test_store.h"

namespace vitals::promql {
namespace {

constexpr int64_t kMin = 60'000;

Labels L(std::vector<Label> l) { return Labels(std::move(l)); }

Vector EvalV(const Queryable& q, std::string_view expr, int64_t t) {
  Result<ExprPtr> e = Parse(expr);
  EXPECT_TRUE(e.ok()) << e.status().message();
  if (!e.ok()) return {};
  Result<Value> v = EvalInstant(*e.value(), q, t);
  EXPECT_TRUE(v.ok()) << v.status().message();
  if (!v.ok()) return {};
  return std::get<Vector>(v.value());
}

std::string EvalErr(const Queryable& q, std::string_view expr, int64_t t) {
  Result<ExprPtr> e = Parse(expr);
  EXPECT_TRUE(e.ok()) << e.status().message();
  Result<Value> v = EvalInstant(*e.value(), q, t);
  EXPECT_FALSE(v.ok());
  return v.ok() ? "" : v.status().message();
}

TEST(PromqlEngine, LookbackIsLeftOpenAndStalenessEndsSeries) {
  testing::FixedStore q;
  q.Add(L({{"__name__", "up"}, {"job", "a"}}), {{0, 1}, {kMin, 1}, {2 * kMin, StaleNaN()}});
  q.Add(L({{"__name__", "up"}, {"job", "b"}}), {{0, 5}});
  EXPECT_EQ(EvalV(q, "up", kMin).size(), 2u);
  // job=a is stale from 2m; job=b's only sample is exactly 5m old at 5m: (t-5m, t] excludes it.
  EXPECT_TRUE(EvalV(q, "up", 2 * kMin + 1).size() == 1u);
  EXPECT_TRUE(EvalV(q, "up", 5 * kMin).empty());
  Vector before = EvalV(q, "up", 5 * kMin - 1);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].labels.Get("job"), "b");
}

TEST(PromqlEngine, RateExtrapolatesAndHandlesResets) {
  testing::FixedStore q;
  // 0, 10, 20, 5 (reset), 15 at 1m spacing.
  q.Add(L({{"__name__", "c"}}),
        {{kMin, 0}, {2 * kMin, 10}, {3 * kMin, 20}, {4 * kMin, 5}, {5 * kMin, 15}});
  // Window (30s, 5m30s]: increase 35 over 4m sampled; start extrapolation capped at the zero
  // point (first value 0 -> 0 s), end extrapolated 30 s: 35 * 270/240.
  Vector v = EvalV(q, "increase(c[5m])", 5 * kMin + 30'000);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_DOUBLE_EQ(v[0].point.v, 35.0 * 270 / 240);
  EXPECT_FALSE(v[0].labels.Has("__name__"));
  Vector r = EvalV(q, "irate(c[5m])", 5 * kMin + 30'000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_DOUBLE_EQ(r[0].point.v, 10.0 / 60);
}

TEST(PromqlEngine, ManyToOneMatchingCopiesIncludedLabels) {
  testing::FixedStore q;
  q.Add(L({{"__name__", "req"}, {"instance", "i1"}, {"path", "/a"}}), {{0, 10}});
  q.Add(L({{"__name__", "req"}, {"instance", "i1"}, {"path", "/b"}}), {{0, 30}});
  q.Add(L({{"__name__", "info"}, {"instance", "i1"}, {"version", "2"}}), {{0, 2}});
  Vector v = EvalV(q, "req * on (instance) group_left (version) info", 0);
  ASSERT_EQ(v.size(), 2u);
  for (const Sample& s : v) {
    EXPECT_EQ(s.labels.Get("version"), "2");
    EXPECT_FALSE(s.labels.Has("__name__"));
  }
  EXPECT_NE(EvalErr(q, "req * on (instance) info", 0).find("many-to-one matching must be explicit"),
            std::string::npos);
}

TEST(PromqlEngine, DuplicateLabelSetsAfterNameDropAreErrors) {
  testing::FixedStore q;
  q.Add(L({{"__name__", "a"}, {"job", "x"}}), {{0, 1}});
  q.Add(L({{"__name__", "b"}, {"job", "x"}}), {{0, 2}});
  EXPECT_EQ(EvalErr(q, R"(abs({job="x"}))", 0),
            "col 1: vector cannot contain metrics with the same labelset {job=\"x\"}");
}

TEST(PromqlEngine, RangeQueryStepsAndScalars) {
  testing::FixedStore q;
  q.Add(L({{"__name__", "g"}}), {{0, 1}, {kMin, 2}, {2 * kMin, 3}});
  Result<ExprPtr> e = Parse("g * 2");
  ASSERT_TRUE(e.ok());
  Result<Matrix> m = EvalRange(*e.value(), q, 0, 2 * kMin, 30'000);
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->size(), 1u);
  ASSERT_EQ((*m)[0].points.size(), 5u);
  EXPECT_EQ((*m)[0].points[1].v, 2);  // at 30 s the newest sample is still 1
  EXPECT_EQ((*m)[0].points[4].v, 6);
  Result<ExprPtr> bad = Parse("g[5m]");
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(EvalRange(*bad.value(), q, 0, kMin, 1000).ok());
  EXPECT_FALSE(EvalRange(*e.value(), q, 0, kMin, 0).ok());
}

}  // namespace
}  // namespace vitals::promql
