// vitals tune's preflight refusals: a role without privileges (the plan plus "apply needs ..."),
// a replica, a Redis with CONFIG renamed.  Nothing is changed in any of them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/tune_fixture.h"

namespace vitals::tunetest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(TuneRefusal, RoleWithoutPrivilegesGetsThePlanAndWhatToGrant) {
  VITALS_REQUIRE_TUNE_SERVERS();
  pgtest::TestConn admin(PgDsn());
  admin.Exec("DROP ROLE IF EXISTS vitals_tune_ro");
  admin.Exec("CREATE ROLE vitals_tune_ro LOGIN PASSWORD 'ro-s3cret'");
  const std::string dsn =
      pgtest::DsnWith(PgDsn(), "postgres", "vitals_tune_ro") + " password=ro-s3cret";
  const PgState before = ReadPg(PgDsn());
  TempStore store;
  auto plan = RunTune({"--postgres", dsn, "--ram", "4GB", "--cores", "2", "--component", "postgres",
                       "--store", store.path()});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("~ work_mem  4MB -> 20971kB"));
  EXPECT_THAT(plan.out, HasSubstr("apply needs:"));
  EXPECT_THAT(plan.out,
              HasSubstr("postgres: ALTER SYSTEM on shared_buffers, effective_cache_size"));
  EXPECT_THAT(plan.out, HasSubstr("for role vitals_tune_ro (not a superuser): GRANT ALTER SYSTEM "
                                  "ON PARAMETER shared_buffers, effective_cache_size"));
  EXPECT_THAT(plan.out, HasSubstr("GRANT EXECUTE ON FUNCTION pg_reload_conf() TO vitals_tune_ro;"));
  EXPECT_THAT(plan.out, HasSubstr("GRANT SELECT ON pg_file_settings TO vitals_tune_ro;"));
  EXPECT_THAT(plan.out, Not(HasSubstr("ro-s3cret")));

  auto apply = RunTune({"--postgres", dsn, "--ram", "4GB", "--cores", "2", "--component",
                        "postgres", "--apply", "--store", store.path()});
  EXPECT_EQ(apply.exit_code, 1);
  EXPECT_THAT(apply.err, HasSubstr("refusing to apply; nothing was changed:"));
  EXPECT_THAT(apply.err, HasSubstr("GRANT ALTER SYSTEM ON PARAMETER"));
  EXPECT_THAT(apply.out + apply.err, Not(HasSubstr("ro-s3cret")));
  EXPECT_TRUE(ReadPg(PgDsn()) == before);
  admin.Exec("DROP ROLE vitals_tune_ro");
}

TEST(TuneRefusal, GrantedParameterIsEnoughForThatSetting) {
  VITALS_REQUIRE_TUNE_SERVERS();
  pgtest::TestConn admin(PgDsn());
  admin.Exec("DROP ROLE IF EXISTS vitals_tune_rw");
  admin.Exec("CREATE ROLE vitals_tune_rw LOGIN");
  admin.Exec("GRANT ALTER SYSTEM ON PARAMETER work_mem TO vitals_tune_rw");
  admin.Exec("GRANT EXECUTE ON FUNCTION pg_reload_conf() TO vitals_tune_rw");
  admin.Exec("GRANT pg_read_all_settings TO vitals_tune_rw");
  const std::string dsn = pgtest::DsnWith(PgDsn(), "postgres", "vitals_tune_rw");
  TempStore store;
  auto plan = RunTune({"--postgres", dsn, "--set", "postgres:work_mem=8MB", "--only", "work_mem",
                       "--store", store.path()});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_THAT(plan.out, Not(HasSubstr("ALTER SYSTEM on")));
  // Only pg_file_settings is missing (it backs up postgresql.auto.conf entries).
  EXPECT_THAT(plan.out, HasSubstr("reading pg_file_settings (to back up postgresql.auto.conf "
                                  "entries) for role vitals_tune_rw"));
  admin.Exec("REVOKE ALTER SYSTEM ON PARAMETER work_mem FROM vitals_tune_rw");
  admin.Exec("REVOKE EXECUTE ON FUNCTION pg_reload_conf() FROM vitals_tune_rw");
  admin.Exec("DROP ROLE vitals_tune_rw");
}

