// End-to-end tests of `vitals coordinate` with segment processes (`vitals load
// --coordinator`) against the built-in target on loopback: the live exact merge, thresholds
// on the merged run (abort_on_fail stops every segment), refusals, and the faults (a segment
// lost mid-run, one that never joins, an unreachable or vanished coordinator).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/hdr_log.h"
#include "core/histogram.h"
#include "integration/child_process.h"
#include "integration/refused_port.h"
#include "load/coord_protocol.h"
#include "load/result.h"

namespace vitals {
namespace {

using testing::Child;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunVitals;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/vitals-coord-test-" + std::to_string(getpid()) + "-" +
         name;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str(), nullptr, false);
}

// Starts `vitals coordinate` and reads the port it listens on from its first stdout line.
struct Coordinator {
  std::unique_ptr<Child> child;
  int port = 0;
  explicit Coordinator(std::vector<std::string> args) {
    args.insert(args.begin(), "coordinate");
    args.insert(args.end(), {"--listen", "127.0.0.1:0", "--quiet"});
    child = std::make_unique<Child>(args);
    const std::string line = child->ReadLine(20000);
    std::smatch m;
    static const std::regex kLine(R"(^vitals coordinate: listening on 127\.0\.0\.1:(\d+) .*)");
    if (std::regex_match(line, m, kLine)) port = std::stoi(m[1]);
  }
  std::string addr() const { return "127.0.0.1:" + std::to_string(port); }
  // Waits for "all N segments joined; the run starts in 2.0 s" (stdout), then `then_ms`.
  bool WaitStarted(int then_ms) {
    const std::string line = child->ReadLine(30000);
    if (line.find("segments joined; the run starts in") == std::string::npos) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(then_ms));
    return true;
  }
};

std::unique_ptr<Child> Segment(const std::string& addr, int number, int count,
                               std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"load",
                                   "--coordinator",
                                   addr,
                                   "--segment",
                                   std::to_string(number) + "/" + std::to_string(count),
                                   "--threads",
                                   "1",
                                   "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<Child>(args);
}

// A loopback TCP socket listening on a free port that nobody answers: counts whether any
// connection ever arrived (a plan that must never start).
struct SilentListener {
  int fd = -1;
  int port = 0;
  SilentListener() {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd, 16);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~SilentListener() { close(fd); }
  bool SawConnection() const {
    int c = accept(fd, nullptr, nullptr);
    if (c >= 0) close(c);
    return c >= 0;
  }
};

