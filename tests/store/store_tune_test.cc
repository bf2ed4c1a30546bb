// `vitals tune` backups and audit log (schema version 11: tune_backups, tune_audit).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "store/store.h"
#include "store/store_test_util.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

TuneBackupInfo Info() {
  TuneBackupInfo b;
  b.created_unix_ms = 1'700'000'000'000;
  b.components = "postgres,redis";
  b.targets_json = R"({"postgres":"postgresql://tune:s3cret@127.0.0.1/app"})";
  b.items = 2;
  b.checksum = "abc";
  return b;
}

TEST(StoreTune, SavedListedReadBackRedacted) {
  TempDir dir;
  auto store = Store::Open(dir.File("v.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto id = store->SaveTuneBackup(Info(), R"({"items":[{"name":"work_mem","old":"4MB"}],)"
                                          R"("dsn":"postgres://u:hunter2@db/app"})");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto list = store->ListTuneBackups();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, *id);
  EXPECT_EQ((*list)[0].state, "saved");
  EXPECT_EQ((*list)[0].items, 2);
  EXPECT_THAT((*list)[0].targets_json, Not(HasSubstr("s3cret")));
  auto got = store->GetTuneBackup(*id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_THAT(got->backup_json, HasSubstr("work_mem"));
  EXPECT_THAT(got->backup_json, Not(HasSubstr("hunter2")));
  EXPECT_EQ(got->info.checksum, "abc");
}

TEST(StoreTune, AuditInOrderAndStateChanges) {
  TempDir dir;
  auto store = Store::Open(dir.File("v.db"));
  ASSERT_TRUE(store.ok());
  auto id = store->SaveTuneBackup(Info(), "{}");
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(
      store->AppendTuneAudit(*id, {1, "postgres", "ALTER SYSTEM SET work_mem = '8MB'", "ok"}).ok());
  ASSERT_TRUE(store->AppendTuneAudit(*id, {2, "redis", "CONFIG SET maxmemory 1", "ERR no"}).ok());
  ASSERT_TRUE(store->SetTuneBackupState(*id, "rolled_back", "validate: regression").ok());
  auto got = store->GetTuneBackup(id->substr(0, 17));  // a unique prefix names it
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->audit.size(), 2u);
  EXPECT_EQ(got->audit[0].component, "postgres");
  EXPECT_EQ(got->audit[1].result, "ERR no");
  EXPECT_EQ(got->info.state, "rolled_back");
  EXPECT_EQ(got->info.note, "validate: regression");
}

TEST(StoreTune, UnknownIdsAndBadDocuments) {
  TempDir dir;
  auto store = Store::Open(dir.File("v.db"));
  ASSERT_TRUE(store.ok());
  auto missing = store->GetTuneBackup("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("vitals tune --list"));
  EXPECT_EQ(store->AppendTuneAudit("nope", {1, "tune", "x", "ok"}).code(), Status::Code::kNotFound);
  EXPECT_EQ(store->SetTuneBackupState("nope", "applied").code(), Status::Code::kNotFound);
  auto bad = store->SaveTuneBackup(Info(), "[1,2]");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace vitals
