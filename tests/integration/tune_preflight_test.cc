// The preflight of vitals tune's PostgreSQL object changes (tune/pg_preflight.h) on the
// dedicated tune server (start_postgres_tune): a role that does not own the table is refused
// CREATE INDEX, VACUUM, REINDEX and DROP INDEX with one wording (which table, which statement,
// which server, and the GRANT that allows it), and the replica refuses a DROP INDEX.  Nothing
// changes when refused; the GRANT the refusal names is enough for the apply to go through.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "collect/dsn.h"
#include "integration/tune_db_fixture.h"

namespace vitals::tunetest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSecret = "pf-s3cret";

class TunePreflight : public TuneDb {
 protected:
  // A role that will own the tables (owner_) and a login role that does not own them (role_,
  // allowed to read every statistic), whose DSN carries a password that must never be shown.
  void Roles() {
    Role("");
    owner_ = roles_.back();
    // As the role that created the tables would have: CREATE INDEX also needs it.
    pgtest::TestConn c(dsn_);
    c.Exec("GRANT CREATE ON SCHEMA public TO " + owner_);
    role_dsn_ = Role("GRANT pg_read_all_stats TO {}") + " password=" + kSecret;
    role_ = roles_.back();
  }

  void GiveTo(const std::string& owner, const std::string& table) {
    pgtest::TestConn c(dsn_);
    c.Exec("ALTER TABLE " + table + " OWNER TO " + owner);
  }

  // An unused index over pg.unused_index's 10 MB (the maintenance test's fixture).
  void UnusedIndexFixture() {
    pgtest::TestConn c(dsn_);
    c.Exec("CREATE TABLE lookup (id int PRIMARY KEY, note text)");
    c.Exec("INSERT INTO lookup SELECT g, md5(g::text) FROM generate_series(1, 250000) g");
    c.Exec("CREATE INDEX lookup_note_idx ON lookup (note)");
    c.Exec("ANALYZE lookup");
  }

  // The refusal line for a role that does not own `table`.
  std::string OwnershipLine(const std::string& table, const std::string& what) const {
    return fmt::format(
        "postgres: ownership of {} for {} on {} (only the table's owner or a superuser may): run "
        "vitals tune as the owner, or GRANT {} TO {};",
        table, what, MaskDsn(role_dsn_), owner_, role_);
  }

  TuneRun ApplyAsRole(const std::vector<std::string>& only, std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {"--postgres", role_dsn_,     "--component", "postgres",
                                  "--store",    store_.path(), "--ram",       "4GB",
                                  "--cores",    "2",           "--apply"};
    for (const auto& o : only) a.insert(a.end(), {"--only", o});
    a.insert(a.end(), extra.begin(), extra.end());
    return RunTune(a);
  }

  static void ExpectRefused(const TuneRun& r) {
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("apply needs:"));
    EXPECT_THAT(r.err, HasSubstr("refusing to apply; nothing was changed:"));
    EXPECT_THAT(r.out + r.err, Not(HasSubstr(kSecret)));
  }

  std::string owner_, role_, role_dsn_;
};

TEST_F(TunePreflight, NonOwnerCreateIndexIsRefusedAndTheNamedGrantIsEnough) {
  MissingIndexFixture(12000);
  Roles();
  GiveTo(owner_, "orders");
  auto refused = ApplyAsRole({kIndex});
  ExpectRefused(refused);
  EXPECT_THAT(refused.err,
              HasSubstr(OwnershipLine("public.orders",
                                      "CREATE INDEX public.vitals_orders_customer_id_idx")));
  EXPECT_EQ(IndexValid(kIndex), "");

  // What the refusal says to run is what the apply needed.
  pgtest::TestConn admin(admin_dsn_);
  admin.Exec(fmt::format("GRANT {} TO {}", owner_, role_));
  auto applied = ApplyAsRole({kIndex});
  EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  EXPECT_THAT(applied.out, Not(HasSubstr("ownership of")));
  EXPECT_EQ(IndexValid(kIndex), "t");
}

// PostgreSQL checks CREATE on the schema for CREATE INDEX even for the table's owner: the
// preflight refuses before the build instead of the build failing at apply.
TEST_F(TunePreflight, OwnerWithoutCreateOnTheSchemaIsRefusedCreateIndex) {
  MissingIndexFixture(12000);
  Roles();
  GiveTo(role_, "orders");  // the role owns the table, but public's CREATE is not granted
  auto refused = ApplyAsRole({kIndex});
  ExpectRefused(refused);
  EXPECT_THAT(refused.err,
              HasSubstr(fmt::format("postgres: CREATE on schema public for CREATE INDEX "
                                    "public.vitals_orders_customer_id_idx on {} (the index goes "
                                    "into its table's schema): GRANT CREATE ON SCHEMA public TO "
                                    "{};",
                                    MaskDsn(role_dsn_), role_)));
  EXPECT_THAT(refused.err, Not(HasSubstr("ownership of")));
  EXPECT_EQ(IndexValid(kIndex), "");

  pgtest::TestConn c(dsn_);
  c.Exec("GRANT CREATE ON SCHEMA public TO " + role_);
  auto applied = ApplyAsRole({kIndex});
  EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  EXPECT_EQ(IndexValid(kIndex), "t");
}

