// `vitals check --prometheus` end to end: the shipped rules over fixture
// pages (in process), and the built binary against `vitals target` under
// load from wrk.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "collect/http_get.h"
#include "collect/prometheus.h"
#include "integration/require_server.h"
#include "rules/evaluate.h"
#include "rules/loader.h"

extern char** environ;

namespace vitals {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(VITALS_SOURCE_DIR) + "/tests/fixtures/prometheus/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The series of `page` whose line contains `needle`, every value set to 0:
// what the first scrape would have shown had they existed already.
std::string ZeroedSeries(const std::string& page, const std::string& needle) {
  std::string out;
  std::istringstream in(page);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line.find(needle) == std::string::npos) continue;
    out += line.substr(0, line.rfind(' ')) + " 0\n";
  }
  return out;
}

std::vector<Finding> CheckFixtures(const std::string& t0, const std::string& t1, int64_t window_ms,
                                   const std::string& seen_before = "") {
  std::string a = Fixture(t0), b = Fixture(t1);
  // A series only in the second page has no rate (Prometheus needs two
  // samples); `seen_before` names series to add to the first page as zeros.
  if (!seen_before.empty()) a += ZeroedSeries(b, seen_before);
  EXPECT_FALSE(a.empty() || b.empty());
  auto c = GoldenSignalsFromScrapes({a, 0}, {b, window_ms}, {});
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  auto rules = LoadShippedRules();
  EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  if (!c.ok() || !rules.ok()) return {};
  return Evaluate(*rules, {*c});
}

const Finding* Find(const std::vector<Finding>& fs, const std::string& id,
                    const std::string& subject) {
  for (const auto& f : fs) {
    if (f.id == id && f.subject == subject) return &f;
  }
  return nullptr;
}

TEST(PrometheusRules, ShippedFileLoadsAndPointsAtTheServiceRunbook) {
  auto rules = LoadShippedRules();
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  int n = 0;
  for (const auto& set : *rules) {
    for (const auto& r : set.rules) {
      if (r.component != "prometheus") continue;
      ++n;
      EXPECT_EQ(set.file, "prometheus.yaml");
      EXPECT_THAT(r.runbook, HasSubstr("docs/runbooks/service.md#"));
      EXPECT_THAT(r.source, HasSubstr("seed"));
      std::string anchor = r.runbook.substr(r.runbook.find('#') + 1);
      std::ifstream doc(std::string(VITALS_SOURCE_DIR) + "/docs/runbooks/service.md");
      std::stringstream ss;
      ss << doc.rdbuf();
      std::string heading = anchor;
      for (char& c : heading) c = c == '-' ? ' ' : c;
      // "## Latency" -> #latency, "### GC pause" -> #gc-pause (case-insensitive).
      std::string lower = ss.str();
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      EXPECT_THAT(lower, HasSubstr("# " + heading + "\n")) << r.id << " -> " << r.runbook;
    }
  }
  EXPECT_GE(n, 9);
}

TEST(PrometheusRules, GoServiceFixtureFindings) {
  auto fs = CheckFixtures("go_client_t0.prom", "go_client_t1.prom", 10'000);
  const Finding* err = Find(fs, "prom.error_rate", "/api/orders");
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->level, Level::kCritical);  // 6 % > 5 %
  EXPECT_EQ(err->priority, 1);
  EXPECT_DOUBLE_EQ(*err->value, 0.06);
  EXPECT_THAT(err->evidence, HasSubstr("60 of 1000 requests"));
  const Finding* overall_err = Find(fs, "prom.error_rate", "overall");
  ASSERT_NE(overall_err, nullptr);
  EXPECT_EQ(overall_err->level, Level::kCritical);  // 60/1100 = 5.45 %
  EXPECT_EQ(Find(fs, "prom.error_rate", "/healthz"), nullptr);

  const Finding* lat = Find(fs, "prom.latency_p95", "/api/orders");
  ASSERT_NE(lat, nullptr);
  EXPECT_EQ(lat->level, Level::kWarning);  // 0.917 s
  EXPECT_EQ(lat->priority, 3);
  EXPECT_NEAR(*lat->value, 0.5 + 0.5 * 50 / 60, 1e-9);
  EXPECT_EQ(Find(fs, "prom.latency_p95_severe", "/api/orders"), nullptr);
  EXPECT_EQ(Find(fs, "prom.latency_p95", "/healthz"), nullptr);

  const Finding* gor = Find(fs, "prom.goroutines", "go");
  ASSERT_NE(gor, nullptr);
  EXPECT_EQ(gor->level, Level::kWarning);
  const Finding* gc = Find(fs, "prom.go_gc_pause", "go");
  ASSERT_NE(gc, nullptr);
  EXPECT_EQ(gc->level, Level::kWarning);                                    // 200 ms
  EXPECT_EQ(Find(fs, "prom.throughput_below_target", "overall"), nullptr);  // no target given
}

