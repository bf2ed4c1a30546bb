// Run store: naming runs (ids, prefixes, latest, latest~N, baseline:NAME), listing with
// filters, deleting, baselines.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/store.h"
#include "store/store_test_util.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using testing::MakeInterval;
using testing::MakeResult;
using testing::MakeStart;
using testing::TempDir;

// Three completed runs (oldest first: a, b, c) with explicit ids sharing prefixes, and one
// newer run left running.
class StoreNaming : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.File("vitals.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_.emplace(std::move(s).value());
    const char* ids[] = {"20240501T100000-aaaa", "20240501T110000-bbbb", "20240501T110000-bbcc"};
    const char* commits[] = {"c1", "c2", "c2"};
    for (int i = 0; i < 3; ++i) {
      RunStart start = MakeStart(1'714'557'600'000 + int64_t(i) * 3'600'000);
      start.run_id = ids[i];
      start.tags = {{"commit", commits[i]}, {"env", "ci"}};
      auto id = store_->BeginRun(start);
      ASSERT_TRUE(id.ok()) << id.status().ToString();
      ASSERT_TRUE(store_->CompleteRun(*id, MakeResult(2, 50, 1000 * (i + 1)), "", "").ok());
    }
    RunStart running = MakeStart(1'714'600'000'000);
    running.run_id = "20240502T000000-dddd";
    ASSERT_TRUE(store_->BeginRun(running).ok());
  }

  TempDir dir_;
  std::optional<Store> store_;
};

TEST_F(StoreNaming, LatestSkipsIncompleteRuns) {
  EXPECT_EQ(*store_->ResolveRunName("latest"), "20240501T110000-bbcc");
  EXPECT_EQ(*store_->ResolveRunName("latest~0"), "20240501T110000-bbcc");
  EXPECT_EQ(*store_->ResolveRunName("latest~1"), "20240501T110000-bbbb");
  EXPECT_EQ(*store_->ResolveRunName("latest~2"), "20240501T100000-aaaa");
  auto too_far = store_->ResolveRunName("latest~3");
  ASSERT_FALSE(too_far.ok());
  EXPECT_EQ(too_far.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(too_far.status().message(), HasSubstr("holds 3"));
  EXPECT_THAT(too_far.status().message(), HasSubstr("latest~2"));
  for (const char* bad : {"latest~", "latest~x", "latest~-1", "latest~1x"}) {
    auto r = store_->ResolveRunName(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_THAT(r.status().message(), HasSubstr("latest~N")) << bad;
  }
  auto run = store_->GetRun("latest~1");
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->info.id, "20240501T110000-bbbb");
  EXPECT_EQ(run->latency_corrected.TotalCount(), 100);
}

TEST_F(StoreNaming, IdsAndUniquePrefixes) {
  EXPECT_EQ(*store_->ResolveRunName("20240501T100000-aaaa"), "20240501T100000-aaaa");
  EXPECT_EQ(*store_->ResolveRunName("20240501T10"), "20240501T100000-aaaa");
  EXPECT_EQ(*store_->ResolveRunName("20240501T110000-bbc"), "20240501T110000-bbcc");
  EXPECT_EQ(*store_->ResolveRunName("20240502"), "20240502T000000-dddd");  // running: by id ok

  auto ambiguous = store_->ResolveRunName("20240501T110000-bb");
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_EQ(ambiguous.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(ambiguous.status().message(), HasSubstr("ambiguous"));
  EXPECT_THAT(ambiguous.status().message(), HasSubstr("20240501T110000-bbbb"));
  EXPECT_THAT(ambiguous.status().message(), HasSubstr("20240501T110000-bbcc"));

  for (const char* unknown : {"2023", "nope", "baseline"}) {
    auto r = store_->GetRun(unknown);
    ASSERT_FALSE(r.ok()) << unknown;
    EXPECT_EQ(r.status().code(), Status::Code::kNotFound) << unknown;
    EXPECT_THAT(r.status().message(), HasSubstr(unknown));
    EXPECT_THAT(r.status().message(), HasSubstr("latest~N"));
    EXPECT_THAT(r.status().message(), HasSubstr("unique prefix"));
  }
  // LIKE/GLOB metacharacters are plain characters in a prefix.
  EXPECT_EQ(store_->ResolveRunName("2024%").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->ResolveRunName("2024*").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->ResolveRunName("").status().code(), Status::Code::kInvalidArgument);
}

TEST_F(StoreNaming, ListFiltersByTagsAndLimit) {
  auto all = store_->ListRuns();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].id, "20240502T000000-dddd");  // newest first
  EXPECT_EQ((*all)[3].id, "20240501T100000-aaaa");

  auto c2 = store_->ListRuns({.tags = {{"commit", "c2"}, {"env", "ci"}}});
  ASSERT_TRUE(c2.ok());
  ASSERT_EQ(c2->size(), 2u);
  EXPECT_EQ((*c2)[0].id, "20240501T110000-bbcc");
  EXPECT_EQ((*c2)[1].id, "20240501T110000-bbbb");

  auto none = store_->ListRuns({.tags = {{"commit", "c2"}, {"env", "prod"}}});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  auto limited = store_->ListRuns({.limit = 2});
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 2u);
  EXPECT_EQ((*limited)[1].id, "20240501T110000-bbcc");
}

