// vitals tune --redis --rewrite: CONFIG REWRITE only when the server has a config file (and
// rollback rewrites it again); without one the plan says --rewrite is ignored.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "integration/tune_fixture.h"

namespace vitals::tunetest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string FileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(TuneRedis, RewriteOnlyWithAConfigFileAndRolledBackToo) {
  VITALS_REQUIRE_TUNE_SERVERS();
  VITALS_REQUIRE_SERVER("VITALS_TEST_TUNE_REDIS_CONF_URL",
                        "source scripts/lib/servers.sh; start_redis_tune");
  const std::string url = testing::EnvOrEmpty("VITALS_TEST_TUNE_REDIS_CONF_URL");
  const std::string file = testing::EnvOrEmpty("VITALS_TEST_TUNE_REDIS_CONF_FILE");
  const std::string before = ReadRedis(url);
  TempStore store;
  const std::vector<std::string> args = {
      "--redis",         url,       "--rewrite", "--set", "redis:slowlog-max-len=2048", "--only",
      "slowlog-max-len", "--store", store.path()};
  auto plan = RunTune(args);
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("effect: immediate; CONFIG REWRITE " + file));
  EXPECT_THAT(plan.out, HasSubstr("NOT undone exactly: rollback rewrites " + file + " again"));
  EXPECT_THAT(FileText(file), Not(HasSubstr("slowlog-max-len 2048")));

  auto apply_args = args;
  apply_args.push_back("--apply");
  auto applied = RunTune(apply_args);
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  EXPECT_THAT(FileText(file), HasSubstr("slowlog-max-len 2048"));
  EXPECT_EQ(RedisGet(url, "slowlog-max-len"), "2048");
  const std::string id = BackupId(applied.out);
  ASSERT_FALSE(id.empty()) << applied.out;
  auto back = RunTune({"--rollback", id, "--redis", url, "--store", store.path()});
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  EXPECT_EQ(ReadRedis(url), before);
  EXPECT_THAT(FileText(file), Not(HasSubstr("slowlog-max-len 2048")));

  // A server started without a config file: --rewrite is ignored, and the plan says so.
  auto none = RunTune({"--redis", RedisUrl(), "--rewrite", "--store", store.path()});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_THAT(none.out, HasSubstr("redis: --rewrite ignored: the server has no config file (INFO "
                                  "config_file is empty); the changes last until Redis restarts"));
}

// Redis memory units: CONFIG GET answers bytes, so "2gb" is compared as 2147483648 (and a
// value already there in other units is "already at that value").
TEST(TuneRedis, SetWithMemoryUnitsAppliesAndRollsBack) {
  VITALS_REQUIRE_TUNE_SERVERS();
  const std::string url = RedisUrl();
  const std::string before = ReadRedis(url);
  const std::string old = RedisGet(url, "maxmemory");
  TempStore store;
  auto applied = RunTune({"--redis", url, "--set", "redis:maxmemory=2gb", "--only", "maxmemory",
                          "--apply", "--store", store.path()});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  EXPECT_THAT(applied.out, HasSubstr("Applied 1 change."));
  EXPECT_EQ(RedisGet(url, "maxmemory"), "2147483648");
  auto same = RunTune({"--redis", url, "--set", "redis:maxmemory=2048mb", "--only", "maxmemory",
                       "--store", store.path()});
  ASSERT_EQ(same.exit_code, 0) << same.err;
  EXPECT_THAT(same.out, HasSubstr("already at that value"));
  const std::string id = BackupId(applied.out);
  ASSERT_FALSE(id.empty()) << applied.out;
  auto back = RunTune({"--rollback", id, "--redis", url, "--store", store.path()});
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  EXPECT_EQ(RedisGet(url, "maxmemory"), old);
  EXPECT_EQ(ReadRedis(url), before);
}

}  // namespace
}  // namespace vitals::tunetest