TEST(PrometheusRules, SpringFixtureFindings) {
  auto fs = CheckFixtures("spring_micrometer_t0.prom", "spring_micrometer_t1.prom", 30'000,
                          "TimeoutException");
  // p95 in the +Inf bucket is reported as the top bound, 5 s: critical, P2.
  const Finding* lat = Find(fs, "prom.latency_p95", "/api/products");
  ASSERT_NE(lat, nullptr);
  EXPECT_EQ(lat->level, Level::kCritical);
  EXPECT_EQ(lat->priority, 2);
  EXPECT_EQ(Find(fs, "prom.latency_p95_severe", "/api/products"), nullptr);
  const Finding* err = Find(fs, "prom.error_rate", "/api/products");
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->level, Level::kWarning);  // 30/630 = 4.8 %
  const Finding* gc = Find(fs, "prom.jvm_gc_pause", "jvm");
  ASSERT_NE(gc, nullptr);
  EXPECT_EQ(gc->level, Level::kCritical);  // 620 ms
  const Finding* lag = Find(fs, "prom.kafka_lag", "consumer-orders-1/orders");
  ASSERT_NE(lag, nullptr);
  EXPECT_DOUBLE_EQ(*lag->value, 8100);
  EXPECT_EQ(Find(fs, "prom.kafka_lag", "consumer-orders-1/payments"), nullptr);  // drained
}

TEST(PrometheusRules, ThroughputRuleNeedsATarget) {
  const std::string t0 = "http_requests_total{code=\"200\"} 0\n";
  const std::string t1 = "http_requests_total{code=\"200\"} 4000\n";
  PrometheusOptions o;
  o.target_rate_per_s = 1000;
  auto c = GoldenSignalsFromScrapes({t0, 0}, {t1, 10'000}, o);
  ASSERT_TRUE(c.ok());
  auto rules = LoadShippedRules();
  ASSERT_TRUE(rules.ok());
  auto fs = Evaluate(*rules, {*c});
  const Finding* f = Find(fs, "prom.throughput_below_target", "overall");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kCritical);  // 400 < 500 = half the target
  // rate() over 10 s + the 1 ms that puts the first scrape inside the range;
  // a counter starting at 0 is not extrapolated before it.
  EXPECT_NEAR(*f->value, 400, 0.05);
}

// A child process we started; killed (by its pid) and reaped on scope exit.
class Child {
 public:
  Child(std::vector<std::string> args, bool capture_stdout) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    int fds[2] = {-1, -1};
    if (capture_stdout) {
      EXPECT_EQ(pipe(fds), 0);
      posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
      posix_spawn_file_actions_addclose(&fa, fds[0]);
    } else {
      posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    }
    int rc = posix_spawnp(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (capture_stdout) close(fds[1]);
    out_fd_ = fds[0];
    if (rc != 0) pid_ = -1;
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) close(out_fd_);
  }
  bool started() const { return pid_ > 0; }

  // Reads stdout until `deadline_ms` passes or the stream ends; returns when
  // `stop` says the text so far is enough.
  template <typename Stop>
  std::string Read(int deadline_ms, Stop stop) {
    std::string out;
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(deadline_ms);
    while (!stop(out)) {
      int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(
                         end - std::chrono::steady_clock::now())
                         .count());
      if (left <= 0) break;
      pollfd p{out_fd_, POLLIN, 0};
      if (poll(&p, 1, left) <= 0) break;
      char buf[4096];
      ssize_t n = read(out_fd_, buf, sizeof(buf));
      if (n <= 0) break;
      out.append(buf, size_t(n));
    }
    return out;
  }
  // Exit code, waiting at most `deadline_ms`; -1 on timeout.
  int Wait(int deadline_ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(deadline_ms);
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  bool reaped_ = false;
};

