// The samplers of collect/sampler.h: one class per component, each holding
// its connection and its previous reading.
#include "collect/sampler.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>

#include "collect/dsn.h"
#include "collect/host_parse.h"
#include "collect/postgres_conn.h"
#include "collect/prom_facts.h"
#include "collect/prom_source.h"
#include "collect/prometheus.h"
#include "collect/redis.h"
#include "collect/redis_session.h"
#include "core/clock.h"
#include "core/redact.h"

namespace vitals {
namespace {

class HostSampler : public Sampler {
 public:
  explicit HostSampler(std::string root) : root_(std::move(root)) {}
  std::string component() const override { return "host"; }
  std::string Describe() const override { return root_; }
  Result<Collection> Sample() override {
    const int64_t now = MonotonicNs();
    auto cur = detail::ReadHostSample(root_, root_ == "/proc");
    if (!cur.ok()) {
      prev_.reset();
      return cur.status();
    }
    Collection c = prev_ ? detail::BuildHostFacts(&*prev_, *cur, double(now - prev_ns_) / 1e9)
                         : detail::BuildHostFacts(nullptr, *cur, 0);
    prev_ = std::move(*cur);
    prev_ns_ = now;
    return c;
  }

 private:
  std::string root_;
  std::optional<detail::HostSample> prev_;
  int64_t prev_ns_ = 0;
};

class RedisSampler : public Sampler {
 public:
  RedisSampler(std::string url, int64_t timeout_ms)
      : url_(std::move(url)), timeout_ms_(timeout_ms) {}
  std::string component() const override { return "redis"; }
  std::string Describe() const override { return MaskDsn(url_); }
  Result<Collection> Sample() override {
    if (!session_.session) {
      auto s = detail::OpenRedisSession(url_, timeout_ms_);
      if (!s.ok()) return s.status();
      session_ = std::move(*s);
      prev_.reset();
    }
    const int64_t now = MonotonicNs();
    auto info = detail::Info(*session_.session);
    if (!info.ok()) {
      session_ = {};
      return info.status();
    }
    Collection c;
    c.component = "redis";
    if (prev_) {
      c.facts =
          detail::RedisInfoFacts(*prev_, &*info, double(now - prev_ns_) / 1e9, session_.subject);
    }
    prev_ = std::move(*info);
    prev_ns_ = now;
    return c;
  }

