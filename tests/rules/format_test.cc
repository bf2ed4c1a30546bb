#include "rules/format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/redact.h"
#include "rules/evaluate.h"
#include "rules/loader.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Finding MakeFinding(std::string id, Level level, int priority, std::string subject) {
  Finding f;
  f.id = std::move(id);
  f.component = "host";
  f.level = level;
  f.priority = priority;
  f.title = "Title of " + f.id;
  f.subject = std::move(subject);
  f.value = 0.9;
  f.evidence = "evidence | with pipe";
  f.action = "do `this`";
  f.runbook = "docs/runbooks/host.md#cpu-busy";
  f.source = "seed 001";
  return f;
}

CheckReport MakeReport() {
  CheckReport r;
  r.components = {"host", "postgres"};
  r.findings = {MakeFinding("host.a", Level::kCritical, 1, "box"),
                MakeFinding("host.b", Level::kWarning, 3, "sda")};
  r.findings[1].value.reset();
  r.limited = {{"host", "pressure stall information: not found"}};
  r.errors = {{"postgres", "postgres://app:hunter2@127.0.0.1:5432/app: connection refused"}};
  r.window_s = 5;
  r.rules = 17;
  r.facts = 9;
  return r;
}

TEST(FormatTest, JsonHasStableKeysAndParses) {
  auto j = nlohmann::json::parse(FormatReportJson(MakeReport()));
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["findings"].size(), 2u);
  const auto& f = j["findings"][0];
  for (const char* key : {"id", "component", "level", "priority", "title", "subject", "value",
                          "evidence", "action", "runbook", "source"}) {
    EXPECT_TRUE(f.contains(key)) << key;
  }
  EXPECT_EQ(f["level"], "critical");
  EXPECT_EQ(f["priority"], "P1");
  EXPECT_DOUBLE_EQ(f["value"].get<double>(), 0.9);
  EXPECT_TRUE(j["findings"][1]["value"].is_null());
  EXPECT_EQ(j["limited"][0]["component"], "host");
  EXPECT_EQ(j["limited"][0]["reason"], "pressure stall information: not found");
  EXPECT_EQ(j["errors"][0]["component"], "postgres");
  std::string msg = j["errors"][0]["message"];
  EXPECT_THAT(msg, Not(HasSubstr("hunter2")));
  EXPECT_THAT(msg, HasSubstr("app:***@127.0.0.1"));
  const auto& s = j["summary"];
  EXPECT_EQ(s["findings"], 2);
  EXPECT_EQ(s["critical"], 1);
  EXPECT_EQ(s["warning"], 1);
  EXPECT_EQ(s["by_priority"]["P1"], 1);
  EXPECT_EQ(s["by_priority"]["P3"], 1);
  EXPECT_EQ(s["by_priority"]["P0"], 0);
  EXPECT_EQ(s["worst"], "critical");
  EXPECT_EQ(s["checked"], nlohmann::json::array({"host"}));
  EXPECT_EQ(s["failed"], nlohmann::json::array({"postgres"}));
  EXPECT_EQ(s["limited"], 1);
  EXPECT_EQ(s["errors"], 1);
  EXPECT_EQ(s["rules"], 17);
  EXPECT_EQ(s["facts"], 9);
  EXPECT_DOUBLE_EQ(s["window_s"].get<double>(), 5.0);
}

TEST(FormatTest, JsonSurvivesInvalidUtf8) {
  CheckReport r = MakeReport();
  r.findings[0].action = "SELECT '\xff\xfe'";
  auto j = nlohmann::json::parse(FormatReportJson(r));
  EXPECT_TRUE(j["findings"][0]["action"].is_string());
}

TEST(FormatTest, MarkdownHasTableAndDetails) {
  std::string md = FormatReportMarkdown(MakeReport());
  EXPECT_THAT(
      md, HasSubstr("| Priority | Level | Rule | Subject | Finding |\n|---|---|---|---|---|\n"));
  EXPECT_THAT(md, HasSubstr("| P1 | critical | `host.a` | box | Title of host.a |"));
  EXPECT_THAT(md, HasSubstr("| P3 | warning | `host.b` | sda | Title of host.b |"));
  EXPECT_THAT(md, HasSubstr("### P1 critical: Title of host.a"));
  EXPECT_THAT(
      md,
      HasSubstr("- **Runbook:** [docs/runbooks/host.md#cpu-busy](docs/runbooks/host.md#cpu-busy)"));
  EXPECT_THAT(md, HasSubstr("### Could not check\n\n- postgres: postgres://app:***@"));
  EXPECT_THAT(md, HasSubstr("### Limited checks"));
  EXPECT_THAT(md, Not(HasSubstr("hunter2")));
}