// The URL `vitals target` announces on its first line (http://127.0.0.1:PORT/),
// or "" when it said something else (`banner` gets what it said).
std::string TargetUrl(Child& target, std::string* banner) {
  *banner =
      target.Read(10'000, [](const std::string& s) { return s.find('\n') != std::string::npos; });
  const std::string kPrefix = "vitals target listening on ";
  size_t at = banner->find(kPrefix);
  if (at == std::string::npos) return "";
  std::string url = banner->substr(at + kPrefix.size());
  return url.substr(0, url.find_first_of("\r\n"));
}

TEST(CheckPrometheus, TargetUnderLoadGivesErrorRateCriticalAndP95) {
  // The target answers every request after 20 ms, 10 % of them with a 500.
  Child target(
      {VITALS_BIN, "target", "--listen", "127.0.0.1:0", "--error-rate", "0.1", "--latency", "20ms"},
      true);
  ASSERT_TRUE(target.started());
  std::string banner;
  std::string url = TargetUrl(target, &banner);
  ASSERT_FALSE(url.empty()) << "target said: " << banner;
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;

  Child wrk({"wrk", "-t1", "-c10", "-d5s", url}, false);
  ASSERT_TRUE(wrk.started()) << "wrk is needed for this test (apt-get install wrk)";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // load is flowing

  // A probe rule shows the p95 of every endpoint as a finding's value.
  auto dir =
      std::filesystem::temp_directory_path() / ("vitals-check-prom-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream rule(dir / "probe.yaml");
    rule << "rules:\n"
            "  - id: test.p95_probe\n"
            "    component: prometheus\n"
            "    fact: http.endpoint\n"
            "    title: \"p95 {value} on {subject}\"\n"
            "    when: \"requests >= 20\"\n"
            "    value: \"p95_s\"\n"
            "    warning: \"p95_s >= 0\"\n"
            "    evidence: \"p95 {p95_s}\"\n"
            "    action: \"none\"\n"
            "    runbook: \"docs/runbooks/service.md#latency\"\n"
            "    source: \"test\"\n";
  }
  Child check({VITALS_BIN, "check", "--prometheus", url + "metrics", "--window", "2s", "--format",
               "json", "--fail-on", "critical", "--rules", dir.string()},
              true);
  ASSERT_TRUE(check.started());
  std::string out = check.Read(30'000, [](const std::string&) { return false; });
  int rc = check.Wait(10'000);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(rc, 99) << out;  // a critical finding exists

  auto report = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(report.is_discarded()) << "not JSON: " << out;
  ASSERT_TRUE(report.contains("findings")) << out;
  bool error_critical = false;
  double p95 = -1;
  for (const auto& f : report["findings"]) {
    if (f.value("id", "") == "prom.error_rate" && f.value("subject", "") == "/") {
      EXPECT_EQ(f.value("level", ""), "critical") << f.dump();
      EXPECT_EQ(f.value("priority", ""), "P1");
      double v = f["value"].get<double>();
      EXPECT_GT(v, 0.05);  // 10 % injected; ~1000 requests in the window
      EXPECT_LT(v, 0.2);
      error_critical = true;
    }
    if (f.value("id", "") == "test.p95_probe" && f.value("subject", "") == "/") {
      p95 = f["value"].get<double>();
    }
  }
  EXPECT_TRUE(error_critical) << out;
  // 20 ms answers land in the (10 ms, 25 ms] bucket: p95 interpolates to about
  // 24 ms; allow one bucket more for a busy machine.
  EXPECT_GT(p95, 0.01) << out;
  EXPECT_LE(p95, 0.05) << out;
}

// The real Prometheus server from Debian, on loopback, scraping `vitals target`
// (20 ms, 10 % errors) under 200 req/s from `vitals load`: `vitals check` and
// `vitals query` against the server and against the target's /metrics must
// give the same golden signals (within what their different windows allow)
// and the same findings.
int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

const nlohmann::json* ObservedFact(const nlohmann::json& report, const std::string& kind,
                                   const std::string& subject) {
  if (!report.contains("observed")) return nullptr;
  for (const auto& f : report["observed"]) {
    if (f.value("kind", "") == kind && f.value("subject", "") == subject) return &f;
  }
  return nullptr;
}

std::set<std::string> PrometheusFindings(const nlohmann::json& report) {
  std::set<std::string> out;
  for (const auto& f : report["findings"]) {
    if (f.value("component", "") == "prometheus") {
      out.insert(f.value("id", "") + " " + f.value("subject", ""));
    }
  }
  return out;
}

double QueryValue(const std::string& out) {
  auto doc = nlohmann::json::parse(out, nullptr, false);
  if (doc.is_discarded() || doc.value("resultType", "") != "vector" || doc["result"].empty()) {
    return -1;
  }
  return std::stod(doc["result"][0]["value"][1].get<std::string>());
}

TEST(PrometheusServer, CheckAndQueryGiveTheSameSignalsAsTheEndpoint) {
  Child target(
      {VITALS_BIN, "target", "--listen", "127.0.0.1:0", "--error-rate", "0.1", "--latency", "20ms"},
      true);
  ASSERT_TRUE(target.started());
  std::string banner;
  std::string url = TargetUrl(target, &banner);
  ASSERT_FALSE(url.empty()) << "target said: " << banner;  // http://127.0.0.1:PORT/
  std::string target_hostport = url.substr(7, url.size() - 8);

  auto dir =
      std::filesystem::temp_directory_path() / ("vitals-prom-server-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  int port = FreeLoopbackPort();
  std::string server = "http://127.0.0.1:" + std::to_string(port);
  {
    std::ofstream cfg(dir / "prometheus.yml");
    cfg << "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
           "scrape_configs:\n"
           "  - job_name: target\n"
           "    static_configs: [{targets: ['"
        << target_hostport
        << "']}]\n"
           "  - job_name: prometheus\n"
           "    static_configs: [{targets: ['127.0.0.1:"
        << port << "']}]\n";
  }
  Child prometheus({"prometheus", "--config.file=" + (dir / "prometheus.yml").string(),
                    "--storage.tsdb.path=" + (dir / "data").string(),
                    "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"},
                   false);
  VITALS_REQUIRE(prometheus.started(), "prometheus (Debian's server)",
                 "apt-get install prometheus (scripts/setup does)");
  bool ready = false;
  for (int i = 0; i < 100 && !ready; ++i) {
    auto r = HttpGet(server + "/-/ready", {});
    ready = r.ok() && r->status == 200;
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(ready) << "prometheus did not become ready on " << server;

  Child load({VITALS_BIN, "load", url, "--rate", "200", "--duration", "32s", "--no-store"}, false);
  ASSERT_TRUE(load.started());
  // 14 s of load in the server before its 10 s window is asked for.
  std::this_thread::sleep_for(std::chrono::seconds(14));

  // All four at once: the server's window is the last 10 s, the endpoint's
  // the next 8 s, both under the same steady load.
  const std::string q = "sum(rate(http_requests_total[8s]))";
  Child check_server(
      {VITALS_BIN, "check", "--prometheus", server, "--window", "10s", "--format", "json"}, true);
  Child check_endpoint(
      {VITALS_BIN, "check", "--prometheus", url + "metrics", "--window", "8s", "--format", "json"},
      true);
  Child query_server({VITALS_BIN, "query", q, "--prometheus", server, "--format", "json"}, true);
  Child query_endpoint(
      {VITALS_BIN, "query", q, "--prometheus", url + "metrics", "--format", "json"}, true);
  auto all = [](const std::string&) { return false; };
  std::string qs = query_server.Read(30'000, all);
  std::string cs = check_server.Read(30'000, all);
  std::string ce = check_endpoint.Read(30'000, all);
  std::string qe = query_endpoint.Read(30'000, all);
  EXPECT_EQ(check_server.Wait(10'000), 0) << cs;
  EXPECT_EQ(check_endpoint.Wait(10'000), 0) << ce;
  EXPECT_EQ(query_server.Wait(10'000), 0) << qs;
  EXPECT_EQ(query_endpoint.Wait(10'000), 0) << qe;
  std::filesystem::remove_all(dir);

  double rate_server = QueryValue(qs), rate_endpoint = QueryValue(qe);
  EXPECT_NEAR(rate_server, 200, 30) << qs;
  EXPECT_NEAR(rate_endpoint, 200, 30) << qe;

  auto rs = nlohmann::json::parse(cs, nullptr, false);
  auto re = nlohmann::json::parse(ce, nullptr, false);
  ASSERT_FALSE(rs.is_discarded()) << cs;
  ASSERT_FALSE(re.is_discarded()) << ce;
  const nlohmann::json* fs = ObservedFact(rs, "http.endpoint", "/");
  const nlohmann::json* fe = ObservedFact(re, "http.endpoint", "/");
  ASSERT_NE(fs, nullptr) << cs;
  ASSERT_NE(fe, nullptr) << ce;
  EXPECT_THAT((*fs)["text"].value("source", ""), HasSubstr("Prometheus 2"));
  EXPECT_THAT((*fe)["text"].value("source", ""), HasSubstr("scraped"));
  for (const nlohmann::json* f : {fs, fe}) {
    const auto& num = (*f)["num"];
    EXPECT_NEAR(num.value("rate_per_s", 0.0), 200, 30) << f->dump();
    EXPECT_NEAR(num.value("error_ratio", 0.0), 0.1, 0.045) << f->dump();
    // 20 ms answers interpolate inside the (10 ms, 25 ms] bucket.
    EXPECT_GT(num.value("p95_s", 0.0), 0.01) << f->dump();
    EXPECT_LE(num.value("p95_s", 1.0), 0.05) << f->dump();
  }
  EXPECT_NEAR((*fs)["num"].value("p95_s", 0.0), (*fe)["num"].value("p95_s", 1.0), 0.01);
  std::set<std::string> expected = {"prom.error_rate /", "prom.error_rate overall"};
  EXPECT_EQ(PrometheusFindings(rs), expected) << cs;
  EXPECT_EQ(PrometheusFindings(re), expected) << ce;
}

TEST(QueryCli, BadInputSaysWhatAndHow) {
  int closed = FreeLoopbackPort();  // nothing listens there
  std::string base = "http://127.0.0.1:" + std::to_string(closed);
  auto run = [](std::vector<std::string> args, std::string* err) {
    args.insert(args.begin(), {VITALS_BIN, "query"});
    std::string log =
        (std::filesystem::temp_directory_path() / ("vitals-query-err-" + std::to_string(getpid())))
            .string();
    std::string cmd;
    for (const auto& a : args) cmd += "'" + a + "' ";
    int rc = std::system((cmd + "2>" + log + " >/dev/null").c_str());
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    *err = ss.str();
    std::filesystem::remove(log);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  std::string err;
  EXPECT_EQ(run({"rate(x[5m:1m])", "--prometheus", base + "/metrics"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("col 7: not supported by vitals: subqueries"));
  EXPECT_EQ(run({"up", "--prometheus", base, "--at", "now", "--range", "5m"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("--at and --range exclude each other"));
  EXPECT_EQ(run({"up", "--prometheus", base, "--range", "1h", "--step", "100ms"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("Prometheus' limit is 11000"));
  EXPECT_EQ(
      run({"up", "--prometheus", "http://u:s3cret@127.0.0.1:" + std::to_string(closed)}, &err), 1);
  EXPECT_THAT(err, HasSubstr("/api/v1/status/buildinfo"));
  EXPECT_THAT(err, Not(HasSubstr("s3cret")));
  EXPECT_EQ(
      run({"up", "--prometheus", base, "--prometheus-password-file", "/nonexistent/pw"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("--prometheus-password-file /nonexistent/pw: cannot read the file"));
  EXPECT_EQ(run({"up", "--prometheus", "ftp://127.0.0.1/"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("must start with http:// or https://"));
}

}  // namespace
}  // namespace vitals
