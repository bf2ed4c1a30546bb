#include "rules/loader.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rules/evaluate.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kGood = R"(rules:
  - id: pg.missing_index
    component: postgres
    fact: pg.table
    title: "Sequential scans dominate on {subject}"
    when: "seq_scan > 1000 and idx_scan < 100 and n_live_tup >= 10000"
    value: "seq_scan"
    warning: "seq_scan > 1000"
    critical: "seq_scan > 100000"
    priority: {warning: P2, critical: P1}
    evidence: "seq_scan={seq_scan} idx_scan={idx_scan} live rows={n_live_tup}"
    action: "CREATE INDEX CONCURRENTLY ON {subject} ({filter_columns});"
    runbook: "docs/runbooks/postgres.md#missing-index"
    source: "seed 000 §5, 001 §3"
  - id: pg.minimal
    component: postgres
    fact: pg.table
    title: "t"
    warning: "x > 1"
    runbook: "docs/runbooks/postgres.md#x"
)";

std::string LoadError(std::string_view yaml) {
  auto s = ParseRuleFile("test.yaml", yaml);
  EXPECT_FALSE(s.ok()) << yaml;
  return s.ok() ? "" : s.status().message();
}

// A rule file with one rule whose body lines are `body` (indented 4).
std::string OneRule(std::string_view body) {
  return std::string("rules:\n  - id: t.rule\n") + std::string(body);
}
constexpr const char* kRest =
    "    component: host\n    fact: host.cpu\n    title: t\n    runbook: r.md#a\n";

TEST(RuleLoaderTest, ParsesEveryField) {
  auto s = ParseRuleFile("pg.yaml", kGood);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->rules.size(), 2u);
  const Rule& r = s->rules[0];
  EXPECT_EQ(r.id, "pg.missing_index");
  EXPECT_EQ(r.component, "postgres");
  EXPECT_EQ(r.fact, "pg.table");
  EXPECT_EQ(r.warning_priority, 2);
  EXPECT_EQ(r.critical_priority, 1);
  EXPECT_EQ(r.runbook, "docs/runbooks/postgres.md#missing-index");
  EXPECT_EQ(r.source, "seed 000 §5, 001 §3");
  EXPECT_EQ(r.file, "pg.yaml");
  EXPECT_EQ(r.line, 2);
  ASSERT_TRUE(r.when && r.value && r.warning && r.critical);
  EXPECT_EQ(r.when->text(), "seq_scan > 1000 and idx_scan < 100 and n_live_tup >= 10000");
  // Defaults: warning P3, critical P2.
  EXPECT_EQ(s->rules[1].warning_priority, 3);
  EXPECT_EQ(s->rules[1].critical_priority, 2);
  EXPECT_EQ(s->rules[1].line, 15);
  EXPECT_FALSE(s->rules[1].critical.has_value());

  Fact f{"postgres",
         "pg.table",
         "public.orders",
         {{"seq_scan", 250000}, {"idx_scan", 3}, {"n_live_tup", 50000}},
         {{"filter_columns", "customer_id"}}};
  auto finding = EvaluateRule(r, f);
  ASSERT_TRUE(finding.has_value());
  EXPECT_EQ(finding->level, Level::kCritical);
  EXPECT_EQ(finding->priority, 1);
  EXPECT_EQ(finding->title, "Sequential scans dominate on public.orders");
  EXPECT_EQ(finding->evidence, "seq_scan=250000 idx_scan=3 live rows=50000");
  EXPECT_EQ(finding->action, "CREATE INDEX CONCURRENTLY ON public.orders (customer_id);");
  EXPECT_EQ(finding->value, 250000);
}

TEST(RuleLoaderTest, BadYamlNamesFileAndLine) {
  EXPECT_THAT(LoadError("rules:\n  - id: x\n    title: [unclosed\n"),
              AllOf(StartsWith("test.yaml:"), HasSubstr("not valid YAML")));
  EXPECT_THAT(LoadError("rules:\n  - id: a\n   - bad: indent\n"), StartsWith("test.yaml:3:"));
  EXPECT_EQ(LoadError("rule:\n  - id: x\n"),
            "test.yaml:1: unknown top-level key 'rule'; expected 'rules'");
  EXPECT_THAT(LoadError("rules: {id: x}\n"), HasSubstr("rules: expected a list"));
  EXPECT_THAT(LoadError("- a\n- b\n"), HasSubstr("expected a mapping with a 'rules:' list"));
}

