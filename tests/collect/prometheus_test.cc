// Golden signals from fixture pairs (expected values worked out by hand from
// the fixtures' numbers), and the scrape path against a local HTTP server.
#include "collect/prometheus.h"
#include "core/redact.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <thread>

#include "collect/prom_source.h"
#include "collect/prom_test_util.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using vitals::testing::ReadPromFixture;

const Fact* FindFact(const Collection& c, const std::string& kind, const std::string& subject) {
  for (const Fact& f : c.facts) {
    if (f.kind == kind && f.subject == subject) return &f;
  }
  return nullptr;
}

double Num(const Fact& f, const std::string& name) {
  auto it = f.num.find(name);
  EXPECT_NE(it, f.num.end()) << "missing field " << name << " in " << f.kind << " " << f.subject;
  return it == f.num.end() ? std::nan("") : it->second;
}

Collection FromFixtures(const std::string& t0, const std::string& t1, int64_t window_ms,
                        const PrometheusOptions& options = {}) {
  std::string a = ReadPromFixture(t0);
  std::string b = ReadPromFixture(t1);
  EXPECT_FALSE(a.empty() || b.empty()) << "fixtures " << t0 << ", " << t1;
  auto r = GoldenSignalsFromScrapes({a, 1'000'000}, {b, 1'000'000 + window_ms}, options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : Collection{};
}

TEST(GoldenSignals, GoClientPerHandlerAndOverall) {
  Collection c = FromFixtures("go_client_t0.prom", "go_client_t1.prom", 10'000);
  EXPECT_EQ(c.component, "prometheus");
  EXPECT_TRUE(c.limited.empty());

  const Fact* orders = FindFact(c, "http.endpoint", "/api/orders");
  ASSERT_NE(orders, nullptr);
  EXPECT_EQ(orders->component, "prometheus");
  EXPECT_DOUBLE_EQ(Num(*orders, "requests"), 1000);  // (1930-990) + (70-10)
  EXPECT_DOUBLE_EQ(Num(*orders, "rate_per_s"), 100);
  EXPECT_DOUBLE_EQ(Num(*orders, "errors"), 60);
  EXPECT_DOUBLE_EQ(Num(*orders, "error_ratio"), 0.06);
  // Bucket increases 0,0,100,300,500,800,900,960,1000,...: p50 rank 500 ends
  // (0.05,0.1]; p95 rank 950 in (0.5,1] holding 60; p99 rank 990 in (1,2.5].
  EXPECT_DOUBLE_EQ(Num(*orders, "p50_s"), 0.1);
  EXPECT_DOUBLE_EQ(Num(*orders, "p95_s"), 0.5 + 0.5 * 50 / 60);
  EXPECT_DOUBLE_EQ(Num(*orders, "p99_s"), 1 + 1.5 * 30 / 40);
  EXPECT_DOUBLE_EQ(Num(*orders, "mean_s"), 0.25);  // (310-60)/1000
  EXPECT_EQ(orders->text.at("endpoint_label"), "handler");
  EXPECT_EQ(orders->text.at("latency_metric"), "http_request_duration_seconds");
  EXPECT_EQ(orders->text.at("requests_metric"), "http_requests_total");

  const Fact* health = FindFact(c, "http.endpoint", "/healthz");
  ASSERT_NE(health, nullptr);
  EXPECT_DOUBLE_EQ(Num(*health, "error_ratio"), 0);
  EXPECT_DOUBLE_EQ(Num(*health, "p50_s"), 0.0025);  // all 100 in (0, 0.005]
  EXPECT_DOUBLE_EQ(Num(*health, "p99_s"), 0.00495);

  const Fact* overall = FindFact(c, "http.endpoint", "overall");
  ASSERT_NE(overall, nullptr);
  EXPECT_DOUBLE_EQ(Num(*overall, "requests"), 1100);
  EXPECT_DOUBLE_EQ(Num(*overall, "rate_per_s"), 110);
  EXPECT_DOUBLE_EQ(Num(*overall, "error_ratio"), 60.0 / 1100);
  // Summed increases 100,100,200,400,600,900,1000,1060,1100: p50 rank 550 in
  // (0.05,0.1] holding 200 from 400; p95 rank 1045 in (0.5,1] holding 60 from
  // 1000; p99 rank 1089 in (1,2.5] holding 40 from 1060.
  EXPECT_DOUBLE_EQ(Num(*overall, "p50_s"), 0.05 + 0.05 * 150 / 200);
  EXPECT_DOUBLE_EQ(Num(*overall, "p95_s"), 0.5 + 0.5 * 45 / 60);
  EXPECT_NEAR(Num(*overall, "p99_s"), 1 + 1.5 * 29 / 40, 1e-12);
  EXPECT_EQ(overall->num.count("target_rate_per_s"), 0u);

  const Fact* go = FindFact(c, "prom.go", "go");
  ASSERT_NE(go, nullptr);
  EXPECT_DOUBLE_EQ(Num(*go, "goroutines"), 1350);
  EXPECT_DOUBLE_EQ(Num(*go, "goroutines_delta"), 150);
  EXPECT_DOUBLE_EQ(Num(*go, "gc_pause_max_s"), 0.2);
  EXPECT_DOUBLE_EQ(Num(*go, "gc_pause_p75_s"), 0.000101);
  EXPECT_DOUBLE_EQ(Num(*go, "gc_per_s"), 1.0);            // 10 GCs in 10 s
  EXPECT_NEAR(Num(*go, "gc_pause_mean_s"), 0.04, 1e-12);  // 0.4 s over 10 GCs
  const Fact* proc = FindFact(c, "prom.process", "process");
  ASSERT_NE(proc, nullptr);
  EXPECT_DOUBLE_EQ(Num(*proc, "cpu_seconds_per_s"), 0.5);
  EXPECT_DOUBLE_EQ(Num(*proc, "resident_memory_bytes"), 5.2318208e+07);
  EXPECT_DOUBLE_EQ(Num(*proc, "fds_ratio"), 42.0 / 1048576);
  EXPECT_EQ(FindFact(c, "prom.jvm", "jvm"), nullptr);
}

TEST(GoldenSignals, PythonClientAcrossAProcessRestart) {
  // Every counter dropped (restart): the increase is the new value.
  Collection c = FromFixtures("python_client_t0.prom", "python_client_t1.prom", 15'000);
  const Fact* items = FindFact(c, "http.endpoint", "/items");
  ASSERT_NE(items, nullptr);
  EXPECT_EQ(items->text.at("endpoint_label"), "path");
  EXPECT_DOUBLE_EQ(Num(*items, "requests"), 42);
  EXPECT_DOUBLE_EQ(Num(*items, "rate_per_s"), 42.0 / 15);
  EXPECT_DOUBLE_EQ(Num(*items, "errors"), 2);
  EXPECT_DOUBLE_EQ(Num(*items, "error_ratio"), 2.0 / 42);
  // Buckets after the restart 0,0,0,2,4,10,30,38,40,41,42: p50 rank 21 in
  // (0.1,0.25]; p95 rank 39.9 in (0.5,0.75]; p99 rank 41.58 in (1,2.5].
  EXPECT_DOUBLE_EQ(Num(*items, "p50_s"), 0.1 + 0.15 * 11 / 20);
  EXPECT_DOUBLE_EQ(Num(*items, "p95_s"), 0.5 + 0.25 * 1.9 / 2);
  EXPECT_NEAR(Num(*items, "p99_s"), 1 + 1.5 * 0.58, 1e-12);
  EXPECT_DOUBLE_EQ(Num(*items, "mean_s"), 9.87 / 42);
  const Fact* proc = FindFact(c, "prom.process", "process");
  ASSERT_NE(proc, nullptr);
  // 0.45 - 31.72 + 31.72 (reset): float noise, as in Prometheus.
  EXPECT_NEAR(Num(*proc, "cpu_seconds_per_s"), 0.45 / 15, 1e-12);
}

TEST(GoldenSignals, SpringMicrometerJvmAndKafka) {
  Collection c = FromFixtures("spring_micrometer_t0.prom", "spring_micrometer_t1.prom", 30'000);
  const Fact* products = FindFact(c, "http.endpoint", "/api/products");
  ASSERT_NE(products, nullptr);
  EXPECT_EQ(products->text.at("endpoint_label"), "uri");
  EXPECT_EQ(products->text.at("latency_metric"), "http_server_requests_seconds");
  EXPECT_EQ(products->text.at("requests_metric"), "http_server_requests_seconds_count");
  // 600 OK.  The 30 timeouts come from a series that only exists in the
  // second scrape: with one sample it has no rate, exactly as in Prometheus
  // and Grafana (vitals check scrapes every second, so a new series is
  // counted from its second scrape on).
  EXPECT_DOUBLE_EQ(Num(*products, "requests"), 600);
  EXPECT_DOUBLE_EQ(Num(*products, "rate_per_s"), 20);
  EXPECT_DOUBLE_EQ(Num(*products, "error_ratio"), 0);
  // Increases of the OK series 0,100,200,300,500,600: p50 rank 300 is the
  // top of (1,2.5]; p95 and p99 (ranks 570, 594) fall in +Inf: the highest
  // finite bound, 5.
  EXPECT_DOUBLE_EQ(Num(*products, "p50_s"), 2.5);
  EXPECT_DOUBLE_EQ(Num(*products, "p95_s"), 5.0);
  EXPECT_DOUBLE_EQ(Num(*products, "p99_s"), 5.0);
  EXPECT_DOUBLE_EQ(Num(*products, "max_s"), 10.002);
  EXPECT_DOUBLE_EQ(Num(*products, "mean_s"), 1800.0 / 600);

  const Fact* jvm = FindFact(c, "prom.jvm", "jvm");
  ASSERT_NE(jvm, nullptr);
  EXPECT_DOUBLE_EQ(Num(*jvm, "gc_pause_max_s"), 0.62);
  EXPECT_DOUBLE_EQ(Num(*jvm, "gc_per_s"), 31.0 / 30);
  EXPECT_NEAR(Num(*jvm, "gc_pause_mean_s"), 1.52 / 31, 1e-12);
  EXPECT_DOUBLE_EQ(Num(*jvm, "heap_used_ratio"), 0.72);  // max -1 (undefined) skipped
  EXPECT_DOUBLE_EQ(Num(*jvm, "threads"), 212);

  const Fact* orders = FindFact(c, "prom.kafka_lag", "consumer-orders-1/orders");
  ASSERT_NE(orders, nullptr);
  EXPECT_EQ(orders->text.at("metric"), "kafka_consumer_fetch_manager_records_lag_max");
  EXPECT_DOUBLE_EQ(Num(*orders, "lag_messages"), 8100);  // max over partitions
  EXPECT_DOUBLE_EQ(Num(*orders, "lag_before_messages"), 7200);
  EXPECT_DOUBLE_EQ(Num(*orders, "lag_min_messages"), 7200);
  const Fact* payments = FindFact(c, "prom.kafka_lag", "consumer-orders-1/payments");
  ASSERT_NE(payments, nullptr);
  EXPECT_DOUBLE_EQ(Num(*payments, "lag_min_messages"), 100);  // caught up: not sustained
}

TEST(GoldenSignals, OptionsChangeErrorsTargetAndMetricNames) {
  const std::string t0 =
      "# TYPE api_calls_total counter\n"
      "api_calls_total{route=\"/a\",code=\"200\"} 100\n"
      "api_calls_total{route=\"/a\",code=\"404\"} 10\n";
  const std::string t1 =
      "# TYPE api_calls_total counter\n"
      "api_calls_total{route=\"/a\",code=\"200\"} 180\n"
      "api_calls_total{route=\"/a\",code=\"404\"} 30\n";
  PrometheusOptions o;
  o.requests_metric = "api_calls_total";
  o.target_rate_per_s = 1000;
  auto r = GoldenSignalsFromScrapes({t0, 0}, {t1, 10'000}, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Fact* overall = FindFact(*r, "http.endpoint", "overall");
  ASSERT_NE(overall, nullptr);
  EXPECT_DOUBLE_EQ(Num(*overall, "rate_per_s"), 10);
  EXPECT_DOUBLE_EQ(Num(*overall, "error_ratio"), 0);  // 4xx are the client's
  EXPECT_DOUBLE_EQ(Num(*overall, "target_rate_per_s"), 1000);
  EXPECT_EQ(overall->num.count("p95_s"), 0u);  // no latency metric on this page
  EXPECT_EQ(FindFact(*r, "http.endpoint", "/a")->num.count("target_rate_per_s"), 0u);

  o.errors_include_4xx = true;
  r = GoldenSignalsFromScrapes({t0, 0}, {t1, 10'000}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(Num(*FindFact(*r, "http.endpoint", "/a"), "error_ratio"), 0.2);

  o.latency_metric = "api_latency_seconds";
  r = GoldenSignalsFromScrapes({t0, 0}, {t1, 10'000}, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->limited.size(), 1u);
  EXPECT_THAT(r->limited[0], HasSubstr("no api_latency_seconds_bucket or "
                                       "api_latency_seconds_count series"));
}

TEST(GoldenSignals, PageWithoutHttpMetricsIsLimitedNotAnError) {
  Collection c = FromFixtures("node_exporter.prom", "node_exporter.prom", 5'000);
  for (const Fact& f : c.facts) EXPECT_NE(f.kind, "http.endpoint");
  ASSERT_EQ(c.limited.size(), 1u);
  EXPECT_THAT(c.limited[0], HasSubstr("no HTTP request metrics"));
}

TEST(GoldenSignals, ErrorsNameTheScrapeAndLine) {
  auto r = GoldenSignalsFromScrapes({"a 1\n", 0}, {"a 1\nb{x=\"1} 2\n", 1000}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kParse);
  EXPECT_EQ(r.status().message(),
            "second scrape: line 2: bad label value for \"x\": missing closing quote");
  r = GoldenSignalsFromScrapes({"a 1\n", 1000}, {"a 2\n", 1000}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
}

TEST(RedactSecrets, HidesUrlPasswordsOnly) {
  EXPECT_EQ(RedactSecrets("http://u:s3cret@127.0.0.1:9/metrics"),
            "http://u:***@127.0.0.1:9/metrics");
  EXPECT_EQ(RedactSecrets("http://127.0.0.1:9/metrics?a=b@c"), "http://127.0.0.1:9/metrics?a=b@c");
  EXPECT_EQ(RedactSecrets("https://user@host/x"), "https://user@host/x");
}

// A one-thread HTTP/1.0-style server on 127.0.0.1 for the scrape tests: each
// connection gets handler(request_index) and is closed.
class TestServer {
 public:
  struct Reply {
    int status = 200;
    std::string body;
    int delay_ms = 0;
  };
  explicit TestServer(std::function<Reply(int)> handler) : handler_(std::move(handler)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(fd_, 16);
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~TestServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/metrics"; }
  int requests() const { return count_; }

 private:
  void Loop() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = read(c, buf, sizeof(buf));
        if (n <= 0) break;
        req.append(buf, size_t(n));
      }
      Reply r = handler_(count_++);
      if (r.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(r.delay_ms));
      std::string resp = "HTTP/1.1 " + std::to_string(r.status) +
                         " X\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " +
                         std::to_string(r.body.size()) + "\r\nConnection: close\r\n\r\n" + r.body;
      size_t off = 0;
      while (off < resp.size()) {
        ssize_t n = send(c, resp.data() + off, resp.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += size_t(n);
      }
      close(c);
    }
  }
  std::function<Reply(int)> handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> count_{0};
  std::thread thread_;
};

TEST(CollectPrometheus, ScrapesTwiceOverTheWindow) {
  std::string t0 = ReadPromFixture("go_client_t0.prom");
  std::string t1 = ReadPromFixture("go_client_t1.prom");
  TestServer server([&](int i) { return TestServer::Reply{200, i == 0 ? t0 : t1}; });
  PrometheusOptions o;
  o.url = server.Url();
  o.window_ns = 300'000'000;
  auto start = std::chrono::steady_clock::now();
  auto r = CollectPrometheus(o);
  double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(server.requests(), 2);
  EXPECT_GE(elapsed_s, 0.3);
  const Fact* overall = FindFact(*r, "http.endpoint", "overall");
  ASSERT_NE(overall, nullptr);
  // rate() over the scraped span plus the 1 ms that puts the first scrape
  // inside the left-open range: within 1 ms / 300 ms of the true count.
  EXPECT_NEAR(Num(*overall, "requests"), 1100, 1100 * 0.004);
  EXPECT_NEAR(Num(*overall, "error_ratio"), 60.0 / 1100, 60.0 / 1100 * 0.004);
  // 1100 requests over ~0.3 s (the measured gap, not the nominal window).
  EXPECT_NEAR(Num(*overall, "rate_per_s"), 1100 / 0.3, 1100 / 0.3 * 0.25);
}

TEST(CollectPrometheus, HttpStatusIsAnError) {
  TestServer server([](int) { return TestServer::Reply{503, "upstream down\n"}; });
  PrometheusOptions o;
  o.url = server.Url();
  auto r = CollectPrometheus(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(r.status().message(), "GET " + server.Url() +
                                      ": HTTP 503 (expected 200); the response starts: "
                                      "upstream down ");
  EXPECT_EQ(server.requests(), 1);  // failed before waiting out the window
}

TEST(CollectPrometheus, TimeoutIsAnError) {
  TestServer server([](int) { return TestServer::Reply{200, "a 1\n", 800}; });
  PrometheusOptions o;
  o.url = server.Url();
  o.timeout_ms = 200;
  auto r = CollectPrometheus(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("timed out after 200 ms"));
}

TEST(CollectPrometheus, OversizedPageIsAnError) {
  TestServer server([](int) { return TestServer::Reply{200, std::string(64 * 1024, '#')}; });
  PrometheusOptions o;
  o.url = server.Url();
  o.max_body_bytes = 1024;
  auto r = CollectPrometheus(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("larger than the limit of 1024 bytes"));
}

TEST(CollectPrometheus, ParseErrorNamesTheScrape) {
  TestServer server([](int) { return TestServer::Reply{200, "ok 1\nbad{ 2\n"}; });
  PrometheusOptions o;
  o.url = server.Url();
  auto r = CollectPrometheus(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kParse);
  EXPECT_THAT(r.status().message(), HasSubstr(server.Url() + ": line 2: "));
}

TEST(CollectPrometheus, RefusedConnectionNeverShowsThePassword) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);  // nobody listens there now
  PrometheusOptions o;
  o.url = "http://scraper:hunter2@127.0.0.1:" + std::to_string(port) + "/metrics";
  auto r = CollectPrometheus(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("scraper:***@127.0.0.1"));
  EXPECT_THAT(r.status().message(), Not(HasSubstr("hunter2")));
}

TEST(CollectPrometheus, RejectsBadOptions) {
  PrometheusOptions o;
  o.url = "ftp://127.0.0.1/metrics";
  auto r = CollectPrometheus(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("must start with http:// or https://"));
  o.url = "http://127.0.0.1:1/metrics";
  o.window_ns = 0;
  r = CollectPrometheus(o);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("at least 1ms"));
}

// --- sources (collect/prom_source.h) ---

TEST(PromSource, DetectsAServerByItsBuildinfo) {
  TestServer server([](int i) {
    if (i == 0) {
      return TestServer::Reply{
          200, R"({"status":"success","data":{"version":"2.42.0","revision":"x"}})"};
    }
    return TestServer::Reply{
        200,
        R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"api"},"value":[1700000000.5,"1"]}]}})"};
  });
  std::string base = server.Url().substr(0, server.Url().size() - std::string("/metrics").size());
  auto src = OpenPromSource(base, {});
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  EXPECT_TRUE((*src)->is_server());
  EXPECT_EQ((*src)->Describe(), "Prometheus 2.42.0 at " + base);
  auto v = (*src)->Query("up", 1'700'000'000'500);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const auto& vec = std::get<promql::Vector>(*v);
  ASSERT_EQ(vec.size(), 1u);
  EXPECT_EQ(vec[0].labels.Get("job"), "api");
  EXPECT_EQ(vec[0].point.t_ms, 1'700'000'000'500);
  EXPECT_EQ(vec[0].point.v, 1);
}

TEST(PromSource, APathEndingInMetricsIsAnEndpointWithoutAsking) {
  TestServer server([](int) { return TestServer::Reply{200, "up 1\n"}; });
  auto d = DetectPrometheus(server.Url(), {});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_FALSE(d->server);
  EXPECT_EQ(server.requests(), 0);
}

TEST(PromSource, NeitherServerNorEndpointSaysWhatCameBack) {
  TestServer server([](int) { return TestServer::Reply{404, "not found\n"}; });
  std::string base = server.Url().substr(0, server.Url().size() - std::string("/metrics").size());
  auto d = DetectPrometheus(base + "/x", {});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Status::Code::kUnavailable);
  EXPECT_THAT(d.status().message(), HasSubstr("is neither a Prometheus server"));
  EXPECT_THAT(d.status().message(), HasSubstr("answered HTTP 404"));
}

TEST(PromSource, ApiAnswers) {
  auto m = ParsePromApiResponse(
      R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"1"},"values":[[1,"1.5"],[2,"NaN"],[3,"+Inf"]]}]}})");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const auto& series = std::get<promql::Matrix>(*m);
  ASSERT_EQ(series.size(), 1u);
  ASSERT_EQ(series[0].points.size(), 3u);
  EXPECT_EQ(series[0].points[0].t_ms, 1000);
  EXPECT_EQ(series[0].points[0].v, 1.5);
  EXPECT_TRUE(std::isnan(series[0].points[1].v));
  EXPECT_TRUE(std::isinf(series[0].points[2].v));
  auto s = ParsePromApiResponse(
      R"({"status":"success","data":{"resultType":"scalar","result":[10.25,"3"]}})");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(std::get<promql::Scalar>(*s).point.t_ms, 10250);
  auto e = ParsePromApiResponse(
      R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected"})");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(e.status().message(), "bad_data: 1:5: parse error: unexpected");
  auto junk = ParsePromApiResponse("<html>");
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.status().code(), Status::Code::kParse);
}

