// Shared by the PostgreSQL check tests: a test-side libpq session, DSN
// rewriting, and the PostgresCheck fixture that creates a database
// vitals_t_<random> with pg_stat_statements for each test and drops it after
// (scripts/lib/servers.sh: start_postgres exports VITALS_TEST_PG_DSN).
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "collect/postgres.h"
#include "integration/check_cli.h"
#include "integration/require_server.h"
#include "rules/evaluate.h"
#include "rules/loader.h"

namespace vitals::pgtest {

inline std::string RandomHex(int n) {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  std::string out;
  for (int i = 0; i < n; ++i) out.push_back("0123456789abcdef"[gen() % 16]);
  return out;
}

// A test-side libpq session (the test may write; vitals may not).
class TestConn {
 public:
  explicit TestConn(const std::string& dsn) : c_(PQconnectdb(dsn.c_str())) {}
  ~TestConn() {
    if (c_ != nullptr) PQfinish(c_);
  }
  TestConn(const TestConn&) = delete;
  TestConn& operator=(const TestConn&) = delete;

  bool ok() const { return PQstatus(c_) == CONNECTION_OK; }
  std::string Error() const { return PQerrorMessage(c_); }
  int Pid() const { return PQbackendPID(c_); }

  // First cell of the result ("" when none); a failure is a test failure.
  std::string Exec(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    std::string out;
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r);
    } else if (PQntuples(r) > 0 && PQnfields(r) > 0) {
      out = PQgetvalue(r, 0, 0);
    }
    PQclear(r);
    return out;
  }
  // Runs a statement that must fail; returns the error message.
  std::string ExecError(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    ExecStatusType st = PQresultStatus(r);
    std::string msg = PQresultErrorMessage(r);
    PQclear(r);
    EXPECT_TRUE(st == PGRES_FATAL_ERROR) << sql << " succeeded";
    return msg;
  }
  // Starts a statement without waiting for it.
  void Send(const std::string& sql) { ASSERT_EQ(PQsendQuery(c_, sql.c_str()), 1) << Error(); }
  void Drain() {
    while (PGresult* r = PQgetResult(c_)) PQclear(r);
  }
  void Cancel() {
    PGcancel* cancel = PQgetCancel(c_);
    char err[256];
    PQcancel(cancel, err, sizeof err);
    PQfreeCancel(cancel);
  }

 private:
  PGconn* c_;
};

// The DSN's connection parameters with `dbname` (and `user`) replaced.
inline std::string DsnWith(const std::string& dsn, const std::string& dbname,
                           const std::string& user = "") {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(dsn.c_str(), &err);
  if (opts == nullptr) {
    ADD_FAILURE() << "bad VITALS_TEST_PG_DSN: " << (err ? err : "");
    PQfreemem(err);
    return dsn;
  }
  std::string out;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::string(o->keyword) == "dbname") continue;
    if (std::string(o->keyword) == "user" && !user.empty()) continue;
    out += fmt::format("{}='{}' ", o->keyword, o->val);
  }
  PQconninfoFree(opts);
  out += "dbname=" + dbname;
  if (!user.empty()) out += " user=" + user;
  return out;
}

using vitals::testing::CliResult;
using vitals::testing::JsonFindings;
using vitals::testing::RunCheck;

inline const Fact* FindFact(const Collection& c, const std::string& kind,
                            const std::string& subject) {
  for (const Fact& f : c.facts) {
    if (f.kind == kind && f.subject == subject) return &f;
  }
  return nullptr;
}

inline std::vector<Finding> ShippedFindings(const Collection& c) {
  auto rules = LoadShippedRules();
  EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  if (!rules.ok()) return {};
  return Evaluate(*rules, {c});
}

inline const Finding* FindFinding(const std::vector<Finding>& v, const std::string& id,
                                  const std::string& subject) {
  for (const Finding& f : v) {
    if (f.id == id && f.subject == subject) return &f;
  }
  return nullptr;
}

class PostgresCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dsn = std::getenv("VITALS_TEST_PG_DSN");
    VITALS_REQUIRE_SERVER("VITALS_TEST_PG_DSN", "source scripts/lib/servers.sh; start_postgres");
    admin_dsn_ = dsn;
    db_ = "vitals_t_" + RandomHex(10);
    TestConn admin(admin_dsn_);
    ASSERT_TRUE(admin.ok()) << admin.Error();
    admin.Exec("CREATE DATABASE " + db_);
    created_ = true;
    dsn_ = DsnWith(admin_dsn_, db_);
    TestConn c(dsn_);
    ASSERT_TRUE(c.ok()) << c.Error();
    c.Exec("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    // Statements are per database; clear any left by an old database with this oid.
    c.Exec(
        "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = "
        "current_database()), 0)");
  }

  void TearDown() override {
    sessions_.clear();  // close every session before dropping the database
    if (!created_) return;
    TestConn admin(admin_dsn_);
    admin.Exec("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)");
    for (const auto& role : roles_) admin.Exec("DROP ROLE IF EXISTS " + role);
    for (const auto& dir : dirs_) std::filesystem::remove_all(dir);
  }

  TestConn& Open(const std::string& dsn = "") {
    sessions_.push_back(std::make_unique<TestConn>(dsn.empty() ? dsn_ : dsn));
    EXPECT_TRUE(sessions_.back()->ok()) << sessions_.back()->Error();
    return *sessions_.back();
  }

  Collection Collect(PostgresOptions o = {}) {
    o.dsn = dsn_;
    auto r = CollectPostgres(o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r.value() : Collection{};
  }

  // Polls `sql` (returning a boolean) until it is true: the statistics of a
  // session become visible shortly after the session ends.
  void WaitFor(const std::string& sql) {
    TestConn c(dsn_);
    for (int i = 0; i < 100; ++i) {
      if (c.Exec(sql) == "t") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "timed out waiting for: " << sql;
  }

  // A 200,000-row orders table with no index on customer_id.
  void CreateOrders(TestConn& c) {
    c.Exec(
        "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, "
        "status text NOT NULL, note text NOT NULL)");
    c.Exec(
        "INSERT INTO orders (customer_id, status, note) SELECT g % 1000, "
        "CASE WHEN g % 10 = 0 THEN 'open' ELSE 'done' END, md5(g::text) || md5((g + 1)::text) "
        "FROM generate_series(1, 200000) g");
  }

  // A rules directory holding one YAML file (replaces shipped rules by id).
  std::string RulesDir(const std::string& yaml) {
    std::string dir = ::testing::TempDir() + "vitals_rules_" + RandomHex(8);
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/override.yaml") << yaml;
    dirs_.push_back(dir);
    return dir;
  }

  std::string admin_dsn_, dsn_, db_;
  bool created_ = false;
  std::vector<std::unique_ptr<TestConn>> sessions_;
  std::vector<std::string> roles_, dirs_;
};

}  // namespace vitals::pgtest
