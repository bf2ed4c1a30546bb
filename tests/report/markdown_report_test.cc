// The Markdown report: content, tables that stay tables whatever the names hold, escaping.
#include "report/markdown_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

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

// Cells of a GFM table row: splits on | not preceded by a backslash.
int CellCount(const std::string& row) {
  int pipes = 0;
  for (size_t i = 0; i < row.size(); ++i) {
    if (row[i] == '|' && (i == 0 || row[i - 1] != '\\')) ++pipes;
  }
  return pipes - 1;
}

// Every table in `md`: all its rows have as many cells as its header.
void ExpectTablesAreRectangular(const std::string& md) {
  std::istringstream in(md);
  std::string line;
  int columns = -1, tables = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '|') {
      columns = -1;
      continue;
    }
    if (columns < 0) {
      columns = CellCount(line);
      ++tables;
    }
    EXPECT_EQ(CellCount(line), columns) << "row: " << line;
  }
  EXPECT_GT(tables, 3);
}

ReportData Load(Store& store, const std::string& id) {
  auto d = LoadReportData(store, id);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return d.ok() ? std::move(d).value() : ReportData{};
}

TEST(MarkdownReport, CompletedRunSummaryLatencyPhasesVerdictsFindings) {
  TempDir dir;
  auto store = Store::Open(dir.File("r.db"));
  ASSERT_TRUE(store.ok());
  testing::SyntheticSpec spec;
  spec.requests = {"login"};
  const std::string id =
      StoreCompletedRun(*store, MakeSyntheticResult(spec), MakeStart(1'700'000'000'000),
                        testing::SampleThresholdsJson(), "fail");
  ASSERT_TRUE(store->SetFindings(id, testing::HostileFindingsJson()).ok());
  const std::string md = RenderMarkdownReport(Load(*store, id));
  EXPECT_THAT(md, HasSubstr("## vitals run `" + id + "`: thresholds FAILED"));
  EXPECT_THAT(md, HasSubstr("| target | GET http://127.0.0.1:8080/api |"));
  EXPECT_THAT(md, HasSubstr("| corrected | 2400 |"));
  EXPECT_THAT(md, HasSubstr("### Phases"));
  EXPECT_THAT(md, HasSubstr("| ramp | 4.0s |"));
  EXPECT_THAT(md, HasSubstr("### Requests"));
  EXPECT_THAT(md, HasSubstr("### Thresholds: 1 of 3 passed"));
  EXPECT_THAT(md, HasSubstr("| error\\_rate&lt;1% | 2.1% | &lt; 1% | **FAILED** |"));
  EXPECT_THAT(md, HasSubstr("### Findings (2)"));
  EXPECT_THAT(md, HasSubstr("[docs/runbooks/host.md\\#cpu-busy](docs/runbooks/host.md#cpu-busy)"));
  EXPECT_THAT(md, HasSubstr("| tags | `branch=main` `commit=abc123` |"));
  ExpectTablesAreRectangular(md);
  EXPECT_EQ(md, RenderMarkdownReport(Load(*store, id)));  // deterministic
}

TEST(MarkdownReport, HostileNamesNeverBecomeMarkupOrBreakTables) {
  TempDir dir;
  auto store = Store::Open(dir.File("r.db"));
  ASSERT_TRUE(store.ok());
  const std::string id = StoreCompletedRun(*store, MakeSyntheticResult(testing::HostileSpec()),
                                           testing::HostileStart(1'700'000'000'000),
                                           testing::SampleThresholdsJson(), "fail");
  ASSERT_TRUE(store->SetFindings(id, testing::HostileFindingsJson()).ok());
  const std::string md = RenderMarkdownReport(Load(*store, id));
  EXPECT_THAT(md, Not(HasSubstr("<script")));
  EXPECT_THAT(md, Not(HasSubstr("<img")));
  EXPECT_THAT(md, Not(HasSubstr("</title>")));
  EXPECT_THAT(md, Not(HasSubstr("](javascript")));
  EXPECT_THAT(md, HasSubstr("&lt;script&gt;alert(2)&lt;/script&gt;"));  // phase name
  // The request name with | and a line break stays in its cell.
  EXPECT_THAT(md, HasSubstr("| a\\|b<br>c \\`tick\\` \\*\\*bold\\*\\* |"));
  // The javascript: runbook is a code span, not a link.
  EXPECT_THAT(md, HasSubstr("runbook: `javascript:alert(8)`"));
  // Multi-line action stays inside its list item.
  EXPECT_THAT(md, HasSubstr("  - action: Run:\n      EXPLAIN ANALYZE"));
  ExpectTablesAreRectangular(md);
}

TEST(MarkdownReport, IncompleteRunIsMarked) {
  TempDir dir;
  auto store = Store::Open(dir.File("r.db"));
  ASSERT_TRUE(store.ok());
  const std::string id =
      StoreIncompleteRun(*store, MakeSyntheticResult({}), MakeStart(1'700'000'000'000), 4);
  const std::string md = RenderMarkdownReport(Load(*store, id));
  EXPECT_THAT(md, HasSubstr(": INCOMPLETE"));
  EXPECT_THAT(md, HasSubstr("> **Incomplete run:**"));
  EXPECT_THAT(md, HasSubstr("the 4 interval(s) it stored"));
  EXPECT_THAT(md, Not(HasSubstr("### Thresholds")));
}

}  // namespace
}  // namespace vitals
