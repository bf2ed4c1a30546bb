// `vitals watch --test / --check` end to end, with Debian's promtool as the
// oracle: the shipped examples/alerts tests and a file of wrong expectations
// must give the same output and exit code from both.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "integration/child_process.h"
#include "integration/require_server.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunVitals;

const std::string kSrc = VITALS_SOURCE_DIR;

struct CmdResult {
  int code = -1;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool HavePromtool() { return std::system("promtool --version >/dev/null 2>&1") == 0; }

// Runs `promtool <args>` in `dir` with stdout and stderr captured apart.
CmdResult Promtool(const std::string& args, const std::string& dir) {
  std::string tmp = ::testing::TempDir() + "promtool_" + std::to_string(::getpid());
  std::string cmd = "cd '" + dir + "' && promtool " + args + " >" + tmp + ".out 2>" + tmp + ".err";
  int rc = std::system(cmd.c_str());
  CmdResult r;
  r.code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = Slurp(tmp + ".out");
  r.err = Slurp(tmp + ".err");
  return r;
}

CmdResult Vitals(const std::vector<std::string>& args, const std::string& dir) {
  // Relative paths as promtool sees them: run from `dir`.
  CmdResult r;
  std::string cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  r.code = RunVitals(args, &r.out, &r.err);
  std::filesystem::current_path(cwd);
  return r;
}

CmdResult RunVitalsIn(const std::string& rule_file) {
  return Vitals({"watch", "--check", rule_file}, "/");
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

TEST(WatchTest, ShippedExamplesPassInVitalsAndPromtool) {
  VITALS_REQUIRE(HavePromtool(), "promtool", "apt-get install prometheus (scripts/setup)");
  std::string dir = kSrc + "/examples/alerts";
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string name = e.path().filename();
    if (name.size() < 10 || name.substr(name.size() - 10) != "_test.yaml") continue;
    ++files;
    CmdResult v = Vitals({"watch", "--test", name}, dir);
    CmdResult p = Promtool("test rules " + name, dir);
    EXPECT_EQ(v.code, 0) << name << "\n" << v.out << v.err;
    EXPECT_EQ(v.code, p.code) << name;
    EXPECT_EQ(v.out, p.out) << name;
    EXPECT_EQ(v.err, p.err) << name;
  }
  EXPECT_GE(files, 3);
}

TEST(WatchTest, WrongExpectationsFailAlikeInVitalsAndPromtool) {
  VITALS_REQUIRE(HavePromtool(), "promtool", "apt-get install prometheus (scripts/setup)");
  std::string dir = kSrc + "/tests/alerting/testdata";
  CmdResult v = Vitals({"watch", "--test", "failing_test.yaml"}, dir);
  CmdResult p = Promtool("test rules failing_test.yaml", dir);
  EXPECT_EQ(v.code, 1);
  EXPECT_EQ(p.code, 1);
  EXPECT_EQ(v.out, p.out);
  EXPECT_EQ(v.err, p.err);
  EXPECT_THAT(v.err, HasSubstr("got: {__name__=\"job:http_errors:rate5m\", job=\"api\"} 5E-02"));
}

TEST(WatchCheck, ShippedExamplesAreClean) {
  std::string dir = kSrc + "/examples/alerts";
  CmdResult v = Vitals(
      {"watch", "--check", "http.yaml", "resources.yaml", "database.yaml", "--lint-fatal"}, dir);
  EXPECT_EQ(v.code, 0) << v.out << v.err;
  EXPECT_THAT(v.out, HasSubstr("Checking http.yaml\n  SUCCESS: 5 rules found\n"));
  EXPECT_EQ(v.err, "");
}

TEST(WatchCheck, ValidationErrorsNameFileLineAndFailLikePromtool) {
  std::string bad =
      WriteTemp("watch_bad.yaml",
                "groups:\n- name: a\n  rules:\n  - alert: X\n    record: y\n    expr: up\n"
                "  - alert: Z\n    expr: rate(x[5m]\n- name: a\n  rules: []\n");
  CmdResult v = RunVitalsIn(bad);
  EXPECT_EQ(v.code, 1);
  EXPECT_THAT(v.err, HasSubstr(bad + ":5:13: group \"a\", rule 1, \"X\": only one of 'record' and "
                                     "'alert' must be set"));
  EXPECT_THAT(v.err,
              HasSubstr(bad + ":8:11: group \"a\", rule 2, \"Z\": could not parse expression"));
  EXPECT_THAT(v.err, HasSubstr(bad + ":9:3: groupname: \"a\" is repeated in the same file"));
  if (HavePromtool()) {
    EXPECT_EQ(Promtool("check rules " + bad, "/").code, 1);
  }
}

TEST(WatchCheck, UnsupportedPromqlIsRefusedNamingTheFeature) {
  std::string f = WriteTemp("watch_unsupported.yaml",
                            "groups:\n- name: a\n  rules:\n  - alert: Trend\n"
                            "    expr: predict_linear(disk_free_bytes[1h], 3600) < 0\n");
  CmdResult v = RunVitalsIn(f);
  EXPECT_EQ(v.code, 1);
  EXPECT_THAT(v.err, HasSubstr("not supported by vitals: function predict_linear"));
}

TEST(WatchCheck, TrapsAreWarnings) {
  std::string f = WriteTemp("watch_traps.yaml", R"(groups:
- name: runbook
  rules:
  - alert: HighErrorRate
    expr: rate(http_requests_total{status=~"5.."}[5m]) / rate(http_requests_total[5m]) > 0.05
    labels:
      value: "{{ $value }}"
  - alert: Errors
    expr: rate(errors_total[1m])
)");
  CmdResult v = Vitals({"watch", "--check", f}, "/");
  EXPECT_EQ(v.code, 0) << v.err;
  EXPECT_THAT(v.err, HasSubstr(f + ":5:11: warning [self-ratio]: group \"runbook\", rule 1, "
                                   "\"HighErrorRate\": "));
  EXPECT_THAT(v.err, HasSubstr("warning [value-in-label]"));
  EXPECT_THAT(v.err, HasSubstr("warning [short-rate-window]"));
  EXPECT_THAT(v.err, HasSubstr("warning [no-comparison]"));
  CmdResult fatal = Vitals({"watch", "--check", f, "--lint-fatal"}, "/");
  EXPECT_EQ(fatal.code, 3);
}

TEST(WatchCli, UsageErrors) {
  CmdResult none = Vitals({"watch"}, "/");
  EXPECT_EQ(none.code, 2);
  EXPECT_THAT(none.err, HasSubstr("give exactly one of"));
  CmdResult help = Vitals({"watch", "--help"}, "/");
  EXPECT_EQ(help.code, 0);
  EXPECT_THAT(help.out, HasSubstr("promtool test rules"));
  CmdResult missing = Vitals({"watch", "--test", "/nonexistent/t.yaml"}, "/");
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("cannot read /nonexistent/t.yaml"));
}

}  // namespace
}  // namespace vitals