 private:
  std::string url_;
  int64_t timeout_ms_;
  detail::OpenedRedis session_;
  std::optional<std::map<std::string, std::string>> prev_;
  int64_t prev_ns_ = 0;
};

// One statement per sample: activity counts, the database's cumulative statistics and the
// dead tuples of its tables.
constexpr const char* kPgSampleSql =
    "WITH a AS (SELECT "
    "  count(*) FILTER (WHERE backend_type = 'client backend') AS connections, "
    "  count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'active') AS active, "
    "  count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'idle') AS idle, "
    "  count(*) FILTER (WHERE backend_type = 'client backend' AND state LIKE 'idle in "
    "transaction%') AS idle_in_transaction, "
    "  count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'active' AND "
    "    wait_event_type IS NOT NULL AND wait_event_type NOT IN ('Activity', 'Client', "
    "'Extension')) AS waiting, "
    "  count(*) FILTER (WHERE wait_event_type = 'Lock') AS lock_waits "
    "  FROM pg_catalog.pg_stat_activity), "
    "d AS (SELECT blks_hit::float8 AS blks_hit, blks_read::float8 AS blks_read, "
    "  deadlocks::float8 AS deadlocks, temp_files::float8 AS temp_files, "
    "  temp_bytes::float8 AS temp_bytes, xact_commit::float8 AS xact_commit, "
    "  xact_rollback::float8 AS xact_rollback "
    "  FROM pg_catalog.pg_stat_database WHERE datname = current_database()), "
    "t AS (SELECT COALESCE(sum(n_dead_tup), 0)::float8 AS dead_tuples "
    "  FROM pg_catalog.pg_stat_user_tables) "
    "SELECT a.connections, a.active, a.idle, a.idle_in_transaction, a.waiting, a.lock_waits, "
    "  current_setting('max_connections')::int AS max_connections, "
    "  current_setting('superuser_reserved_connections')::int AS superuser_reserved_connections, "
    "  COALESCE(current_setting('reserved_connections', true), '0')::int AS "
    "reserved_connections, "
    "  d.blks_hit, d.blks_read, d.deadlocks, d.temp_files, d.temp_bytes, d.xact_commit, "
    "  d.xact_rollback, t.dead_tuples, current_database() AS db "
    "FROM a, d, t";

// Column names of kPgSampleSql, in order.
constexpr const char* kPgColumns[] = {"connections",
                                      "active",
                                      "idle",
                                      "idle_in_transaction",
                                      "waiting",
                                      "lock_waits",
                                      "max_connections",
                                      "superuser_reserved_connections",
                                      "reserved_connections",
                                      "blks_hit",
                                      "blks_read",
                                      "deadlocks",
                                      "temp_files",
                                      "temp_bytes",
                                      "xact_commit",
                                      "xact_rollback",
                                      "dead_tuples",
                                      "db"};

class PostgresSampler : public Sampler {
 public:
  PostgresSampler(std::string dsn, int64_t timeout_ms)
      : dsn_(std::move(dsn)), timeout_ms_(timeout_ms) {
    options_.connect_timeout_ms = timeout_ms;
    options_.statement_timeout_ms = timeout_ms;
    options_.lock_timeout_ms = std::min<int64_t>(timeout_ms, 1000);
    options_.application_name = "vitals observe";
  }
  std::string component() const override { return "postgres"; }
  std::string Describe() const override { return MaskDsn(dsn_); }
  Result<Collection> Sample() override {
    if (!conn_) {
      auto c = detail::PgConn::Connect(dsn_, options_);
      if (!c.ok()) return c.status();
      conn_.emplace(std::move(*c));
      prev_.clear();
    }
    const int64_t now = MonotonicNs();
    auto rows = conn_->QueryWithin(kPgSampleSql, timeout_ms_);
    if (!rows.ok()) {
      if (rows.status().code() == Status::Code::kUnavailable || !conn_->connected()) {
        conn_.reset();
      }
      return rows.status();
    }
    if (rows->rows() != 1) return Status::Internal("postgres sample: expected one row");
    std::map<std::string, double> v;
    for (int c = 0; c < rows->cols() && c < int(std::size(kPgColumns)); ++c) {
      if (auto n = rows->Num(0, c)) v[kPgColumns[c]] = *n;
    }
    const std::string db(rows->Text(0, rows->Col("db")));
    Collection out;
    out.component = "postgres";
    out.facts.reserve(4);  // references below stay valid
    Fact& conn = out.facts.emplace_back();
    conn.component = "postgres";
    conn.kind = "pg.connections";
    conn.subject = "server";
    for (const char* k : {"connections", "active", "idle", "idle_in_transaction", "max_connections",
                          "superuser_reserved_connections", "reserved_connections"}) {
      conn.num[k] = v[k];
    }
    const double usable =
        v["max_connections"] - v["superuser_reserved_connections"] - v["reserved_connections"];
    conn.num["usable_connections"] = usable;
    if (usable > 0) conn.num["used_ratio"] = v["connections"] / usable;

    Fact& act = out.facts.emplace_back();
    act.component = "postgres";
    act.kind = "pg.activity";
    act.subject = db;
    act.num["waiting"] = v["waiting"];
    act.num["lock_waits"] = v["lock_waits"];
    act.num["dead_tuples"] = v["dead_tuples"];
    if (!prev_.empty()) {
      const double dt = std::max(1e-3, double(now - prev_ns_) / 1e9);
      auto delta = [&](const char* k) { return std::max(0.0, v[k] - prev_[k]); };
      act.num["window_s"] = dt;
      act.num["deadlocks_per_s"] = delta("deadlocks") / dt;
      act.num["temp_files_per_s"] = delta("temp_files") / dt;
      act.num["temp_bytes_per_s"] = delta("temp_bytes") / dt;
      const double commits = delta("xact_commit"), rollbacks = delta("xact_rollback");
      act.num["xact_per_s"] = (commits + rollbacks) / dt;
      if (commits + rollbacks > 0) act.num["rollback_ratio"] = rollbacks / (commits + rollbacks);
      // The same fact as `vitals check --postgres` (rule pg.temp_files), over the period.
      Fact& temp = out.facts.emplace_back();
      temp.component = "postgres";
      temp.kind = "pg.temp_files";
      temp.subject = db;
      temp.num["window_s"] = dt;
      temp.num["temp_files_per_s"] = delta("temp_files") / dt;
      temp.num["temp_bytes_per_s"] = delta("temp_bytes") / dt;
      temp.num["temp_files"] = v["temp_files"];
      temp.num["temp_bytes"] = v["temp_bytes"];
      temp.text["stats_since"] = "the statistics reset";
      const double hit = delta("blks_hit"), read = delta("blks_read");
      Fact& cache = out.facts.emplace_back();
      cache.component = "postgres";
      cache.kind = "pg.cache";
      cache.subject = db;
      cache.num["heap_blks_total"] = hit + read;
      if (hit + read > 0) cache.num["heap_hit_ratio"] = hit / (hit + read);
      cache.text["basis"] = "pg_stat_database over the interval";
    }
    prev_ = std::move(v);
    prev_ns_ = now;
    return out;
  }

