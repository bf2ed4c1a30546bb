// Redis checks against a real server (scripts/lib/servers.sh: start_redis
// exports VITALS_TEST_REDIS_URL).  The tests change server-wide settings
// (maxmemory, policy, slowlog threshold), so each one takes an exclusive
// lock file for that server while it runs (ctest runs tests in parallel),
// starts from FLUSHALL / CONFIG RESETSTAT / SLOWLOG RESET, and restores the
// settings it changed.  It is the test's own server: nothing else uses it.
//
// Each scenario is checked at collector level (facts, then the shipped rules)
// and end to end through `vitals check --redis URL --format json`.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "integration/check_cli.h"
#include "integration/require_server.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "collect/dsn.h"
#include "collect/redis.h"
#include "rules/evaluate.h"
#include "rules/loader.h"

namespace vitals {
namespace {

using nlohmann::json;

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextFree>;

// One command; the reply as text (integers printed, errors prefixed "ERR!").
std::string Cmd(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
  if (r == nullptr) {
    ADD_FAILURE() << args[0] << ": " << c->errstr;
    return "ERR! connection";
  }
  std::string out;
  if (r->type == REDIS_REPLY_ERROR) {
    out = "ERR! " + std::string(r->str, r->len);
  } else if (r->type == REDIS_REPLY_INTEGER) {
    out = std::to_string(r->integer);
  } else if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) {
    out = std::string(r->str, r->len);
  } else if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
             r->element[1]->type == REDIS_REPLY_STRING) {
    out = std::string(r->element[1]->str, r->element[1]->len);  // CONFIG GET name -> value
  }
  freeReplyObject(r);
  return out;
}

using testing::CliResult;
using testing::JsonFindings;
using testing::RunCheck;

const Fact* FindFact(const Collection& c, const std::string& kind) {
  for (const Fact& f : c.facts) {
    if (f.kind == kind) return &f;
  }
  return nullptr;
}

std::vector<Finding> ShippedFindings(const Collection& c) {
  auto rules = LoadShippedRules();
  EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  if (!rules.ok()) return {};
  return Evaluate(*rules, {c});
}

const Finding* FindFinding(const std::vector<Finding>& v, const std::string& id) {
  for (const Finding& f : v) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

class RedisCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("VITALS_TEST_REDIS_URL");
    VITALS_REQUIRE_SERVER("VITALS_TEST_REDIS_URL", "source scripts/lib/servers.sh; start_redis");
    url_ = url;
    auto parsed = ParseRedisUrl(url_);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    host_ = parsed->host;
    port_ = parsed->port;
    // One test at a time on this server: they change server-wide settings.
    std::string lock = fmt::format("/tmp/vitals-test-redis-{}.lock", port_);
    lock_fd_ = open(lock.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0666);
    ASSERT_GE(lock_fd_, 0) << lock;
    ASSERT_EQ(flock(lock_fd_, LOCK_EX), 0);
    c_ = Connect();
    ASSERT_TRUE(c_) << "cannot connect to " << MaskDsn(url_);
    for (const char* name : {"maxmemory", "maxmemory-policy", "slowlog-log-slower-than"}) {
      saved_.emplace_back(name, Cmd(c_.get(), {"CONFIG", "GET", name}));
    }
    Cmd(c_.get(), {"FLUSHALL"});
    Cmd(c_.get(), {"CONFIG", "RESETSTAT"});
    Cmd(c_.get(), {"SLOWLOG", "RESET"});
  }

  void TearDown() override {
    if (c_) {
      for (const auto& [name, value] : saved_) Cmd(c_.get(), {"CONFIG", "SET", name, value});
      Cmd(c_.get(), {"FLUSHALL"});
      Cmd(c_.get(), {"SLOWLOG", "RESET"});
      Cmd(c_.get(), {"CONFIG", "RESETSTAT"});
      Cmd(c_.get(), {"MEMORY", "PURGE"});  // give freed pages back: keeps RSS near data size
      c_.reset();
    }
    if (lock_fd_ >= 0) close(lock_fd_);  // releases the lock
  }

  Context Connect() {
    timeval tv{5, 0};
    Context c(redisConnectWithTimeout(host_.c_str(), port_, tv));
    if (!c || c->err) return nullptr;
    return c;
  }

  // key_budget_ns: generous by default, so a slow (ASan) build still walks every key; the
  // walk's speed is a benchmark (bench/redis_keys.sh), not a test.
  Collection Collect(int64_t window_ns, int64_t key_budget_ns = 30'000'000'000) {
    RedisOptions o;
    o.url = url_;
    o.window_ns = window_ns;
    o.key_budget_ns = key_budget_ns;
    auto r = CollectRedis(o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r.value() : Collection{};
  }

  std::string url_, host_;
  int port_ = 0;
  int lock_fd_ = -1;
  Context c_;
  std::vector<std::pair<std::string, std::string>> saved_;
};

