// `vitals watch`: the users' own Prometheus alert rules.
//   --check FILE...   lint rule files as `promtool check rules` does, plus
//                     the traps of alerting/lint.h
//   --test FILE...    run promtool-format rule unit tests
//   --rules FILE... --prometheus URL...   evaluate the rules live
//                     (watch_live.cc)
#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

#include "alerting/lint.h"
#include "alerting/rule_file.h"
#include "alerting/rule_test.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/watch_live.h"
#include "core/units.h"

namespace vitals::cli {
namespace {

constexpr int kExitLint = 3;  // promtool's exit code for lint problems under --lint-fatal

constexpr const char* kFooter = R"(
Modes (exactly one):
  --check FILE...   Validate rule files with Prometheus' own rules and messages (file:line:col),
                    and warn about traps: a ratio dividing each series by itself, $value in a
                    label, rate() over less than two --scrape-interval (default here 1m), an
                    alert expression without a comparison, duplicate rules.
  --test FILE...    Run rule unit tests in the format of `promtool test rules` (rule_files,
                    evaluation_interval, input_series in expanding notation, alert_rule_test,
                    promql_expr_test). Same output and exit code as promtool.
  --rules FILE...   Evaluate the rules live against --prometheus (a Prometheus server, or
                    /metrics endpoints vitals scrapes every --scrape-interval), each group on its
                    interval (--eval-interval for groups without one). State changes print as
                    they happen (a live table on a terminal, one line per change otherwise);
                    --json FILE writes them as JSON lines; --listen ADDR serves /metrics
                    (ALERTS, prometheus_rule_*); --alertmanager URL receives firing and resolved
                    alerts (v2 API). --duration D or Ctrl-C ends it with a summary.

Examples:
  vitals watch --check examples/alerts/http.yaml
  vitals watch --test examples/alerts/http_test.yaml
  vitals watch --rules examples/alerts/http.yaml --prometheus http://127.0.0.1:9090 \
      --alertmanager http://127.0.0.1:9093 --duration 10m --json alerts.jsonl

Exit codes: 0 ok; 1 a rule file or a test failed (or the source failed); 2 usage error;
3 --check --lint-fatal found a trap.
Rule files and expressions: docs/alerting.md (PromQL subset: docs/promql.md).)";

int RunCheck(const std::vector<std::string>& files, const alerting::LintOptions& lint,
             bool lint_fatal) {
  bool failed = false, warned = false;
  for (const auto& f : files) {
    std::printf("Checking %s\n", f.c_str());
    auto rf = alerting::LoadRuleFile(f);
    if (!rf.ok()) {
      std::fflush(stdout);
      std::fprintf(stderr, "  FAILED:\n%s\n", rf.status().message().c_str());
      failed = true;
      std::printf("\n");
      continue;
    }
    std::printf("  SUCCESS: %zu rules found\n", rf->rule_count());
    std::fflush(stdout);
    for (const auto& l : alerting::LintRules(*rf, lint)) {
      std::fprintf(stderr, "%s: warning [%s]: %s\n", l.pos.ToString().c_str(), l.check.c_str(),
                   l.message.c_str());
      warned = true;
    }
    std::printf("\n");
  }
  if (failed) return kExitFailure;
  return warned && lint_fatal ? kExitLint : kExitOk;
}

int RunTests(const std::vector<std::string>& files) {
  alerting::RuleTestReport r = alerting::RunRuleTests(files);
  std::fwrite(r.out.data(), 1, r.out.size(), stdout);
  std::fflush(stdout);
  std::fwrite(r.err.data(), 1, r.err.size(), stderr);
  return r.exit_code;
}

}  // namespace

int RunWatch(int argc, char** argv) {
  std::vector<std::string> check_files, test_files;
  bool lint_fatal = false;
  WatchLiveFlags live;
  CLI::App app{"Evaluate Prometheus alert rules: lint them, unit-test them, or watch them live",
               "vitals watch"};
  app.footer(kFooter);
  app.add_option("--check", check_files, "Rule files to validate and lint")->type_name("FILE");
  app.add_option("--test", test_files, "promtool-format rule test files to run")->type_name("FILE");
  app.add_flag("--lint-fatal", lint_fatal, "--check: exit 3 when a trap is found");
  AddWatchLiveFlags(app, &live);
  if (int rc = ParseOrExit(app, argc, argv); rc >= 0) return rc;

  auto usage = [](const std::string& msg) {
    std::fprintf(stderr, "vitals watch: %s\n(see vitals watch --help)\n", msg.c_str());
    return kExitUsage;
  };
  int modes = !check_files.empty() + !test_files.empty() + !live.rules.empty();
  if (modes != 1)
    return usage("give exactly one of --check FILE..., --test FILE..., --rules FILE...");
  if (!check_files.empty()) {
    alerting::LintOptions lint;
    // --scrape-interval judges rate() windows; Prometheus' default is 1m.
    std::string scrape_interval = app.count("--scrape-interval") ? live.prom.scrape_interval : "1m";
    auto d = ParseDurationNs(scrape_interval);
    if (!d.ok() || *d < 1'000'000) {
      return usage("--scrape-interval " + scrape_interval + ": expected a duration, e.g. 15s");
    }
    lint.scrape_interval_ms = *d / 1'000'000;
    return RunCheck(check_files, lint, lint_fatal);
  }
  if (!test_files.empty()) return RunTests(test_files);
  return RunWatchLive(live);
}

}  // namespace vitals::cli
