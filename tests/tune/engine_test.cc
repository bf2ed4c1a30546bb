// The tune engine with the server-free kind (host.sysctl over a --proc-sys-root fixture) and a
// real store: backup before the change, automatic undo when a step fails, checksum refusal.
#include "tune/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vitals {
namespace {

using ::testing::HasSubstr;

class Dir {
 public:
  Dir() {
    char tmpl[] = "/tmp/vitals-tune-engine.XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  ~Dir() { std::filesystem::remove_all(root_); }
  std::string Path(const std::string& rel) const { return root_ + "/" + rel; }
  void Write(const std::string& rel, const std::string& text) const {
    std::filesystem::create_directories(std::filesystem::path(Path(rel)).parent_path());
    std::ofstream(Path(rel), std::ios::binary) << text;
  }
  std::string Read(const std::string& rel) const {
    std::ifstream in(Path(rel), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

struct Fixture {
  Dir sys, store_dir;
  TuneSession session;
  TuneOptions options;
  Fixture() {
    sys.Write("sys/net/core/somaxconn", "128\n");
    sys.Write("sys/net/ipv4/ip_local_port_range", "1024\t65535\n");
    session.SetProcSysRoot(sys.Path("sys"));
    options.host = true;
  }
};

TEST(TuneEngine, FailingStepUndoesEverythingFromTheBackup) {
  Fixture f;
  // Writes to /dev/null succeed and read back empty: the step fails after somaxconn changed.
  std::filesystem::create_directories(f.sys.Path("sys/fake"));
  std::filesystem::create_symlink("/dev/null", f.sys.Path("sys/fake/null"));
  f.options.manual.push_back({"host", "fake.null", "1"});
  auto plan = BuildPlan(f.session, f.options);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->ApplicableCount(), 2);
  EXPECT_TRUE(plan->apply_needs.empty());
  auto store = Store::Open(f.store_dir.Path("v.db"));
  ASSERT_TRUE(store.ok());
  auto out = ApplyPlan(f.session, *plan, *store);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->rolled_back);
  ASSERT_FALSE(out->problems.empty());
  EXPECT_THAT(out->problems[0], HasSubstr("reads '' after writing '1'"));
  EXPECT_EQ(out->problems.size(), 1u) << "everything was restored";
  EXPECT_EQ(f.sys.Read("sys/net/core/somaxconn"), "128\n");
  auto b = store->GetTuneBackup(out->backup_id);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->info.state, "rolled_back");
  EXPECT_THAT(b->info.note, HasSubstr("apply failed: "));
  // The audit log: backup, the two writes, the failure, the write-backs.
  std::vector<std::string> stmts;
  for (const auto& e : b->audit) stmts.push_back(e.statement);
  EXPECT_THAT(stmts[0], HasSubstr("backup " + out->backup_id + " saved: 2 items, sha256 "));
  EXPECT_THAT(stmts, ::testing::Contains(HasSubstr("write back '128' to ")));
}

TEST(TuneEngine, TamperedBackupIsRefused) {
  Fixture f;
  auto plan = BuildPlan(f.session, f.options);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->ApplicableCount(), 1);  // somaxconn; the port range is already wide
  auto store = Store::Open(f.store_dir.Path("v.db"));
  ASSERT_TRUE(store.ok());
  auto out = ApplyPlan(f.session, *plan, *store);
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE(out->ok());
  EXPECT_EQ(f.sys.Read("sys/net/core/somaxconn"), "4096");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(f.store_dir.Path("v.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "UPDATE tune_backups SET backup_json = replace(backup_json, '128', '64')",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto back = RollbackBackup(f.session, *store, out->backup_id, "test");
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), Status::Code::kParse);
  EXPECT_THAT(back.status().message(), HasSubstr("fails its checksum"));
  EXPECT_THAT(back.status().message(), HasSubstr("nothing was restored"));
  EXPECT_EQ(f.sys.Read("sys/net/core/somaxconn"), "4096");
}

// A backup edited AND re-checksummed: the entry's name would write outside the sysctl tree.
// The name check refuses it (not restored, with the reason); nothing is written there.
TEST(TuneEngine, TamperedNameWithRecomputedChecksumIsNotRestored) {
  Fixture f;
  f.sys.Write("etc/target", "keep\n");
  auto plan = BuildPlan(f.session, f.options);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->ApplicableCount(), 1);
  auto store = Store::Open(f.store_dir.Path("v.db"));
  ASSERT_TRUE(store.ok());
  auto out = ApplyPlan(f.session, *plan, *store);
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE(out->ok());
  auto b = store->GetTuneBackup(out->backup_id);
  ASSERT_TRUE(b.ok());
  std::string json = b->backup_json;
  const std::string from = "\"name\":\"net.core.somaxconn\"";
  const auto at = json.find(from);
  ASSERT_NE(at, std::string::npos) << json;
  json.replace(at, from.size(), "\"name\":\"../etc/target\"");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(f.store_dir.Path("v.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE tune_backups SET backup_json = ?, checksum = ?", -1, &st,
                               nullptr),
            SQLITE_OK);
  const std::string sum = Sha256Hex(json);
  sqlite3_bind_text(st, 1, json.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, sum.c_str(), -1, SQLITE_TRANSIENT);
  EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(db);
  auto back = RollbackBackup(f.session, *store, out->backup_id, "test");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->not_restored.size(), 1u);
  EXPECT_THAT(back->not_restored[0], HasSubstr("../etc/target: refused, not restored: "));
  EXPECT_THAT(back->not_restored[0], HasSubstr("is not a sysctl name"));
  EXPECT_EQ(f.sys.Read("etc/target"), "keep\n");
  EXPECT_EQ(f.sys.Read("sys/net/core/somaxconn"), "4096");
}

TEST(TuneEngine, NothingToApplyAndSha256) {
  Fixture f;
  f.sys.Write("sys/net/core/somaxconn", "4096\n");
  auto plan = BuildPlan(f.session, f.options);
  ASSERT_TRUE(plan.ok());
  auto store = Store::Open(f.store_dir.Path("v.db"));
  ASSERT_TRUE(store.ok());
  auto out = ApplyPlan(f.session, *plan, *store);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("nothing to apply"));
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace vitals
