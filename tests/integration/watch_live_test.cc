// `vitals watch --rules` live, end to end with real servers from Debian on
// loopback: Prometheus scrapes `vitals target` under load from `vitals
// load`, vitals evaluates a test-sized HighResponseTime rule (for: 30s)
// against that Prometheus, and notifies a real Alertmanager.  The alert
// must go pending, fire 30 s later (+- one evaluation interval), reach
// Alertmanager with its labels and templated annotation, and resolve once
// the target answers fast again.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "collect/http_get.h"
#include "integration/proc.h"
#include "integration/require_server.h"

namespace vitals {
namespace {

using testing::FreeLoopbackPort;
using ::testing::HasSubstr;
using testing::Proc;
using testing::Ready;
using testing::Slurp;
using testing::WaitFor;
namespace fs = std::filesystem;

bool HaveBinary(const char* name) {
  return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

std::vector<nlohmann::json> JsonLines(const fs::path& p) {
  std::vector<nlohmann::json> out;
  std::istringstream in(Slurp(p));
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded()) out.push_back(j);
  }
  return out;
}

const nlohmann::json* Transition(const std::vector<nlohmann::json>& lines, const std::string& to) {
  for (const auto& j : lines) {
    if (j.value("alert", "") == "HighResponseTime" && j.value("to", "") == to) return &j;
  }
  return nullptr;
}

int64_t ParseRfc3339Ms(const std::string& s) {
  std::tm tm{};
  int ms = 0;
  std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
              &tm.tm_min, &tm.tm_sec, &ms);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return int64_t(timegm(&tm)) * 1000 + ms;
}