 private:
  std::string dsn_;
  int64_t timeout_ms_;
  detail::PgConnectOptions options_;
  std::optional<detail::PgConn> conn_;
  std::map<std::string, double> prev_;
  int64_t prev_ns_ = 0;
};

class PrometheusSampler : public Sampler {
 public:
  PrometheusSampler(std::string url, const SamplerOptions& o) : url_(std::move(url)), o_(o) {
    prom_.url = url_;
    prom_.selector = o.prom_selector;
    prom_.auth = o.prom_auth;
    prom_.timeout_ms = o.timeout_ms;
  }
  std::string component() const override { return "prometheus"; }
  std::string Describe() const override {
    return source_ ? source_->Describe() : RedactSecrets(url_);
  }
  Result<Collection> Sample() override {
    if (!source_) {
      PromSourceOptions po;
      po.auth = o_.prom_auth;
      po.timeout_ms = o_.timeout_ms;
      auto s = OpenPromSource(url_, po);
      if (!s.ok()) return s.status();
      source_ = std::move(*s);
      scrapes_ = 0;
    }
    const int64_t period_ms = std::max<int64_t>(1, o_.period_ns / 1'000'000);
    detail::PromFactsWindow w;
    if (auto* scrape = dynamic_cast<ScrapeSource*>(source_.get())) {
      if (Status st = scrape->ScrapeOnce(); !st.ok()) {
        if (scrape->scrapes() == 0) source_.reset();
        return st;
      }
      if (++scrapes_ < 2) {  // a rate needs two scrapes
        Collection c;
        c.component = "prometheus";
        return c;
      }
      w.t_ms = scrape->last_scrape_ms();
      w.range_ms = period_ms * 5 / 2;
      w.window_ms = period_ms;
    } else {
      w.t_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
      w.range_ms = 60'000;
      w.window_ms = std::max<int64_t>(period_ms, 60'000);
    }
    return detail::PromFacts(*source_, w, prom_);
  }

 private:
  std::string url_;
  SamplerOptions o_;
  PrometheusOptions prom_;
  std::unique_ptr<PromSource> source_;
  int scrapes_ = 0;
};

}  // namespace

Result<std::unique_ptr<Sampler>> MakeSampler(const std::string& component, const std::string& spec,
                                             const SamplerOptions& options) {
  if (component == "host") return std::unique_ptr<Sampler>(new HostSampler(options.proc_root));
  if (spec.empty()) {
    return Status::InvalidArgument(
        fmt::format("--observe {}= needs a {} after '='", component,
                    component == "postgres" ? "DSN (postgresql://user@127.0.0.1:5432/db)" : "URL"));
  }
  if (component == "redis") {
    if (auto u = ParseRedisUrl(spec); !u.ok()) return u.status();
    return std::unique_ptr<Sampler>(new RedisSampler(spec, options.timeout_ms));
  }
  if (component == "postgres") {
    return std::unique_ptr<Sampler>(new PostgresSampler(spec, options.timeout_ms));
  }
  if (component == "prometheus") {
    if (spec.rfind("http://", 0) != 0 && spec.rfind("https://", 0) != 0) {
      return Status::InvalidArgument(fmt::format(
          "--observe prometheus={}: expected an http:// or https:// URL (a server or a /metrics "
          "endpoint)",
          RedactSecrets(spec)));
    }
    return std::unique_ptr<Sampler>(new PrometheusSampler(spec, options));
  }
  return Status::InvalidArgument(
      fmt::format("--observe {}: unknown component; expected host, postgres=DSN, redis=URL or "
                  "prometheus=URL",
                  component));
}

}  // namespace vitals
