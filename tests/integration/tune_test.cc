// vitals tune against its own PostgreSQL 15 and Redis 7 and a --proc-sys-root fixture: a dry
// run changes nothing; apply then rollback leaves everything exactly as before; an apply
// killed in the middle is still rolled back completely from the stored backup.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "integration/tune_fixture.h"
#include "store/store.h"

namespace vitals::tunetest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class Tune : public ::testing::Test {
 protected:
  void SetUp() override {
    VITALS_REQUIRE_TUNE_SERVERS();
    pg_ = PgDsn();
    redis_ = RedisUrl();
    pg_before_ = ReadPg(pg_);
    redis_before_ = ReadRedis(redis_);
    sys_before_ = sys_.Snapshot();
  }
  void TearDown() override {
    if (pg_.empty()) return;
    // Whatever a failed test left behind must not leak into the next one.
    if (!(ReadPg(pg_) == pg_before_)) {
      pgtest::TestConn c(pg_);
      c.Exec("ALTER SYSTEM RESET ALL");
      c.Exec("SELECT pg_reload_conf()");
    }
  }
  std::vector<std::string> Args() const {
    return {"--postgres", pg_,   "--redis", redis_, "--proc-sys-root", sys_.root(),
            "--ram",      "4GB", "--cores", "2",    "--store",         store_.path()};
  }
  void ExpectUnchanged() {
    PgState pg_now = ReadPg(pg_);
    for (int i = 0; i < 100 && !(pg_now == pg_before_); ++i) {
      // pg_settings follows a reload asynchronously; vitals waits for it, a new session of the
      // test may still be a moment behind the postmaster.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      pg_now = ReadPg(pg_);
    }
    EXPECT_EQ(pg_now.settings, pg_before_.settings);
    EXPECT_EQ(pg_now.auto_conf, pg_before_.auto_conf);
    EXPECT_EQ(ReadRedis(redis_), redis_before_);
    EXPECT_EQ(sys_.Snapshot(), sys_before_);
  }

  std::string pg_, redis_;
  SysFixture sys_;
  TempStore store_;
  PgState pg_before_;
  std::string redis_before_, sys_before_;
};

TEST_F(Tune, DryRunChangesNothing) {
  auto text = RunTune(Args());
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("~ shared_buffers  128MB -> 1GB"));
  EXPECT_THAT(text.out, HasSubstr("rule: shared_buffers = RAM / 4  [pgtune"));
  EXPECT_THAT(text.out, HasSubstr("~ work_mem  4MB -> 20971kB"));
  EXPECT_THAT(text.out, HasSubstr("restart needed (written now, pending_restart"));
  EXPECT_THAT(text.out, HasSubstr("~ maxmemory  0 -> 3221225472"));
  EXPECT_THAT(text.out, HasSubstr("~ maxmemory-policy  noeviction -> allkeys-lru"));
  EXPECT_THAT(text.out, HasSubstr("persistence: none (save '', appendonly no)"));
  EXPECT_THAT(text.out, HasSubstr("~ net.core.somaxconn  128 -> 4096"));
  EXPECT_THAT(text.out, HasSubstr("host: vm.overcommit_memory conflict, left at 0: Redis wants 1"));
  EXPECT_THAT(text.out,
              HasSubstr("allow_alter_system is not applicable (server version 15; it exists from "
                        "PostgreSQL 17)"));
  EXPECT_THAT(text.out, HasSubstr("Dry run: nothing was changed; --apply makes these changes."));
  EXPECT_THAT(text.out, Not(HasSubstr("apply needs")));

  auto json = RunTune([&] {
    auto a = Args();
    a.push_back("--json");
    return a;
  }());
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto doc = nlohmann::json::parse(json.out);
  EXPECT_GT(doc["changes"].get<int>(), 10);
  EXPECT_EQ(doc["ram_bytes"].get<int64_t>(), int64_t{4} << 30);
  EXPECT_TRUE(doc["apply_needs"].empty());
  bool saw_work_mem = false;
  for (const auto& i : doc["items"]) {
    if (i["name"] == "work_mem") {
      saw_work_mem = true;
      EXPECT_EQ(i["proposed"], "20971kB");
      EXPECT_EQ(i["detail"]["source"], "default");
      EXPECT_TRUE(i["detail"]["auto_conf"].is_null());
      EXPECT_TRUE(i["exact_undo"].get<bool>());
    }
  }
  EXPECT_TRUE(saw_work_mem);
  EXPECT_THAT(text.out, HasSubstr("2 settings take effect only after a restart: they are "
                                  "written now and show pending_restart; vitals never restarts"));
  auto aggressive = RunTune({"--postgres", pg_, "--ram", "4GB", "--cores", "2", "--strategy",
                             "aggressive", "--allow-restart"});
  ASSERT_EQ(aggressive.exit_code, 0) << aggressive.err;
  EXPECT_THAT(aggressive.out, HasSubstr("~ huge_pages  try -> off"));
  EXPECT_THAT(aggressive.out, HasSubstr("3 settings take effect only after a restart"));
  EXPECT_THAT(aggressive.out, HasSubstr("--allow-restart: restart needed: run `pg_ctlcluster "
                                        "<version> <cluster> restart`"));
  auto conservative = RunTune(
      {"--postgres", pg_, "--ram", "4GB", "--cores", "2", "--strategy", "conservative", "--json"});
  ASSERT_EQ(conservative.exit_code, 0) << conservative.err;
  const nlohmann::json conservative_plan = nlohmann::json::parse(conservative.out);
  for (const auto& i : conservative_plan["items"]) {  // not a member of a temporary (ASan)
    if (!i["apply"].get<bool>()) continue;
    EXPECT_THAT(std::string(i["name"]),
                ::testing::AnyOf("effective_cache_size", "random_page_cost",
                                 "effective_io_concurrency", "default_statistics_target",
                                 "checkpoint_completion_target", "min_wal_size", "max_wal_size"));
    EXPECT_FALSE(i["restart"].get<bool>());
  }
  ExpectUnchanged();
  // A dry run does not even create the store, nor does listing it.
  EXPECT_FALSE(std::filesystem::exists(store_.path()));
  auto list = RunTune({"--list", "--store", store_.path()});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_EQ(list.out, "no tune backups in " + store_.path() + "\n");
  EXPECT_FALSE(std::filesystem::exists(store_.path()));
}