// Four segments of 40 req/s for 4 s through a coordinator: exactly the plan's 160 requests,
// every 1 s interval holds the plan's 40 (within 1: intervals hold answers, and the request
// due at a boundary is answered just past it; the one before has 25 ms to land, enough on a
// loaded machine under ASan) and exactly the sum of the segments' own
// intervals, the merged histogram is the sum of the segments' (count, p50, p99, max
// identical), one stored run lists the four segments, and a p99 threshold the merged run
// breaches (every answer takes at least the target's 1 ms) exits 99.
TEST(Coordinate, FourSegmentsMergeExactly) {
  Child target({"target", "--listen", "127.0.0.1:0", "--latency", "1ms"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  const std::string merged = TempPath("exact.json"), store = TempPath("exact.db");
  Coordinator coord({"http://127.0.0.1:" + std::to_string(port) + "/", "--rate", "40", "--duration",
                     "4s", "--max-connections", "50", "--threshold", "p(99)<1ms", "--segments", "4",
                     "--json", merged, "--store", store});
  ASSERT_GT(coord.port, 0);
  std::vector<std::unique_ptr<Child>> segs;
  std::vector<std::string> seg_json;
  for (int i = 1; i <= 4; ++i) {
    seg_json.push_back(TempPath("exact-seg" + std::to_string(i) + ".json"));
    segs.push_back(Segment(coord.addr(), i, 4, {"--json", seg_json.back()}));
  }
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(segs[size_t(i)]->Wait(60000), 0) << segs[size_t(i)]->Stderr();
  }
  ASSERT_EQ(coord.child->Wait(60000), 99) << coord.child->Stderr();
  const std::string out = coord.child->Stdout();
  EXPECT_THAT(out, HasSubstr("p(99)<1ms"));

  auto j = ReadJson(merged);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["requests"].get<uint64_t>(), 160u);
  EXPECT_EQ(j["dropped"].get<uint64_t>(), 0u);
  std::map<double, uint64_t> per_slot;
  for (const auto& x : j["intervals"]) {
    if (x["request"] == "") per_slot[x["start_s"].get<double>()] += x["requests"].get<uint64_t>();
  }
  ASSERT_EQ(per_slot.size(), 4u);
  for (const auto& [start, n] : per_slot) {
    EXPECT_NEAR(double(n), 40.0, 1.0) << "slot at " << start << " s";
  }
  Histogram sum;
  std::map<double, uint64_t> seg_slots;
  for (const std::string& p : seg_json) {
    auto s = ReadJson(p);
    ASSERT_TRUE(s.is_object()) << p;
    EXPECT_EQ(s["requests"].get<uint64_t>(), 40u);
    for (const auto& x : s["intervals"]) {
      if (x["request"] == "") {
        seg_slots[x["start_s"].get<double>()] += x["requests"].get<uint64_t>();
      }
    }
    auto h = DecodeCompressedV2(s["hdr"]["latency_us"].get<std::string>());
    ASSERT_TRUE(h.ok()) << h.status().message();
    ASSERT_TRUE(AddInto(&sum, *h).ok());
  }
  EXPECT_EQ(seg_slots, per_slot) << "the merged series is the sum of the segments'";
  const LatencySummary want = LatencySummary::From(sum);
  EXPECT_EQ(want.count, 160u);
  EXPECT_DOUBLE_EQ(j["latency_us"]["p50"].get<double>(), want.p50);
  EXPECT_DOUBLE_EQ(j["latency_us"]["p99"].get<double>(), want.p99);
  EXPECT_DOUBLE_EQ(j["latency_us"]["max"].get<double>(), want.max);
  ASSERT_EQ(j["segments"].size(), 4u);
  EXPECT_GT(j["segments"][0]["joined_unix_ms"].get<int64_t>(), 0);

  std::string shown, err;
  ASSERT_EQ(RunVitals({"runs", "show", "latest~0", "--store", store}, &shown, &err), 0) << err;
  EXPECT_THAT(shown, HasSubstr("segments (4)"));
  for (const char* n : {"1/4", "2/4", "3/4", "4/4"}) EXPECT_THAT(shown, HasSubstr(n));
  for (const auto& p : seg_json) std::remove(p.c_str());
  std::remove(merged.c_str());
  std::remove(store.c_str());
}

