// vitals load --observe end to end: the system under test sampled during the run, its findings
// placed in time, trends for soaks, a dead component that never holds up the load.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "integration/child_process.h"
#include "integration/proc.h"
#include "integration/require_server.h"
#include "integration/temp_dir.h"

namespace vitals {
namespace {

namespace fs = std::filesystem;
using testing::Child;
using testing::FreeLoopbackPort;
using ::testing::HasSubstr;
using testing::RunVitals;
using testing::Slurp;
using json = nlohmann::json;

class ObserveCli : public testing::TempDirTest {
 protected:
  ObserveCli() : TempDirTest("observe") {}

  // The observed findings of a --json result with this id.
  static std::vector<json> FindingsWithId(const json& result, const std::string& id) {
    std::vector<json> out;
    for (const json& f : result["observe"]["findings"]) {
      if (f["id"] == id) out.push_back(f);
    }
    return out;
  }
};

// A component that cannot be reached is reported and the run goes on, on time.
TEST_F(ObserveCli, DeadComponentsAreReportedAndNeverDelayTheRun) {
  Child target({"target", "--listen", "127.0.0.1:0"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  const int closed = FreeLoopbackPort();
  std::string out, err;
  const auto t0 = std::chrono::steady_clock::now();
  const int code = RunVitals(
      {"load", fmt::format("http://127.0.0.1:{}/", port), "--rate", "100", "--duration", "3s",
       "--observe", fmt::format("redis=redis://:s3cret@127.0.0.1:{}", closed), "--observe",
       fmt::format("postgres=postgresql://app:s3cret@127.0.0.1:{}/shop", closed), "--observe",
       "host", "--observe-timeout", "500ms", "--json", Path("r.json"), "--store", store_,
       "--quiet"},
      &out, &err);
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(code, 0) << out << err;
  EXPECT_LT(wall_s, 8.0);  // 3 s of load; a stuck sampler would add its timeouts again and again
  EXPECT_THAT(out, HasSubstr("System under test"));
  EXPECT_THAT(out, HasSubstr("cannot connect"));
  EXPECT_EQ(out.find("s3cret"), std::string::npos) << out;
  EXPECT_EQ(err.find("s3cret"), std::string::npos) << err;
  const json r = json::parse(Slurp(Path("r.json")));
  ASSERT_TRUE(r.contains("observe"));
  int dead = 0, host_ok = 0;
  for (const json& c : r["observe"]["components"]) {
    if (c["component"] == "redis" || c["component"] == "postgres") {
      ++dead;
      EXPECT_EQ(c["samples_ok"], 0);
      EXPECT_GE(c["samples_failed"].get<int>(), 2);
    }
    if (c["component"] == "host") host_ok = c["samples_ok"].get<int>();
  }
  EXPECT_EQ(dead, 2);
  EXPECT_GE(host_ok, 2);  // the live one kept sampling
  // The requests all went out: 300 at 100 req/s.
  EXPECT_EQ(r["requests"].get<int>(), 300);
  EXPECT_EQ(Slurp(Path("r.json")).find("s3cret"), std::string::npos);
}

// The bad-input messages say what, where and how.
TEST_F(ObserveCli, BadObserveArgumentsSayWhatAndHow) {
  std::string out, err;
  EXPECT_EQ(RunVitals({"load", "http://127.0.0.1:1/", "-d", "1s", "--observe",
                       "mysql=mysql://root:s3cret@127.0.0.1/x", "--no-store"},
                      &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("expected host, postgres=DSN, redis=URL or prometheus=URL"));
  EXPECT_EQ(err.find("s3cret"), std::string::npos) << err;
  EXPECT_EQ(
      RunVitals({"load", "http://127.0.0.1:1/", "-d", "1s", "--observe", "redis", "--no-store"},
                &out, &err),
      2);
  EXPECT_THAT(err, HasSubstr("redis=redis://127.0.0.1:6379"));
  EXPECT_EQ(RunVitals({"load", "http://127.0.0.1:1/", "-d", "1s", "--observe",
                       "prometheus=ftp://127.0.0.1/metrics", "--no-store"},
                      &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("expected an http:// or https:// URL"));
}

// A Redis with little memory behind a target whose working set follows the request rate: the
// spike evicts.  The finding's onset is in the spike, within two intervals of the moment the
// test itself saw Redis start evicting, and the report draws the series.
TEST_F(ObserveCli, RedisEvictionsInTheSpikeHaveTheirOnsetThere) {
  VITALS_REQUIRE(std::system("command -v redis-server >/dev/null 2>&1") == 0, "redis-server",
                 "scripts/setup installs it (apt-get install redis-server)");
  const int rport = FreeLoopbackPort();
  const std::string rdir = Path("redis");
  fs::create_directories(rdir);
  ASSERT_EQ(std::system(fmt::format("redis-server --bind 127.0.0.1 --port {} --dir {} --save '' "
                                    "--appendonly no --daemonize yes --pidfile {}/redis.pid "
                                    "--logfile {}/redis.log --maxmemory 4mb "
                                    "--maxmemory-policy allkeys-lru",
                                    rport, rdir, rdir, rdir)
                            .c_str()),
            0);
  std::unique_ptr<redisContext, decltype(&redisFree)> rc(nullptr, redisFree);
  for (int i = 0; i < 100 && !rc; ++i) {
    redisContext* c = redisConnect("127.0.0.1", rport);
    if (c != nullptr && c->err == 0) {
      rc.reset(c);
    } else {
      if (c != nullptr) redisFree(c);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ASSERT_TRUE(rc) << "own redis-server did not start";
  struct Shutdown {
    redisContext* c;
    ~Shutdown() { freeReplyObject(redisCommand(c, "SHUTDOWN NOSAVE")); }
  } shutdown{rc.get()};
  auto evicted = [&] {
    redisReply* r = static_cast<redisReply*>(redisCommand(rc.get(), "INFO stats"));
    long v = -1;
    if (r != nullptr && r->type == REDIS_REPLY_STRING) {
      std::string info(r->str, r->len);
      size_t at = info.find("evicted_keys:");
      if (at != std::string::npos) v = std::strtol(info.c_str() + at + 13, nullptr, 10);
    }
    freeReplyObject(r);
    return v;
  };

  const std::string url = fmt::format("redis://127.0.0.1:{}", rport);
  // 5 keys per req/s of 2 KiB: steady 100 req/s = 500 keys (1 MB), spike 800 req/s = 4000 keys
  // (8 MB) against maxmemory 4 MB.
  Child target({"target", "--listen", "127.0.0.1:0", "--redis", url, "--cache-value-size", "2KiB",
                "--threads", "2"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0) << target.Stderr();
  const auto start = std::chrono::steady_clock::now();
  // The observation comes from the scenario's observe: list.
  {
    std::ofstream sc(Path("spike.yaml"));
    sc << fmt::format(
        "name: cache-spike\nbase_url: http://127.0.0.1:{}\nrequests:\n  - {{path: /items}}\n"
        "phases:\n  - {{name: steady, duration: 12s, model: open, rate: 100}}\n"
        "  - {{name: spike, duration: 10s, model: open, rate: 800}}\n"
        "observe:\n  - \"redis={}\"\n",
        port, url);
  }
  Child load({"load", Path("spike.yaml"), "--max-connections", "400", "--json", Path("r.json"),
              "--store", store_, "--quiet"});
  double truth_s = -1;
  for (int i = 0; i < 400 && truth_s < 0; ++i) {  // until the first eviction, at most 40 s
    if (evicted() > 0) {
      truth_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(load.Wait(60000), 0) << load.Stdout() << load.Stderr();
  ASSERT_GT(truth_s, 12.0) << "Redis evicted before the spike: the steady working set must fit";
  const json r = json::parse(Slurp(Path("r.json")));
  auto found = FindingsWithId(r, "redis.evictions");
  ASSERT_FALSE(found.empty()) << r["observe"].dump(2);
  const json& f = found.back();
  EXPECT_EQ(f["phase"], "spike") << f.dump(2);
  EXPECT_NEAR(f["onset_s"].get<double>(), truth_s, 2.0) << f.dump(2);
  bool series = false;
  for (const json& s : r["observe"]["series"]) series |= s["name"] == "redis_evicted_keys_per_s";
  EXPECT_TRUE(series);

  std::string out, err;
  ASSERT_EQ(RunVitals({"report", "latest", "--store", store_, "-o", Path("r.html")}, &out, &err), 0)
      << err;
  const std::string html = Slurp(Path("r.html"));
  EXPECT_THAT(html, HasSubstr("System under test"));
  EXPECT_THAT(html, HasSubstr("redis_evicted_keys_per_s"));
  EXPECT_THAT(html, HasSubstr("redis.evictions"));
  ASSERT_EQ(
      RunVitals({"report", "latest", "--store", store_, "--format", "markdown", "-o", Path("r.md")},
                &out, &err),
      0)
      << err;
  EXPECT_THAT(Slurp(Path("r.md")), HasSubstr("### System under test"));
}

// Soaks of 3 minutes, all at once: a target that leaks 1 MB every 10 s gives a memory-growth
// finding whose rate is within 20 % of 6 MB/min; five that do not leak give none.
TEST_F(ObserveCli, SoakLeakHasItsRateAndNoLeakGivesNoFinding) {
  // The ASan build's allocator quarantine would hold freed memory (RSS growth that is not a
  // leak of the target's); the targets run without it.
  std::string asan = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
  setenv("ASAN_OPTIONS", (asan + (asan.empty() ? "" : ":") + "quarantine_size_mb=0").c_str(), 1);
  std::vector<std::unique_ptr<Child>> targets, loads;
  for (int i = 0; i < 6; ++i) {
    std::vector<std::string> args = {"target", "--listen", "127.0.0.1:0"};
    if (i == 0) args.insert(args.end(), {"--leak", "1MB/10s"});
    targets.push_back(std::make_unique<Child>(args));
  }
  setenv("ASAN_OPTIONS", asan.c_str(), 1);
  for (int i = 0; i < 6; ++i) {
    const int port = targets[i]->ReadyPort();
    ASSERT_GT(port, 0) << targets[i]->Stderr();
    const std::string base = fmt::format("http://127.0.0.1:{}/", port);
    loads.push_back(std::make_unique<Child>(
        std::vector<std::string>{"load", base, "--rate", "20", "--duration", "180s", "--observe",
                                 "prometheus=" + base + "metrics", "--json",
                                 Path(fmt::format("soak{}.json", i)), "--no-store", "--quiet"}));
  }
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(loads[i]->Wait(240000), 0) << loads[i]->Stdout() << loads[i]->Stderr();
  }
  for (int i = 0; i < 6; ++i) {
    const json r = json::parse(Slurp(Path(fmt::format("soak{}.json", i))));
    auto found = FindingsWithId(r, "trend.process_resident_memory_bytes");
    if (i == 0) {
      ASSERT_EQ(found.size(), 1u) << r["observe"].dump(2);
      EXPECT_NEAR(found[0]["value"].get<double>(), 6e6, 6e6 * 0.2) << found[0].dump(2);
      EXPECT_THAT(found[0]["title"].get<std::string>(), HasSubstr("MB/min"));
    } else {
      EXPECT_TRUE(found.empty()) << "no leak, yet: " << found[0].dump(2);
      bool rss = false;
      for (const json& s : r["observe"]["series"]) {
        rss |= s["name"] == "process_resident_memory_bytes" && s["points"].get<int>() >= 150;
      }
      EXPECT_TRUE(rss) << "the non-leaking soak was observed: " << r["observe"].dump(2);
    }
  }
}

// The demo ends with findings that began inside the run: its target's cache collapses in the
// spike, and the observation says so, with the phase.
TEST_F(ObserveCli, DemoFindsTheCacheCollapseInTheSpike) {
  std::string out, err;
  ASSERT_EQ(RunVitals({"demo", "--json", Path("demo.json"), "-o", Path("demo.html"), "--store",
                       store_, "--quiet"},
                      &out, &err, 180000),
            0)
      << out << err;
  EXPECT_THAT(out, HasSubstr("System under test"));
  const json r = json::parse(Slurp(Path("demo.json")));
  auto found = FindingsWithId(r, "prom.cache_hit_ratio");
  ASSERT_FALSE(found.empty()) << r["observe"].dump(2);
  bool in_spike = false;
  for (const json& f : found) {
    in_spike |= f["phase"] == "spike" && f["level"] == "critical" &&
                f["onset_s"].get<double>() >= 34.5 && f["onset_s"].get<double>() <= 40.5;
  }
  EXPECT_TRUE(in_spike) << r["observe"]["findings"].dump(2);
  EXPECT_THAT(Slurp(Path("demo.html")), HasSubstr("cache_hit_ratio"));
}

}  // namespace
}  // namespace vitals