TEST(FormatTest, TextGroupsBySeverityThenLimitedErrorsSummary) {
  std::string text = FormatReportText(MakeReport(), false);
  size_t p1 = text.find("\nP1 critical\n");
  size_t p3 = text.find("\nP3 warning\n");
  size_t limited = text.find("limited: host: pressure stall information");
  size_t error = text.find("could not check: postgres: postgres://app:***@127.0.0.1:5432/app");
  size_t summary = text.find(
      "summary: 2 findings: 1 critical, 1 warning (P1 1, P3 1); checked host; "
      "1 limited (host: pressure stall information); could not check postgres\n");
  ASSERT_NE(p1, std::string::npos) << text;
  ASSERT_NE(p3, std::string::npos) << text;
  ASSERT_NE(limited, std::string::npos) << text;
  ASSERT_NE(error, std::string::npos) << text;
  ASSERT_NE(summary, std::string::npos) << text;
  EXPECT_LT(p1, p3);
  EXPECT_LT(p3, limited);
  EXPECT_LT(limited, error);
  EXPECT_LT(error, summary);
  EXPECT_THAT(text,
              HasSubstr("  Title of host.a [host.a]\n    evidence: evidence | with pipe\n"
                        "    action:   do `this`\n    runbook:  docs/runbooks/host.md#cpu-busy\n"));
  EXPECT_THAT(text, Not(HasSubstr("\x1b[")));
  EXPECT_THAT(text, Not(HasSubstr("hunter2")));
  EXPECT_THAT(FormatReportText(MakeReport(), true), HasSubstr("\x1b[1;31mP1 critical\x1b[0m"));
}

TEST(FormatTest, NoFindings) {
  CheckReport r;
  r.components = {"host"};
  std::string text = FormatReportText(r, false);
  EXPECT_THAT(text, HasSubstr("summary: no findings; checked host\n"));
  auto j = nlohmann::json::parse(FormatReportJson(r));
  EXPECT_TRUE(j["findings"].empty());
  EXPECT_EQ(j["summary"]["worst"], "none");
}

TEST(FormatTest, CatalogListsEveryShippedRule) {
  auto catalog = LoadShippedRules();
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  std::string text = FormatCatalog(*catalog, OutputFormat::kText);
  EXPECT_THAT(text, HasSubstr("host.cpu.busy"));
  EXPECT_THAT(text, HasSubstr("critical P2 if busy_ratio > 85%"));
  auto j = nlohmann::json::parse(FormatCatalog(*catalog, OutputFormat::kJson));
  size_t total = 0;
  for (const auto& s : *catalog) total += s.rules.size();
  EXPECT_EQ(j["rules"].size(), total);
  EXPECT_THAT(FormatCatalog(*catalog, OutputFormat::kMarkdown),
              HasSubstr("| `host.cpu.busy` | host | `host.cpu` |"));
}

}  // namespace
}  // namespace vitals

namespace vitals {
namespace {

TEST(FormatLimited, SummaryNamesEveryLimitedFact) {
  CheckReport r;
  r.components = {"prometheus", "host"};
  r.limited = {{"prometheus",
                "http golden signals (latency, errors, throughput): no HTTP request metrics in "
                "the source (looked for ...)"},
               {"host",
                "CPU utilisation, swap activity, disk utilisation, network errors and TCP "
                "retransmits need two samples; /x holds one"}};
  const std::string text = FormatReportText(r, false);
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "; 2 limited (prometheus: http golden signals (latency, errors, "
                        "throughput), host: CPU utilisation, swap activity, disk utilisation, "
                        "network...)\n"));
  EXPECT_EQ(LimitedFact("pg_stat_statements: extension not installed"), "pg_stat_statements");
  EXPECT_EQ(LimitedFact("SLOWLOG GET refused (NOPERM)"), "SLOWLOG GET refused (NOPERM)");
}

}  // namespace
}  // namespace vitals