TEST_F(Tune, ApplyThenRollbackRestoresExactly) {
  auto a = Args();
  a.push_back("--apply");
  auto applied = RunTune(a);
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  const std::string id = BackupId(applied.out);
  ASSERT_FALSE(id.empty()) << applied.out;
  EXPECT_EQ(PgShow(pg_, "work_mem"), "20971kB");
  EXPECT_EQ(PgShow(pg_, "random_page_cost"), "1.1");
  EXPECT_EQ(RedisGet(redis_, "maxmemory-policy"), "allkeys-lru");
  EXPECT_EQ(RedisGet(redis_, "maxmemory"), "3221225472");
  EXPECT_EQ(sys_.Read("net/core/somaxconn"), "4096");
  {
    pgtest::TestConn c(pg_);
    EXPECT_EQ(c.Exec("SELECT pending_restart FROM pg_settings WHERE name = 'shared_buffers'"), "t");
    EXPECT_THAT(c.Exec("SELECT pg_read_file('postgresql.auto.conf')"),
                HasSubstr("work_mem = '20971kB'"));
  }
  // The backup and the audit log are in the store, checksummed.
  {
    auto store = Store::Open(store_.path(), Store::OpenMode::kExisting);
    ASSERT_TRUE(store.ok());
    auto b = store->GetTuneBackup(id);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_EQ(b->info.state, "applied");
    EXPECT_EQ(b->info.components, "host,postgres,redis");
    EXPECT_EQ(b->info.checksum.size(), 64u);
    auto doc = nlohmann::json::parse(b->backup_json);
    bool saw = false;
    for (const auto& i : doc["items"]) {
      if (i["name"] == "work_mem") {
        saw = true;
        EXPECT_EQ(i["old"]["setting"], "4096");
        EXPECT_EQ(i["old"]["source"], "default");
        EXPECT_TRUE(i["old"]["auto_conf"].is_null());
      }
      if (i["name"] == "net.ipv4.ip_local_port_range") {
        EXPECT_EQ(i["old"]["raw"], "32768\t60999\n");
      }
      if (i["name"] == "maxmemory-policy") {
        EXPECT_EQ(i["old"]["value"], "noeviction");
      }
    }
    EXPECT_TRUE(saw);
    ASSERT_GE(b->audit.size(), 4u);
    EXPECT_THAT(b->audit[0].statement, HasSubstr("backup " + id + " saved"));
    bool saw_stmt = false, saw_config = false;
    for (const auto& e : b->audit) {
      saw_stmt = saw_stmt || e.statement == "ALTER SYSTEM SET work_mem = '20971kB'";
      saw_config = saw_config || (e.component == "redis" &&
                                  e.statement.rfind("CONFIG SET maxmemory 3221225472", 0) == 0);
      EXPECT_EQ(e.result, "ok") << e.statement;
    }
    EXPECT_TRUE(saw_stmt);
    EXPECT_TRUE(saw_config) << "one multi-parameter CONFIG SET";
  }
  auto list = RunTune({"--list", "--store", store_.path()});
  EXPECT_THAT(list.out, HasSubstr(id));
  EXPECT_THAT(list.out, HasSubstr("applied"));

  auto back = RunTune({"--rollback", id, "--postgres", pg_, "--redis", redis_, "--proc-sys-root",
                       sys_.root(), "--store", store_.path()});
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  EXPECT_THAT(back.out, HasSubstr("rolled back tune backup " + id + ": "));
  EXPECT_THAT(back.out, HasSubstr("items restored and verified"));
  ExpectUnchanged();
  list = RunTune({"--list", "--store", store_.path()});
  EXPECT_THAT(list.out, HasSubstr("rolled_back"));
}

