#include "collect/pgbouncer.h"

#include <fmt/format.h>

#include <map>

#include "collect/postgres_conn.h"

namespace vitals {
namespace {

using detail::PgConn;
using detail::PgRows;

double NumOr(const PgRows& r, int row, const char* col, double fallback = 0) {
  const int c = r.Col(col);
  if (c < 0) return fallback;
  return r.Num(row, c).value_or(fallback);
}

std::string TextOr(const PgRows& r, int row, const char* col) {
  const int c = r.Col(col);
  return c < 0 ? std::string() : std::string(r.Text(row, c));
}

Fact NewFact(std::string kind, std::string subject) {
  Fact f;
  f.component = "pgbouncer";
  f.kind = std::move(kind);
  f.subject = std::move(subject);
  return f;
}

}  // namespace

Result<Collection> CollectPgBouncer(const PgBouncerOptions& options) {
  detail::PgConnectOptions co;
  co.connect_timeout_ms = options.timeout_ms;
  co.session_settings = false;
  auto conn = PgConn::Connect(options.dsn, co);
  if (!conn.ok()) {
    return Status::Unavailable(
        conn.status().message() +
        " (connect to the admin console: database `pgbouncer`, a user listed in admin_users "
        "or stats_users)");
  }
  // Only the admin console answers SHOW VERSION with "PgBouncer x.y"; PostgreSQL has no such
  // setting, so a DSN naming an application database fails here with a clear message.
  auto version = conn->Query("SHOW VERSION");
  const bool console = version.ok() && version->rows() > 0 && version->cols() > 0 &&
                       version->Text(0, 0).substr(0, 9) == "PgBouncer";
  if (!console) {
    return Status::Unavailable(fmt::format(
        "{} is not PgBouncer's admin console ({}); connect to the database `pgbouncer` as a "
        "user in admin_users or stats_users, e.g. postgresql://pgbouncer@HOST:6432/pgbouncer",
        conn->display(),
        version.ok() ? "SHOW VERSION did not name PgBouncer" : version.status().message()));
  }
  Collection out;
  out.component = "pgbouncer";
  auto show = [&](const char* what) -> std::optional<PgRows> {
    auto rows = conn->Query(std::string("SHOW ") + what);
    if (rows.ok()) return std::move(rows.value());
    out.limited.push_back(
        fmt::format("SHOW {} refused ({}): its facts are absent", what, rows.status().message()));
    return std::nullopt;
  };

  std::map<std::string, std::string> config;
  if (auto c = show("CONFIG")) {
    for (int i = 0; i < c->rows(); ++i) config[TextOr(*c, i, "key")] = TextOr(*c, i, "value");
  }
  auto config_num = [&](const char* key) {
    auto it = config.find(key);
    return it == config.end() ? 0.0 : std::strtod(it->second.c_str(), nullptr);
  };
  const double default_pool = config_num("default_pool_size");

  std::map<std::string, double> pool_size_of;
  if (auto d = show("DATABASES")) {
    for (int i = 0; i < d->rows(); ++i) {
      const std::string name = TextOr(*d, i, "name");
      Fact f = NewFact("pgbouncer.database", name);
      const double pool = NumOr(*d, i, "pool_size", default_pool);
      const double max = NumOr(*d, i, "max_connections");
      const double current = NumOr(*d, i, "current_connections");
      f.num["pool_size"] = pool;
      f.num["reserve_pool"] = NumOr(*d, i, "reserve_pool");
      f.num["max_connections"] = max;
      f.num["current_connections"] = current;
      if (max > 0) f.num["used_ratio"] = current / max;
      f.num["paused"] = NumOr(*d, i, "paused");
      f.num["disabled"] = NumOr(*d, i, "disabled");
      f.text["pool_mode"] = TextOr(*d, i, "pool_mode");
      pool_size_of[name] = pool;
      out.facts.push_back(std::move(f));
    }
  }
  if (auto p = show("POOLS")) {
    for (int i = 0; i < p->rows(); ++i) {
      const std::string db = TextOr(*p, i, "database"), user = TextOr(*p, i, "user");
      Fact f = NewFact("pgbouncer.pool", db + "/" + user);
      double servers = 0;
      for (const char* col : {"cl_active", "cl_waiting", "sv_active", "sv_idle", "sv_used",
                              "sv_tested", "sv_login"}) {
        f.num[col] = NumOr(*p, i, col);
        if (col[0] == 's') servers += f.num[col];
      }
      f.num["server_connections"] = servers;
      f.num["maxwait_s"] = NumOr(*p, i, "maxwait") + NumOr(*p, i, "maxwait_us") / 1e6;
      auto pool = pool_size_of.find(db);
      const double size = pool != pool_size_of.end() ? pool->second : default_pool;
      if (size > 0) {
        f.num["pool_size"] = size;
        f.num["server_used_ratio"] = servers / size;
      }
      f.text["pool_mode"] = TextOr(*p, i, "pool_mode");
      f.text["database"] = db;
      f.text["user"] = user;
      out.facts.push_back(std::move(f));
    }
  }
  if (auto s = show("STATS")) {
    for (int i = 0; i < s->rows(); ++i) {
      Fact f = NewFact("pgbouncer.stats", TextOr(*s, i, "database"));
      f.num["avg_query_s"] = NumOr(*s, i, "avg_query_time") / 1e6;
      f.num["avg_xact_s"] = NumOr(*s, i, "avg_xact_time") / 1e6;
      f.num["avg_wait_s"] = NumOr(*s, i, "avg_wait_time") / 1e6;
      f.num["queries_per_s"] = NumOr(*s, i, "avg_query_count");
      f.num["xacts_per_s"] = NumOr(*s, i, "avg_xact_count");
      out.facts.push_back(std::move(f));
    }
  }
  if (auto l = show("LISTS")) {
    Fact f = NewFact("pgbouncer.clients", conn->display());
    for (int i = 0; i < l->rows(); ++i) {
      if (TextOr(*l, i, "list") == "used_clients") f.num["clients"] = NumOr(*l, i, "items");
    }
    if (const double max = config_num("max_client_conn"); max > 0) {
      f.num["max_client_conn"] = max;
      if (f.num.count("clients")) f.num["used_ratio"] = f.num["clients"] / max;
    }
    f.num["default_pool_size"] = default_pool;
    f.num["max_db_connections"] = config_num("max_db_connections");
    if (auto it = config.find("pool_mode"); it != config.end()) f.text["pool_mode"] = it->second;
    out.facts.push_back(std::move(f));
  }
  return out;
}

}  // namespace vitals
