#include "core/redact.h"

#include <gtest/gtest.h>

namespace vitals {
namespace {

TEST(RedactSecrets, UrlUserinfo) {
  EXPECT_EQ(RedactSecrets("postgres://app:s3cret@127.0.0.1:5432/db"),
            "postgres://app:***@127.0.0.1:5432/db");
  EXPECT_EQ(RedactSecrets("redis://:pw@localhost:6379/0"), "redis://:***@localhost:6379/0");
  EXPECT_EQ(RedactSecrets("redis://localhost:6379"), "redis://localhost:6379");
  EXPECT_EQ(RedactSecrets("http://user@host/x"), "http://user@host/x");
  // Redis reads user info without ':' as the password.
  EXPECT_EQ(RedactSecrets("redis://s3cret@127.0.0.1:6379"), "redis://***@127.0.0.1:6379");
  EXPECT_EQ(RedactSecrets("observing rediss://s3cret@h:1"), "observing rediss://***@h:1");
  EXPECT_EQ(RedactSecrets("myredis://user@h"), "myredis://user@h");
  EXPECT_EQ(RedactSecrets("error at postgres://u:p@h:1/d: refused; retry postgres://u:q@h2/d"),
            "error at postgres://u:***@h:1/d: refused; retry postgres://u:***@h2/d");
}

TEST(RedactSecrets, KeyValuesWithSpacesQuotesAndOtherKeyNames) {
  EXPECT_EQ(RedactSecrets("host=127.0.0.1 user=app password=s3cret dbname=x"),
            "host=127.0.0.1 user=app password=*** dbname=x");
  EXPECT_EQ(RedactSecrets("host=h password = 'a b\\' c' port=5"), "host=h password = '***' port=5");
  EXPECT_EQ(RedactSecrets("postgresql://h/db?user=a&password=pw&sslmode=disable"),
            "postgresql://h/db?user=a&password=***&sslmode=disable");
  EXPECT_EQ(RedactSecrets("sslpassword=k1 passwd=k2 pwd=k3 pass=k4"),
            "sslpassword=*** passwd=*** pwd=*** pass=***");
  // Whole words only for the short keys: these are not secrets.
  EXPECT_EQ(RedactSecrets("mypass=2 bypwd=3 compass=4"), "mypass=2 bypwd=3 compass=4");
}

}  // namespace
}  // namespace vitals
