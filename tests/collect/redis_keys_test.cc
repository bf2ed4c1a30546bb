// Key distribution aggregation (no server): prefixes, biggest keys, TTL shares.
#include "collect/redis_keys.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace vitals::detail {
namespace {

const Fact* Find(const std::vector<Fact>& facts, const std::string& kind,
                 const std::string& subject_end) {
  for (const Fact& f : facts) {
    if (f.kind == kind && f.subject.size() >= subject_end.size() &&
        f.subject.compare(f.subject.size() - subject_end.size(), subject_end.size(), subject_end) ==
            0) {
      return &f;
    }
  }
  return nullptr;
}

TEST(RedisKeys, Prefixes) {
  EXPECT_EQ(KeyPrefix("user:42"), "user:*");
  EXPECT_EQ(KeyPrefix("session:abc:data"), "session:*");
  EXPECT_EQ(KeyPrefix("plain"), "(no prefix)");
  EXPECT_EQ(KeyPrefix(":leading"), "(no prefix)");
  EXPECT_EQ(KeyPrefix(std::string(100, 'x') + ":1").size(), 64u);
}

TEST(RedisKeys, TopPrefixesBiggestKeysAndTtlShares) {
  KeyScanOptions o;
  o.top_keys = 3;
  o.cache = true;
  KeyStats s(o);
  for (int i = 0; i < 100; ++i) s.Add("user:" + std::to_string(i), 100, -1);      // no TTL
  for (int i = 0; i < 50; ++i) s.Add("sess:" + std::to_string(i), 1000, 60'000);  // TTL
  s.Add("big:blob", 5'000'000, -1);
  s.Add("big:other", 20'000, 1000);
  s.Add("gone:1", 100, -2);  // vanished between SCAN and PTTL: not counted
  s.Add("plain", 50, -1);
  auto facts = s.Facts("h:1", 160, true, 0.25);
  const Fact* ks = Find(facts, "redis.keyspace", "h:1");
  ASSERT_NE(ks, nullptr);
  EXPECT_EQ(ks->num.at("scanned"), 153);
  EXPECT_EQ(ks->num.at("keys"), 160);
  EXPECT_EQ(ks->num.at("complete"), 1);
  EXPECT_EQ(ks->num.at("no_ttl_keys"), 102);
  EXPECT_EQ(ks->num.at("cache"), 1);
  const Fact* big = Find(facts, "redis.key_prefix", "big:*");
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->num.at("rank"), 1);  // by memory
  EXPECT_EQ(big->num.at("keys"), 2);
  const Fact* user = Find(facts, "redis.key_prefix", "user:*");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->num.at("no_ttl_ratio"), 1.0);
  EXPECT_NEAR(user->num.at("key_share"), 100.0 / 153.0, 1e-12);
  const Fact* sess = Find(facts, "redis.key_prefix", "sess:*");
  ASSERT_NE(sess, nullptr);
  EXPECT_EQ(sess->num.at("no_ttl_ratio"), 0.0);
  EXPECT_EQ(sess->num.at("rank"), 2);  // 50,000 bytes: after big:* (5,020,000), before user:*
  // The three biggest keys, biggest first.
  std::vector<std::string> keys;
  for (const Fact& f : facts) {
    if (f.kind == "redis.big_key") keys.push_back(f.text.at("key"));
  }
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0], "big:blob");
  EXPECT_EQ(keys[1], "big:other");
  EXPECT_EQ(Find(facts, "redis.big_key", "big:blob")->num.at("ttl_s"), -1);
  EXPECT_EQ(Find(facts, "redis.big_key", "big:other")->num.at("ttl_s"), 1);
}

TEST(RedisKeys, SampleStepFollowsKeyspaceAndBudget) {
  KeyScanOptions o;  // 2 s at 50,000 keys per budget second: 100,000 keys measured whole
  EXPECT_EQ(SampleEvery(0, o), 1);
  EXPECT_EQ(SampleEvery(100'000, o), 1);
  EXPECT_EQ(SampleEvery(100'001, o), 2);
  EXPECT_EQ(SampleEvery(1'000'000, o), 10);
  o.budget_ns = 500'000'000;
  EXPECT_EQ(SampleEvery(1'000'000, o), 40);
}

TEST(RedisKeys, SampledMemoryIsScaledPerPrefixAndSaysSo) {
  KeyScanOptions o;
  KeyStats s(o);
  // Every 4th key measured: 400 "a:" keys of 100 bytes (no TTL), 40 "b:" keys of 10,000 bytes
  // with a TTL, and 2 "c:" keys never sampled.
  int n = 0;
  auto key = [&](const std::string& k, int64_t bytes, int64_t pttl) {
    if (n++ % 4 == 0) {
      s.Add(k, bytes, pttl);
    } else {
      s.Count(k);
    }
  };
  for (int i = 0; i < 400; ++i) key("a:" + std::to_string(i), 100, -1);
  for (int i = 0; i < 40; ++i) key("b:" + std::to_string(i), 10'000, 5000);
  s.Count("c:1");
  s.Count("c:2");
  auto facts = s.Facts("h:1", 442, true, 0.1, 4);
  const Fact* ks = Find(facts, "redis.keyspace", "h:1");
  ASSERT_NE(ks, nullptr);
  EXPECT_EQ(ks->num.at("scanned"), 442);
  EXPECT_EQ(ks->num.at("sampled"), 110);
  EXPECT_EQ(ks->num.at("sample_every"), 4);
  EXPECT_NE(ks->text.at("memory").find("1 key in 4 (110 keys)"), std::string::npos)
      << ks->text.at("memory");
  const Fact* a = Find(facts, "redis.key_prefix", "a:*");
  const Fact* b = Find(facts, "redis.key_prefix", "b:*");
  const Fact* c = Find(facts, "redis.key_prefix", "c:*");
  ASSERT_TRUE(a != nullptr && b != nullptr && c != nullptr);
  EXPECT_EQ(a->num.at("keys"), 400);  // counts are exact
  EXPECT_EQ(a->num.at("memory_bytes"), 40'000);
  EXPECT_EQ(a->num.at("no_ttl_keys"), 400);
  EXPECT_EQ(b->num.at("keys"), 40);
  EXPECT_EQ(b->num.at("memory_bytes"), 400'000);
  EXPECT_EQ(b->num.at("rank"), 1);
  EXPECT_EQ(b->num.at("no_ttl_keys"), 0);
  // No sampled key: the keyspace's average per sampled key (1,010,000 / 110 ... x 2).
  EXPECT_NEAR(c->num.at("memory_bytes"), std::round(2 * (100.0 * 100 + 10 * 10'000) / 110), 1);
  EXPECT_EQ(a->text.at("memory"), "estimated from a sample");
}

}  // namespace
}  // namespace vitals::detail
