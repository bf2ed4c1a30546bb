// In-process tests of the failure modes wired into the event loop: the cache mode's miss
// latency and counters, the leak's and the process metrics in RenderMetrics().  Traffic goes
// to 127.0.0.1 only.  (The backends need real servers: tests/integration/target_modes_test.cc.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "target/target_server.h"
#include "target/test_http_client.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using testing::HttpResponse;
using ::testing::Not;
using testing::TestHttpClient;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::unique_ptr<TargetServer> StartTarget(TargetOptions o) {
  o.listen = "127.0.0.1:0";
  auto s = TargetServer::Start(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

TEST(TargetModesInProcess, CacheMissIsDelayedAndAHitIsNot) {
  TargetOptions o;
  o.cache.capacity = 10;
  o.cache.keys_per_rps = 0;  // the working set is the floor...
  o.cache.min_keys = 1;      // ...of one key: a miss, then hits
  o.cache.miss_latency = LatencySpec{LatencySpec::Kind::kFixed, 300'000'000};
  auto server = StartTarget(o);
  ASSERT_NE(server, nullptr);
  TestHttpClient c(server->port());
  HttpResponse r;
  auto t0 = Clock::now();
  ASSERT_TRUE(c.Send("GET /item HTTP/1.1\r\n\r\n") && c.Read(&r));
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(Clock::now() - t0, milliseconds(300));  // the miss paid the backend's cost
  for (int i = 0; i < 3; ++i) {
    t0 = Clock::now();
    ASSERT_TRUE(c.Send("GET /item HTTP/1.1\r\n\r\n") && c.Read(&r));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "ok");
    EXPECT_LT(Clock::now() - t0, milliseconds(250));  // hits do not
  }
  // /metrics and /healthz do not touch the cache.
  ASSERT_TRUE(c.Send("GET /healthz HTTP/1.1\r\n\r\n") && c.Read(&r));
  const std::string m = server->RenderMetrics();
  EXPECT_THAT(m, HasSubstr("\ncache_gets_total{cache=\"items\",result=\"hit\"} 3\n"));
  EXPECT_THAT(m, HasSubstr("\ncache_gets_total{cache=\"items\",result=\"miss\"} 1\n"));
  EXPECT_THAT(m, HasSubstr("\ncache_size{cache=\"items\"} 1\n"));
  EXPECT_THAT(m, HasSubstr("\nprocess_resident_memory_bytes "));
  EXPECT_THAT(m, Not(HasSubstr("vitals_target_backend_requests_total")));
}

TEST(TargetModesInProcess, CacheIsSplitOverThreads) {
  TargetOptions o;
  o.threads = 2;
  o.cache.capacity = 1000;
  o.cache.keys_per_rps = 0;  // the floor only, whatever the rate
  o.cache.min_keys = 10;
  o.cache.miss_latency = LatencySpec{};
  auto server = StartTarget(o);
  ASSERT_NE(server, nullptr);
  // Connections land on either thread; all requests are counted once.
  for (int conn = 0; conn < 4; ++conn) {
    TestHttpClient c(server->port());
    HttpResponse r;
    for (int i = 0; i < 25; ++i) {
      ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\n\r\n") && c.Read(&r));
      EXPECT_EQ(r.status, 200);
    }
  }
  const std::string m = server->RenderMetrics();
  auto value = [&](const std::string& name) {
    size_t p = m.find("\n" + name + " ");
    return p == std::string::npos ? -1.0 : std::stod(m.substr(p + name.size() + 2));
  };
  const double hits = value(R"(cache_gets_total{cache="items",result="hit"})");
  const double misses = value(R"(cache_gets_total{cache="items",result="miss"})");
  EXPECT_EQ(hits + misses, 100);
  EXPECT_LE(misses, 10);  // 5 keys per thread (floor 10 / 2 threads)
  EXPECT_EQ(value(R"(cache_size{cache="items"})"), misses);
}

TEST(TargetModesInProcess, LeakMetricAppearsWithTheLeak) {
  TargetOptions o;
  o.leak.bytes = 4096;
  o.leak.period_ns = 3'600'000'000'000;  // not within this test
  auto server = StartTarget(o);
  ASSERT_NE(server, nullptr);
  EXPECT_THAT(server->RenderMetrics(), HasSubstr("\nvitals_target_leaked_bytes 0\n"));
}

}  // namespace
}  // namespace vitals