// Writes 1 KB values and reads one hit and two misses per write, pipelined,
// until stopped: on a 2 MB allkeys-lru instance this evicts continuously and
// keeps the hit ratio near one third.
class CacheLoad {
 public:
  CacheLoad(const std::string& host, int port) {
    thread_ = std::thread([this, host, port] {
      timeval tv{5, 0};
      Context c(redisConnectWithTimeout(host.c_str(), port, tv));
      if (!c || c->err) return;
      std::string value(1024, 'v');
      for (int64_t i = 0; !stop_.load(); i += 100) {
        for (int64_t k = i; k < i + 100; ++k) {
          std::string key = "cache:" + std::to_string(k);
          redisAppendCommand(c.get(), "SET %s %b", key.c_str(), value.data(), value.size());
          redisAppendCommand(c.get(), "GET %s", key.c_str());
          redisAppendCommand(c.get(), "GET missing:%lld", static_cast<long long>(k));
          redisAppendCommand(c.get(), "GET absent:%lld", static_cast<long long>(k));
        }
        for (int k = 0; k < 400; ++k) {
          void* reply = nullptr;
          if (redisGetReply(c.get(), &reply) != REDIS_OK) return;
          freeReplyObject(reply);
        }
        writes_ += 100;
      }
    });
  }
  ~CacheLoad() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int64_t writes() const { return writes_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> writes_{0};
  std::thread thread_;
};

TEST_F(RedisCheck, EvictionsAndLowHitRatioOverTheWindow) {
  ASSERT_EQ(Cmd(c_.get(), {"CONFIG", "SET", "maxmemory", "2mb"}), "OK");
  ASSERT_EQ(Cmd(c_.get(), {"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}), "OK");
  CacheLoad load(host_, port_);
  while (load.writes() < 3000) std::this_thread::sleep_for(std::chrono::milliseconds(10));

  Collection c = Collect(1'000'000'000);
  const Fact* stats = FindFact(c, "redis.stats");
  ASSERT_NE(stats, nullptr);
  EXPECT_LT(stats->num.at("hit_ratio"), 0.6);
  EXPECT_GT(stats->num.at("hit_ratio"), 0.1);
  EXPECT_GE(stats->num.at("lookups"), 100);
  EXPECT_GT(stats->num.at("evicted_keys_per_s"), 0);
  EXPECT_NE(stats->text.at("hit_ratio_basis").find("window"), std::string::npos);
  EXPECT_EQ(stats->text.at("hit_ratio_basis").find("lifetime"), std::string::npos);
  const Fact* mem = FindFact(c, "redis.memory");
  ASSERT_NE(mem, nullptr);
  EXPECT_EQ(mem->num.at("maxmemory_bytes"), 2 * 1024 * 1024);
  EXPECT_EQ(mem->text.at("maxmemory_policy"), "allkeys-lru");
  EXPECT_EQ(mem->num.at("noeviction"), 0);

  auto findings = ShippedFindings(c);
  const Finding* hit = FindFinding(findings, "redis.hit_ratio");
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->level, Level::kCritical);  // < 60 %
  EXPECT_NE(FindFinding(findings, "redis.evictions"), nullptr);
  EXPECT_EQ(FindFinding(findings, "redis.noeviction_full"), nullptr);

  CliResult r = RunCheck({"--redis", url_, "--window", "1s"});
  auto hits = JsonFindings(r, "redis.hit_ratio");
  ASSERT_EQ(hits.size(), 1u) << r.out << r.err;
  EXPECT_EQ(hits[0]["level"], "critical");
  EXPECT_LT(hits[0]["value"].get<double>(), 0.6);
  EXPECT_EQ(JsonFindings(r, "redis.evictions").size(), 1u) << r.out;
  load.Stop();
}

TEST_F(RedisCheck, NoevictionOnAFullInstanceIsItsOwnFinding) {
  ASSERT_EQ(Cmd(c_.get(), {"CONFIG", "SET", "maxmemory", "2mb"}), "OK");
  ASSERT_EQ(Cmd(c_.get(), {"CONFIG", "SET", "maxmemory-policy", "noeviction"}), "OK");
  std::string value(1024, 'x'), last;
  for (int i = 0; i < 10000; ++i) {
    last = Cmd(c_.get(), {"SET", "k" + std::to_string(i), value});
    if (last.rfind("ERR! OOM", 0) == 0) break;
  }
  ASSERT_EQ(last.rfind("ERR! OOM", 0), 0u) << "writes never failed: " << last;

  Collection c = Collect(0);
  const Fact* mem = FindFact(c, "redis.memory");
  ASSERT_NE(mem, nullptr);
  EXPECT_EQ(mem->num.at("noeviction"), 1);
  EXPECT_GE(mem->num.at("used_ratio"), 0.98);
  auto findings = ShippedFindings(c);
  const Finding* f = FindFinding(findings, "redis.noeviction_full");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kCritical);
  EXPECT_NE(f->evidence.find("noeviction"), std::string::npos) << f->evidence;

  CliResult r = RunCheck({"--redis", url_, "--window", "10ms"});
  auto full = JsonFindings(r, "redis.noeviction_full");
  ASSERT_EQ(full.size(), 1u) << r.out << r.err;
  EXPECT_EQ(full[0]["level"], "critical");
}

TEST_F(RedisCheck, SlowCommandsFromSlowlogWithMaskedArguments) {
  // Log everything: the SET shows up in SLOWLOG, with its value masked.
  ASSERT_EQ(Cmd(c_.get(), {"CONFIG", "SET", "slowlog-log-slower-than", "0"}), "OK");
  Cmd(c_.get(), {"SET", "session:1", "hunter2-secret-value"});
  Collection c = Collect(0);
  const Fact* set = nullptr;
  for (const Fact& f : c.facts) {
    if (f.kind == "redis.slow_command" && f.text.at("command") == "SET") set = &f;
  }
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->text.at("example"), "SET session:1 ?");
  EXPECT_EQ(set->num.at("slower_than_s"), 0);
  EXPECT_GE(set->num.at("count"), 1);
  // Microseconds: in the slow log, but under the rule's 10 ms.
  EXPECT_EQ(FindFinding(ShippedFindings(c), "redis.slow_command"), nullptr);

  // A genuinely slow command under the default 10 ms slowlog threshold.
  ASSERT_EQ(Cmd(c_.get(), {"CONFIG", "SET", "slowlog-log-slower-than", "10000"}), "OK");
  Cmd(c_.get(), {"SLOWLOG", "RESET"});
  auto start = std::chrono::steady_clock::now();
  Cmd(c_.get(), {"EVAL", "local i = 0 while i < 20000000 do i = i + 1 end return i", "0"});
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_GE(took, std::chrono::milliseconds(10)) << "the busy script was too fast to be slow";

  Collection c2 = Collect(0);
  auto findings = ShippedFindings(c2);
  const Finding* f = FindFinding(findings, "redis.slow_command");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->subject.find("EVAL"), std::string::npos) << f->subject;
  EXPECT_NE(f->evidence.find("EVAL local i"), std::string::npos) << f->evidence;

  CliResult r = RunCheck({"--redis", url_, "--window", "10ms"});
  auto slow = JsonFindings(r, "redis.slow_command");
  ASSERT_EQ(slow.size(), 1u) << r.out << r.err;
  EXPECT_NE(slow[0]["subject"].get<std::string>().find("EVAL"), std::string::npos);
  EXPECT_EQ(r.out.find("hunter2"), std::string::npos);
}

TEST_F(RedisCheck, HealthyInstanceHasNoFindings) {
  for (int i = 0; i < 10; ++i) Cmd(c_.get(), {"SET", "user:" + std::to_string(i), "ok"});
  for (int i = 0; i < 200; ++i) Cmd(c_.get(), {"GET", "user:" + std::to_string(i % 10)});
  Collection c = Collect(200'000'000);
  const Fact* stats = FindFact(c, "redis.stats");
  ASSERT_NE(stats, nullptr);
  EXPECT_EQ(stats->num.at("hit_ratio"), 1.0);
  EXPECT_NE(stats->text.at("hit_ratio_basis").find("no lookups during the window"),
            std::string::npos);
  EXPECT_TRUE(c.limited.empty());
  for (const Finding& f : ShippedFindings(c)) {
    ADD_FAILURE() << "unexpected finding " << f.id << " on " << f.subject << ": " << f.evidence;
  }

  CliResult r = RunCheck({"--redis", url_, "--window", "200ms", "--fail-on", "warning"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_TRUE(r.doc.is_object()) << r.out << r.err;
  EXPECT_TRUE(r.doc["findings"].empty()) << r.out;
  EXPECT_TRUE(r.doc["errors"].empty()) << r.out;
}

// A Lua loop blocks the server for 400 ms while the check PINGs: the round trips show it, and
// the server's latency monitor records a "command" event that LATENCY LATEST reports.
TEST_F(RedisCheck, BlockedServerShowsInPingLatencyAndLatencyEvents) {
  saved_.emplace_back("latency-monitor-threshold",
                      Cmd(c_.get(), {"CONFIG", "GET", "latency-monitor-threshold"}));
  Cmd(c_.get(), {"LATENCY", "RESET"});
  ASSERT_EQ(Cmd(c_.get(), {"CONFIG", "SET", "latency-monitor-threshold", "50"}), "OK");
  std::atomic<bool> blocked{false};
  std::thread blocker([this, &blocked] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    Context b = Connect();
    if (!b) return;
    // Busy for a few hundred ms on any machine (no DEBUG SLEEP: Redis 7 disables DEBUG).
    Cmd(b.get(), {"EVAL",
                  "local t = redis.call('TIME') local s = t[1] * 1e6 + t[2] "
                  "repeat local n = redis.call('TIME') until n[1] * 1e6 + n[2] - s > 400000",
                  "0"});
    blocked = true;
  });
  Collection c = Collect(2'000'000'000);
  blocker.join();
  ASSERT_TRUE(blocked.load());
  const Fact* lat = FindFact(c, "redis.latency");
  ASSERT_NE(lat, nullptr);
  EXPECT_GE(lat->num.at("samples"), 100);
  // The first PING after the block began waits for (nearly) all of it.
  EXPECT_GE(lat->num.at("max_s"), 0.3) << "the 400 ms block must show in the PING round trips";
  EXPECT_DOUBLE_EQ(lat->num.at("monitor_threshold_s"), 0.05);

  // The event is recorded when the script ends; a second check reads it.
  Collection again = Collect(1'000'000'000);
  const Fact* event = FindFact(again, "redis.latency_event");
  ASSERT_NE(event, nullptr) << "LATENCY LATEST reported no event";
  EXPECT_EQ(event->text.at("event"), "command");
  EXPECT_GE(event->num.at("max_s"), 0.3);
  EXPECT_LT(event->num.at("age_s"), 60);
  auto findings = ShippedFindings(again);
  const Finding* f = FindFinding(findings, "redis.latency_event");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->evidence.find("event command"), std::string::npos) << f->evidence;
  EXPECT_NE(FindFact(again, "redis.latency")->text.count("doctor"), 0u);

  // One blocked PING in ~170 is under the p99 but over the max limit (200 ms).
  auto first = ShippedFindings(c);
  const Finding* ping = FindFinding(first, "redis.latency");
  ASSERT_NE(ping, nullptr);
  EXPECT_NE(ping->evidence.find("PINGs"), std::string::npos);
  Cmd(c_.get(), {"LATENCY", "RESET"});
}

// 100,000 keys under three prefixes and one 2 MB value: the walk finds the prefixes by memory,
// the big key first, and the TTL-less cache keys under allkeys-lru and volatile-lru.
// The key distribution test loads 100,000 keys: on the shared server the allocator would keep
// that memory after FLUSHALL and the next test would see fragmentation.  It gets a Redis of its
// own (same binary, loopback, a temp dir), stopped with SHUTDOWN NOSAVE at the end.
class OwnRedisCheck : public RedisCheck {
 protected:
  void SetUp() override {
    VITALS_REQUIRE(std::system("command -v redis-server >/dev/null 2>&1") == 0, "redis-server",
                   "scripts/setup installs it (apt-get install redis-server)");
    char tmpl[] = "/tmp/vitals-own-redis-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
    port_ = ntohs(a.sin_port);
    close(fd);
    host_ = "127.0.0.1";
    url_ = fmt::format("redis://127.0.0.1:{}", port_);
    const std::string cmd = fmt::format(
        "redis-server --bind 127.0.0.1 --port {} --dir {} --save '' --appendonly no "
        "--daemonize yes --pidfile {}/redis.pid --logfile {}/redis.log",
        port_, dir_, dir_, dir_);
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    for (int i = 0; i < 100 && !c_; ++i) {
      c_ = Connect();
      if (!c_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(c_) << "own redis-server did not start on port " << port_;
  }
  void TearDown() override {
    if (c_) {
      freeReplyObject(redisCommand(c_.get(), "SHUTDOWN NOSAVE"));  // no reply: it exits
      c_.reset();
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string dir_;
};

TEST_F(OwnRedisCheck, KeyDistributionFindsPrefixesBigKeysAndKeysWithoutTtl) {
  {
    Context p = Connect();
    ASSERT_TRUE(p);
    std::string small(64, 'u'), sess(400, 's');
    for (int i = 0; i < 100'000; ++i) {
      if (i % 10 < 6) {
        redisAppendCommand(p.get(), "SET user:%d %b", i, small.data(), small.size());
      } else {
        redisAppendCommand(p.get(), "SET session:%d %b EX 3600", i, sess.data(), sess.size());
      }
      if (i % 1000 == 999) {
        for (int k = 0; k < 1000; ++k) {
          void* r = nullptr;
          ASSERT_EQ(redisGetReply(p.get(), &r), REDIS_OK);
          freeReplyObject(r);
        }
      }
    }
    Cmd(p.get(), {"SET", "blob:report", std::string(2 << 20, 'b')});
  }
  Cmd(c_.get(), {"CONFIG", "SET", "maxmemory", "1gb"});
  Cmd(c_.get(), {"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  Collection c = Collect(10'000'000);
  const Fact* ks = FindFact(c, "redis.keyspace");
  ASSERT_NE(ks, nullptr);
  EXPECT_EQ(ks->num.at("keys"), 100'001);
  EXPECT_EQ(ks->num.at("complete"), 1);
  EXPECT_EQ(ks->num.at("scanned"), 100'001);
  std::vector<std::string> prefixes, keys;
  for (const Fact& f : c.facts) {
    if (f.kind == "redis.key_prefix") prefixes.push_back(f.text.at("prefix"));
    if (f.kind == "redis.big_key") keys.push_back(f.text.at("key"));
  }
  ASSERT_EQ(prefixes.size(), 3u);
  EXPECT_EQ(prefixes[0], "session:*");  // 40k x ~450 B
  EXPECT_EQ(prefixes[1], "user:*");     // 60k x ~120 B
  EXPECT_EQ(prefixes[2], "blob:*");
  ASSERT_FALSE(keys.empty());
  EXPECT_EQ(keys[0], "blob:report");
  auto findings = ShippedFindings(c);
  const Finding* no_ttl = FindFinding(findings, "redis.prefix_without_ttl");
  ASSERT_NE(no_ttl, nullptr);
  EXPECT_NE(no_ttl->title.find("user:*"), std::string::npos) << no_ttl->title;
  EXPECT_EQ(FindFinding(findings, "redis.volatile_without_ttl"), nullptr);

  Cmd(c_.get(), {"CONFIG", "SET", "maxmemory-policy", "volatile-lru"});
  Collection v = Collect(10'000'000);
  auto vf = ShippedFindings(v);
  const Finding* vol = FindFinding(vf, "redis.volatile_without_ttl");
  ASSERT_NE(vol, nullptr);
  EXPECT_NE(vol->evidence.find("60001 of 100001"), std::string::npos) << vol->evidence;

  // A budget too small for the keyspace: the walk stops and says it covered only part of it.
  Collection part = Collect(10'000'000, 1'000'000);
  const Fact* pks = FindFact(part, "redis.keyspace");
  ASSERT_NE(pks, nullptr);
  EXPECT_EQ(pks->num.at("complete"), 0);
  EXPECT_LT(pks->num.at("scanned"), 100'001);
}

TEST_F(RedisCheck, WrongPasswordFailsWithoutShowingIt) {
  std::string bad = fmt::format("redis://:Wr0ngSecret77@{}:{}", host_, port_);
  RedisOptions o;
  o.url = bad;
  auto r = CollectRedis(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(r.status().message().find("authentication failed"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find("Wr0ngSecret77"), std::string::npos);

  CliResult cli = RunCheck({"--redis", bad, "--window", "10ms"});
  EXPECT_EQ(cli.exit_code, 1) << cli.out << cli.err;
  EXPECT_EQ((cli.out + cli.err).find("Wr0ngSecret77"), std::string::npos) << cli.out << cli.err;
  EXPECT_NE(cli.err.find("could not check redis"), std::string::npos) << cli.err;
}

}  // namespace
}  // namespace vitals