TEST_F(TunePreflight, NonOwnerVacuumAndReindexAreRefusedWithTheSameWording) {
  pgtest::TestConn c(dsn_);
  c.Exec("CREATE TABLE churn (id int, v text) WITH (autovacuum_enabled = off)");
  c.Exec("INSERT INTO churn SELECT g, md5(g::text) FROM generate_series(1, 40000) g");
  c.Exec("DELETE FROM churn WHERE id % 2 = 0");
  c.Exec("CREATE TABLE bloated (id int, v text) WITH (autovacuum_enabled = off)");
  c.Exec("INSERT INTO bloated SELECT g, md5(g::text) FROM generate_series(1, 400000) g");
  c.Exec("CREATE INDEX bloated_v_idx ON bloated (v)");
  c.Exec("DELETE FROM bloated WHERE id % 10 < 7");
  c.Exec("VACUUM ANALYZE bloated");
  WaitFor("SELECT n_dead_tup >= 20000 FROM pg_stat_user_tables WHERE relname = 'churn'");
  Roles();
  GiveTo(owner_, "churn");
  GiveTo(owner_, "bloated");
  c.Exec("GRANT SELECT ON bloated TO " + role_);  // pg_stats shows only readable tables
  const std::string index_before =
      c.Exec("SELECT oid || ':' || relfilenode FROM pg_class WHERE relname = 'bloated_v_idx'");

  auto r = ApplyAsRole({"vacuum public.churn", "reindex public.bloated_v_idx"});
  ExpectRefused(r);
  EXPECT_THAT(r.err, HasSubstr(OwnershipLine("public.churn", "VACUUM public.churn")));
  EXPECT_THAT(r.err, HasSubstr(OwnershipLine("public.bloated", "REINDEX public.bloated_v_idx")));
  EXPECT_EQ(c.Exec("SELECT last_vacuum IS NULL FROM pg_stat_user_tables WHERE relname = 'churn'"),
            "t");
  EXPECT_EQ(c.Exec("SELECT oid || ':' || relfilenode FROM pg_class WHERE relname = "
                   "'bloated_v_idx'"),
            index_before);
}

TEST_F(TunePreflight, NonOwnerDropIndexIsRefusedAndTheIndexStays) {
  UnusedIndexFixture();
  Roles();
  GiveTo(owner_, "lookup");
  // The tune server streams to a standby: --override drops anyway.
  auto r = ApplyAsRole({"drop public.lookup_note_idx"}, {"--strategy", "aggressive", "--override"});
  ExpectRefused(r);
  EXPECT_THAT(r.err,
              HasSubstr(OwnershipLine("public.lookup", "DROP INDEX public.lookup_note_idx")));
  EXPECT_EQ(IndexValid("lookup_note_idx"), "t");
}

TEST_F(TunePreflight, ReplicaRefusesDropIndex) {
  VITALS_REQUIRE_SERVER("VITALS_TEST_TUNE_PG_REPLICA_DSN",
                        "source scripts/lib/servers.sh; start_postgres_tune");
  UnusedIndexFixture();
  const std::string replica = pgtest::DsnWith(PgReplicaDsn(), db_);
  // The replica replays the database and the index (bounded wait).
  bool replayed = false;
  for (int i = 0; i < 300 && !replayed; ++i) {
    pgtest::TestConn r(replica);
    replayed = r.ok() && r.Exec(
                             "SELECT count(*) FROM pg_class WHERE relname = "
                             "'lookup_note_idx'") == "1";
    if (!replayed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(replayed) << "the replica did not replay " << db_;

  auto r = RunTune({"--postgres", replica, "--component", "postgres", "--only",
                    "drop public.lookup_note_idx", "--strategy", "aggressive", "--store",
                    store_.path(), "--ram", "4GB", "--cores", "2", "--apply"});
  ExpectRefused(r);
  EXPECT_THAT(r.err, HasSubstr(fmt::format("postgres: a primary for DROP INDEX: {} is a replica "
                                           "(pg_is_in_recovery() is true); run vitals tune "
                                           "against the primary",
                                           MaskDsn(replica))));
  EXPECT_THAT(r.err, Not(HasSubstr("ownership of")));
  EXPECT_EQ(IndexValid("lookup_note_idx"), "t");
}

}  // namespace
}  // namespace vitals::tunetest
