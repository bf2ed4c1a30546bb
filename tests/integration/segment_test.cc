// End-to-end tests of execution segments (`vitals load --segment`, `--start-at`) and of
// `vitals merge`: N segment processes against the built-in target on loopback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/hdr_log.h"
#include "core/histogram.h"
#include "integration/child_process.h"

namespace vitals {
namespace {

using testing::Child;
using ::testing::HasSubstr;
using testing::RunVitals;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/vitals-segment-test-" + std::to_string(getpid()) +
         "-" + name;
}

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

// Unix seconds with milliseconds, a few seconds ahead: every segment process has started
// (even under ASan) before the common time zero.
std::string StartAt(int64_t ahead_ms) {
  const int64_t t = WallClockMs() + ahead_ms;
  return std::to_string(t / 1000) + "." + std::to_string(1000 + t % 1000).substr(1);
}

struct Segments {
  std::vector<std::string> json;
  std::vector<int> codes;
  std::vector<std::string> err;
};

// Runs `count` segment processes of one plan at once, sharing --start-at.
Segments RunSegments(int port, int count, const std::vector<std::string>& extra,
                     const std::string& name) {
  const std::string start = StartAt(3000);
  std::vector<std::unique_ptr<Child>> children;
  Segments s;
  for (int i = 0; i < count; ++i) {
    s.json.push_back(TempPath(name + std::to_string(i + 1) + ".json"));
    std::vector<std::string> args = {
        "load",       "http://127.0.0.1:" + std::to_string(port) + "/",
        "--segment",  std::to_string(i + 1) + "/" + std::to_string(count),
        "--start-at", start,
        "--threads",  "1",
        "--json",     s.json.back(),
        "--no-store", "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    children.push_back(std::make_unique<Child>(args));
  }
  for (auto& c : children) {
    s.codes.push_back(c->Wait(60000));
    s.err.push_back(c->Stderr());
  }
  return s;
}

void RemoveAll(const Segments& s) {
  for (const auto& p : s.json) std::remove(p.c_str());
}

// Four segments of 100 req/s for 4 s: together exactly the single plan's 400 requests,
// each segment its 100 (k mod 4), all from one time zero, so every 1 s slot of the four
// series together holds the plan's 100 requests (within 1: an answer may land just past a
// boundary; at 100 req/s the next request is 10 ms behind it).
TEST(Segments, FourSegmentsAreTheSinglePlan) {
  Child target({"target", "--listen", "127.0.0.1:0", "--latency", "0"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  Segments s = RunSegments(port, 4, {"--rate", "100", "--duration", "4s"}, "exact");
  uint64_t total = 0;
  std::map<double, uint64_t> per_slot;
  int64_t started = -1;
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(s.codes[size_t(i)], 0) << s.err[size_t(i)];
    auto j = ReadJson(s.json[size_t(i)]);
    EXPECT_EQ(j["requests"].get<uint64_t>(), 100u) << "segment " << i + 1;
    EXPECT_EQ(j["errors"].get<uint64_t>(), 0u);
    EXPECT_EQ(j["dropped"].get<uint64_t>(), 0u);
    EXPECT_EQ(j["segment"]["number"].get<int>(), i + 1);
    EXPECT_EQ(j["segment"]["count"].get<int>(), 4);
    EXPECT_EQ(j["segment"]["planned_requests"].get<uint64_t>(), 100u);
    EXPECT_DOUBLE_EQ(j["rate"]["asked"].get<double>(), 25.0);
    if (started < 0) started = j["started_unix_ms"].get<int64_t>();
    EXPECT_EQ(j["started_unix_ms"].get<int64_t>(), started) << "one time zero";
    total += j["requests"].get<uint64_t>();
    for (const auto& x : j["intervals"]) {
      if (x["request"] != "") continue;
      per_slot[x["start_s"].get<double>()] += x["requests"].get<uint64_t>();
    }
  }
  EXPECT_EQ(total, 400u);
  ASSERT_EQ(per_slot.size(), 4u);
  for (const auto& [start, n] : per_slot) {
    EXPECT_NEAR(double(n), 100.0, 1.0) << "slot at " << start << " s";
  }
  RemoveAll(s);
}

TEST(Segments, ClosedModelSharesConnections) {
  Child target({"target", "--listen", "127.0.0.1:0", "--latency", "1ms"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  // 10 connections over 4 segments: 3, 3, 2, 2.
  Segments s = RunSegments(port, 4, {"--connections", "10", "--duration", "1s"}, "closed");
  const int expected[] = {3, 3, 2, 2};
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(s.codes[size_t(i)], 0) << s.err[size_t(i)];
    auto j = ReadJson(s.json[size_t(i)]);
    EXPECT_EQ(j["connections"]["max_inflight"].get<int>(), expected[i]) << "segment " << i + 1;
    EXPECT_GT(j["requests"].get<uint64_t>(), 0u);
  }
  RemoveAll(s);
}

// Runs the segments against per-segment targets (the plan's fingerprint leaves out the
// host:port, so one segment may see a slow service, as a generator in a far zone would).
Segments RunSegmentsAt(const std::vector<int>& ports, const std::vector<std::string>& extra,
                       const std::string& name) {
  const std::string start = StartAt(3000);
  const int count = int(ports.size());
  std::vector<std::unique_ptr<Child>> children;
  Segments s;
  for (int i = 0; i < count; ++i) {
    s.json.push_back(TempPath(name + std::to_string(i + 1) + ".json"));
    std::vector<std::string> args = {
        "load",       "http://127.0.0.1:" + std::to_string(ports[size_t(i)]) + "/",
        "--segment",  std::to_string(i + 1) + "/" + std::to_string(count),
        "--start-at", start,
        "--threads",  "1",
        "--json",     s.json.back(),
        "--no-store", "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    children.push_back(std::make_unique<Child>(args));
  }
  for (auto& c : children) {
    s.codes.push_back(c->Wait(60000));
    s.err.push_back(c->Stderr());
  }
  return s;
}

// The merge is exact (the merged histogram is the sum of the segments': same count, p50,
// p99, max) and the thresholds are evaluated on the whole: `requests<=350` holds in every
// segment (100 each) and fails on the merged 400; `p(99)<15ms` fails on the merged run
// although the mean of the segments' p99s (what averaging per-runner figures would give) is
// far below it.
TEST(Segments, MergeIsExactAndThresholdsSeeTheWhole) {
  Child slow({"target", "--listen", "127.0.0.1:0", "--latency", "20ms"});
  Child fast({"target", "--listen", "127.0.0.1:0", "--latency", "1ms"});
  const int slow_port = slow.ReadyPort(), fast_port = fast.ReadyPort();
  ASSERT_GT(slow_port, 0);
  ASSERT_GT(fast_port, 0);
  Segments s = RunSegmentsAt({slow_port, fast_port, fast_port, fast_port},
                             {"--rate", "100", "--duration", "4s", "--connections", "4",
                              "--max-connections", "20", "--threshold", "requests<=350"},
                             "merge");
  Histogram sum;
  double p99_mean = 0;
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(s.codes[size_t(i)], 0) << "segment " << i + 1 << " passes: " << s.err[size_t(i)];
    auto j = ReadJson(s.json[size_t(i)]);
    auto h = DecodeCompressedV2(j["hdr"]["latency_us"].get<std::string>());
    ASSERT_TRUE(h.ok()) << h.status().message();
    ASSERT_TRUE(AddInto(&sum, *h).ok());
    p99_mean += j["latency_us"]["p99"].get<double>() / 4;
  }
  EXPECT_LT(p99_mean, 15000.0);
  const std::string merged = TempPath("merged.json");
  std::string out, err;
  std::vector<std::string> args = {"merge"};
  args.insert(args.end(), s.json.begin(), s.json.end());
  const std::string store = TempPath("merged.db");
  args.insert(args.end(), {"--threshold", "p(99)<15ms", "--json", merged, "--store", store});
  EXPECT_EQ(RunVitals(args, &out, &err), 99) << out << err;
  EXPECT_THAT(out, HasSubstr("Stored as run"));
  // One run in the store, with the whole test's requests.
  std::string runs;
  EXPECT_EQ(RunVitals({"runs", "list", "--store", store}, &runs, &err), 0) << err;
  EXPECT_THAT(runs, HasSubstr(" 400 "));
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((store + suffix).c_str());
  EXPECT_THAT(out, HasSubstr("requests<=350"));
  EXPECT_THAT(out, HasSubstr("Merged 4 segments"));
  EXPECT_THAT(out, HasSubstr("merged from 4 segments"));
  auto m = ReadJson(merged);
  EXPECT_EQ(m["requests"].get<uint64_t>(), 400u);
  EXPECT_EQ(m["latency_us"]["count"].get<int64_t>(), sum.TotalCount());
  EXPECT_EQ(m["latency_us"]["p50"].get<double>(), double(sum.ValueAtPercentile(50)));
  EXPECT_EQ(m["latency_us"]["p99"].get<double>(), double(sum.ValueAtPercentile(99)));
  EXPECT_EQ(m["latency_us"]["max"].get<double>(), double(sum.Max()));
  EXPECT_GT(m["latency_us"]["p99"].get<double>(), 18000.0);
  EXPECT_EQ(m["verdict"], "fail");
  ASSERT_EQ(m["segments"].size(), 4u);
  EXPECT_EQ(m["segments"][0]["requests"].get<uint64_t>(), 100u);
  // The merged series: every 1 s slot holds the plan's 100 requests (within 1).
  std::map<double, uint64_t> per_slot;
  for (const auto& x : m["intervals"]) {
    if (x["request"] == "") per_slot[x["start_s"].get<double>()] += x["requests"].get<uint64_t>();
  }
  EXPECT_EQ(per_slot.size(), 4u);
  for (const auto& [start, n] : per_slot) EXPECT_NEAR(double(n), 100.0, 1.0) << start;

  // A missing segment, a segment given twice, a non-segment result: refused, exit 2.
  EXPECT_EQ(RunVitals({"merge", s.json[0], s.json[1], s.json[2]}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("segment 4/4 missing"));
  EXPECT_EQ(RunVitals({"merge", s.json[0], s.json[0], s.json[2], s.json[3]}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("given twice"));
  EXPECT_EQ(RunVitals({"merge", merged}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("not a segment result"));
  std::remove(merged.c_str());
  RemoveAll(s);
}

// A segment SIGKILLed at half time leaves no result; the others merge into a run marked
// partial that names the lost segment and its share of the plan.
TEST(Segments, KilledSegmentGivesAPartialRun) {
  Child target({"target", "--listen", "127.0.0.1:0", "--latency", "1ms"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  const std::string start = StartAt(2000);
  std::vector<std::unique_ptr<Child>> children;
  std::vector<std::string> json;
  for (int i = 0; i < 4; ++i) {
    json.push_back(TempPath("partial" + std::to_string(i + 1) + ".json"));
    children.push_back(std::make_unique<Child>(std::vector<std::string>{
        "load", "http://127.0.0.1:" + std::to_string(port) + "/", "--segment",
        std::to_string(i + 1) + "/4", "--start-at", start, "--rate", "100", "--duration", "4s",
        "--threads", "1", "--json", json.back(), "--no-store", "--quiet"}));
  }
  // Half time: 2 s before the start plus 2 s of the 4 s plan.
  usleep(4'000'000);
  children[2]->Signal(SIGKILL);
  for (int i = 0; i < 4; ++i) {
    const int code = children[size_t(i)]->Wait(60000);
    if (i == 2) {
      EXPECT_EQ(code, -1) << "killed";
    } else {
      EXPECT_EQ(code, 0) << children[size_t(i)]->Stderr();
    }
  }
  std::ifstream killed(json[2]);
  EXPECT_FALSE(killed.good()) << "a killed segment writes no result";
  const std::string merged = TempPath("partial-merged.json");
  std::string out, err;
  EXPECT_EQ(RunVitals({"merge", json[0], json[1], json[3]}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("segment 3/4 missing"));
  EXPECT_EQ(RunVitals({"merge", json[0], json[1], json[3], "--allow-missing", "--json", merged},
                      &out, &err),
            1)
      << out << err;
  EXPECT_THAT(out, HasSubstr("PARTIAL: segment 3/4 missing, 25.0 %"));
  auto m = ReadJson(merged);
  EXPECT_EQ(m["requests"].get<uint64_t>(), 300u);
  EXPECT_EQ(m["status"], "interrupted");
  ASSERT_EQ(m["partial"]["missing_segments"].size(), 1u);
  EXPECT_EQ(m["partial"]["missing_segments"][0].get<int>(), 3);
  EXPECT_DOUBLE_EQ(m["partial"]["missing_share"].get<double>(), 0.25);
  std::remove(merged.c_str());
  for (const auto& p : json) std::remove(p.c_str());
}

TEST(Segments, BadSegmentIsAUsageError) {
  std::string out, err;
  EXPECT_EQ(
      RunVitals({"load", "http://127.0.0.1:1/", "--segment", "0/4", "--no-store"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("1-based"));
  EXPECT_EQ(RunVitals({"load", "http://127.0.0.1:1/", "--segment-index", "4", "--segments", "4",
                       "--no-store"},
                      &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("0..3"));
  EXPECT_EQ(
      RunVitals({"load", "http://127.0.0.1:1/", "--start-at", "1000000", "-d", "1s", "--no-store"},
                &out, &err),
      2);
  EXPECT_THAT(err, HasSubstr("already over"));
}

}  // namespace
}  // namespace vitals
