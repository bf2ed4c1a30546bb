// --postgres DSN --sql STATEMENT: one statement per request over libpq (see backend.h).
#include <libpq-fe.h>

#include <cstdlib>

#include <fmt/format.h>

#include "core/redact.h"
#include "target/backend.h"

namespace vitals::detail {
namespace {

struct ResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultFree>;

std::string Trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class PostgresBackend final : public Backend {
 public:
  explicit PostgresBackend(const BackendOptions& o)
      : Backend("postgres"),
        dsn_(o.url),
        display_(RedactSecrets(o.url)),
        sql_(o.sql),
        has_param_(o.sql.find("$1") != std::string::npos),
        param_max_(o.sql_param_max < 1 ? 1 : o.sql_param_max),
        per_request_(o.connect_per_request) {}
  ~PostgresBackend() override { Disconnect(); }

  Status Connect() {
    Disconnect();
    // The DSN is expanded first; connect_timeout after it bounds a connect to a dead host.
    const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
    const char* values[] = {dsn_.c_str(), "5", "vitals-target", nullptr};
    conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
      std::string why = conn_ ? Trimmed(PQerrorMessage(conn_)) : "out of memory";
      return Status::Unavailable(
          RedactSecrets(fmt::format("cannot connect to PostgreSQL {}: {}", display_, why)));
    }
    return Status::Ok();
  }

  void Disconnect() {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
  }

  BackendAnswer Call(uint64_t, FastRng& rng) override {
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
      if (Status st = Connect(); !st.ok()) return Fail(st.message());
    }
    BackendAnswer a = Run(rng);
    if (per_request_) Disconnect();
    return a;
  }

 private:
  BackendAnswer Run(FastRng& rng) {
    PgResult r;
    if (has_param_) {
      const std::string param = std::to_string(1 + rng.Next() % uint64_t(param_max_));
      const char* params[] = {param.c_str()};
      r.reset(PQexecParams(conn_, sql_.c_str(), 1, nullptr, params, nullptr, nullptr, 0));
    } else {
      r.reset(PQexec(conn_, sql_.c_str()));
    }
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK) {
      Bump(oks_);
      return BackendAnswer{200, "ok", PQntuples(r.get())};
    }
    if (st == PGRES_COMMAND_OK) {
      Bump(oks_);
      return BackendAnswer{200, "ok", std::atoll(PQcmdTuples(r.get()))};
    }
    return Fail(fmt::format("PostgreSQL {}: {}", display_,
                            Trimmed(r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn_))));
  }

  const std::string dsn_, display_, sql_;
  const bool has_param_;
  const int64_t param_max_;
  const bool per_request_;
  PGconn* conn_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<Backend>> ConnectPostgresBackend(const BackendOptions& options, int thread) {
  auto b = std::make_unique<PostgresBackend>(options);
  // Per request: one check at start is enough (and N quick connect/disconnect pairs could
  // trip a connection limit while the server's backends are still exiting).
  if (options.connect_per_request && thread > 0) return std::unique_ptr<Backend>(std::move(b));
  if (Status st = b->Connect(); !st.ok()) return st;
  if (options.connect_per_request) b->Disconnect();  // checked; each request connects anew
  return std::unique_ptr<Backend>(std::move(b));
}

}  // namespace vitals::detail