TEST(TuneRefusal, ReplicaIsRefused) {
  VITALS_REQUIRE_TUNE_SERVERS();
  VITALS_REQUIRE_SERVER("VITALS_TEST_TUNE_PG_REPLICA_DSN",
                        "source scripts/lib/servers.sh; start_postgres_tune");
  const PgState before = ReadPg(PgReplicaDsn());
  TempStore store;
  auto r = RunTune({"--postgres", PgReplicaDsn(), "--ram", "4GB", "--cores", "2", "--apply",
                    "--store", store.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("apply needs:"));
  EXPECT_THAT(r.err, HasSubstr("refusing to apply; nothing was changed:"));
  EXPECT_THAT(r.err, HasSubstr("postgres: a primary: " + PgReplicaDsn() +
                               " is a replica (pg_is_in_recovery() is true)"));
  EXPECT_TRUE(ReadPg(PgReplicaDsn()) == before);
}

TEST(TuneRefusal, RedisWithConfigRenamed) {
  VITALS_REQUIRE_TUNE_SERVERS();
  VITALS_REQUIRE_SERVER("VITALS_TEST_TUNE_REDIS_NOCONFIG_URL",
                        "source scripts/lib/servers.sh; start_redis_tune");
  TempStore store;
  auto plan = RunTune({"--redis", RedisNoConfigUrl(), "--store", store.path()});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("redis: the CONFIG command: " + RedisNoConfigUrl() +
                                  " does not know it (renamed or disabled with `rename-command "
                                  "CONFIG ...` in redis.conf)"));
  EXPECT_THAT(plan.out,
              HasSubstr("redis: no plan: its settings cannot be read without CONFIG GET"));
  auto apply = RunTune({"--redis", RedisNoConfigUrl(), "--apply", "--store", store.path()});
  EXPECT_EQ(apply.exit_code, 1);
  EXPECT_THAT(apply.err, HasSubstr("refusing to apply; nothing was changed:"));
  EXPECT_THAT(apply.err, HasSubstr("rename-command CONFIG"));
}

// Runs one Redis command on the tune server (ACL setup).
void RedisCommand(const std::string& url, const std::vector<std::string>& args) {
  const int port = std::stoi(url.substr(url.rfind(':') + 1));
  redisContext* c = redisConnect("127.0.0.1", port);
  ASSERT_TRUE(c != nullptr && c->err == 0);
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.c_str());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data()));
  EXPECT_TRUE(r != nullptr && r->type != REDIS_REPLY_ERROR) << (r ? r->str : "no reply");
  freeReplyObject(r);
  redisFree(c);
}

TEST(TuneRefusal, RedisAclUsers) {
  VITALS_REQUIRE_TUNE_SERVERS();
  const std::string url = RedisUrl();
  const std::string hostport = url.substr(std::string("redis://").size());
  RedisCommand(url, {"ACL", "SETUSER", "vitals_noconfig", "reset", "on", ">nc-s3cret", "~*",
                     "+@all", "-config"});
  RedisCommand(url, {"ACL", "SETUSER", "vitals_getonly", "reset", "on", ">go-s3cret", "~*", "+@all",
                     "-config|set"});
  const std::string before = ReadRedis(url);
  TempStore store;
  auto none = RunTune(
      {"--redis", "redis://vitals_noconfig:nc-s3cret@" + hostport, "--store", store.path()});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_THAT(none.out, HasSubstr("redis: CONFIG GET and CONFIG SET for this ACL user on "
                                  "redis://vitals_noconfig:***@" +
                                  hostport +
                                  " (NOPERM): ACL SETUSER <user> +config|get "
                                  "+config|set"));
  auto get_only = RunTune({"--redis", "redis://vitals_getonly:go-s3cret@" + hostport, "--ram",
                           "4GB", "--apply", "--store", store.path()});
  EXPECT_EQ(get_only.exit_code, 1);
  EXPECT_THAT(get_only.out, HasSubstr("~ maxmemory  0 -> 3221225472"));
  EXPECT_THAT(get_only.out, HasSubstr("redis: CONFIG SET for ACL user vitals_getonly ("));
  EXPECT_THAT(get_only.out, HasSubstr("ACL SETUSER vitals_getonly +config|set"));
  EXPECT_THAT(get_only.err, HasSubstr("refusing to apply; nothing was changed:"));
  EXPECT_THAT(none.out + none.err + get_only.out + get_only.err, Not(HasSubstr("s3cret")));
  EXPECT_EQ(ReadRedis(url), before);
  RedisCommand(url, {"ACL", "DELUSER", "vitals_noconfig", "vitals_getonly"});
}