TEST_F(Tune, SigkillDuringApplyStillRollsBackCompletely) {
  auto a = Args();
  a.push_back("--apply");
  a.insert(a.begin(), "tune");
  setenv("VITALS_TUNE_STEP_DELAY_MS", "400", 1);
  testing::Child child(a);
  unsetenv("VITALS_TUNE_STEP_DELAY_MS");
  // Wait until a few statements are in the audit log, then kill it.
  std::string id;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!std::filesystem::exists(store_.path())) continue;
    auto store = Store::Open(store_.path(), Store::OpenMode::kExisting);
    if (!store.ok()) continue;
    auto list = store->ListTuneBackups();
    if (!list.ok() || list->empty()) continue;
    auto b = store->GetTuneBackup((*list)[0].id);
    if (b.ok() && b->audit.size() >= 4) {
      id = b->info.id;
      break;
    }
  }
  ASSERT_FALSE(id.empty()) << "the apply never got to its third statement";
  child.Signal(SIGKILL);
  child.Wait(10000);
  // Half applied: some settings are in postgresql.auto.conf, Redis and the host untouched yet.
  EXPECT_NE(ReadPg(pg_).auto_conf, pg_before_.auto_conf);
  {
    auto store = Store::Open(store_.path(), Store::OpenMode::kExisting);
    ASSERT_TRUE(store.ok());
    auto b = store->GetTuneBackup(id);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->info.state, "applying");
  }
  auto back = RunTune({"--rollback", id, "--postgres", pg_, "--redis", redis_, "--proc-sys-root",
                       sys_.root(), "--store", store_.path()});
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  EXPECT_THAT(back.out, HasSubstr("items restored and verified"));
  ExpectUnchanged();
}

// A value with a backslash and a quote goes into ALTER SYSTEM as E'...' with both doubled:
// the same text even on a session with standard_conforming_strings=off (where '\b' would be
// a backspace), and rollback restores it.
TEST_F(Tune, BackslashValueIsStoredExactlyWithoutStandardConformingStrings) {
  ASSERT_EQ(pg_.find('?'), std::string::npos) << pg_;  // a URI without parameters
  const std::string dsn = pg_ + "?options=-c%20standard_conforming_strings%3Doff";
  const std::string value = "a\\b'c %p";
  auto applied = RunTune({"--postgres", dsn, "--component", "postgres", "--set",
                          "postgres:log_line_prefix=" + value, "--only", "log_line_prefix",
                          "--apply", "--store", store_.path()});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  EXPECT_EQ(PgShow(pg_, "log_line_prefix"), value);
  const std::string id = BackupId(applied.out);
  ASSERT_FALSE(id.empty()) << applied.out;
  auto back = RunTune({"--rollback", id, "--postgres", dsn, "--store", store_.path()});
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  ExpectUnchanged();
}

TEST_F(Tune, SetPlansAChangeOfYourOwnAndRefusesUnknownNames) {
  auto a = Args();
  a.insert(a.end(), {"--component", "postgres", "--set", "postgres:work_mem=64kB", "--only",
                     "work_mem", "--json"});
  auto r = RunTune(a);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["changes"], 1);
  int only_skipped = 0;
  for (const auto& i : doc["items"]) {
    if (i["name"] == "work_mem") {
      EXPECT_EQ(i["proposed"], "64kB");
      EXPECT_EQ(i["source"], "--set");
    } else {
      EXPECT_FALSE(i["apply"].get<bool>()) << i["name"];
      only_skipped += i.value("skip", "") == "not named by --only" ? 1 : 0;
    }
  }
  EXPECT_GE(only_skipped, 5);  // shared_buffers, effective_cache_size, ...
  auto bad = RunTune({"--postgres", pg_, "--set", "postgres:wrok_mem=1MB"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("PostgreSQL has no setting 'wrok_mem' (did you mean work_mem?)"));
  auto form = RunTune({"--postgres", pg_, "--set", "work_mem"});
  EXPECT_EQ(form.exit_code, 2);
  EXPECT_THAT(form.err, HasSubstr("write component:name=value"));
  auto none = RunTune({"--strategy", "bold", "--postgres", pg_});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("--strategy must be conservative, balanced or aggressive"));
  ExpectUnchanged();
}

}  // namespace
}  // namespace vitals::tunetest
