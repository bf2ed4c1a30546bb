#include "tune/redis_value.h"

#include <gtest/gtest.h>

namespace vitals {
namespace {

TEST(RedisValue, MemoryUnitsAsRedisReadsThem) {
  EXPECT_EQ(RedisMemoryBytes("2147483648"), int64_t{2147483648});
  EXPECT_EQ(RedisMemoryBytes("2gb"), int64_t{2} << 30);
  EXPECT_EQ(RedisMemoryBytes("2GB"), int64_t{2} << 30);
  EXPECT_EQ(RedisMemoryBytes("2g"), int64_t{2'000'000'000});
  EXPECT_EQ(RedisMemoryBytes("100mb"), int64_t{100} << 20);
  EXPECT_EQ(RedisMemoryBytes("100m"), int64_t{100'000'000});
  EXPECT_EQ(RedisMemoryBytes("64kb"), int64_t{65536});
  EXPECT_EQ(RedisMemoryBytes("64k"), int64_t{64000});
  EXPECT_EQ(RedisMemoryBytes("10b"), int64_t{10});
  EXPECT_EQ(RedisMemoryBytes("0"), int64_t{0});
  EXPECT_FALSE(RedisMemoryBytes("allkeys-lru"));
  EXPECT_FALSE(RedisMemoryBytes("2tb"));
  EXPECT_FALSE(RedisMemoryBytes("-1"));
  EXPECT_FALSE(RedisMemoryBytes("3600 1"));
  EXPECT_FALSE(RedisMemoryBytes("99999999999999999999"));
}

TEST(RedisValue, ConfigEqualsNormalisesMemoryOnly) {
  EXPECT_TRUE(RedisConfigEquals("2147483648", "2gb"));
  EXPECT_TRUE(RedisConfigEquals("1048576", "1MB"));
  EXPECT_FALSE(RedisConfigEquals("2147483648", "2g"));
  EXPECT_TRUE(RedisConfigEquals("allkeys-lru", "allkeys-lru"));
  EXPECT_FALSE(RedisConfigEquals("allkeys-lru", "volatile-lru"));
  EXPECT_FALSE(RedisConfigEquals("yes", "no"));
}

}  // namespace
}  // namespace vitals
