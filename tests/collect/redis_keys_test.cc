// Key distribution aggregation (no server): prefixes, biggest keys, TTL shares.
#include "collect/redis_keys.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace vitals::detail