TEST(PromSource, Durations) {
  EXPECT_EQ(PromDuration(300'000), "5m");
  EXPECT_EQ(PromDuration(10'001), "10001ms");
  EXPECT_EQ(PromDuration(5'400'000), "1h30m");
  EXPECT_EQ(PromDuration(15'000), "15s");
}

TEST(PromSource, ScrapeSourceEvaluatesOverWhatItScraped) {
  TestServer server([](int i) {
    return TestServer::Reply{200, "requests_total " + std::to_string(100 * i) + "\n"};
  });
  ScrapeSource src({server.Url()}, {});
  ASSERT_TRUE(src.ScrapeFor(200, 100, nullptr, nullptr).ok());
  EXPECT_EQ(src.scrapes(), 3);
  auto v = src.Query("requests_total", src.last_scrape_ms());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const auto& vec = std::get<promql::Vector>(*v);
  ASSERT_EQ(vec.size(), 1u);
  EXPECT_EQ(vec[0].point.v, 200);
  EXPECT_EQ(vec[0].labels.Get("instance"), server.Url().substr(7, server.Url().size() - 7 - 8));
}

TEST(GoldenSignals, ConnectionPoolsAndMemoryLimit) {
  std::string t0 =
      "hikaricp_connections_active{pool=\"orders\"} 2\nhikaricp_connections_max{pool=\"orders\"} "
      "10\nprocess_resident_memory_bytes 9e8\ngo_gc_gomemlimit_bytes 1e9\n";
  std::string t1 =
      "hikaricp_connections_active{pool=\"orders\"} 9\nhikaricp_connections_max{pool=\"orders\"} "
      "10\nprocess_resident_memory_bytes 9.5e8\ngo_gc_gomemlimit_bytes 1e9\n";
  auto c = GoldenSignalsFromScrapes({t0, 0}, {t1, 10'000}, {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const Fact* pool = FindFact(*c, "prom.db_pool", "orders");
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(Num(*pool, "active"), 9);
  EXPECT_EQ(Num(*pool, "max"), 10);
  EXPECT_DOUBLE_EQ(Num(*pool, "use_ratio"), 0.9);
  EXPECT_EQ(pool->text.at("library"), "HikariCP");
  const Fact* proc = FindFact(*c, "prom.process", "process");
  ASSERT_NE(proc, nullptr);
  EXPECT_DOUBLE_EQ(Num(*proc, "memory_limit_ratio"), 0.95);
}

TEST(GoldenSignals, ASelectorPicksOneJob) {
  std::string page0 =
      "http_requests_total{job=\"api\",code=\"200\"} "
      "0\nhttp_requests_total{job=\"batch\",code=\"200\"} 0\n";
  std::string page1 =
      "http_requests_total{job=\"api\",code=\"200\"} "
      "100\nhttp_requests_total{job=\"batch\",code=\"200\"} 900\n";
  PrometheusOptions o;
  o.selector = "job=\"api\"";
  auto c = GoldenSignalsFromScrapes({page0, 0}, {page1, 10'000}, o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const Fact* overall = FindFact(*c, "http.endpoint", "overall");
  ASSERT_NE(overall, nullptr);
  EXPECT_NEAR(Num(*overall, "requests"), 100, 0.1);
}

}  // namespace
}  // namespace vitals
