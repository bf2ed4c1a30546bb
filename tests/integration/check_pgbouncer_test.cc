// `vitals check --pgbouncer` against Debian's PgBouncer in front of the test PostgreSQL
// (scripts/lib/servers.sh start_pgbouncer: transaction pooling, pool_size 2): 20 clients
// each sending a 2 s query make 18 wait, and the check must say so; an idle pool must not.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "integration/check_cli.h"
#include "integration/require_server.h"

namespace vitals {
namespace {

using testing::JsonFindings;
using testing::RunCheck;

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;

const nlohmann::json* Observed(const testing::CliResult& r, const std::string& kind,
                               const std::string& subject) {
  if (!r.doc.is_object() || !r.doc.contains("observed")) return nullptr;
  for (const auto& f : r.doc["observed"]) {
    if (f.value("kind", "") == kind && f.value("subject", "") == subject) return &f;
  }
  return nullptr;
}

class PgBouncerCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    VITALS_REQUIRE_SERVER("VITALS_TEST_PGBOUNCER_DSN",
                          "source scripts/lib/servers.sh; start_postgres; start_pgbouncer");
    admin_ = testing::EnvOrEmpty("VITALS_TEST_PGBOUNCER_DSN");
    app_ = testing::EnvOrEmpty("VITALS_TEST_PGBOUNCER_APP_DSN");
  }
  std::string admin_, app_;
};

TEST_F(PgBouncerCheck, TwentyClientsOnAPoolOfTwoAreFoundWaiting) {
  // 20 connections through PgBouncer, each sending a 2 s query without waiting for it.
  std::vector<Conn> clients;
  for (int i = 0; i < 20; ++i) {
    Conn c(PQconnectdb(app_.c_str()));
    ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
    ASSERT_EQ(PQsendQuery(c.get(), "SELECT pg_sleep(2)"), 1) << PQerrorMessage(c.get());
    clients.push_back(std::move(c));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  testing::CliResult r = RunCheck({"--pgbouncer", admin_});
  ASSERT_TRUE(r.doc.is_object()) << r.out << r.err;
  const nlohmann::json* pool = Observed(r, "pgbouncer.pool", "postgres/postgres");
  ASSERT_NE(pool, nullptr) << r.out;
  EXPECT_GE((*pool)["num"]["cl_waiting"].get<double>(), 10) << pool->dump();
  EXPECT_EQ((*pool)["num"]["pool_size"].get<double>(), 2);
  EXPECT_EQ((*pool)["num"]["sv_active"].get<double>(), 2);
  EXPECT_GE((*pool)["num"]["maxwait_s"].get<double>(), 1.0);
  auto waiting = JsonFindings(r, "pgbouncer.clients_waiting");
  ASSERT_EQ(waiting.size(), 1u) << r.out;
  EXPECT_EQ(waiting[0]["level"], "critical");  // the oldest waited >= 1 s
  EXPECT_NE(waiting[0]["evidence"].get<std::string>().find("pool_size 2"), std::string::npos)
      << waiting[0]["evidence"];
  EXPECT_NE(waiting[0]["action"].get<std::string>().find("idle in transaction"), std::string::npos);
  // Close the clients (the waiting ones leave at once) and let the two running queries end,
  // so the pool is idle for the next test.
  clients.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
}

TEST_F(PgBouncerCheck, IdlePoolHasNoFindingAndTheConfigIsRead) {
  testing::CliResult r = RunCheck({"--pgbouncer", admin_, "--fail-on", "warning"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_TRUE(r.doc.is_object()) << r.out << r.err;
  EXPECT_TRUE(r.doc["findings"].empty()) << r.out;
  bool clients = false;
  for (const auto& f : r.doc["observed"]) {
    if (f["kind"] != "pgbouncer.clients") continue;
    clients = true;
    EXPECT_EQ(f["num"]["max_client_conn"].get<double>(), 200);
    EXPECT_EQ(f["text"]["pool_mode"], "transaction");
  }
  EXPECT_TRUE(clients) << r.out;
}

TEST_F(PgBouncerCheck, AnAppDatabaseDsnIsRefusedWithHowToFix) {
  testing::CliResult r = RunCheck({"--pgbouncer", app_});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("could not check pgbouncer"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("is not PgBouncer's admin console"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace vitals
