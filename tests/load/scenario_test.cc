#include "load/scenario.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace vitals {
namespace {

constexpr const char* kExample = R"(base_url: http://127.0.0.1:8080
defaults: {timeout: 5s, headers: {Accept: application/json}}
requests:
  - {name: home, method: GET, path: /, weight: 8}
  - {name: login, method: POST, path: /login, headers: {Content-Type: application/json}, body: '{"u":"a"}', weight: 2}
phases:
  - {name: smoke, duration: 10s, model: closed, connections: 2}
  - {name: ramp, duration: 30s, model: open, rate: {from: 10, to: 200}}
  - {name: steady, duration: 1m, model: open, rate: 200}
  - {name: spike, duration: 10s, model: open, rate: 1000}
thresholds:
  - p(95)<500ms
  - {expr: "error_rate<1%", abort_on_fail: true}
  - "p(99)<800ms over 10s"
)";

std::string Error(const std::string& yaml, const std::string& file = "scenario.yaml") {
  Result<Scenario> s = ParseScenario(yaml, file);
  EXPECT_FALSE(s.ok()) << "parsed:\n" << yaml;
  if (s.ok()) return "";
  EXPECT_EQ(s.status().code(), Status::Code::kInvalidArgument);
  return s.status().message();
}

// A minimal valid scenario with `phase` / `request` lines swapped in.
std::string With(const std::string& request, const std::string& phase,
                 const std::string& tail = "") {
  return "base_url: http://127.0.0.1:8080\n"
         "requests:\n" +
         request + "phases:\n" + phase + tail;
}