TEST(TuneRefusal, RollbackNeedsTheBackedUpTargets) {
  VITALS_REQUIRE_TUNE_SERVERS();
  TempStore store;
  SysFixture sys;
  auto applied = RunTune({"--proc-sys-root", sys.root(), "--only", "net.core.somaxconn", "--apply",
                          "--store", store.path()});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  const std::string id = BackupId(applied.out);
  ASSERT_FALSE(id.empty());
  auto no_host = RunTune({"--rollback", id, "--store", store.path()});
  EXPECT_EQ(no_host.exit_code, 2);
  EXPECT_THAT(no_host.err, HasSubstr("tune backup " + id + " changed host at " + sys.root() +
                                     ": pass --host (and --proc-sys-root DIR) to roll it back "
                                     "(nothing was restored)"));
  SysFixture other;
  auto wrong =
      RunTune({"--rollback", id, "--proc-sys-root", other.root(), "--store", store.path()});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_THAT(wrong.err, HasSubstr("but this run connects to " + other.root()));
  EXPECT_EQ(sys.Read("net/core/somaxconn"), "4096");
  auto unknown = RunTune({"--rollback", "19990101T000000-0000", "--store", store.path()});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("no tune backup '19990101T000000-0000'; `vitals tune --list` "
                                     "shows the backups"));
  auto ok = RunTune({"--rollback", id, "--proc-sys-root", sys.root(), "--store", store.path()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(sys.Read("net/core/somaxconn"), "128\n");
  auto list = RunTune({"--list", "--json", "--store", store.path()});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto doc = nlohmann::json::parse(list.out);
  ASSERT_EQ(doc.size(), 1u);
  EXPECT_EQ(doc[0]["id"], id);
  EXPECT_EQ(doc[0]["state"], "rolled_back");
  EXPECT_EQ(doc[0]["note"], "--rollback");
  EXPECT_EQ(doc[0]["components"], "host");
  EXPECT_EQ(doc[0]["items"], 1);
}

// Secret-bearing parameters are refused before anything is contacted: nothing listens on the
// closed loopback port, and the DSN host below never resolves.
TEST(TuneRefusal, SecretBearingSetIsAUsageError) {
  TempStore store;
  auto redis = RunTune({"--redis", "redis://127.0.0.1:1", "--set", "redis:requirepass=N3wS3cret",
                        "--apply", "--store", store.path()});
  EXPECT_EQ(redis.exit_code, 2) << redis.err;
  EXPECT_THAT(redis.err, HasSubstr("vitals tune does not change secret-bearing parameters "
                                   "(requirepass): change it yourself"));
  EXPECT_THAT(redis.out + redis.err, Not(HasSubstr("N3wS3cret")));
  auto auth = RunTune(
      {"--redis", "redis://127.0.0.1:1", "--set", "redis:masterauth=x", "--store", store.path()});
  EXPECT_EQ(auth.exit_code, 2) << auth.err;
  EXPECT_THAT(auth.err, HasSubstr("(masterauth)"));
  auto pg = RunTune({"--postgres", "host=db.invalid dbname=x", "--set",
                     "postgres:primary_conninfo=host=a password=pw", "--store", store.path()});
  EXPECT_EQ(pg.exit_code, 2) << pg.err;
  EXPECT_THAT(pg.err, HasSubstr("(primary_conninfo)"));
}

// --apply on a server elsewhere needs its size: refused before anything is contacted (the
// host is a .invalid name, which never resolves, and the check reads only the DSN text).
TEST(TuneRefusal, RemoteServerApplyNeedsRamAndCores) {
  TempStore store;
  auto pg = RunTune({"--postgres", "host=db.invalid dbname=x", "--apply", "--store", store.path()});
  EXPECT_EQ(pg.exit_code, 2) << pg.err;
  EXPECT_THAT(pg.err, HasSubstr("postgres on db.invalid is not this machine: --apply needs "
                                "--ram and --cores of that server"));
  EXPECT_THAT(pg.err, Not(HasSubstr("could not translate host name")));
  auto only_ram = RunTune(
      {"--redis", "redis://db.invalid:6379", "--ram", "8GB", "--apply", "--store", store.path()});
  EXPECT_EQ(only_ram.exit_code, 2) << only_ram.err;
  EXPECT_THAT(only_ram.err, HasSubstr("redis on db.invalid is not this machine"));
}

}  // namespace
}  // namespace vitals::tunetest
