// Unit tests of the PostgreSQL collector's server-free logic: DSN masking,
// pg_stat_statements column detection across versions, filter-column
// inference, duplicate indexes, SQL masking, and a refused connection.
#include <gtest/gtest.h>

#include "collect/dsn.h"
#include "collect/postgres.h"
#include "collect/postgres_logic.h"

namespace vitals {
namespace {

using detail::DetectPgssColumns;
using detail::FindCoveringIndexes;
using detail::InferFilterColumns;
using detail::MaskSql;
using detail::PgIndex;
using detail::QueryText;
using detail::QuoteIdent;

TEST(DsnTest, MasksUrlPassword) {
  EXPECT_EQ(MaskDsn("postgresql://app:s3cret@db.internal:5432/shop"),
            "postgresql://app:***@db.internal:5432/shop");
  // '@' and '/' inside an unencoded password are still masked whole.
  EXPECT_EQ(MaskDsn("postgres://app:p@ss/w0rd@127.0.0.1/db"), "postgres://app:***@127.0.0.1/db");
  EXPECT_EQ(MaskDsn("redis://:hunter2@127.0.0.1:6379/0"), "redis://:***@127.0.0.1:6379/0");
  EXPECT_EQ(MaskDsn("redis://hunter2@127.0.0.1:6379/0"), "redis://***@127.0.0.1:6379/0");
  EXPECT_EQ(DsnSecrets("redis://hunter2@127.0.0.1:6379"), std::vector<std::string>{"hunter2"});
  EXPECT_EQ(MaskDsn("postgresql://127.0.0.1/db?user=a&password=xyz&sslmode=disable"),
            "postgresql://127.0.0.1/db?user=a&password=***&sslmode=disable");
}

TEST(DsnTest, NoPasswordIsUnchanged) {
  EXPECT_EQ(MaskDsn("postgresql://postgres@127.0.0.1:5432/postgres"),
            "postgresql://postgres@127.0.0.1:5432/postgres");
  EXPECT_EQ(MaskDsn("host=127.0.0.1 dbname=x"), "host=127.0.0.1 dbname=x");
  EXPECT_TRUE(DsnSecrets("postgresql://app@h/db").empty());
}

TEST(DsnTest, MasksKeyValuePassword) {
  EXPECT_EQ(MaskDsn("host=127.0.0.1 password=s3cret dbname=shop"),
            "host=127.0.0.1 password=*** dbname=shop");
  // libpq quoting: 'value with spaces', \' and \\ escaped inside.
  EXPECT_EQ(MaskDsn("host=h password = 'it\\'s a \\\\ secret' user=u"),
            "host=h password = *** user=u");
  auto secrets = DsnSecrets("host=h password='a b' user=u");
  EXPECT_NE(std::find(secrets.begin(), secrets.end(), "a b"), secrets.end());
}

TEST(DsnTest, ScrubsDecodedSecretsFromMessages) {
  auto secrets = DsnSecrets("postgresql://u:p%40ss@127.0.0.1/db");
  std::string msg = ScrubSecrets("auth failed for p@ss and p%40ss", secrets);
  EXPECT_EQ(msg.find("p@ss"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("p%40ss"), std::string::npos) << msg;
}

TEST(PgssColumnsTest, Pg12UsesTotalTime) {
  auto cols = DetectPgssColumns({"userid", "dbid", "queryid", "query", "calls", "total_time",
                                 "mean_time", "rows", "blk_read_time", "blk_write_time"});
  ASSERT_TRUE(cols.ok()) << cols.status().ToString();
  EXPECT_EQ(cols->total_time, "total_time");
  EXPECT_EQ(cols->mean_time, "mean_time");
  EXPECT_EQ(cols->plan_time, "");
  EXPECT_EQ(cols->read_time, "blk_read_time");
  EXPECT_FALSE(cols->toplevel);
}

TEST(PgssColumnsTest, Pg15UsesExecTimeAndToplevel) {
  auto cols = DetectPgssColumns({"userid", "dbid", "toplevel", "queryid", "query", "plans",
                                 "total_plan_time", "calls", "total_exec_time", "mean_exec_time",
                                 "blk_read_time", "blk_write_time", "temp_blk_read_time"});
  ASSERT_TRUE(cols.ok());
  EXPECT_EQ(cols->total_time, "total_exec_time");
  EXPECT_EQ(cols->mean_time, "mean_exec_time");
  EXPECT_EQ(cols->plan_time, "total_plan_time");
  EXPECT_EQ(cols->read_time, "blk_read_time");
  EXPECT_TRUE(cols->toplevel);
  std::string sql = detail::PgssStatementsSql(*cols, "public", 50);
  EXPECT_NE(sql.find("s.total_exec_time AS total_ms"), std::string::npos) << sql;
  EXPECT_NE(sql.find("AND s.toplevel"), std::string::npos) << sql;
  EXPECT_NE(sql.find("FROM public.pg_stat_statements"), std::string::npos) << sql;
  EXPECT_NE(sql.find("LIMIT 50"), std::string::npos) << sql;
}

TEST(PgssColumnsTest, Pg17UsesSharedBlkReadTime) {
  auto cols = DetectPgssColumns({"toplevel", "total_exec_time", "mean_exec_time",
                                 "shared_blk_read_time", "local_blk_read_time"});
  ASSERT_TRUE(cols.ok());
  EXPECT_EQ(cols->read_time, "shared_blk_read_time");
  std::string sql = detail::PgssStatementsSql(*cols, "\"My Schema\"", 10);
  EXPECT_NE(sql.find("s.shared_blk_read_time AS read_ms"), std::string::npos) << sql;
}

TEST(PgssColumnsTest, UnknownShapeIsAClearError) {
  auto cols = DetectPgssColumns({"queryid", "query", "calls"});
  ASSERT_FALSE(cols.ok());
  EXPECT_NE(cols.status().message().find("neither total_exec_time nor total_time"),
            std::string::npos);
  EXPECT_NE(cols.status().message().find("queryid, query, calls"), std::string::npos);
}

TEST(MaskSqlTest, HidesLiteralsAndFoldsWhitespace) {
  EXPECT_EQ(MaskSql("ALTER ROLE app PASSWORD 'hunter2'", 100), "ALTER ROLE app PASSWORD '?'");
  EXPECT_EQ(MaskSql("SELECT *\n  FROM t\tWHERE a = 'it''s' AND b = E'x\\'y'", 100),
            "SELECT * FROM t WHERE a = '?' AND b = '?'");
  EXPECT_EQ(MaskSql("DO $body$ secret $body$", 100), "DO '?'");
  EXPECT_EQ(MaskSql("SELECT $1, $2", 100), "SELECT $1, $2");
  EXPECT_EQ(MaskSql("SELECT 1234567890", 8), "SELECT 1...");
  // Never cut inside a UTF-8 sequence.
  std::string cut = MaskSql("SELECT 'x' AS \xc3\xa9\xc3\xa9", 16);
  EXPECT_EQ(cut, "SELECT '?' AS \xc3\xa9...");
}

TEST(QuoteIdentTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(QuoteIdent("orders"), "orders");
  EXPECT_EQ(QuoteIdent("customer_id2"), "customer_id2");
  EXPECT_EQ(QuoteIdent("Orders"), "\"Orders\"");
  EXPECT_EQ(QuoteIdent("user"), "\"user\"");
  EXPECT_EQ(QuoteIdent("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(detail::SuggestIndexName("orders", {"customer_id"}), "idx_orders_customer_id");
  EXPECT_EQ(detail::SuggestIndexName(std::string(80, 't'), {"c"}).size(), 63u);
}

TEST(InferFilterColumnsTest, FindsWhereColumnsOfTheTable) {
  std::map<std::string, std::set<std::string>> tables = {
      {"public.orders", {"id", "customer_id", "status", "created_at"}},
      {"public.customers", {"id", "email", "status"}}};
  std::vector<QueryText> queries = {
      {"SELECT id FROM orders WHERE customer_id = $1 LIMIT $2", 1200},
      {"SELECT * FROM public.orders o WHERE o.status IN ($1, $2) AND o.created_at > $3", 10},
      {"SELECT c.email FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.status = $1",
       5},
      {"UPDATE customers SET status = $1 WHERE email = $2", 3},
      {"SELECT 'FROM orders WHERE id = 1'", 1000},  // a literal, not a reference
  };
  auto cols = InferFilterColumns(queries, tables);
  ASSERT_EQ(cols.count("public.orders"), 1u);
  const auto& orders = cols["public.orders"];
  ASSERT_FALSE(orders.empty());
  EXPECT_EQ(orders[0], "customer_id");  // 1205 calls' worth
  EXPECT_EQ(orders.size(), 3u);
  EXPECT_NE(std::find(orders.begin(), orders.end(), "status"), orders.end());
  EXPECT_EQ(std::find(orders.begin(), orders.end(), "id"), orders.end());
  const auto& customers = cols["public.customers"];
  EXPECT_NE(std::find(customers.begin(), customers.end(), "email"), customers.end());
  EXPECT_NE(std::find(customers.begin(), customers.end(), "status"), customers.end());
}

TEST(InferFilterColumnsTest, SchemaAndQuotedNamesMustMatch) {
  std::map<std::string, std::set<std::string>> tables = {{"sales.Orders", {"Region", "id"}},
                                                         {"public.orders", {"region"}}};
  std::vector<QueryText> queries = {
      {"SELECT * FROM sales.\"Orders\" WHERE \"Region\" = $1", 10},
      {"SELECT * FROM other.orders WHERE region = $1", 10},  // no such table
      {"garbage ((( WHERE", 1},
      {"", 1}};
  auto cols = InferFilterColumns(queries, tables);
  ASSERT_EQ(cols.count("sales.Orders"), 1u);
  EXPECT_EQ(cols["sales.Orders"], std::vector<std::string>{"Region"});
  EXPECT_EQ(cols.count("public.orders"), 0u);
}

PgIndex Idx(std::string name, std::vector<int> cols, bool unique = false) {
  PgIndex x;
  x.schema = "public";
  x.table = "orders";
  x.name = std::move(name);
  x.method = "btree";
  x.key_columns = std::move(cols);
  x.unique = unique;
  return x;
}

TEST(DuplicateIndexTest, PrefixIsCovered) {
  std::vector<PgIndex> idx = {Idx("orders_pkey", {1}, true), Idx("idx_a", {2}),
                              Idx("idx_ab", {2, 3}), Idx("idx_c", {3})};
  auto cov = FindCoveringIndexes(idx);
  EXPECT_EQ(cov[0], -1);  // primary/unique indexes are never reported
  EXPECT_EQ(cov[1], 2);   // idx_a (2) is a prefix of idx_ab (2, 3)
  EXPECT_EQ(cov[2], -1);
  EXPECT_EQ(cov[3], -1);  // (3) is not a prefix of (2, 3)
}

TEST(DuplicateIndexTest, IdenticalPairReportsOneAndRespectsConditions) {
  std::vector<PgIndex> idx = {Idx("idx_x1", {4}), Idx("idx_x2", {4})};
  auto cov = FindCoveringIndexes(idx);
  EXPECT_EQ(cov[0], -1);
  EXPECT_EQ(cov[1], 0);  // the later name is the redundant one

  idx[1].has_predicate = true;  // partial indexes are not comparable
  EXPECT_EQ(FindCoveringIndexes(idx), (std::vector<int>{-1, -1}));
  idx[1].has_predicate = false;
  idx[1].method = "hash";
  EXPECT_EQ(FindCoveringIndexes(idx), (std::vector<int>{-1, -1}));
  idx[1].method = "btree";
  idx[0].valid = false;  // an invalid index covers nothing
  EXPECT_EQ(FindCoveringIndexes(idx), (std::vector<int>{-1, -1}));
}

TEST(DuplicateIndexTest, UniqueTwinMakesPlainOneRedundant) {
  std::vector<PgIndex> idx = {Idx("a_plain", {5}), Idx("z_unique", {5}, true)};
  EXPECT_EQ(FindCoveringIndexes(idx), (std::vector<int>{1, -1}));
  EXPECT_EQ(detail::ParseInt2Vector("2 3 0"), (std::vector<int>{2, 3, 0}));
  EXPECT_TRUE(detail::ParseInt2Vector("").empty());
}

TEST(CollectPostgresTest, RefusedConnectionIsClearAndMasked) {
  PostgresOptions o;
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  o.dsn = "postgresql://app:TopSecret99@127.0.0.1:1/shop?connect_timeout=2";
  auto r = CollectPostgres(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  const std::string& msg = r.status().message();
  EXPECT_EQ(msg.find("TopSecret99"), std::string::npos) << msg;
  EXPECT_NE(msg.find("postgresql://app:***@127.0.0.1:1/shop"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot connect"), std::string::npos) << msg;
}

TEST(CollectPostgresTest, MalformedDsnIsAnErrorWithoutThePassword) {
  PostgresOptions o;
  o.dsn = "host=127.0.0.1 port=1 password=TopSecret99 bogus_option=1";
  auto r = CollectPostgres(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("TopSecret99"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("bogus_option"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace vitals
