#include "tune/target_host.h"

#include <gtest/gtest.h>

namespace vitals {
namespace {

TEST(TargetHost, LocalHosts) {
  for (const char* h :
       {"localhost", "127.0.0.1", "127.1.2.3", "::1", "/run/postgresql", "@abstract", ""}) {
    EXPECT_TRUE(IsLocalTuneHost(h)) << h;
  }
  for (const char* h : {"db.invalid", "10.0.0.5", "128.0.0.1", "::2"}) {
    EXPECT_FALSE(IsLocalTuneHost(h)) << h;
  }
}

TEST(TargetHost, PostgresDsnHosts) {
  EXPECT_EQ(PgRemoteHost("host=db.invalid dbname=x"), "db.invalid");
  EXPECT_EQ(PgRemoteHost("postgresql://u:pw@db.invalid:5432/x"), "db.invalid");
  EXPECT_EQ(PgRemoteHost("host=127.0.0.1 port=5432 dbname=x"), "");
  EXPECT_EQ(PgRemoteHost("host=/tmp/pgsock dbname=x"), "");
  EXPECT_EQ(PgRemoteHost("postgresql://localhost/x"), "");
  EXPECT_EQ(PgRemoteHost("host=localhost,db.invalid dbname=x"), "db.invalid");
  EXPECT_EQ(PgRemoteHost("host=db.invalid hostaddr=127.0.0.1 dbname=x"), "");
}

TEST(TargetHost, RedisUrlHosts) {
  EXPECT_EQ(RedisRemoteHost("redis://db.invalid:6379"), "db.invalid");
  EXPECT_EQ(RedisRemoteHost("redis://:pw@127.0.0.1:6379/0"), "");
  EXPECT_EQ(RedisRemoteHost("localhost:6379"), "");
}

}  // namespace
}  // namespace vitals
