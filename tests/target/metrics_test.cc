#include "target/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace vitals {
namespace {

// One parsed sample of the text exposition format.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// A strict little parser: every non-comment line must be NAME{k="v",...} VALUE.
std::vector<Sample> ParseExposition(const std::string& text) {
  std::vector<Sample> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    size_t i = line.find_first_of("{ ");
    s.name = line.substr(0, i);
    if (line[i] == '{') {
      ++i;
      while (line[i] != '}') {
        size_t eq = line.find('=', i);
        std::string key = line.substr(i, eq - i);
        EXPECT_EQ(line[eq + 1], '"') << line;
        std::string value;
        size_t j = eq + 2;
        for (; line[j] != '"'; ++j) {
          if (line[j] == '\\') ++j;
          value.push_back(line[j]);
        }
        s.labels[key] = value;
        i = j + 1;
        if (line[i] == ',') ++i;
      }
      ++i;
    }
    EXPECT_EQ(line[i], ' ') << line;
    s.value = std::stod(line.substr(i + 1));
    out.push_back(std::move(s));
  }
  return out;
}

double Find(const std::vector<Sample>& samples, const std::string& name,
            const std::map<std::string, std::string>& labels) {
  for (const auto& s : samples) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : labels) {
      auto it = s.labels.find(k);
      if (it == s.labels.end() || it->second != v) match = false;
    }
    if (match && s.labels.size() == labels.size()) return s.value;
  }
  ADD_FAILURE() << "no sample " << name;
  return -1;
}

TEST(PathLabel, CollapsesToTheFirstSegment) {
  EXPECT_EQ(PathLabel("/"), "/");
  EXPECT_EQ(PathLabel(""), "/");
  EXPECT_EQ(PathLabel("/api/users/42"), "/api");
  EXPECT_EQ(PathLabel("/api?x=1"), "/api");
  EXPECT_EQ(PathLabel("/?x=1"), "/");
  EXPECT_EQ(PathLabel("http://host:8080/v1/items"), "/v1");
  EXPECT_EQ(PathLabel("http://host"), "/");
  EXPECT_EQ(PathLabel("*"), "*");
  EXPECT_EQ(PathLabel("/" + std::string(100, 'a')).size(), 64u);
}

TEST(MethodLabel, KnownMethodsElseOther) {
  EXPECT_EQ(MethodLabel("GET"), "GET");
  EXPECT_EQ(MethodLabel("PATCH"), "PATCH");
  EXPECT_EQ(MethodLabel("get"), "OTHER");
  EXPECT_EQ(MethodLabel("BREW"), "OTHER");
}

