// The store's statement wrapper (store/sqlite_util.h): BindOptional round-trips an absent value
// as NULL and a present one as itself, for each type the store binds optionally.
#include "store/sqlite_util.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace vitals::detail {
namespace {

class SqliteUtilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    ASSERT_TRUE(Exec(db_, path_, "CREATE TABLE t (id INTEGER, i INTEGER, d REAL, s TEXT)").ok());
  }
  void TearDown() override { sqlite3_close(db_); }

  void Insert(int id, const std::optional<int64_t>& i, const std::optional<double>& d,
              const std::optional<std::string_view>& s) {
    auto st = Stmt::Prepare(db_, path_, "INSERT INTO t (id, i, d, s) VALUES (?, ?, ?, ?)");
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    st->Bind(1, id).BindOptional(2, i).BindOptional(3, d).BindOptional(4, s);
    ASSERT_TRUE(st->Run().ok());
  }

  // The row's statement positioned on it (columns i, d, s); empty when it cannot be read.
  std::optional<Stmt> Row(int id) {
    auto st = Stmt::Prepare(db_, path_, "SELECT i, d, s FROM t WHERE id = ?");
    if (!st.ok()) return std::nullopt;
    st->Bind(1, id);
    auto row = st->Step();
    if (!row.ok() || !*row) return std::nullopt;
    return std::move(*st);
  }

  sqlite3* db_ = nullptr;
  std::string path_ = ":memory:";
};

TEST_F(SqliteUtilTest, BindOptionalStoresAnEmptyOptionalAsNullAndAValueAsItself) {
  Insert(1, std::nullopt, std::nullopt, std::nullopt);
  Insert(2, int64_t{1'700'000'000'123}, 0.25, std::string_view("run-7"));
  std::optional<Stmt> empty = Row(1), full = Row(2);
  ASSERT_TRUE(empty && full);
  EXPECT_TRUE(empty->IsNull(0));
  EXPECT_TRUE(empty->IsNull(1));
  EXPECT_TRUE(empty->IsNull(2));
  ASSERT_FALSE(full->IsNull(0));
  ASSERT_FALSE(full->IsNull(1));
  ASSERT_FALSE(full->IsNull(2));
  EXPECT_EQ(full->Int(0), 1'700'000'000'123);
  EXPECT_EQ(full->Double(1), 0.25);
  EXPECT_EQ(full->Text(2), "run-7");
}

// A zero is a value, not an absence: only the empty optional becomes NULL.
TEST_F(SqliteUtilTest, ZeroAndEmptyStringAreValuesNotNull) {
  Insert(3, int64_t{0}, 0.0, std::string_view(""));
  std::optional<Stmt> row = Row(3);
  ASSERT_TRUE(row);
  EXPECT_FALSE(row->IsNull(0));
  EXPECT_FALSE(row->IsNull(1));
  EXPECT_FALSE(row->IsNull(2));
  EXPECT_EQ(row->Int(0), 0);
  EXPECT_EQ(row->Text(2), "");
}

TEST_F(SqliteUtilTest, OptionalIfAndFiniteMakeTheOptionalFromTheCallersAbsence) {
  EXPECT_EQ(OptionalIf(false, int64_t{5}), std::nullopt);
  EXPECT_EQ(OptionalIf(true, int64_t{5}), std::optional<int64_t>(5));
  EXPECT_EQ(Finite(std::nan("")), std::nullopt);
  EXPECT_EQ(Finite(std::numeric_limits<double>::infinity()), std::nullopt);
  EXPECT_EQ(Finite(-1.5), std::optional<double>(-1.5));
  Insert(4, OptionalIf(false, int64_t{9}), Finite(std::nan("")), std::nullopt);
  Insert(5, OptionalIf(true, int64_t{9}), Finite(2.5), std::nullopt);
  std::optional<Stmt> absent = Row(4), present = Row(5);
  ASSERT_TRUE(absent && present);
  EXPECT_TRUE(absent->IsNull(0));
  EXPECT_TRUE(absent->IsNull(1));
  EXPECT_EQ(present->Int(0), 9);
  EXPECT_EQ(present->Double(1), 2.5);
}

}  // namespace
}  // namespace vitals::detail
