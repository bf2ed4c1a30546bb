// End-to-end tests of `vitals target`'s failure modes (issue 17): the process metrics, --leak,
// --cache, and the backend endpoints --redis and --postgres against the real servers that
// scripts/test starts (scripts/lib/servers.sh: start_redis, start_postgres).  Load comes
// from `vitals load --rate` over loopback, bounded in time.
#include <fcntl.h>
#include <libpq-fe.h>
#include <sys/file.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "collect/dsn.h"
#include "integration/child_process.h"
#include "integration/require_server.h"
#include "target/test_http_client.h"

namespace vitals {
namespace {

using testing::Child;
using ::testing::HasSubstr;
using testing::HttpResponse;
using ::testing::Not;
using testing::RunVitals;
using testing::TestHttpClient;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::vector<std::string> TargetArgs(std::vector<std::string> extra) {
  std::vector<std::string> a = {"target", "--listen", "127.0.0.1:0"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

std::string Scrape(int port) {
  TestHttpClient c{uint16_t(port)};
  HttpResponse r;
  if (!c.Send("GET /metrics HTTP/1.1\r\n\r\n") || !c.Read(&r)) return "";
  return r.body;
}

// The value of the sample `name{labels}` in an exposition, or -1.
double Metric(const std::string& text, const std::string& name_and_labels) {
  size_t pos = text.find("\n" + name_and_labels + " ");
  if (pos == std::string::npos) return -1;
  return std::stod(text.substr(pos + name_and_labels.size() + 2));
}

// `vitals load` at `rate` req/s for `duration` against the target; its exit code.
int Load(int port, int rate, const std::string& duration, std::string* out) {
  std::string err;
  int code = RunVitals({"load", fmt::format("http://127.0.0.1:{}/", port), "--rate",
                        std::to_string(rate), "--duration", duration, "--no-store", "--quiet"},
                       out, &err);
  if (code != 0) *out += err;
  return code;
}

TEST(TargetModes, ProcessMetricsHaveTheStandardNames) {
  Child t(TargetArgs({}));
  int port = t.ReadyPort();
  ASSERT_GT(port, 0);
  std::string m = Scrape(port);
  EXPECT_THAT(m, HasSubstr("# TYPE process_resident_memory_bytes gauge\n"));
  EXPECT_THAT(m, HasSubstr("# TYPE process_virtual_memory_bytes gauge\n"));
  EXPECT_THAT(m, HasSubstr("# TYPE process_cpu_seconds_total counter\n"));
  EXPECT_GT(Metric(m, "process_resident_memory_bytes"), 1e6);
  EXPECT_GE(Metric(m, "process_virtual_memory_bytes"), Metric(m, "process_resident_memory_bytes"));
  EXPECT_GE(Metric(m, "process_cpu_seconds_total"), 0);
  EXPECT_GT(Metric(m, "process_start_time_seconds"), 1.6e9);
  EXPECT_THAT(m, Not(HasSubstr("cache_gets_total")));  // no mode, no mode metrics
  EXPECT_THAT(m, Not(HasSubstr("vitals_target_leaked_bytes")));
}

// RSS growth over ~4 s, from /metrics, with the given extra flags.
struct Growth {
  double rss_bytes = 0, leaked_bytes = 0;
};
Growth MeasureGrowth(const std::vector<std::string>& flags, std::string* err) {
  Child t(TargetArgs(flags));
  int port = t.ReadyPort();
  const auto ready = Clock::now();
  Growth g;
  if (port <= 0) return g;
  std::string a = Scrape(port);
  std::this_thread::sleep_until(ready + milliseconds(4500));
  std::string b = Scrape(port);
  g.rss_bytes =
      Metric(b, "process_resident_memory_bytes") - Metric(a, "process_resident_memory_bytes");
  g.leaked_bytes =
      Metric(b, "vitals_target_leaked_bytes") - Metric(a, "vitals_target_leaked_bytes");
  t.Signal(SIGTERM);
  t.Wait();
  *err = t.Stderr();
  return g;
}

TEST(TargetModes, LeakGrowsTheResidentSet) {
  std::string err;
  Growth g = MeasureGrowth({"--leak", "4MB/1s"}, &err);
  // Leaks at 1, 2, 3 and 4 s after the start: 16 MB by the second scrape.
  EXPECT_GE(g.leaked_bytes, 12e6) << err;
  EXPECT_LE(g.leaked_bytes, 16e6) << err;
  EXPECT_GE(g.rss_bytes, 0.6 * g.leaked_bytes) << err;
  EXPECT_THAT(err, HasSubstr("leak 3.815 MiB every 1.00s (max 1 GiB)"));
}

TEST(TargetModes, NoLeakNoGrowth) {
  std::string err;
  Growth g = MeasureGrowth({}, &err);
  EXPECT_LT(g.rss_bytes, 3e6) << err;
  EXPECT_EQ(g.leaked_bytes, 0) << err;  // both scrapes lack the metric: -1 - -1
}

TEST(TargetModes, LeakStopsAtTheCapAndSaysSo) {
  Child t(TargetArgs({"--leak", "1MiB/20ms", "--leak-max", "3MiB", "--duration", "1s"}));
  ASSERT_GT(t.ReadyPort(), 0);
  EXPECT_EQ(t.Wait(), 0);
  EXPECT_THAT(t.Stderr(), HasSubstr("--leak reached --leak-max 3 MiB after 3 allocations"));
}

TEST(TargetModes, BadModeFlagsAreUsageErrors) {
  std::string out, err;
  EXPECT_EQ(RunVitals(TargetArgs({"--leak", "1MB"}), &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("expected SIZE/PERIOD, e.g. 1MB/10s"));
  EXPECT_EQ(RunVitals(TargetArgs({"--cache", "100", "--cache-value-size", "4XB"}), &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("--cache-value-size"));
  EXPECT_EQ(RunVitals(TargetArgs({"--cache", "100", "--redis", "redis://127.0.0.1:1"}), &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("use one of them"));
  EXPECT_EQ(RunVitals(TargetArgs({"--help"}), &out, &err), 0);
  EXPECT_THAT(out, HasSubstr("--cache-keys-per-rps"));
  EXPECT_THAT(out, HasSubstr("backend concurrency is --threads"));
}

// The hit ratio of the cache between two scrapes.
double HitRatio(const std::string& a, const std::string& b) {
  const std::string hit = R"(cache_gets_total{cache="items",result="hit"})";
  const std::string miss = R"(cache_gets_total{cache="items",result="miss"})";
  const double hits = Metric(b, hit) - Metric(a, hit);
  const double misses = Metric(b, miss) - Metric(a, miss);
  return hits + misses > 0 ? hits / (hits + misses) : -1;
}

// A cache of 500 entries with 2 keys per req/s: at 100 req/s the working set is 200 keys
// (fits: hit ratio ~90 % once warm); at 1000 req/s it is 2000 (a quarter fits).
TEST(TargetModes, CacheHitRatioFallsWhenTheRateRises) {
  Child t(
      TargetArgs({"--cache", "500", "--cache-keys-per-rps", "2", "--cache-miss-latency", "2ms"}));
  int port = t.ReadyPort();
  ASSERT_GT(port, 0);
  std::string out;
  ASSERT_EQ(Load(port, 100, "4s", &out), 0) << out;  // warm-up
  const std::string warm = Scrape(port);
  ASSERT_EQ(Load(port, 100, "4s", &out), 0) << out;
  const std::string steady = Scrape(port);
  ASSERT_EQ(Load(port, 1000, "5s", &out), 0) << out;
  const std::string spike = Scrape(port);
  const double low = HitRatio(warm, steady), high = HitRatio(steady, spike);
  EXPECT_GT(low, 0.8) << steady;
  EXPECT_LT(high, 0.6) << spike;
  EXPECT_GT(high, 0.05) << spike;
  const std::string size = R"(cache_size{cache="items"})";
  EXPECT_LT(Metric(steady, size), 260) << steady;  // about the 200-key working set
  EXPECT_EQ(Metric(spike, size), 500) << spike;    // full
  EXPECT_GT(Metric(spike, R"(cache_evictions_total{cache="items"})"), 1000) << spike;
  EXPECT_GT(Metric(spike, "vitals_target_cache_working_set_keys"), 1500) << spike;
}

// --- Redis -----------------------------------------------------------------------------------

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextFree>;

std::string RedisCmd(redisContext* c, const std::string& cmd) {
  auto* r = static_cast<redisReply*>(redisCommand(c, cmd.c_str()));
  if (r == nullptr) return "ERR! connection";
  std::string out = r->type == REDIS_REPLY_INTEGER ? std::to_string(r->integer)
                    : r->str != nullptr            ? std::string(r->str, r->len)
                                                   : "";
  freeReplyObject(r);
  return out;
}

// A field of INFO, as a number (-1 when missing).
double Info(redisContext* c, const std::string& field) {
  std::string info = RedisCmd(c, "INFO");
  size_t pos = info.find("\r\n" + field + ":");
  if (pos == std::string::npos) return -1;
  return std::stod(info.substr(pos + field.size() + 3));
}

class TargetRedis : public ::testing::Test {
 protected:
  void SetUp() override {
    VITALS_REQUIRE_SERVER("VITALS_TEST_REDIS_URL", "source scripts/lib/servers.sh; start_redis");
    url_ = std::getenv("VITALS_TEST_REDIS_URL");
    auto parsed = ParseRedisUrl(url_);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    // The Redis tests share the server and change maxmemory: one at a time (as
    // check_redis_test.cc does).
    lock_fd_ = open(fmt::format("/tmp/vitals-test-redis-{}.lock", parsed->port).c_str(),
                    O_CREAT | O_RDWR | O_CLOEXEC, 0666);
    ASSERT_GE(lock_fd_, 0);
    ASSERT_EQ(flock(lock_fd_, LOCK_EX), 0);
    timeval tv{5, 0};
    c_.reset(redisConnectWithTimeout(parsed->host.c_str(), parsed->port, tv));
    ASSERT_TRUE(c_ && !c_->err);
    for (const char* name : {"maxmemory", "maxmemory-policy"}) {
      auto* r = static_cast<redisReply*>(redisCommand(c_.get(), "CONFIG GET %s", name));
      ASSERT_TRUE(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2);
      saved_.emplace_back(name, std::string(r->element[1]->str, r->element[1]->len));
      freeReplyObject(r);
    }
    RedisCmd(c_.get(), "FLUSHALL");
    RedisCmd(c_.get(), "CONFIG RESETSTAT");
  }
  void TearDown() override {
    if (c_) {
      for (const auto& [name, value] : saved_) {
        freeReplyObject(redisCommand(c_.get(), "CONFIG SET %s %s", name.c_str(), value.c_str()));
      }
      RedisCmd(c_.get(), "FLUSHALL");
      RedisCmd(c_.get(), "CONFIG RESETSTAT");
      RedisCmd(c_.get(), "MEMORY PURGE");
    }
    if (lock_fd_ >= 0) close(lock_fd_);
  }
  std::string url_;
  int lock_fd_ = -1;
  Context c_;
  std::vector<std::pair<std::string, std::string>> saved_;
};

TEST_F(TargetRedis, EveryRequestDoesCacheAsideOnTheServer) {
  Child t(TargetArgs({"--redis", url_, "--redis-keys", "200", "--threads", "2"}));
  int port = t.ReadyPort();
  ASSERT_GT(port, 0) << t.Stderr();
  std::string out;
  ASSERT_EQ(Load(port, 500, "2s", &out), 0) << out;
  const std::string m = Scrape(port);
  const double hits =
      Metric(m, R"(vitals_target_backend_requests_total{backend="redis",result="hit"})");
  const double misses =
      Metric(m, R"(vitals_target_backend_requests_total{backend="redis",result="miss"})");
  EXPECT_EQ(Metric(m, R"(vitals_target_backend_requests_total{backend="redis",result="error"})"),
            0);
  EXPECT_EQ(hits + misses, 1000) << m;
  // The server saw every GET, and a SET for each miss; keys per thread are namespaced.
  EXPECT_EQ(Info(c_.get(), "keyspace_hits"), hits);
  EXPECT_EQ(Info(c_.get(), "keyspace_misses"), misses);
  EXPECT_EQ(std::stod(RedisCmd(c_.get(), "DBSIZE")), misses);
  EXPECT_LE(misses, 400);  // at most 200 keys per thread
  EXPECT_GT(hits, 500);
  const std::string key = RedisCmd(c_.get(), "RANDOMKEY");
  EXPECT_THAT(key, ::testing::StartsWith("vitals:item:"));
  EXPECT_EQ(RedisCmd(c_.get(), "STRLEN " + key), "4096");  // --cache-value-size's default
}

TEST_F(TargetRedis, SmallMaxmemoryEvictsUnderLoad) {
  RedisCmd(c_.get(), "CONFIG SET maxmemory 2mb");
  RedisCmd(c_.get(), "CONFIG SET maxmemory-policy allkeys-lru");
  // Working-set model: 1000 req/s x 5 keys per req/s = 5000 keys of 4 KiB, 20 MB > 2 MB.
  Child t(TargetArgs({"--redis", url_}));
  int port = t.ReadyPort();
  ASSERT_GT(port, 0) << t.Stderr();
  std::string out;
  ASSERT_EQ(Load(port, 1000, "3s", &out), 0) << out;
  EXPECT_GT(Info(c_.get(), "evicted_keys"), 0);
  EXPECT_GT(Info(c_.get(), "keyspace_misses"), 1000);
  const std::string m = Scrape(port);
  EXPECT_GT(Metric(m, R"(vitals_target_backend_requests_total{backend="redis",result="miss"})"),
            1000);
}

TEST_F(TargetRedis, FailedCallsAnswer503AndAreCounted) {
  // A full Redis that may not evict refuses the SET of every miss (OOM error reply).
  RedisCmd(c_.get(), "CONFIG SET maxmemory-policy noeviction");
  RedisCmd(c_.get(), "CONFIG SET maxmemory 1");
  Child t(TargetArgs({"--redis", url_, "--redis-keys", "1000"}));
  int port = t.ReadyPort();
  ASSERT_GT(port, 0) << t.Stderr();
  TestHttpClient c{uint16_t(port)};
  HttpResponse r;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c.Send("GET /items HTTP/1.1\r\n\r\n") && c.Read(&r));
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body, "error\n");
  }
  const std::string m = Scrape(port);
  EXPECT_EQ(Metric(m, R"(vitals_target_backend_requests_total{backend="redis",result="error"})"),
            5);
  EXPECT_EQ(Metric(m, R"(http_requests_total{method="GET",path="/items",code="503"})"), 5);
  t.Signal(SIGTERM);
  EXPECT_EQ(t.Wait(), 0);
  const std::string err = t.Stderr();
  EXPECT_THAT(err, HasSubstr("redis call failed"));
  EXPECT_THAT(err, HasSubstr("OOM"));
}

TEST(TargetBackends, UnreachableRedisFailsAtStartWithoutThePassword) {
  std::string out, err;
  EXPECT_EQ(RunVitals(TargetArgs({"--redis", "redis://:hunter2@127.0.0.1:1/0"}), &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("cannot connect to Redis redis://:***@127.0.0.1:1/0"));
  EXPECT_THAT(err + out, Not(HasSubstr("hunter2")));
}

// --- PostgreSQL ------------------------------------------------------------------------------

struct ConnFree {
  void operator()(PGconn* c) const { PQfinish(c); }
};

class TargetPostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    VITALS_REQUIRE_SERVER("VITALS_TEST_PG_DSN", "source scripts/lib/servers.sh; start_postgres");
    dsn_ = std::getenv("VITALS_TEST_PG_DSN");
    conn_.reset(PQconnectdb(dsn_.c_str()));
    ASSERT_EQ(PQstatus(conn_.get()), CONNECTION_OK) << PQerrorMessage(conn_.get());
    table_ = fmt::format("vitals_target_counter_{}", getpid());
    Exec(
        fmt::format("SET client_min_messages TO warning; DROP TABLE IF EXISTS {0}; CREATE TABLE "
                    "{0} (id int PRIMARY KEY, n bigint "
                    "NOT NULL DEFAULT 0); INSERT INTO {0} (id) SELECT generate_series(1, 100)",
                    table_));
  }
  void TearDown() override {
    if (conn_) Exec("DROP TABLE IF EXISTS " + table_);
  }
  std::string Exec(const std::string& sql) {
    PGresult* r = PQexec(conn_.get(), sql.c_str());
    std::string v;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) v = PQgetvalue(r, 0, 0);
    EXPECT_TRUE(PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK)
        << sql << ": " << PQresultErrorMessage(r);
    PQclear(r);
    return v;
  }
  std::string dsn_, table_;
  std::unique_ptr<PGconn, ConnFree> conn_;
};

TEST_F(TargetPostgres, EveryRequestRunsTheStatement) {
  Child t(TargetArgs({"--postgres", dsn_, "--threads", "2", "--sql",
                      fmt::format("UPDATE {} SET n = n + 1 WHERE id = $1", table_),
                      "--sql-param-max", "100"}));
  int port = t.ReadyPort();
  ASSERT_GT(port, 0) << t.Stderr();
  {
    TestHttpClient c{uint16_t(port)};
    HttpResponse r;
    ASSERT_TRUE(c.Send("GET /orders HTTP/1.1\r\n\r\n") && c.Read(&r));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "1\n");  // rows affected
  }
  std::string out;
  ASSERT_EQ(Load(port, 300, "2s", &out), 0) << out;
  const std::string m = Scrape(port);
  EXPECT_EQ(Metric(m, R"(vitals_target_backend_requests_total{backend="postgres",result="ok"})"),
            601);
  EXPECT_EQ(Metric(m, R"(vitals_target_backend_requests_total{backend="postgres",result="error"})"),
            0);
  // The counter rose once per request, spread over the 100 ids.
  EXPECT_EQ(Exec(fmt::format("SELECT sum(n) FROM {}", table_)), "601");
  EXPECT_GT(std::stoi(Exec(fmt::format("SELECT count(*) FROM {} WHERE n > 0", table_))), 90);
}

// The answer is the row count; the statement's time and --latency both count in the answer's
// time and in http_request_duration_seconds; a failing statement answers 503.
TEST_F(TargetPostgres, RowCountTimingAndFailedStatementsAnswer503) {
  Child ok(TargetArgs({"--postgres", dsn_, "--latency", "100ms", "--sql",
                       "SELECT generate_series(1, 3) FROM pg_sleep(0.2)"}));
  int port = ok.ReadyPort();
  ASSERT_GT(port, 0) << ok.Stderr();
  TestHttpClient c{uint16_t(port)};
  HttpResponse r;
  const auto t0 = Clock::now();
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\n\r\n") && c.Read(&r));
  EXPECT_GE(Clock::now() - t0, milliseconds(300));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "3\n");
  const std::string timed = Scrape(port);
  const std::string labels = R"(method="GET",path="/",code="200")";
  EXPECT_EQ(Metric(timed, "http_request_duration_seconds_bucket{" + labels + R"(,le="0.25"})"), 0)
      << timed;
  EXPECT_EQ(Metric(timed, "http_request_duration_seconds_count{" + labels + "}"), 1) << timed;
  EXPECT_GE(Metric(timed, "http_request_duration_seconds_sum{" + labels + "}"), 0.3) << timed;