TEST(RuleLoaderTest, UnknownKey) {
  EXPECT_THAT(LoadError(OneRule(std::string(kRest) + "    warning: \"a > 1\"\n    severity: P1\n")),
              AllOf(StartsWith("test.yaml:8: rule 't.rule': unknown key 'severity'"),
                    HasSubstr("expected one of id, component")));
}

TEST(RuleLoaderTest, DuplicateIdInFileAndKeyTwice) {
  std::string two = std::string("rules:\n  - id: dup\n") + kRest + "    warning: \"a > 1\"\n" +
                    "  - id: dup\n" + kRest + "    warning: \"a > 2\"\n";
  EXPECT_EQ(LoadError(two), "test.yaml:8: rule 'dup': duplicate id; first defined at line 2");
  EXPECT_THAT(
      LoadError(OneRule(std::string(kRest) + "    warning: \"a > 1\"\n    warning: \"b\"\n")),
      AllOf(StartsWith("test.yaml:8: rule 't.rule':"), HasSubstr("'warning' appears twice")));
}

TEST(RuleLoaderTest, BadPriority) {
  EXPECT_THAT(LoadError(OneRule(std::string(kRest) +
                                "    warning: \"a > 1\"\n    priority: {warning: P7}\n")),
              AllOf(StartsWith("test.yaml:8: rule 't.rule': priority.warning: expected P0, P1, P2 "
                               "or P3"),
                    HasSubstr("found 'P7'")));
  EXPECT_THAT(LoadError(OneRule(std::string(kRest) +
                                "    warning: \"a > 1\"\n    priority: {urgent: P1}\n")),
              HasSubstr("priority: unknown level 'urgent'; expected warning or critical"));
  EXPECT_THAT(LoadError(OneRule(std::string(kRest) + "    warning: \"a > 1\"\n    priority: P1\n")),
              HasSubstr("priority: expected a mapping like {warning: P2, critical: P1}"));
}

TEST(RuleLoaderTest, BadExpressionNamesRuleLineAndColumn) {
  EXPECT_EQ(LoadError(OneRule(std::string(kRest) + "    warning: \"busy_ratio >> 70%\"\n")),
            "test.yaml:7: rule 't.rule': warning: column 13: expected a number, a field name, "
            "has(...), 'not' or '(', found '>' in \"busy_ratio >> 70%\"");
  EXPECT_THAT(LoadError(OneRule(std::string(kRest) + "    warning: \"busy_ratio\"\n")),
              HasSubstr("warning: expected a condition"));
  EXPECT_THAT(
      LoadError(OneRule(std::string(kRest) + "    warning: \"a > 1\"\n    value: \"a > 1\"\n")),
      HasSubstr("value: expected a numeric expression"));
  EXPECT_THAT(LoadError(OneRule(std::string(kRest) + "    warning: \"a > 1\"\n    title2: x\n")),
              HasSubstr("unknown key 'title2'"));
  EXPECT_THAT(
      LoadError(OneRule(std::string(kRest) + "    warning: \"a > 1\"\n    evidence: \"{a|x}\"\n")),
      AllOf(StartsWith("test.yaml:8: rule 't.rule': evidence: column 1: unknown filter 'x'")));
}

TEST(RuleLoaderTest, MissingRequiredFields) {
  EXPECT_THAT(LoadError(OneRule(kRest)),
              HasSubstr("expected at least one of 'warning' or 'critical'"));
  EXPECT_THAT(LoadError("rules:\n  - component: host\n"), HasSubstr("rules[0]: missing 'id'"));
  EXPECT_THAT(LoadError(OneRule("    component: mysql\n    fact: f\n    title: t\n"
                                "    runbook: r\n    warning: \"a > 1\"\n")),
              AllOf(StartsWith("test.yaml:3: rule 't.rule': component: expected host, prometheus"),
                    HasSubstr("found 'mysql'")));
  EXPECT_THAT(LoadError(OneRule(
                  "    component: host\n    fact: f\n    title: t\n    warning: \"a > 1\"\n")),
              HasSubstr("missing 'runbook'"));
  EXPECT_THAT(LoadError(OneRule(
                  "    component: host\n    title: t\n    runbook: r\n    warning: \"a > 1\"\n")),
              HasSubstr("missing 'fact'"));
  EXPECT_THAT(LoadError(OneRule(std::string(kRest) + "    warning: [a, b]\n")),
              HasSubstr("warning: expected a string, found a list"));
}

