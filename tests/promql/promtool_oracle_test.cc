// The conformance cases run through Debian's promtool ("promtool test rules"
// with one promql_expr_test per case): promtool, i.e. Prometheus itself, is
// the judge of the expected values that conformance_test.cc holds vitals to.
// promtool compares values exactly, so cases expecting NaN (never equal in
// Go) and cases marked "# promtool: skip" (Prometheus 3 behaviour that
// promtool 2.42 does not have, or vitals-only failure cases) are left out.
// Skips when promtool is not installed, unless VITALS_REQUIRE_SERVERS=1.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "integration/require_server.h"
#include "promql/promqltest.h"

namespace vitals::promql {
namespace {

std::string YamlQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string FormatExpected(double v) {
  if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";  // YAML floats
  return fmt::format("{}", v);                         // shortest round-trip form
}

TEST(PromtoolOracle, ConformanceCasesPassInPromtool) {
  bool have = std::system("promtool --version >/dev/null 2>&1") == 0;
  VITALS_REQUIRE(have, "promtool", "apt-get install prometheus (scripts/setup)");
  std::string dir = ::testing::TempDir() + "vitals_promtool_oracle";
  std::filesystem::create_directories(dir);
  std::string yaml = "rule_files: []\nevaluation_interval: 1m\ntests:\n";
  int sent = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(VITALS_SOURCE_DIR "/tests/promql/testdata")) {
    if (e.path().extension() != ".test") continue;
    Result<std::vector<testing::EvalCase>> cases = testing::ReadCaseFile(e.path().string());
    ASSERT_TRUE(cases.ok()) << cases.status().message();
    for (const testing::EvalCase& c : *cases) {
      if (!c.promtool_skip.empty()) continue;
      if (std::any_of(c.expected.begin(), c.expected.end(),
                      [](const auto& s) { return std::isnan(s.value); })) {
        continue;
      }
      yaml += fmt::format("  - interval: {}ms\n    input_series:\n", c.interval_ms);
      for (const testing::LoadedSeries& s : c.series) {
        yaml += fmt::format("      - series: {}\n        values: {}\n", YamlQuote(s.text),
                            YamlQuote(s.values));
      }
      if (c.series.empty()) yaml += "      []\n";
      yaml += fmt::format("    promql_expr_test:\n      - expr: {}\n        eval_time: {}\n",
                          YamlQuote(c.expr), c.at_text == "0" ? "0s" : c.at_text);
      if (c.expected.empty()) {
        yaml += "        exp_samples: []\n";
      } else {
        yaml += "        exp_samples:\n";
        for (const testing::ExpectedSample& s : c.expected) {
          yaml += fmt::format("          - labels: {}\n            value: {}\n",
                              YamlQuote(s.text.empty() ? "{}" : s.text), FormatExpected(s.value));
        }
      }
      ++sent;
    }
  }
  ASSERT_GT(sent, 40);
  std::string path = dir + "/cases.yml";
  std::ofstream(path) << yaml;
  std::string cmd = "promtool test rules " + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int rc = pclose(p);
  EXPECT_EQ(rc, 0) << "promtool disagrees with the expected values (file " << path << "):\n" << out;
}

}  // namespace
}  // namespace vitals::promql