TEST(WatchLive, HighResponseTimeFiresReachesAlertmanagerAndResolves) {
  VITALS_REQUIRE(HaveBinary("prometheus"), "prometheus (Debian's server)",
                 "apt-get install prometheus (scripts/setup does)");
  VITALS_REQUIRE(HaveBinary("prometheus-alertmanager"), "prometheus-alertmanager",
                 "apt-get install prometheus-alertmanager (scripts/setup does)");
  fs::path dir = fs::temp_directory_path() / ("vitals-watch-live-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);

  // The target: every answer takes 300 ms.
  int target_port = FreeLoopbackPort();
  std::string target_addr = "127.0.0.1:" + std::to_string(target_port);
  auto slow = std::make_unique<Proc>(
      std::vector<std::string>{VITALS_BIN, "target", "--listen", target_addr, "--latency", "300ms"},
      dir / "target.out", dir / "target.err");
  ASSERT_TRUE(slow->started());
  ASSERT_TRUE(WaitFor(10'000, [&] { return Ready("http://" + target_addr + "/metrics"); }))
      << Slurp(dir / "target.err");

  int prom_port = FreeLoopbackPort();
  std::string prom = "http://127.0.0.1:" + std::to_string(prom_port);
  std::ofstream(dir / "prometheus.yml") << "global: {scrape_interval: 1s}\n"
                                           "scrape_configs:\n"
                                           "  - job_name: target\n"
                                           "    static_configs: [{targets: ['"
                                        << target_addr << "']}]\n";
  Proc prometheus(
      {"prometheus", "--config.file=" + (dir / "prometheus.yml").string(),
       "--storage.tsdb.path=" + (dir / "data").string(),
       "--web.listen-address=127.0.0.1:" + std::to_string(prom_port), "--log.level=warn"},
      dir / "prom.out", dir / "prom.err");
  ASSERT_TRUE(prometheus.started());
  ASSERT_TRUE(WaitFor(20'000, [&] { return Ready(prom + "/-/ready"); })) << Slurp(dir / "prom.err");

  int am_port = FreeLoopbackPort();
  std::string am = "http://127.0.0.1:" + std::to_string(am_port);
  std::ofstream(dir / "alertmanager.yml")
      << "route: {receiver: blackhole, group_wait: 1s, group_interval: 1s, repeat_interval: 1h}\n"
         "receivers: [{name: blackhole}]\n";
  Proc alertmanager(
      {"prometheus-alertmanager", "--config.file=" + (dir / "alertmanager.yml").string(),
       "--storage.path=" + (dir / "am").string(),
       "--web.listen-address=127.0.0.1:" + std::to_string(am_port),
       "--cluster.listen-address=", "--log.level=warn"},
      dir / "am.out", dir / "am.err");
  ASSERT_TRUE(alertmanager.started());
  ASSERT_TRUE(WaitFor(20'000, [&] { return Ready(am + "/-/ready"); })) << Slurp(dir / "am.err");

  // 20 requests a second for the whole test (bounded: 120 s at most).
  Proc load({VITALS_BIN, "load", "http://" + target_addr + "/", "--rate", "20", "--duration",
             "120s", "--no-store"},
            dir / "load.out", dir / "load.err");
  ASSERT_TRUE(load.started());

  std::ofstream(dir / "rules.yaml") << R"(groups:
  - name: latency
    interval: 2s
    rules:
      - alert: HighResponseTime
        expr: histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[10s])) > 0.2
        for: 30s
        labels:
          severity: warning
        annotations:
          summary: "p95 latency of {{ $labels.job }} is {{ $value | humanize }}s"
)";
  fs::path jsonl = dir / "alerts.jsonl";
  Proc watch({VITALS_BIN, "watch", "--rules", (dir / "rules.yaml").string(), "--prometheus", prom,
              "--alertmanager", am, "--json", jsonl.string(), "--listen", "127.0.0.1:0",
              "--duration", "110s"},
             dir / "watch.out", dir / "watch.err");
  ASSERT_TRUE(watch.started());

  // Pending, then firing 30 s later (the evaluation interval is 2 s).
  ASSERT_TRUE(WaitFor(75'000, [&] { return Transition(JsonLines(jsonl), "firing") != nullptr; }))
      << "watch stdout:\n"
      << watch.Out() << "\nstderr:\n"
      << Slurp(dir / "watch.err");
  auto lines = JsonLines(jsonl);
  const nlohmann::json* pending = Transition(lines, "pending");
  const nlohmann::json* firing = Transition(lines, "firing");
  ASSERT_NE(pending, nullptr);
  int64_t held = ParseRfc3339Ms(firing->at("time")) - ParseRfc3339Ms(pending->at("time"));
  EXPECT_GE(held, 30'000);
  EXPECT_LE(held, 32'000);
  EXPECT_EQ(firing->at("labels").value("severity", ""), "warning");
  EXPECT_EQ(firing->at("labels").value("job", ""), "target");
  EXPECT_THAT(firing->at("annotations").value("summary", ""),
              HasSubstr("p95 latency of target is "));

  // Alertmanager has it, with labels and the templated annotation.
  nlohmann::json am_alert;
  ASSERT_TRUE(WaitFor(10'000, [&] {
    auto r = HttpGet(am + "/api/v2/alerts", {});
    if (!r.ok() || r->status != 200) return false;
    auto doc = nlohmann::json::parse(r->body, nullptr, false);
    if (doc.is_discarded()) return false;
    for (const auto& a : doc) {
      if (a["labels"].value("alertname", "") == "HighResponseTime") {
        am_alert = a;
        return true;
      }
    }
    return false;
  }));
  EXPECT_EQ(am_alert["labels"].value("severity", ""), "warning");
  EXPECT_EQ(am_alert["labels"].value("instance", ""), target_addr);
  EXPECT_THAT(am_alert["annotations"].value("summary", ""), HasSubstr("p95 latency of target is "));
  EXPECT_EQ(am_alert["status"].value("state", ""), "active");

  // The target answers fast again: the alert resolves and leaves Alertmanager.
  slow->Stop(SIGTERM);
  Proc fast({VITALS_BIN, "target", "--listen", target_addr, "--latency", "1ms"}, dir / "fast.out",
            dir / "fast.err");
  ASSERT_TRUE(fast.started());
  ASSERT_TRUE(WaitFor(45'000, [&] { return Transition(JsonLines(jsonl), "inactive") != nullptr; }))
      << watch.Out() << Slurp(dir / "watch.err");
  auto after = JsonLines(jsonl);
  const nlohmann::json* resolved = Transition(after, "inactive");
  ASSERT_NE(resolved, nullptr);
  EXPECT_EQ(resolved->value("from", ""), "firing");
  EXPECT_TRUE(WaitFor(10'000, [&] {
    auto r = HttpGet(am + "/api/v2/alerts", {});
    return r.ok() && r->status == 200 && r->body.find("HighResponseTime") == std::string::npos;
  }));

  // Its own /metrics while it runs, then Ctrl-C ends it with a summary.
  std::string err = Slurp(dir / "watch.err");
  size_t at = err.find("serving http://");
  ASSERT_NE(at, std::string::npos) << err;
  std::string metrics_url = err.substr(at + 8, err.find('\n', at) - at - 8);
  auto page = HttpGet(metrics_url, {});
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_THAT(page->body, HasSubstr("prometheus_rule_evaluations_total{rule_group=\""));
  EXPECT_THAT(page->body, HasSubstr("prometheus_rule_group_interval_seconds"));
  EXPECT_EQ(watch.Stop(SIGINT), 0);
  std::string summary = watch.Out();
  EXPECT_THAT(summary, HasSubstr("vitals watch: interrupted; "));
  EXPECT_THAT(summary, HasSubstr("alerts that fired:"));
  EXPECT_THAT(summary, HasSubstr("HighResponseTime"));
  EXPECT_THAT(summary, HasSubstr("resolved"));
  load.Stop(SIGINT);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vitals