  Child bad(TargetArgs({"--postgres", dsn_, "--sql", "SELECT * FROM vitals_no_such_table"}));
  port = bad.ReadyPort();
  ASSERT_GT(port, 0) << bad.Stderr();
  TestHttpClient b{uint16_t(port)};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(b.Send("GET / HTTP/1.1\r\n\r\n") && b.Read(&r));
    EXPECT_EQ(r.status, 503);
  }
  const std::string m = Scrape(port);
  EXPECT_EQ(Metric(m, R"(vitals_target_backend_requests_total{backend="postgres",result="error"})"),
            3);
  EXPECT_EQ(Metric(m, R"(http_requests_total{method="GET",path="/",code="503"})"), 3);
  bad.Signal(SIGTERM);
  EXPECT_EQ(bad.Wait(), 0);
  EXPECT_THAT(bad.Stderr(), HasSubstr("vitals_no_such_table\" does not exist"));
}

// A service without a pool: every request connects.  Against a role limited to 2 connections,
// 6 busy threads exceed it: some requests answer 503 ("too many connections for role"), the
// others run.  The shape of a spike exhausting max_connections.
TEST_F(TargetPostgres, ConnectionPerRequestExhaustsAConnectionLimit) {
  const std::string role = fmt::format("vitals_limited_{}", getpid());
  Exec(fmt::format("DROP ROLE IF EXISTS {0}; CREATE ROLE {0} LOGIN CONNECTION LIMIT 2", role));
  std::string dsn = dsn_;
  const size_t at = dsn.find("://postgres@");
  ASSERT_NE(at, std::string::npos) << dsn_;
  dsn.replace(at + 3, 8, role);
  {
    Child t(TargetArgs({"--postgres", dsn, "--postgres-connect", "request", "--threads", "6",
                        "--sql", "SELECT pg_sleep(0.05)"}));
    int port = t.ReadyPort();
    ASSERT_GT(port, 0) << t.Stderr();
    std::string out;
    ASSERT_EQ(Load(port, 200, "2s", &out), 0) << out;
    const std::string m = Scrape(port);
    const std::string ok =
        R"(vitals_target_backend_requests_total{backend="postgres",result="ok"})";
    const std::string error =
        R"(vitals_target_backend_requests_total{backend="postgres",result="error"})";
    EXPECT_GT(Metric(m, ok), 10) << m;
    EXPECT_GT(Metric(m, error), 10) << m;
    EXPECT_EQ(Metric(m, ok) + Metric(m, error), 400) << m;
    t.Signal(SIGTERM);
    EXPECT_EQ(t.Wait(), 0);
    EXPECT_THAT(t.Stderr(), HasSubstr("too many connections for role"));
  }
  // The role's sessions end asynchronously; DROP ROLE does not wait for them.
  PQclear(PQexec(conn_.get(), ("DROP ROLE IF EXISTS " + role).c_str()));
}

TEST(TargetBackends, UnreachablePostgresFailsAtStartWithoutThePassword) {
  std::string out, err;
  EXPECT_EQ(RunVitals(TargetArgs({"--postgres", "postgresql://app:hunter2@127.0.0.1:1/shop"}), &out,
                      &err),
            1);
  EXPECT_THAT(err, HasSubstr("cannot connect to PostgreSQL postgresql://app:***@127.0.0.1:1/shop"));
  EXPECT_THAT(err + out, Not(HasSubstr("hunter2")));
}

}  // namespace
}  // namespace vitals