// `requests<=500` holds in each segment (at most 400 each) and fails on the merged run; with
// abort_on_fail (from the scenario, which travels to the segments as text) the coordinator
// stops every segment as soon as the merged count passes 500: the run ends well short of its
// 1600 planned requests, exits 99, and the segments say the coordinator stopped them.
TEST(Coordinate, MergedCountThresholdAbortsEverySegment) {
  Child target({"target", "--listen", "127.0.0.1:0", "--latency", "0"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  const std::string scenario = TempPath("abort.yaml"), merged = TempPath("abort.json");
  WriteFile(scenario, "name: coord-abort\nbase_url: http://127.0.0.1:" + std::to_string(port) +
                          "\nrequests:\n  - {name: home, method: GET, path: /}\n"
                          "phases:\n  - {name: steady, duration: 4s, model: open, rate: 400}\n"
                          "thresholds:\n  - {expr: \"requests<=500\", abort_on_fail: true}\n");
  // The token from the environment, on both sides (the children inherit it).
  ASSERT_EQ(setenv("VITALS_COORDINATOR_TOKEN", "env-token-5d2b", 1), 0);
  struct Unset {
    ~Unset() { unsetenv("VITALS_COORDINATOR_TOKEN"); }
  } unset;
  Coordinator coord({scenario, "--segments", "4", "--json", merged, "--no-store"});
  ASSERT_GT(coord.port, 0);
  std::vector<std::unique_ptr<Child>> segs;
  std::vector<std::string> seg_json;
  for (int i = 1; i <= 4; ++i) {
    seg_json.push_back(TempPath("abort-seg" + std::to_string(i) + ".json"));
    segs.push_back(Segment(coord.addr(), i, 4, {"--json", seg_json.back()}));
  }
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(segs[size_t(i)]->Wait(60000), 0);
    EXPECT_THAT(segs[size_t(i)]->Stderr(), HasSubstr("stopped by the coordinator"));
    auto s = ReadJson(seg_json[size_t(i)]);
    ASSERT_TRUE(s.is_object());
    EXPECT_LE(s["requests"].get<uint64_t>(), 500u) << "each segment passes on its own";
  }
  EXPECT_EQ(coord.child->Wait(60000), 99);
  EXPECT_THAT(coord.child->Stdout(), HasSubstr("Aborted early"));
  EXPECT_THAT(coord.child->Stderr(), Not(HasSubstr("env-token")));
  auto j = ReadJson(merged);
  ASSERT_TRUE(j.is_object());
  EXPECT_GT(j["requests"].get<uint64_t>(), 500u);
  EXPECT_LT(j["requests"].get<uint64_t>(), 1600u) << "stopped before the plan's end";
  EXPECT_THAT(j["aborted_by"].get<std::string>(), HasSubstr("requests<=500"));
  for (const auto& p : seg_json) std::remove(p.c_str());
  std::remove(merged.c_str());
  std::remove(scenario.c_str());
}

// SIGKILL of segment 2/2 mid-run: the run is partial, names the segment, its 50 % share and
// when it was lost; segment 1/2 (continue) runs its whole share.
TEST(Coordinate, LostSegmentMakesAPartialRun) {
  Child target({"target", "--listen", "127.0.0.1:0", "--latency", "0"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  const std::string merged = TempPath("lost.json"), store = TempPath("lost.db");
  Coordinator coord({"http://127.0.0.1:" + std::to_string(port) + "/", "--rate", "200",
                     "--duration", "4s", "--segments", "2", "--json", merged, "--store", store});
  ASSERT_GT(coord.port, 0);
  auto one = Segment(coord.addr(), 1, 2, {});
  auto two = Segment(coord.addr(), 2, 2, {});
  // The run starts 2 s after the joins and lasts 4 s: kill at about half time.
  ASSERT_TRUE(coord.WaitStarted(4000));
  two->Signal(SIGKILL);
  EXPECT_EQ(one->Wait(60000), 0) << one->Stderr();
  EXPECT_EQ(coord.child->Wait(60000), 1);
  const std::string out = coord.child->Stdout();
  EXPECT_THAT(out, HasSubstr("PARTIAL: segment 2/2 lost, 50.0 % of the plan's load"));
  auto j = ReadJson(merged);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["partial"]["missing_segments"], nlohmann::json::array({2}));
  EXPECT_DOUBLE_EQ(j["partial"]["missing_share"].get<double>(), 0.5);
  ASSERT_EQ(j["partial"]["lost"].size(), 1u);
  // Killed 2 s into the run (4 s after the joins were announced, 2 s before the start).
  EXPECT_GT(j["partial"]["lost"][0]["lost_at_s"].get<double>(), 1.0);
  EXPECT_EQ(j["requests"].get<uint64_t>(), 400u) << "segment 1/2 ran its whole share";
  EXPECT_EQ(j["status"], "interrupted");
  std::string shown, err;
  ASSERT_EQ(
      RunVitals({"runs", "show", j["run_id"].get<std::string>(), "--store", store}, &shown, &err),
      0)
      << err;
  EXPECT_THAT(shown, HasSubstr("LOST at"));
  std::remove(merged.c_str());
  std::remove(store.c_str());
}

// --on-segment-loss abort: losing segment 2/2 stops segment 1/2 too; the run is partial.
TEST(Coordinate, SegmentLossAbortStopsTheOthers) {
  Child target({"target", "--listen", "127.0.0.1:0", "--latency", "0"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  Coordinator coord({"http://127.0.0.1:" + std::to_string(port) + "/", "--rate", "100",
                     "--duration", "30s", "--segments", "2", "--on-segment-loss", "abort",
                     "--no-store"});
  ASSERT_GT(coord.port, 0);
  auto one = Segment(coord.addr(), 1, 2, {});
  auto two = Segment(coord.addr(), 2, 2, {});
  ASSERT_TRUE(coord.WaitStarted(3000));
  two->Signal(SIGKILL);
  EXPECT_EQ(one->Wait(20000), 0);
  EXPECT_THAT(one->Stderr(), HasSubstr("segment 2/2 was lost (--on-segment-loss abort)"));
  EXPECT_EQ(coord.child->Wait(20000), 1);
  EXPECT_THAT(coord.child->Stdout(), HasSubstr("PARTIAL: segment 2/2 lost"));
}

// A wrong token and another plan are refused (exit 2, the reason on both sides, the token
// never printed); segment 2/2 never joins: after --join-timeout the coordinator exits 1
// naming it, the joined segment is told to stop, and the target never saw a connection.
TEST(Coordinate, RefusalsAndAMissingSegmentStartNothing) {
  SilentListener never;
  ASSERT_GT(never.port, 0);
  const std::string good = TempPath("good.token"), bad = TempPath("bad.token");
  WriteFile(good, "tok-GOOD-7f3a\n");
  WriteFile(bad, "tok-BAD-9c1e\n");
  const std::string url = "http://127.0.0.1:" + std::to_string(never.port) + "/";
  std::string out, err;
  // Beyond loopback a token is required (checked before anything listens).
  unsetenv("VITALS_COORDINATOR_TOKEN");
  EXPECT_EQ(
      RunVitals({"coordinate", url, "--rate", "10", "--segments", "2", "--listen", "0.0.0.0:0"},
                &out, &err),
      2);
  EXPECT_THAT(err, HasSubstr("a shared token is required"));
  // Refusals against a coordinator that waits long enough for all of them on a loaded machine
  // (it is stopped by the test, never started).
  Coordinator coord({url, "--rate", "100", "--duration", "2s", "--segments", "2", "--join-timeout",
                     "60s", "--token-file", good, "--no-store"});
  ASSERT_GT(coord.port, 0);
  EXPECT_EQ(
      RunVitals({"load", "--coordinator", coord.addr(), "--segment", "1/2", "--token-file", bad},
                &out, &err, 20000),
      2);
  EXPECT_THAT(err, HasSubstr("authentication failed"));
  EXPECT_THAT(err, Not(HasSubstr("tok-")));
  EXPECT_EQ(RunVitals({"load", url + "other", "--coordinator", coord.addr(), "--segment", "1/2",
                       "--token-file", good},
                      &out, &err, 20000),
            2);
  EXPECT_THAT(err, HasSubstr("another plan"));
  const std::string other = TempPath("other.yaml");
  WriteFile(other, "name: other\nbase_url: " + url +
                       "\nrequests:\n  - {name: home, method: GET, path: /}\n"
                       "phases:\n  - {name: p, duration: 2s, model: open, rate: 100}\n");
  EXPECT_EQ(RunVitals({"load", other, "--coordinator", coord.addr(), "--segment", "1/2",
                       "--token-file", good},
                      &out, &err, 20000),
            2);
  EXPECT_THAT(err, HasSubstr("another plan"));
  std::remove(other.c_str());
  EXPECT_EQ(
      RunVitals({"load", "--coordinator", coord.addr(), "--segment", "2/3", "--token-file", good},
                &out, &err, 20000),
      2);
  EXPECT_THAT(err, HasSubstr("runs 2 segments"));
  // Anyone who can reach the port may send anything before authenticating: a hello of the
  // wrong types is refused and the coordinator goes on (a segment can still join below).
  {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(uint16_t(coord.port));
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    const std::string bad_hello =
        EncodeFrame(FrameKind::kHello, nlohmann::json{{"count", "x"}, {"index", {1, 2}}});
    ASSERT_EQ(write(fd, bad_hello.data(), bad_hello.size()), ssize_t(bad_hello.size()));
    char buf[4096];
    std::string got;
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) got.append(buf, size_t(n));
    close(fd);
    EXPECT_THAT(got, HasSubstr("malformed hello"));
  }
  EXPECT_EQ(coord.child->Wait(200), -1)
      << "the coordinator must still run: " << coord.child->Stderr();
  coord.child->Signal(SIGTERM);
  EXPECT_NE(coord.child->Wait(20000), 0);

  // Segment 2/2 never joins: after --join-timeout the coordinator names it, and the segment
  // that joined is told to stop before anything started.
  Coordinator late({url, "--rate", "100", "--duration", "2s", "--segments", "2", "--join-timeout",
                    "3s", "--token-file", good, "--no-store"});
  ASSERT_GT(late.port, 0);
  auto joined = Segment(late.addr(), 1, 2, {"--token-file", good});
  EXPECT_EQ(late.child->Wait(30000), 1);
  const std::string coord_err = late.child->Stderr();
  EXPECT_THAT(coord_err, HasSubstr("segment 2/2 did not join"));
  EXPECT_THAT(coord_err, HasSubstr("nothing was started"));
  EXPECT_THAT(coord_err, Not(HasSubstr("tok-")));
  EXPECT_EQ(joined->Wait(20000), 1);
  EXPECT_THAT(joined->Stderr(), HasSubstr("before it started"));
  EXPECT_FALSE(never.SawConnection()) << "no segment may send anything";
  std::remove(good.c_str());
  std::remove(bad.c_str());
}

// An impostor on the coordinator's address: it greets like a coordinator, welcomes any hello
// and sends `plan` (a thread serving one connection on a loopback port).
struct FakeCoordinator {
  int fd = -1;
  int port = 0;
  std::thread server;
  explicit FakeCoordinator(nlohmann::json plan) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd, 4);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    server = std::thread([this, plan] {
      int c = accept(fd, nullptr, nullptr);
      if (c < 0) return;
      auto send = [c](FrameKind k, const nlohmann::json& j) {
        const std::string f = EncodeFrame(k, j);
        return write(c, f.data(), f.size()) == ssize_t(f.size());
      };
      send(FrameKind::kChallenge, {{"nonce", "00"}, {"segments", 2}});
      char buf[4096];
      timeval tv{5, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      (void)read(c, buf, sizeof buf);  // the hello
      send(FrameKind::kWelcome, nlohmann::json::object());
      send(FrameKind::kPlan, plan);
      while (read(c, buf, sizeof buf) > 0) {
      }
      close(c);
    });
  }
  ~FakeCoordinator() {
    shutdown(fd, SHUT_RDWR);
    if (server.joinable()) server.join();
    close(fd);
  }
  std::string addr() const { return "127.0.0.1:" + std::to_string(port); }
};

// Authentication goes both ways: a segment with a token takes no plan from a coordinator that
// cannot prove it knows the token; and whatever the coordinator, a plan that would make the
// segment write files (--csv, --hlog, --junit, --json, --store) or listen is refused.
TEST(Coordinate, SegmentRefusesImpostorsAndPlansThatWriteFiles) {
  const std::string evil = TempPath("evil.csv");
  const nlohmann::json plan = {{"target", "http://127.0.0.1:9/"},
                               {"args", {"--rate", "1", "--duration", "1s", "--csv", evil}},
                               {"start_unix_ms", int64_t{0}}};
  const std::string token = TempPath("seg.token");
  WriteFile(token, "tok-SEG-41d2\n");
  std::string out, err;
  {
    FakeCoordinator fake(plan);
    EXPECT_EQ(
        RunVitals({"load", "--coordinator", fake.addr(), "--segment", "1/2", "--token-file", token},
                  &out, &err, 30000),
        2);
    EXPECT_THAT(err, HasSubstr("did not prove it knows the token"));
    EXPECT_THAT(err, Not(HasSubstr("tok-")));
  }
  {
    FakeCoordinator fake(plan);
    unsetenv("VITALS_COORDINATOR_TOKEN");
    EXPECT_EQ(
        RunVitals({"load", "--coordinator", fake.addr(), "--segment", "1/2"}, &out, &err, 30000),
        2);
    EXPECT_THAT(err, HasSubstr("--csv, which a plan never carries"));
  }
  std::ifstream written(evil);
  EXPECT_FALSE(written.good()) << "the plan's --csv file must never be written";
  std::remove(token.c_str());
}

// A coordinator that cannot be reached: the segment gives up after --coordinator-timeout.
TEST(Coordinate, UnreachableCoordinatorTimesOut) {
  testing::RefusedPort refused;
  ASSERT_GT(refused.port(), 0);
  const std::string addr = refused.address();
  const auto t0 = std::chrono::steady_clock::now();
  std::string out, err;
  EXPECT_EQ(RunVitals({"load", "--coordinator", addr, "--segment-index", "0", "--segments", "2",
                       "--coordinator-timeout", "2s"},
                      &out, &err, 30000),
            1);
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(wall_s, 10.0);
  EXPECT_THAT(err, HasSubstr("cannot reach the coordinator"));
}

// The coordinator dies mid-run: every segment stops by itself and exits 1.
TEST(Coordinate, SegmentsStopWhenTheCoordinatorDies) {
  Child target({"target", "--listen", "127.0.0.1:0", "--latency", "0"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  Coordinator coord({"http://127.0.0.1:" + std::to_string(port) + "/", "--rate", "50", "--duration",
                     "60s", "--segments", "2", "--no-store"});
  ASSERT_GT(coord.port, 0);
  auto one = Segment(coord.addr(), 1, 2, {});
  auto two = Segment(coord.addr(), 2, 2, {});
  ASSERT_TRUE(coord.WaitStarted(3000));
  coord.child->Signal(SIGKILL);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(one->Wait(20000), 1);
  EXPECT_EQ(two->Wait(20000), 1);
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(wall_s, 15.0) << "the segments' silence bound is 5 s";
  EXPECT_THAT(one->Stderr(), HasSubstr("lost the coordinator"));
}

}  // namespace
}  // namespace vitals