TEST_F(StoreNaming, DeleteRemovesEverythingOfTheRun) {
  auto deleted = store_->DeleteRun("20240501T10");
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, "20240501T100000-aaaa");
  EXPECT_EQ(store_->GetRun("20240501T100000-aaaa").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(*store_->ResolveRunName("latest~1"), "20240501T110000-bbbb");
  EXPECT_EQ(store_->ResolveRunName("latest~2").status().code(), Status::Code::kNotFound);
  // No orphan rows: tags, histograms, phases, intervals went with it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("vitals.db").c_str(), &db), SQLITE_OK);
  for (const char* table : {"run_tags", "run_histograms", "run_phases", "run_intervals"}) {
    sqlite3_stmt* st = nullptr;
    const std::string sql =
        std::string("SELECT COUNT(*) FROM ") + table + " WHERE run_id = '20240501T100000-aaaa'";
    ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(st, 0), 0) << table;
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  auto again = store_->DeleteRun("20240501T100000-aaaa");
  EXPECT_EQ(again.status().code(), Status::Code::kNotFound);
  auto runs = store_->ListRuns();
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->size(), 3u);
}

TEST_F(StoreNaming, Baselines) {
  auto set = store_->SetBaseline("main", "latest~1");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(*set, "20240501T110000-bbbb");
  EXPECT_EQ(*store_->ResolveRunName("baseline:main"), "20240501T110000-bbbb");
  auto run = store_->GetRun("baseline:main");
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->info.id, "20240501T110000-bbbb");

  // Moving a baseline replaces its target.
  ASSERT_TRUE(store_->SetBaseline("main", "latest").ok());
  EXPECT_EQ(store_->GetBaseline("main")->run_id, "20240501T110000-bbcc");
  ASSERT_TRUE(store_->SetBaseline("v1.0", "20240501T10").ok());
  auto list = store_->ListBaselines();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "main");
  EXPECT_EQ((*list)[1].name, "v1.0");
  EXPECT_GT((*list)[1].set_unix_ms, 0);

  // An incomplete run cannot be a baseline; bad names are refused.
  auto incomplete = store_->SetBaseline("wip", "20240502T000000-dddd");
  ASSERT_FALSE(incomplete.ok());
  EXPECT_THAT(incomplete.status().message(), HasSubstr("incomplete"));
  EXPECT_EQ(store_->SetBaseline("bad name", "latest").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(store_->SetBaseline("x", "nope").status().code(), Status::Code::kNotFound);

  // A baseline's run cannot be deleted while it is one.
  auto del = store_->DeleteRun("baseline:main");
  ASSERT_FALSE(del.ok());
  EXPECT_THAT(del.status().message(), HasSubstr("baseline main"));
  ASSERT_TRUE(store_->RemoveBaseline("main").ok());
  EXPECT_TRUE(store_->DeleteRun("20240501T110000-bbcc").ok());

  auto unknown = store_->GetRun("baseline:main");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("there are: v1.0"));
  EXPECT_EQ(store_->RemoveBaseline("main").code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace vitals
