// Unit tests of the Redis collector's server-free logic: INFO parsing (a
// trimmed capture of Redis 7.0.15 INFO), window rates and the lifetime
// fallback, SLOWLOG grouping and argument masking, URL parsing and masking.
#include <gtest/gtest.h>

#include <string>

#include "collect/dsn.h"
#include "collect/redis.h"

namespace vitals {
namespace {

using detail::ParseRedisInfo;
using detail::RedisInfoFacts;

// Captured from `redis-cli INFO` on Redis 7.0.15 (sections trimmed), CRLF kept.
const char kInfoT0[] =
    "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\nuptime_in_seconds:1880\r\n\r\n"
    "# Clients\r\nconnected_clients:1\r\ncluster_connections:0\r\nmaxclients:10000\r\n"
    "blocked_clients:0\r\n\r\n"
    "# Memory\r\nused_memory:966584\r\nused_memory_human:943.93K\r\nused_memory_rss:6942720\r\n"
    "maxmemory:0\r\nmaxmemory_human:0B\r\nmaxmemory_policy:noeviction\r\n"
    "mem_fragmentation_ratio:7.49\r\nmem_fragmentation_bytes:6016048\r\n"
    "mem_not_counted_for_evict:0\r\n\r\n"
    "# Persistence\r\nrdb_last_bgsave_status:ok\r\naof_enabled:0\r\n\r\n"
    "# Stats\r\ntotal_commands_processed:2\r\nrejected_connections:0\r\nexpired_keys:0\r\n"
    "evicted_keys:0\r\nkeyspace_hits:0\r\nkeyspace_misses:0\r\nlatest_fork_usec:0\r\n"
    "\r\n# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\n";

std::string With(std::string info, const std::string& key, const std::string& value) {
  size_t pos = info.find("\r\n" + key + ":");
  EXPECT_NE(pos, std::string::npos) << key;
  size_t start = pos + 2 + key.size() + 1;
  size_t end = info.find("\r\n", start);
  return info.replace(start, end - start, value);
}

const Fact& Find(const std::vector<Fact>& facts, const std::string& kind) {
  for (const Fact& f : facts) {
    if (f.kind == kind) return f;
  }
  ADD_FAILURE() << "no fact of kind " << kind;
  static Fact empty;
  return empty;
}

TEST(RedisInfoTest, ParsesSectionsAndSkipsComments) {
  auto m = ParseRedisInfo(kInfoT0);
  EXPECT_EQ(m["redis_version"], "7.0.15");
  EXPECT_EQ(m["maxmemory_policy"], "noeviction");
  EXPECT_EQ(m["db0"], "keys=3,expires=0,avg_ttl=0");  // value keeps its own ':'-free text
  EXPECT_EQ(m.count("# Server"), 0u);
  EXPECT_EQ(m.count(""), 0u);
  EXPECT_TRUE(ParseRedisInfo("").empty());
  EXPECT_TRUE(ParseRedisInfo("no colon here\n:novalue\n").empty());
}

TEST(RedisInfoTest, HitRatioAndEvictionsAreWindowRates) {
  std::string t0 = With(With(kInfoT0, "keyspace_hits", "10000"), "keyspace_misses", "0");
  std::string t1 = With(With(t0, "keyspace_hits", "10300"), "keyspace_misses", "700");
  t1 = With(With(t1, "evicted_keys", "500"), "uptime_in_seconds", "1882");
  auto a = ParseRedisInfo(t0), b = ParseRedisInfo(t1);
  auto facts = RedisInfoFacts(a, &b, 2.0, "127.0.0.1:6379");
  const Fact& stats = Find(facts, "redis.stats");
  // Lifetime would say 10300 / 11000 = 93.6 %; the window says 300 / 1000.
  EXPECT_DOUBLE_EQ(stats.num.at("hit_ratio"), 0.3);
  EXPECT_DOUBLE_EQ(stats.num.at("lookups"), 1000);
  EXPECT_DOUBLE_EQ(stats.num.at("hits_per_s"), 150);
  EXPECT_DOUBLE_EQ(stats.num.at("misses_per_s"), 350);
  EXPECT_DOUBLE_EQ(stats.num.at("evicted_keys_per_s"), 250);
  EXPECT_NE(stats.text.at("hit_ratio_basis").find("window"), std::string::npos);
  EXPECT_EQ(stats.subject, "127.0.0.1:6379");
  EXPECT_EQ(stats.component, "redis");
}

TEST(RedisInfoTest, NoLookupsInWindowFallsBackToLifetime) {
  std::string t0 = With(With(kInfoT0, "keyspace_hits", "900"), "keyspace_misses", "100");
  auto a = ParseRedisInfo(t0), b = ParseRedisInfo(t0);
  auto facts = RedisInfoFacts(a, &b, 1.0, "s");
  const Fact& stats = Find(facts, "redis.stats");
  EXPECT_DOUBLE_EQ(stats.num.at("hit_ratio"), 0.9);
  EXPECT_DOUBLE_EQ(stats.num.at("lookups"), 1000);
  EXPECT_NE(stats.text.at("hit_ratio_basis").find("no lookups during the window"),
            std::string::npos);
  EXPECT_DOUBLE_EQ(stats.num.at("hits_per_s"), 0);
}

TEST(RedisInfoTest, WithoutWindowRatesAreOverUptime) {
  std::string t0 = With(With(kInfoT0, "evicted_keys", "1880"), "keyspace_hits", "5");
  auto a = ParseRedisInfo(t0);
  auto facts = RedisInfoFacts(a, nullptr, 0, "s");
  EXPECT_DOUBLE_EQ(Find(facts, "redis.stats").num.at("evicted_keys_per_s"), 1.0);
  EXPECT_EQ(Find(facts, "redis.clients").num.count("rejected_connections_delta"), 0u);
}

TEST(RedisInfoTest, CounterResetDoesNotGiveNegativeRates) {
  std::string t0 = With(kInfoT0, "evicted_keys", "1000");
  std::string t1 = With(kInfoT0, "evicted_keys", "10");  // restarted in between
  auto a = ParseRedisInfo(t0), b = ParseRedisInfo(t1);
  auto facts = RedisInfoFacts(a, &b, 1.0, "s");
  EXPECT_EQ(Find(facts, "redis.stats").num.count("evicted_keys_per_s"), 0u);
}

TEST(RedisInfoTest, MemoryFragmentationAndNoeviction) {
  auto a = ParseRedisInfo(kInfoT0);
  auto facts = RedisInfoFacts(a, nullptr, 0, "s");
  const Fact& mem = Find(facts, "redis.memory");
  EXPECT_DOUBLE_EQ(mem.num.at("noeviction"), 1);
  EXPECT_EQ(mem.num.count("used_ratio"), 0u);  // no maxmemory, no ratio
  EXPECT_DOUBLE_EQ(mem.num.at("fragmentation_ratio"), 7.49);
  EXPECT_DOUBLE_EQ(mem.num.at("fragmentation_excess_bytes"), 6016048);  // < 10 MB: small instance

  std::string full = With(With(kInfoT0, "maxmemory", "2097152"), "used_memory", "2097000");
  full = With(full, "maxmemory_policy", "allkeys-lru");
  auto b = ParseRedisInfo(full);
  auto facts2 = RedisInfoFacts(b, nullptr, 0, "s");
  const Fact& m2 = Find(facts2, "redis.memory");
  EXPECT_NEAR(m2.num.at("used_ratio"), 2097000.0 / 2097152.0, 1e-12);
  EXPECT_DOUBLE_EQ(m2.num.at("noeviction"), 0);
  EXPECT_EQ(m2.text.at("maxmemory_policy"), "allkeys-lru");
}

TEST(RedisInfoTest, MemoryDoctorInputs) {
  std::string t = With(kInfoT0, "used_memory", "104857600");  // 100 MB
  t = With(t, "connected_clients", "10");
  t +=
      "used_memory_peak:209715200\r\nallocator_frag_ratio:1.30\r\nallocator_frag_bytes:20971520\r\n"
      "rss_overhead_ratio:1.02\r\nrss_overhead_bytes:1048576\r\n"
      "mem_clients_normal:10485760\r\nmem_clients_slaves:0\r\nconnected_slaves:0\r\n";
  auto facts = RedisInfoFacts(ParseRedisInfo(t), nullptr, 0, "s");
  const Fact& mem = Find(facts, "redis.memory");
  EXPECT_DOUBLE_EQ(mem.num.at("peak_ratio"), 2.0);
  EXPECT_DOUBLE_EQ(mem.num.at("peak_memory_bytes"), 209715200);
  EXPECT_DOUBLE_EQ(mem.num.at("allocator_frag_ratio"), 1.30);
  EXPECT_DOUBLE_EQ(mem.num.at("allocator_frag_bytes"), 20971520);
  EXPECT_DOUBLE_EQ(mem.num.at("rss_overhead_ratio"), 1.02);
  EXPECT_DOUBLE_EQ(mem.num.at("client_buffer_avg_bytes"), 1048576);
  EXPECT_EQ(mem.num.count("replica_buffer_avg_bytes"), 0u);  // no replica: no average
}

TEST(RedisInfoTest, ClientsAndRejectedDelta) {
  std::string t0 = With(With(kInfoT0, "connected_clients", "9000"), "rejected_connections", "4");
  std::string t1 = With(t0, "rejected_connections", "10");
  auto a = ParseRedisInfo(t0), b = ParseRedisInfo(t1);
  auto facts = RedisInfoFacts(a, &b, 1.0, "s");
  const Fact& c = Find(facts, "redis.clients");
  EXPECT_DOUBLE_EQ(c.num.at("used_ratio"), 0.9);
  EXPECT_DOUBLE_EQ(c.num.at("rejected_connections_delta"), 6);
  const Fact& p = Find(facts, "redis.persistence");
  EXPECT_DOUBLE_EQ(p.num.at("latest_fork_s"), 0);
  EXPECT_DOUBLE_EQ(p.num.at("rdb_last_bgsave_ok"), 1);
}

TEST(RedisSlowlogTest, MasksArgumentsAndGroupsByCommand) {
  using detail::MaskRedisCommand;
  EXPECT_EQ(MaskRedisCommand({"set", "session:42", "{\"token\":\"abc\"}"}), "SET session:42 ?");
  EXPECT_EQ(MaskRedisCommand({"AUTH", "admin", "hunter2"}), "AUTH ? ?");
  EXPECT_EQ(MaskRedisCommand({"hello", "3", "AUTH", "u", "pw"}), "HELLO ? ? ? ?");
  EXPECT_EQ(MaskRedisCommand({"GET", std::string(100, 'k')}),
            "GET " + std::string(64, 'k') + "...");
  EXPECT_LE(MaskRedisCommand(std::vector<std::string>(200, "x"), 40).size(), 43u);

  std::vector<detail::SlowlogEntry> entries = {
      {3, 1000, 25000, {"KEYS", "*"}, "127.0.0.1:5000"},
      {2, 990, 12000, {"keys", "user:*"}, "127.0.0.1:5001 (worker)"},
      {1, 900, 50, {"SET", "k", "secret-value"}, "127.0.0.1:5002"},
  };
  auto facts = detail::SlowlogFacts(entries, 1010, 0.01, "h:1");
  ASSERT_EQ(facts.size(), 2u);
  const Fact& keys = facts[0].text.at("command") == "KEYS" ? facts[0] : facts[1];
  const Fact& set = facts[0].text.at("command") == "SET" ? facts[0] : facts[1];
  EXPECT_EQ(keys.kind, "redis.slow_command");
  EXPECT_DOUBLE_EQ(keys.num.at("count"), 2);
  EXPECT_DOUBLE_EQ(keys.num.at("max_duration_s"), 0.025);
  EXPECT_DOUBLE_EQ(keys.num.at("total_duration_s"), 0.037);
  EXPECT_DOUBLE_EQ(keys.num.at("newest_age_s"), 10);
  EXPECT_DOUBLE_EQ(keys.num.at("slower_than_s"), 0.01);
  EXPECT_EQ(keys.text.at("example"), "KEYS *");
  EXPECT_EQ(set.text.at("example"), "SET k ?");
  EXPECT_EQ(set.text.at("example").find("secret"), std::string::npos);
}

TEST(RedisUrlTest, ParsesTheUsualForms) {
  auto u = ParseRedisUrl("redis://app:p%40ss@127.0.0.1:6380/2");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 6380);
  EXPECT_EQ(u->user, "app");
  EXPECT_EQ(u->password, "p@ss");
  EXPECT_EQ(u->db, 2);

