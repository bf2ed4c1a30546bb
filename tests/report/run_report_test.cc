// Choosing the format, and the text and JSON reports.
#include "report/run_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/report_test_util.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using testing::MakeStart;
using testing::MakeSyntheticResult;
using ::testing::Not;
using testing::StoreCompletedRun;
using testing::StoreIncompleteRun;
using testing::TempDir;

TEST(ReportFormat, FromNameAndPath) {
  EXPECT_EQ(*ParseReportFormat("html"), ReportFormat::kHtml);
  EXPECT_EQ(*ParseReportFormat("md"), ReportFormat::kMarkdown);
  EXPECT_EQ(*ParseReportFormat("markdown"), ReportFormat::kMarkdown);
  EXPECT_EQ(*ParseReportFormat("json"), ReportFormat::kJson);
  EXPECT_EQ(*ParseReportFormat("text"), ReportFormat::kText);
  auto bad = ParseReportFormat("pdf");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("'pdf': expected one of html, markdown, json"));
  EXPECT_EQ(ReportFormatForPath("out/report.HTML"), ReportFormat::kHtml);
  EXPECT_EQ(ReportFormatForPath("r.htm"), ReportFormat::kHtml);
  EXPECT_EQ(ReportFormatForPath("docs/perf/baselines/main.md"), ReportFormat::kMarkdown);
  EXPECT_EQ(ReportFormatForPath("run.json"), ReportFormat::kJson);
  EXPECT_EQ(ReportFormatForPath("run.txt"), ReportFormat::kText);
  EXPECT_EQ(ReportFormatForPath(""), ReportFormat::kText);
}

TEST(TextReport, SummaryVerdictsFindingsAndNoTerminalEscapes) {
  TempDir dir;
  auto store = Store::Open(dir.File("r.db"));
  ASSERT_TRUE(store.ok());
  testing::SyntheticSpec spec;
  spec.phases = {"steady\x1b[2J"};
  const std::string id =
      StoreCompletedRun(*store, MakeSyntheticResult(spec), MakeStart(1'700'000'000'000),
                        testing::SampleThresholdsJson(), "fail");
  ASSERT_TRUE(store->SetFindings(id, testing::HostileFindingsJson()).ok());
  auto d = LoadReportData(*store, id);
  ASSERT_TRUE(d.ok());
  const std::string text = RenderTextReport(*d);
  EXPECT_THAT(text, HasSubstr("THRESHOLD"));
  EXPECT_THAT(text, HasSubstr("1 of 3 thresholds passed"));
  EXPECT_THAT(text, HasSubstr("findings: 2"));
  EXPECT_THAT(text, HasSubstr("P1 critical"));
  EXPECT_THAT(text, HasSubstr("tags: branch=main commit=abc123"));
  EXPECT_THAT(text, Not(HasSubstr("\x1b")));
}

TEST(JsonReport, StoredDocumentPlusStatusEnvAndDiagnosis) {
  TempDir dir;
  auto store = Store::Open(dir.File("r.db"));
  ASSERT_TRUE(store.ok());
  const LoadResult r = MakeSyntheticResult({});
  const std::string id = StoreCompletedRun(*store, r, MakeStart(1'700'000'000'000),
                                           testing::SampleThresholdsJson(), "fail");
  ASSERT_TRUE(store->SetFindings(id, testing::HostileFindingsJson()).ok());
  auto d = LoadReportData(*store, id);
  ASSERT_TRUE(d.ok());
  const auto j = nlohmann::json::parse(RenderJsonReport(*d));
  EXPECT_EQ(j["run_id"], id);
  EXPECT_EQ(j["requests"], r.requests);
  EXPECT_EQ(j["status"], "completed");
  EXPECT_EQ(j["verdict"], "fail");
  EXPECT_EQ(j["thresholds"].size(), 3u);
  EXPECT_EQ(j["env"]["vitals_version"], "0.1.0-test");
  EXPECT_EQ(j["tags"]["commit"], "abc123");
  ASSERT_TRUE(j["diagnosis"].is_object());
  EXPECT_EQ(j["diagnosis"]["findings"].size(), 2u);

  // Without findings the diagnosis is null.
  const std::string other = StoreCompletedRun(*store, r, MakeStart(1'700'000'100'000));
  auto d2 = LoadReportData(*store, other);
  ASSERT_TRUE(d2.ok());
  EXPECT_TRUE(nlohmann::json::parse(RenderJsonReport(*d2))["diagnosis"].is_null());
}

TEST(JsonReport, IncompleteRunRebuiltFromIntervals) {
  TempDir dir;
  auto store = Store::Open(dir.File("r.db"));
  ASSERT_TRUE(store.ok());
  const std::string id =
      StoreIncompleteRun(*store, MakeSyntheticResult({}), MakeStart(1'700'000'000'000), 5);
  auto d = LoadReportData(*store, id);
  ASSERT_TRUE(d.ok());
  const auto j = nlohmann::json::parse(RenderJsonReport(*d));
  EXPECT_EQ(j["status"], "incomplete");
  EXPECT_EQ(j["interrupted"], true);
  EXPECT_EQ(j["requests"], 1000);
  ASSERT_EQ(j["intervals"].size(), 5u);
  EXPECT_GT(j["intervals"][0]["latency_uncorrected_us"]["p50"].get<double>(), 0);
  EXPECT_TRUE(j["thresholds"].is_array());
}

TEST(RenderReport, DispatchesOnFormat) {
  ReportData d;
  d.info.id = "x";
  EXPECT_THAT(RenderReport(d, ReportFormat::kHtml), HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(RenderReport(d, ReportFormat::kMarkdown), HasSubstr("## vitals run `x`"));
  EXPECT_FALSE(
      nlohmann::json::parse(RenderReport(d, ReportFormat::kJson), nullptr, false).is_discarded());
  EXPECT_THAT(RenderReport(d, ReportFormat::kText), HasSubstr("run x"));
}

}  // namespace
}  // namespace vitals
