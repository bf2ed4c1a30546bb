// `vitals load --pipeline N`: requests written back to back, answers matched in order, against
// the built-in target (which answers pipelined requests in order) and Debian's nginx.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "integration/child_process.h"
#include "integration/require_server.h"
#include "target/test_http_client.h"

namespace vitals {
namespace {

using testing::Child;
using testing::EnvOrEmpty;
using ::testing::HasSubstr;
using testing::HttpResponse;
using testing::RunVitals;
using testing::TestHttpClient;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/vitals-pipeline-test-" + std::to_string(getpid()) +
         "-" + name;
}

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::remove(path.c_str());
  return nlohmann::json::parse(ss.str());
}

// Requests of one name over the run, from the per-request interval samples.
uint64_t RequestsNamed(const nlohmann::json& j, const std::string& name) {
  uint64_t n = 0;
  for (const auto& x : j["intervals"]) {
    if (x["request"] == name) n += x["requests"].get<uint64_t>();
  }
  return n;
}

// The target's http_requests_total for one method and first path segment, from /metrics.
uint64_t TargetCount(int port, const std::string& method, const std::string& path) {
  TestHttpClient client{static_cast<uint16_t>(port)};
  HttpResponse r;
  if (!client.Send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n") || !client.Read(&r)) return 0;
  const std::string& metrics = r.body;
  const std::regex line("http_requests_total\\{method=\"" + method + "\",path=\"" + path +
                        "\",code=\"200\"\\} (\\d+)");
  std::smatch m;
  return std::regex_search(metrics, m, line) ? std::stoull(m[1]) : 0;
}

// A mix of GET (with a body) and HEAD (same headers, no body) on one connection: if answers
// were matched to the wrong requests, a HEAD answer would be parsed as expecting a body (or a
// GET body read as the next status line) and the run would show parse errors.  None, and
// the target saw exactly the HEAD and GET requests vitals counted.
TEST(LoadPipeline, AnswersAreMatchedInOrder) {
  Child target({"target", "--listen", "127.0.0.1:0", "--body-bytes", "700"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  const std::string scenario = TempPath("mix.yaml");
  std::ofstream(scenario) << "name: pipeline-mix\n"
                             "base_url: http://127.0.0.1:"
                          << port
                          << "\n"
                             "requests:\n"
                             "  - {name: get, method: GET, path: /get, weight: 3}\n"
                             "  - {name: head, method: HEAD, path: /head, weight: 1}\n"
                             "phases:\n"
                             "  - {name: main, duration: 60s, model: closed, connections: 4}\n";
  const std::string json = TempPath("result.json");
  std::string out, err;
  const int code = RunVitals({"load", scenario, "--pipeline", "16", "--requests", "8000", "-t", "1",
                              "--json", json, "-q", "--no-store"},
                             &out, &err);
  std::remove(scenario.c_str());
  ASSERT_EQ(code, 0) << err;
  auto j = ReadJson(json);
  EXPECT_EQ(j["requests"].get<uint64_t>(), 8000u) << out;
  EXPECT_EQ(j["errors"].get<uint64_t>(), 0u) << out;
  EXPECT_EQ(j["errors_by_kind"].size(), 0u) << out;
  EXPECT_EQ(j["connections"]["pipeline"].get<int>(), 16);
  EXPECT_EQ(j["connections"]["opened"].get<uint64_t>(), 4u);
  // 4 connections x 16 requests in flight.
  EXPECT_EQ(j["connections"]["max_inflight"].get<uint64_t>(), 64u);
  const uint64_t heads = RequestsNamed(j, "head"), gets = RequestsNamed(j, "get");
  EXPECT_EQ(heads + gets, 8000u);
  EXPECT_GT(heads, 1500u);  // weight 1 of 4: ~2000
  EXPECT_EQ(TargetCount(port, "HEAD", "/head"), heads);
  EXPECT_EQ(TargetCount(port, "GET", "/get"), gets);
  EXPECT_THAT(out, HasSubstr("pipeline 16"));
}

TEST(LoadPipeline, NginxAnswersEveryPipelinedRequest) {
  VITALS_REQUIRE_SERVER("VITALS_TEST_NGINX_URL",
                        "scripts/test starts nginx: source scripts/lib/servers.sh; start_nginx");
  // nginx writes every pipelined answer on its own: with batch timing the kernel holds the
  // wake-up until a batch's bytes are all in, and nothing may be lost or stuck on the way.
  for (const std::string timing : {"answer", "batch"}) {
    SCOPED_TRACE(timing);
    const std::string json = TempPath("nginx.json");
    std::string out, err;
    const int code = RunVitals(
        {"load", EnvOrEmpty("VITALS_TEST_NGINX_URL"), "--pipeline", "16", "--pipeline-timing",
         timing, "-c", "10", "-t", "1", "--requests", "20000", "--json", json, "--no-store"},
        &out, &err);
    ASSERT_EQ(code, 0) << err;
    auto j = ReadJson(json);
    EXPECT_EQ(j["requests"].get<uint64_t>(), 20000u);
    EXPECT_EQ(j["status_codes"]["200"].get<uint64_t>(), 20000u) << out;
    EXPECT_EQ(j["connections"]["opened"].get<uint64_t>(), 10u);
    EXPECT_EQ(j["connections"]["pipeline_timing"], timing);
    EXPECT_EQ(out.find("answers timed per batch") != std::string::npos, timing == "batch") << out;
  }
}

TEST(LoadPipeline, RefusedWithTheOpenModel) {
  std::string out, err;
  EXPECT_EQ(RunVitals({"load", "http://127.0.0.1:1/", "--pipeline", "4", "--rate", "100", "-d",
                       "1s", "--no-store", "-q"},
                      &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("--pipeline 4 needs the closed model"));
  EXPECT_EQ(
      RunVitals({"load", "http://127.0.0.1:1/", "--pipeline", "0", "--no-store", "-q"}, &out, &err),
      2);
  EXPECT_THAT(err, HasSubstr("--pipeline 0: expected 1..1024"));
  EXPECT_EQ(RunVitals({"load", "http://127.0.0.1:1/", "--pipeline", "4", "--pipeline-timing",
                       "late", "--no-store", "-q"},
                      &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("--pipeline-timing 'late': expected answer or batch"));
  EXPECT_EQ(RunVitals({"load", "https://127.0.0.1:1/", "--pipeline", "4", "--pipeline-timing",
                       "batch", "--no-store", "-q"},
                      &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("plain http:// only"));
}

}  // namespace
}  // namespace vitals