TEST(Metrics, RenderedTextParsesBackToTheRecordedCounts) {
  ThreadMetrics a, b;
  Series* ok_a = a.Find("GET", "/api", 200);
  Series* err_a = a.Find("GET", "/api", 500);
  Series* ok_b = b.Find("GET", "/api", 200);
  Series* post_b = b.Find("POST", "/", 200);
  ASSERT_NE(ok_a, nullptr);
  EXPECT_EQ(a.Find("GET", "/api", 200), ok_a);  // same labels, same series
  // 0.5 ms, exactly 1 ms (le is inclusive), 3 ms, 20 s (+Inf only).
  ok_a->Record(500'000);
  ok_a->Record(1'000'000);
  ok_a->Record(3'000'000);
  ok_b->Record(20'000'000'000);
  for (int i = 0; i < 7; ++i) err_a->Record(200'000'000);
  post_b->Record(10'000);
  a.AddInflight(3);
  b.AddInflight(-1);
  b.AddConnections(2);

  std::vector<const ThreadMetrics*> threads = {&a, &b};
  std::string text = RenderPrometheus(threads, 1700000000.5);
  auto samples = ParseExposition(text);

  using L = std::map<std::string, std::string>;
  L get_api_200 = {{"method", "GET"}, {"path", "/api"}, {"code", "200"}};
  EXPECT_EQ(Find(samples, "http_requests_total", get_api_200), 4);
  EXPECT_EQ(Find(samples, "http_request_duration_seconds_count", get_api_200), 4);
  EXPECT_NEAR(Find(samples, "http_request_duration_seconds_sum", get_api_200), 20.0045, 1e-9);
  auto bucket = [&](const L& base, const std::string& le) {
    L l = base;
    l["le"] = le;
    return Find(samples, "http_request_duration_seconds_bucket", l);
  };
  EXPECT_EQ(bucket(get_api_200, "0.001"), 2);
  EXPECT_EQ(bucket(get_api_200, "0.0025"), 2);
  EXPECT_EQ(bucket(get_api_200, "0.005"), 3);
  EXPECT_EQ(bucket(get_api_200, "10"), 3);
  EXPECT_EQ(bucket(get_api_200, "+Inf"), 4);

  L get_api_500 = {{"method", "GET"}, {"path", "/api"}, {"code", "500"}};
  EXPECT_EQ(Find(samples, "http_requests_total", get_api_500), 7);
  EXPECT_EQ(bucket(get_api_500, "0.1"), 0);
  EXPECT_EQ(bucket(get_api_500, "0.25"), 7);
  EXPECT_EQ(
      Find(samples, "http_requests_total", {{"method", "POST"}, {"path", "/"}, {"code", "200"}}),
      1);

  EXPECT_EQ(Find(samples, "vitals_target_inflight", {}), 2);
  EXPECT_EQ(Find(samples, "vitals_target_connections", {}), 2);
  EXPECT_DOUBLE_EQ(Find(samples, "process_start_time_seconds", {}), 1700000000.5);

  // Buckets are cumulative and non-decreasing, 13 finite bounds + Inf per series.
  int buckets = 0;
  for (const auto& s : samples) buckets += s.name == "http_request_duration_seconds_bucket";
  EXPECT_EQ(buckets, 3 * 14);
  EXPECT_THAT(text, ::testing::HasSubstr("# TYPE http_request_duration_seconds histogram\n"));
  EXPECT_THAT(text, ::testing::HasSubstr("# TYPE http_requests_total counter\n"));

  MetricsTotals totals = SumMetrics(threads);
  EXPECT_EQ(totals.requests, 12u);
  EXPECT_EQ(totals.errors, 7u);
}

TEST(Metrics, UnansweredSeriesAreNotShown) {
  ThreadMetrics a;
  ASSERT_NE(a.Find("GET", "/x", 200), nullptr);
  std::vector<const ThreadMetrics*> threads = {&a};
  EXPECT_THAT(RenderPrometheus(threads, 0), ::testing::Not(::testing::HasSubstr("path=\"/x\"")));
}

TEST(Metrics, PathCardinalityIsBounded) {
  ThreadMetrics a;
  for (size_t i = 0; i < kMaxPathLabels + 10; ++i) {
    Series* s = a.Find("GET", "/p" + std::to_string(i), 200);
    ASSERT_NE(s, nullptr);
    s->Record(1);
    if (i >= kMaxPathLabels) {
      EXPECT_EQ(s->path(), "/_other");
    }
  }
  EXPECT_EQ(a.series_count(), kMaxPathLabels + 1);
}

TEST(Metrics, LabelValuesAreEscaped) {
  ThreadMetrics a;
  a.Find("GET", "/a\"b\\c", 200)->Record(1);
  std::vector<const ThreadMetrics*> threads = {&a};
  std::string text = RenderPrometheus(threads, 0);
  EXPECT_THAT(text, ::testing::HasSubstr(R"(path="/a\"b\\c")"));
  auto samples = ParseExposition(text);
  EXPECT_EQ(Find(samples, "http_requests_total",
                 {{"method", "GET"}, {"path", "/a\"b\\c"}, {"code", "200"}}),
            1);
}

TEST(Metrics, ScrapeWhileAnotherThreadRecords) {
  // The writer adds series and records while this thread renders; counts seen
  // never go backwards and the final scrape is exact (TSan/ASan-friendly).
  ThreadMetrics m;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 20000; ++i) {
      m.Find("GET", "/w" + std::to_string(i % 50), 200)->Record(1000);
    }
    done = true;
  });
  std::vector<const ThreadMetrics*> threads = {&m};
  uint64_t last = 0;
  while (!done) {
    uint64_t now = SumMetrics(threads).requests;
    EXPECT_GE(now, last);
    last = now;
    RenderPrometheus(threads, 0);
  }
  writer.join();
  EXPECT_EQ(SumMetrics(threads).requests, 20000u);
}

}  // namespace
}  // namespace vitals
