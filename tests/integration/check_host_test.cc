// Runs the built `vitals check` binary: live host, captured /proc trees,
// output formats, exit codes, bad flags and an unreachable component.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `vitals check <args>` with stdout captured through a pipe (so it is
// not a terminal) and stderr in a file.
Outcome Check(const std::string& args) {
  std::string err_file =
      std::filesystem::temp_directory_path() / ("vitals_check_err_" + std::to_string(::getpid()));
  std::string cmd = std::string(VITALS_BIN) + " check " + args + " 2>" + err_file;
  Outcome r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = ReadAll(err_file);
  std::filesystem::remove(err_file);
  return r;
}

std::string Fixture(const std::string& name) {
  return std::string(VITALS_SOURCE_DIR) + "/tests/fixtures/proc/" + name;
}

nlohmann::json ParseJson(const Outcome& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "stdout is not JSON:\n" << r.out << "\nstderr:\n" << r.err;
  return j;
}

TEST(CheckHostTest, LiveHostJson) {
  Outcome r = Check("--host --window 1s --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto j = ParseJson(r);
  ASSERT_TRUE(j.is_object());
  for (const char* key : {"findings", "limited", "errors", "summary"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["summary"]["components"], nlohmann::json::array({"host"}));
  EXPECT_EQ(j["summary"]["checked"], nlohmann::json::array({"host"}));
  EXPECT_TRUE(j["errors"].empty());
  EXPECT_DOUBLE_EQ(j["summary"]["window_s"].get<double>(), 1.0);
  EXPECT_GE(j["summary"]["facts"].get<int>(), 4);  // cpu, load, memory, pressure at least
  EXPECT_GE(j["summary"]["rules"].get<int>(), 10);
  for (const auto& f : j["findings"]) {
    EXPECT_EQ(f["component"], "host");
    EXPECT_THAT(f["runbook"].get<std::string>(), HasSubstr("docs/runbooks/host.md#"));
  }
}

TEST(CheckHostTest, CapturedBusyCpuFailsOnCritical) {
  Outcome r = Check("--proc-root " + Fixture("busy-cpu") + " --format json --fail-on critical");
  ASSERT_EQ(r.exit_code, 99) << r.err << r.out;
  auto j = ParseJson(r);
  std::vector<std::string> ids;
  for (const auto& f : j["findings"]) ids.push_back(f["id"]);
  EXPECT_THAT(ids, ::testing::UnorderedElementsAre("host.cpu.busy", "host.load.per_core",
                                                   "host.pressure.cpu"));
  EXPECT_EQ(j["summary"]["critical"], 2);
  EXPECT_EQ(j["summary"]["worst"], "critical");
  // The capture's window comes from its window_s file, not --window.
  EXPECT_DOUBLE_EQ(j["summary"]["window_s"].get<double>(), 5.0);
}

TEST(CheckHostTest, FailOnThresholds) {
  // busy-cpu has critical (and warning) findings; healthy has none.
  EXPECT_EQ(Check("--proc-root " + Fixture("busy-cpu")).exit_code, 0);  // no --fail-on
  EXPECT_EQ(Check("--proc-root " + Fixture("busy-cpu") + " --fail-on warning").exit_code, 99);
  Outcome healthy = Check("--proc-root " + Fixture("healthy") + " --fail-on warning");
  EXPECT_EQ(healthy.exit_code, 0) << healthy.out;
  EXPECT_THAT(healthy.out, HasSubstr("summary: no findings; checked host\n"));
  EXPECT_THAT(healthy.out, Not(HasSubstr("\x1b[")));  // stdout is a pipe: no colour
}

TEST(CheckHostTest, TextAndMarkdownToFile) {
  Outcome text = Check("--proc-root " + Fixture("saturated-disk"));
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_THAT(text.out,
              HasSubstr("\nP1 critical\n  Filesystem / is 97.0% full [host.filesystem.space]\n"));
  EXPECT_THAT(text.out, HasSubstr("runbook:  docs/runbooks/host.md#disk-busy"));

  std::string file = std::filesystem::temp_directory_path() /
                     ("vitals_check_md_" + std::to_string(::getpid()) + ".md");
  Outcome md = Check("--proc-root " + Fixture("saturated-disk") + " --format markdown -o " + file);
  EXPECT_EQ(md.exit_code, 0) << md.err;
  EXPECT_TRUE(md.out.empty());
  std::string body = ReadAll(file);
  std::filesystem::remove(file);
  EXPECT_THAT(body, HasSubstr("| Priority | Level | Rule | Subject | Finding |"));
  EXPECT_THAT(body, HasSubstr("| P2 | critical | `host.disk.util` | vda |"));
}

TEST(CheckHostTest, SingleSampleCaptureIsLimited) {
  Outcome r = Check("--proc-root " + Fixture("healthy/t1") + " --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = ParseJson(r);
  ASSERT_FALSE(j["limited"].empty());
  EXPECT_EQ(j["limited"][0]["component"], "host");
  EXPECT_THAT(j["limited"][0]["reason"].get<std::string>(), HasSubstr("need two samples"));
}

TEST(CheckHostTest, BadFlagsExit2) {
  struct Case {
    std::string args;
    std::string message;
  };
  for (const auto& c : std::vector<Case>{
           {"--host --format xml", "--format"},
           {"--host --window abc", "--window"},
           {"--host --window 0s", "between 1ms and 1h"},
           {"--host --bogus", "bogus"},
           {"", "nothing to check"},
           {"--host --fail-on fatal", "--fail-on"},
           {"--host --rules /nonexistent/rules", "/nonexistent/rules: not a directory"},
       }) {
    Outcome r = Check(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message)) << c.args;
  }
}

TEST(CheckHostTest, BadRuleFileNamesFileAndLine) {
  std::string dir =
      std::filesystem::temp_directory_path() / ("vitals_check_rules_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/bad.yaml") << "rules:\n  - id: host.x\n    component: host\n"
                                      "    fact: host.cpu\n    title: t\n    runbook: r\n"
                                      "    warning: \"busy_ratio >\"\n";
  Outcome r = Check("--host --rules " + dir);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(dir + "/bad.yaml:7: rule 'host.x': warning: column 13:"));
}

TEST(CheckHostTest, UnreachableComponentStillChecksTheOthers) {
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  Outcome r = Check("--proc-root " + Fixture("busy-cpu") +
                    " --redis redis://:topsecret@127.0.0.1:1 --format json");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto j = ParseJson(r);
  EXPECT_EQ(j["summary"]["checked"], nlohmann::json::array({"host"}));
  EXPECT_EQ(j["summary"]["failed"], nlohmann::json::array({"redis"}));
  EXPECT_FALSE(j["findings"].empty());
  ASSERT_EQ(j["errors"].size(), 1u);
  EXPECT_EQ(j["errors"][0]["component"], "redis");
  EXPECT_THAT(r.err, HasSubstr("could not check redis"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr("topsecret")));
  // A critical finding still wins over the failed component with --fail-on.
  EXPECT_EQ(Check("--proc-root " + Fixture("busy-cpu") +
                  " --redis redis://127.0.0.1:1 --fail-on critical")
                .exit_code,
            99);
}

TEST(CheckHostTest, ListRulesAndHelp) {
  Outcome list = Check("--list-rules");
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("host.cpu.busy"));
  EXPECT_THAT(list.out, HasSubstr("runbook docs/runbooks/host.md#cpu-busy"));
  Outcome json = Check("--list-rules --format json");
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_TRUE(ParseJson(json)["rules"].is_array());
  Outcome help = Check("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("Examples:"));
  EXPECT_THAT(help.out, HasSubstr("--fail-on"));
}

}  // namespace