TEST(Scenario, ExampleParsesToTheExpectedStruct) {
  Result<Scenario> r = ParseScenario(kExample, "scenario.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Scenario& s = *r;
  EXPECT_EQ(s.file, "scenario.yaml");
  EXPECT_EQ(s.name, "scenario");
  EXPECT_EQ(s.base_url, "http://127.0.0.1:8080");
  ASSERT_TRUE(s.base.has_value());
  EXPECT_EQ(s.base->host, "127.0.0.1");
  EXPECT_EQ(s.base->port, 8080);
  EXPECT_EQ(s.defaults.timeout_ns, 5'000'000'000);
  ASSERT_EQ(s.defaults.headers.size(), 1u);
  EXPECT_EQ(s.defaults.headers[0].name, "Accept");
  EXPECT_EQ(s.defaults.headers[0].value, "application/json");

  ASSERT_EQ(s.requests.size(), 2u);
  const ScenarioRequest& home = s.requests[0];
  EXPECT_EQ(home.name, "home");
  EXPECT_EQ(home.path, "/");
  EXPECT_EQ(home.url.target, "/");
  EXPECT_EQ(home.url.port, 8080);
  EXPECT_EQ(home.spec.method, "GET");
  EXPECT_DOUBLE_EQ(home.weight, 8);
  EXPECT_EQ(home.timeout_ns, 5'000'000'000);
  ASSERT_EQ(home.spec.headers.size(), 1u);
  EXPECT_EQ(home.spec.headers[0].name, "Accept");
  EXPECT_TRUE(home.spec.body.empty());

  const ScenarioRequest& login = s.requests[1];
  EXPECT_EQ(login.name, "login");
  EXPECT_EQ(login.spec.method, "POST");
  EXPECT_EQ(login.url.target, "/login");
  EXPECT_EQ(login.spec.body, R"({"u":"a"})");
  EXPECT_DOUBLE_EQ(login.weight, 2);
  ASSERT_EQ(login.spec.headers.size(), 2u);
  EXPECT_EQ(login.spec.headers[0].name, "Accept");
  EXPECT_EQ(login.spec.headers[1].name, "Content-Type");
  EXPECT_EQ(login.spec.headers[1].value, "application/json");

  ASSERT_EQ(s.phases.size(), 4u);
  EXPECT_EQ(s.phases[0].name, "smoke");
  EXPECT_EQ(s.phases[0].model, LoadModel::kClosed);
  EXPECT_EQ(s.phases[0].duration_ns, 10'000'000'000);
  EXPECT_DOUBLE_EQ(s.phases[0].start, 2);
  EXPECT_DOUBLE_EQ(s.phases[0].end, 2);
  EXPECT_EQ(s.phases[1].model, LoadModel::kOpen);
  EXPECT_DOUBLE_EQ(s.phases[1].start, 10);
  EXPECT_DOUBLE_EQ(s.phases[1].end, 200);
  EXPECT_EQ(s.phases[2].duration_ns, 60'000'000'000);
  EXPECT_DOUBLE_EQ(s.phases[2].start, 200);
  EXPECT_DOUBLE_EQ(s.phases[3].end, 1000);
  EXPECT_EQ(s.TotalNs(), 110'000'000'000);
  std::vector<Stage> stages = s.Stages();
  ASSERT_EQ(stages.size(), 4u);
  EXPECT_EQ(stages[1].name, "ramp");
  EXPECT_DOUBLE_EQ(stages[1].start, 10);
  EXPECT_DOUBLE_EQ(stages[1].end, 200);
  EXPECT_TRUE(LoadPlan::Validate(stages).ok());

  ASSERT_EQ(s.thresholds.size(), 3u);
  EXPECT_EQ(s.thresholds[0].expr, "p(95)<500ms");
  EXPECT_FALSE(s.thresholds[0].abort_on_fail);
  EXPECT_EQ(s.thresholds[1].expr, "error_rate<1%");
  EXPECT_TRUE(s.thresholds[1].abort_on_fail);
  EXPECT_DOUBLE_EQ(s.thresholds[1].limit, 0.01);
  EXPECT_EQ(s.thresholds[2].window_ns, 10'000'000'000);
}

TEST(Scenario, DefaultsAndInference) {
  Result<Scenario> r = ParseScenario(
      "name: checkout flow\n"
      "base_url: http://127.0.0.1:8080/api/\n"
      "defaults: {headers: {accept: text/plain, X-Team: perf}}\n"
      "requests:\n"
      "  - path: /items?limit=5\n"
      "    headers: {Accept: application/json}\n"
      "  - {url: 'http://[::1]:9090/health', timeout: 250ms}\n"
      "phases:\n"
      "  - {duration: 5s, connections: {from: 1, to: 4}}\n"
      "  - {duration: 5s, rate: 50}\n"
      "thresholds:\n"
      "  - {expr: 'p(95){phase:phase 2}<1s', abort_on_fail: false, delay_abort_eval: 10s}\n",
      "dir/flow.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->name, "checkout flow");
  const ScenarioRequest& items = r->requests[0];
  EXPECT_EQ(items.name, "/items?limit=5");  // the path when no name is given
  EXPECT_EQ(items.url.target, "/api/items?limit=5");
  EXPECT_EQ(items.spec.method, "GET");
  EXPECT_DOUBLE_EQ(items.weight, 1);
  EXPECT_EQ(items.timeout_ns, 10'000'000'000);
  // The request's Accept replaces the default "accept" (names compare case-insensitively).
  ASSERT_EQ(items.spec.headers.size(), 2u);
  EXPECT_EQ(items.spec.headers[0].name, "X-Team");
  EXPECT_EQ(items.spec.headers[1].name, "Accept");
  EXPECT_EQ(items.spec.headers[1].value, "application/json");
  const ScenarioRequest& health = r->requests[1];
  EXPECT_TRUE(health.path.empty());
  EXPECT_EQ(health.name, "/health");
  EXPECT_TRUE(health.url.ipv6);
  EXPECT_EQ(health.timeout_ns, 250'000'000);
  EXPECT_EQ(r->phases[0].name, "phase 1");
  EXPECT_EQ(r->phases[0].model, LoadModel::kClosed);
  EXPECT_DOUBLE_EQ(r->phases[0].end, 4);
  EXPECT_EQ(r->phases[1].model, LoadModel::kOpen);
  EXPECT_EQ(r->thresholds[0].phase, "phase 2");
  EXPECT_EQ(r->thresholds[0].delay_abort_eval_ns, 10'000'000'000);
}

TEST(Scenario, ObserveListInTheObserveSyntax) {
  Result<Scenario> r =
      ParseScenario(With("  - {path: /}\n", "  - {duration: 1s, rate: 1}\n",
                         "observe:\n  - host\n  - \"redis=redis://127.0.0.1:6379\"\n"),
                    "scenario.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->observe, (std::vector<std::string>{"host", "redis=redis://127.0.0.1:6379"}));
  EXPECT_EQ(Error(With("  - {path: /}\n", "  - {duration: 1s, rate: 1}\n",
                       "observe:\n  - \"mysql=mysql://root:s3cret@db/x\"\n")),
            "scenario.yaml:7:5: observe[0]: expected host, postgres=DSN, redis=URL or "
            "prometheus=URL, got 'mysql=mysql://root:***@db/x'");
  EXPECT_NE(Error(With("  - {path: /}\n", "  - {duration: 1s, rate: 1}\n", "observe: host\n"))
                .find("expected a list like [host"),
            std::string::npos);
}

TEST(ScenarioErrors, BadYamlSyntax) {
  std::string e = Error("base_url: http://127.0.0.1:8080\nrequests: [{path: /}\nphases: []\n");
  EXPECT_EQ(e.rfind("scenario.yaml:3:", 0), 0u) << e;
  EXPECT_NE(e.find(": invalid YAML: "), std::string::npos) << e;

  e = Error("requests:\n  - path: /\n   bad indent: x\n");
  EXPECT_EQ(e.rfind("scenario.yaml:3:", 0), 0u) << e;
  EXPECT_NE(e.find("invalid YAML"), std::string::npos) << e;
}

TEST(ScenarioErrors, InvalidUtf8) {
  EXPECT_EQ(Error("base_url: http://127.0.0.1:8080\nrequests:\n  - {name: caf\xe9, path: /}\n"),
            "scenario.yaml:3:15: invalid UTF-8 (byte 0xe9); save the scenario as UTF-8");
}

TEST(ScenarioErrors, EmptyOrNotAMapping) {
  EXPECT_EQ(Error(""),
            "scenario.yaml: the scenario is empty; expected a mapping with base_url, "
            "requests and phases (see docs/scenario.md)");
  EXPECT_EQ(Error("- a\n- b\n"),
            "scenario.yaml:1:1: expected a mapping with keys name, description, base_url, "
            "defaults, requests, phases, thresholds, observe, got a list");
}

TEST(ScenarioErrors, UnknownKeyWithSuggestion) {
  EXPECT_EQ(Error(With("  - {name: home, path: /, wieght: 8}\n", "  - {duration: 1s, rate: 1}\n")),
            "scenario.yaml:3:27: requests[0]: unknown key 'wieght'; did you mean 'weight'? "
            "(allowed: name, method, path, url, headers, body, weight, timeout)");
  EXPECT_EQ(Error(With("  - {path: /}\n", "  - {duration: 1s, rate: 1}\n", "treshold: []\n")),
            "scenario.yaml:6:1: unknown key 'treshold'; did you mean 'thresholds'? (allowed: "
            "name, description, base_url, defaults, requests, phases, thresholds, observe)");
  EXPECT_EQ(Error(With("  - {path: /}\n", "  - duration: 1s\n    rate: {from: 1, too: 5}\n")),
            "scenario.yaml:6:21: phases[0].rate: unknown key 'too'; did you mean 'to'? (allowed: "
            "from, to)");
  // Far from every key: no suggestion.
  EXPECT_EQ(Error(With("  - {path: /, zzzzzz: 1}\n", "  - {duration: 1s, rate: 1}\n")),
            "scenario.yaml:3:15: requests[0]: unknown key 'zzzzzz' (allowed: name, method, path, "
            "url, headers, body, weight, timeout)");
}

TEST(ScenarioErrors, WrongTypes) {
  EXPECT_EQ(Error(With("  - {path: /}\n",
                       "  - {duration: 1s, rate: 1}\n  - {duration: 1s, "
                       "model: open, rate: fast}\n")),
            "scenario.yaml:6:39: phases[1].rate: expected a number or {from, to}, got 'fast'");
  EXPECT_EQ(Error(With("  - {path: /}\n", "  - {duration: 1s, connections: 2.5}\n")),
            "scenario.yaml:5:33: phases[0].connections: expected a whole number of connections, "
            "got '2.5'");
  EXPECT_EQ(Error(With("  - {path: /}\n", "  - {duration: 1s, model: closed, rate: 5}\n")),
            "scenario.yaml:5:41: phases[0].rate: a closed-model phase sets 'connections'; 'rate' "
            "belongs to model: open");
  EXPECT_EQ(Error(With("  - {path: /}\n", "  - {duration: 1s, model: sideways, rate: 5}\n")),
            "scenario.yaml:5:27: phases[0].model: expected open (a request rate) or closed (a "
            "number of connections), got 'sideways'");
  EXPECT_EQ(Error(With("  - {path: /}\n", "  - {duration: 1s, rate: 0}\n")),
            "scenario.yaml:5:26: phases[0].rate: a phase needs a rate above 0 at some point");
  EXPECT_EQ(Error(With("  - {path: /, body: {u: a}}\n", "  - {duration: 1s, rate: 1}\n")),
            "scenario.yaml:3:21: requests[0].body: expected a string, got a mapping; quote JSON "
            "bodies: body: '{\"u\":\"a\"}'");
  EXPECT_EQ(Error(With("  - {path: /, method: get}\n", "  - {duration: 1s, rate: 1}\n")),
            "scenario.yaml:3:23: requests[0].method: methods are case-sensitive and sent as "
            "written; did you mean 'GET'?");
  EXPECT_EQ(Error(With("  - {path: /}\n", "  - {duration: 1s, rate: 1}\n",
                       "thresholds:\n  - {expr: p(95)<1s, abort_on_fail: maybe}\n")),
            "scenario.yaml:7:37: thresholds[0].abort_on_fail: expected true or false, got 'maybe'");
  EXPECT_EQ(Error("base_url: [a]\nrequests: [{path: /}]\nphases: [{duration: 1s, rate: 1}]\n"),
            "scenario.yaml:1:11: base_url: expected a string, got a list");
}

TEST(ScenarioErrors, MissingRequestsAndPhases) {
  EXPECT_EQ(Error("base_url: http://127.0.0.1:8080\nphases: [{duration: 1s, rate: 1}]\n"),
            "scenario.yaml:1:1: requests: expected at least one request, e.g. - {name: home, "
            "method: GET, path: /}");
  EXPECT_EQ(Error("base_url: http://127.0.0.1:8080\nrequests: []\nphases: [{duration: 1s, rate: "
                  "1}]\n"),
            "scenario.yaml:2:11: requests: expected at least one request, e.g. - {name: home, "
            "method: GET, path: /}");
  EXPECT_EQ(Error(With("  - {path: /}\n", "")),
            "scenario.yaml:4:1: phases: expected at least one phase, e.g. - {name: steady, "
            "duration: 1m, model: open, rate: 100}");
  EXPECT_EQ(Error(With("  - {name: x}\n", "  - {duration: 1s, rate: 1}\n")),
            "scenario.yaml:3:5: requests[0]: missing 'path' (e.g. path: /login) or 'url'");
  EXPECT_EQ(Error(With("  - {path: /}\n", "  - {rate: 1}\n")),
            "scenario.yaml:5:5: phases[0]: missing 'duration' (e.g. duration: 30s)");
  EXPECT_EQ(Error("requests: [{path: /}]\nphases: [{duration: 1s, rate: 1}]\n"),
            "scenario.yaml:1:19: requests[0].path: a path needs base_url at the top of the file "
            "(e.g. base_url: http://127.0.0.1:8080), or give this request a full url");
}

TEST(ScenarioErrors, BadDuration) {
  EXPECT_EQ(Error(With("  - {path: /}\n", "  - {duration: 10, rate: 1}\n")),
            "scenario.yaml:5:16: phases[0].duration: expected a duration like 30s, 1m or 250ms "
            "(units ns, us, ms, s, m, h), got '10'");
  EXPECT_EQ(Error(With("  - {path: /}\n", "  - {duration: 0s, rate: 1}\n")),
            "scenario.yaml:5:16: phases[0].duration: expected a duration > 0, got '0s'");
  EXPECT_EQ(Error(With("  - {path: /, timeout: soon}\n", "  - {duration: 1s, rate: 1}\n")),
            "scenario.yaml:3:24: requests[0].timeout: expected a duration like 30s, 1m or 250ms "
            "(units ns, us, ms, s, m, h), got 'soon'");
}

TEST(ScenarioErrors, BadUrl) {
  std::string e = Error(
      "base_url: http//127.0.0.1:8080\nrequests: [{path: /}]\nphases: "
      "[{duration: 1s, rate: 1}]\n");
  EXPECT_EQ(e.rfind("scenario.yaml:1:11: base_url: bad URL 'http//127.0.0.1:8080'", 0), 0u) << e;
  e = Error(With("  - {path: login}\n", "  - {duration: 1s, rate: 1}\n"));
  EXPECT_EQ(e,
            "scenario.yaml:3:12: requests[0].path: expected a path starting with '/', got "
            "'login'");
  e = Error(With("  - {url: 'ftp://127.0.0.1/x'}\n", "  - {duration: 1s, rate: 1}\n"));
  EXPECT_EQ(e.rfind("scenario.yaml:3:11: requests[0].url: bad URL 'ftp://127.0.0.1/x': ", 0), 0u)
      << e;
  e = Error(With("  - {path: /, url: 'http://127.0.0.1/'}\n", "  - {duration: 1s, rate: 1}\n"));
  EXPECT_EQ(e,
            "scenario.yaml:3:20: requests[0]: give either 'path' (joined to base_url) or "
            "'url', not both");
  // A password in base_url never reaches a message.
  e = Error(
      "base_url: http://u:hunter2@127.0.0.1:8080?x=1\nrequests: [{path: /}]\nphases: "
      "[{duration: 1s, rate: 1}]\n");
  EXPECT_EQ(e.find("hunter2"), std::string::npos) << e;
  EXPECT_NE(e.find("without a query or fragment"), std::string::npos) << e;
}

TEST(ScenarioErrors, BadWeight) {
  EXPECT_EQ(Error(With("  - {path: /, weight: -2}\n", "  - {duration: 1s, rate: 1}\n")),
            "scenario.yaml:3:23: requests[0].weight: expected a weight > 0, got '-2'; remove the "
            "request to stop sending it");
  EXPECT_EQ(Error(With("  - {path: /, weight: heavy}\n", "  - {duration: 1s, rate: 1}\n")),
            "scenario.yaml:3:23: requests[0].weight: expected a weight (a number > 0), got "
            "'heavy'");
}

TEST(ScenarioErrors, HeadersAndRequests) {
  std::string e = Error(With("  - {path: /, headers: {Bad Name: x}}\n",
                             "  - {duration: 1s, rate: "
                             "1}\n"));
  EXPECT_EQ(e.rfind("scenario.yaml:3:25: requests[0].headers.Bad Name: invalid header: ", 0), 0u)
      << e;
  e = Error(With("  - {path: /, headers: {Transfer-Encoding: chunked}}\n",
                 "  - {duration: 1s, rate: 1}\n"));
  EXPECT_EQ(e.rfind("scenario.yaml:3:5: requests[0]: ", 0), 0u) << e;
  EXPECT_NE(e.find("Transfer-Encoding"), std::string::npos) << e;
  EXPECT_EQ(Error(With("  - {name: a, path: /}\n  - {name: a, path: /x}\n",
                       "  - {duration: 1s, rate: 1}\n")),
            "scenario.yaml:4:12: requests[1].name: request name 'a' is used twice; names must be "
            "unique (thresholds refer to them as {request:NAME})");
  EXPECT_EQ(Error(With("  - {name: 'a,b', path: /}\n", "  - {duration: 1s, rate: 1}\n")),
            "scenario.yaml:3:12: requests[0].name: expected a name without ',', '{' or '}' and "
            "without leading or trailing spaces (thresholds refer to it as {phase:NAME} or "
            "{request:NAME}), got 'a,b'");
  EXPECT_EQ(Error(With("  - {path: /, path: /x}\n", "  - {duration: 1s, rate: 1}\n")),
            "scenario.yaml:3:15: requests[0]: duplicate key 'path'; keep one");
}

TEST(ScenarioErrors, Thresholds) {
  EXPECT_EQ(Error(With("  - {path: /}\n", "  - {duration: 1s, rate: 1}\n",
                       "thresholds:\n  - p(95<500ms\n")),
            "scenario.yaml:7:5: thresholds[0]: threshold 'p(95<500ms': expected ')' after the "
            "percentile at column 5");
  EXPECT_EQ(Error(With("  - {path: /}\n", "  - {name: steady, duration: 1s, rate: 1}\n",
                       "thresholds:\n  - p(95){phase:stedy}<1s\n")),
            "scenario.yaml:7:5: thresholds[0]: threshold 'p(95){phase:stedy}<1s': no phase named "
            "'stedy'; did you mean 'steady'? (phases: steady)");
  EXPECT_EQ(Error(With("  - {name: home, path: /}\n", "  - {duration: 1s, rate: 1}\n",
                       "thresholds:\n  - {expr: 'error_rate{request:login}<1%'}\n")),
            "scenario.yaml:7:12: thresholds[0]: threshold 'error_rate{request:login}<1%': no "
            "request named 'login' (requests: home)");
  EXPECT_EQ(Error(With("  - {path: /}\n", "  - {duration: 1s, rate: 1}\n",
                       "thresholds:\n  - {abort_on_fail: true}\n")),
            "scenario.yaml:7:5: thresholds[0]: missing 'expr' (e.g. expr: \"p(95)<500ms\")");
}

TEST(ScenarioFile, MissingFileAndExamples) {
  Result<Scenario> r = LoadScenario("/nonexistent/vitals/scenario.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(r.status().message(),
            "scenario file '/nonexistent/vitals/scenario.yaml' does not "
            "exist");

  // Errors from a file name the file as given.
  const std::filesystem::path tmp =
      std::filesystem::temp_directory_path() / ("vitals_scenario_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(tmp);
  const std::string bad = (tmp / "bad.yaml").string();
  std::ofstream(bad) << "requests: [{path: /}]\nphases: [{duration: 1s, rate: 1}]\nbase: x\n";
  r = LoadScenario(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind(bad + ":3:1: unknown key 'base'", 0), 0u)
      << r.status().message();
  std::filesystem::remove_all(tmp);

  // Every shipped example parses and targets the local test target.
  int examples = 0;
  for (const auto& e : std::filesystem::directory_iterator(
           std::filesystem::path(VITALS_SOURCE_DIR) / "examples" / "scenarios")) {
    if (e.path().extension() != ".yaml") continue;
    ++examples;
    Result<Scenario> s = LoadScenario(e.path().string());
    ASSERT_TRUE(s.ok()) << e.path() << ": " << s.status().message();
    ASSERT_TRUE(s->base.has_value()) << e.path();
    EXPECT_EQ(s->base->host, "127.0.0.1") << e.path();
    EXPECT_EQ(s->base->port, 8080) << e.path();
    EXPECT_FALSE(s->thresholds.empty()) << e.path();
    EXPECT_TRUE(LoadPlan::Validate(s->Stages()).ok()) << e.path();
  }
  EXPECT_GE(examples, 5);
}

}  // namespace
}  // namespace vitals