  auto v = ParseRedisUrl("redis://:secret@[::1]");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->host, "::1");
  EXPECT_EQ(v->port, 6379);
  EXPECT_EQ(v->user, "");
  EXPECT_EQ(v->password, "secret");

  auto w = ParseRedisUrl("127.0.0.1:7000");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->port, 7000);
  EXPECT_EQ(w->password, "");
}

TEST(RedisUrlTest, BadUrlsSayWhatIsWrongWithoutThePassword) {
  for (const char* bad :
       {"redis://:pw1234@127.0.0.1:99999", "redis://:pw1234@127.0.0.1/x",
        "rediss://:pw1234@127.0.0.1", "http://:pw1234@127.0.0.1", "redis://:pw1234@"}) {
    auto r = ParseRedisUrl(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(r.status().message().find("pw1234"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("expected redis://"), std::string::npos);
  }
}

TEST(CollectRedisTest, RefusedConnectionIsClearAndMasked) {
  RedisOptions o;
  o.url = "redis://:Hunter2Secret@127.0.0.1:1/0";  // nothing listens on port 1
  auto r = CollectRedis(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(r.status().message().find("Hunter2Secret"), std::string::npos);
  EXPECT_NE(r.status().message().find("redis://:***@127.0.0.1:1/0"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace vitals
