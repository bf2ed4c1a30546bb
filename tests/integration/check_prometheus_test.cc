// `vitals check --prometheus` end to end: the shipped rules over fixture
// pages (in process), and the built binary against `vitals target` under
// load from wrk.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "collect/prometheus.h"
#include "rules/evaluate.h"
#include "rules/loader.h"

extern char** environ;

namespace vitals {
namespace {

using ::testing::HasSubstr;

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

std::vector<Finding> CheckFixtures(const std::string& t0, const std::string& t1,
                                   int64_t window_ms, const std::string& seen_before = "") {
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

TEST(CheckPrometheus, TargetUnderLoadGivesErrorRateCriticalAndP95) {
  // The target answers every request after 20 ms, 10 % of them with a 500.
  Child target(
      {VITALS_BIN, "target", "--listen", "127.0.0.1:0", "--error-rate", "0.1", "--latency", "20ms"},
      true);
  ASSERT_TRUE(target.started());
  std::string banner =
      target.Read(10'000, [](const std::string& s) { return s.find('\n') != std::string::npos; });
  const std::string kPrefix = "vitals target listening on ";
  size_t at = banner.find(kPrefix);
  ASSERT_NE(at, std::string::npos) << "target said: " << banner;
  std::string url = banner.substr(at + kPrefix.size());
  url = url.substr(0, url.find_first_of("\r\n"));
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

}  // namespace
}  // namespace vitals