TEST(RuleLoaderTest, EmptyFileHasNoRules) {
  auto s = ParseRuleFile("empty.yaml", "");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->rules.empty());
  auto c = ParseRuleFile("comment.yaml", "# nothing yet\nrules:\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
}

TEST(RuleLoaderTest, ShippedRulesLoadWithUniqueIds) {
  auto shipped = LoadShippedRules();
  ASSERT_TRUE(shipped.ok()) << shipped.status().ToString();
  int host = 0;
  for (const auto& s : *shipped) {
    for (const auto& r : s.rules) {
      host += r.component == "host";
      EXPECT_THAT(r.runbook, StartsWith("docs/runbooks/")) << r.id;
    }
  }
  EXPECT_GE(host, 10);
}

class RuleDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vitals_rules_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::filesystem::path dir_;
};

TEST_F(RuleDirTest, OverrideReplacesShippedIdAndExtends) {
  Write("mine.yaml", R"(rules:
  - id: host.cpu.busy
    component: host
    fact: host.cpu
    title: "CPU over my limit on {subject}"
    value: "busy_ratio"
    critical: "busy_ratio > 50%"
    priority: {critical: P0}
    runbook: "docs/runbooks/host.md#cpu-busy"
  - id: host.cpu.mine
    component: host
    fact: host.cpu
    title: "mine"
    warning: "cores < 4"
    runbook: "docs/runbooks/host.md#cpu-busy"
)");
  Write("notes.txt", "ignored: not yaml");
  auto catalog = LoadRuleCatalog(dir_.string());
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  int busy = 0, mine = 0;
  for (const auto& s : *catalog) {
    for (const auto& r : s.rules) {
      busy += r.id == "host.cpu.busy";
      mine += r.id == "host.cpu.mine";
    }
  }
  EXPECT_EQ(busy, 1);
  EXPECT_EQ(mine, 1);

  Collection c;
  c.component = "host";
  c.facts.push_back({"host", "host.cpu", "box", {{"busy_ratio", 0.6}, {"cores", 2}}, {}});
  auto findings = Evaluate(*catalog, {c});
  ASSERT_EQ(findings.size(), 2u);
  // 60 % would be fine for the shipped rule (warning at 70 %); the override fires at P0.
  EXPECT_EQ(findings[0].id, "host.cpu.busy");
  EXPECT_EQ(findings[0].priority, 0);
  EXPECT_EQ(findings[0].title, "CPU over my limit on box");
  EXPECT_EQ(findings[1].id, "host.cpu.mine");
}

TEST_F(RuleDirTest, ErrorsInDirNameThePath) {
  Write("a.yaml", OneRule(std::string(kRest) + "    warning: \"a >\"\n"));
  auto catalog = LoadRuleCatalog(dir_.string());
  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(catalog.status().message(),
              StartsWith((dir_ / "a.yaml").string() + ":7: rule 't.rule': warning: column 4:"));
}

TEST_F(RuleDirTest, DuplicateIdAcrossDirFiles) {
  std::string rule = OneRule(std::string(kRest) + "    warning: \"a > 1\"\n");
  Write("a.yaml", rule);
  Write("b.yaml", rule);
  auto catalog = LoadRuleDir(dir_.string());
  ASSERT_FALSE(catalog.ok());
  EXPECT_THAT(catalog.status().message(),
              AllOf(HasSubstr("b.yaml:2: rule 't.rule': duplicate id; already defined at"),
                    HasSubstr("a.yaml:2")));
}

TEST_F(RuleDirTest, MissingDir) {
  auto catalog = LoadRuleCatalog((dir_ / "nope").string());
  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(catalog.status().message(), HasSubstr("not a directory"));
}

}  // namespace
}  // namespace vitals
