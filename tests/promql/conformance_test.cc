// Runs the conformance cases in tests/promql/testdata/*.test through vitals'
// engine (this file) and through Debian's promtool as the oracle
// (promtool_oracle_test.cc).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "promql/engine.h"
#include "promql/parser.h"
#include "promql/promqltest.h"
#include "promql/sample_store.h"

namespace vitals::promql {
namespace {

std::vector<std::string> CaseFiles() {
  std::vector<std::string> out;
  for (const auto& e :
       std::filesystem::directory_iterator(VITALS_SOURCE_DIR "/tests/promql/testdata")) {
    if (e.path().extension() == ".test") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool SameValue(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

void RunCase(const std::string& file, const testing::EvalCase& c) {
  SCOPED_TRACE(file + ":" + std::to_string(c.line) + ": " + c.expr);
  SampleStore store(SampleStoreOptions{.retention_ms = INT64_MAX / 4, .max_series = 10'000});
  for (const testing::LoadedSeries& s : c.series) {
    for (size_t i = 0; i < s.points.size(); ++i) {
      if (!s.points[i]) continue;
      ASSERT_TRUE(
          store.Append(s.labels, static_cast<int64_t>(i) * c.interval_ms, *s.points[i]).ok());
    }
  }
  Result<ExprPtr> e = Parse(c.expr);
  Result<Value> v = e.ok() ? EvalInstant(*e.value(), store, c.at_ms) : Result<Value>(e.status());
  if (c.expect_fail) {
    EXPECT_FALSE(v.ok()) << "expected an error";
    return;
  }
  ASSERT_TRUE(v.ok()) << v.status().message();
  Vector got;
  if (auto* s = std::get_if<Scalar>(&v.value())) {
    ASSERT_TRUE(c.scalar) << "got a scalar, expected a vector";
    got.push_back(Sample{Labels(), s->point});
  } else {
    ASSERT_TRUE(std::holds_alternative<Vector>(v.value())) << "result is not a vector";
    ASSERT_FALSE(c.scalar) << "got a vector, expected a scalar";
    got = std::get<Vector>(v.value());
  }
  std::vector<testing::ExpectedSample> want = c.expected;
  std::sort(got.begin(), got.end(),
            [](const Sample& a, const Sample& b) { return a.labels < b.labels; });
  std::sort(want.begin(), want.end(),
            [](const auto& a, const auto& b) { return a.labels < b.labels; });
  std::string got_text;
  for (const Sample& s : got)
    got_text += "  " + s.labels.ToString() + " " + std::to_string(s.point.v) + "\n";
  ASSERT_EQ(got.size(), want.size()) << "got:\n" << got_text;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].labels.ToString(), want[i].labels.ToString());
    EXPECT_TRUE(SameValue(got[i].point.v, want[i].value))
        << got[i].labels.ToString() << ": got " << got[i].point.v << ", want " << want[i].value;
  }
}

TEST(PromqlConformance, EveryCaseFileAgreesWithVitalsEngine) {
  std::vector<std::string> files = CaseFiles();
  ASSERT_FALSE(files.empty());
  size_t total = 0;
  for (const std::string& f : files) {
    Result<std::vector<testing::EvalCase>> cases = testing::ReadCaseFile(f);
    ASSERT_TRUE(cases.ok()) << cases.status().message();
    for (const testing::EvalCase& c : *cases) RunCase(f, c);
    total += cases->size();
  }
  EXPECT_GT(total, 50u);
}

}  // namespace
}  // namespace vitals::promql
