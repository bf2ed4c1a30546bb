#include "collect/postgres_conn.h"

#include <poll.h>

#include <chrono>

#include <cstdlib>

#include <fmt/format.h>

#include "collect/dsn.h"

namespace vitals::detail {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  // libpq prefixes some messages with the connection target; keep them, they
  // say which host failed, but fold multi-line messages into one line.
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::optional<double> PgRows::Num(int row, int col) const {
  if (col < 0 || IsNull(row, col)) return std::nullopt;
  const char* text = PQgetvalue(res_.get(), row, col);
  char* end = nullptr;
  double v = std::strtod(text, &end);
  if (end == text) return std::nullopt;
  return v;
}

Result<PgConn> PgConn::Connect(const std::string& dsn, const PgConnectOptions& options) {
  std::string display = MaskDsn(dsn);
  std::vector<std::string> secrets = DsnSecrets(dsn);
  // connect_timeout comes first so that one given in the DSN wins;
  // application_name comes last so that ours wins (DBAs see who is asking).
  std::string timeout_s =
      std::to_string(std::max<int64_t>(2, (options.connect_timeout_ms + 999) / 1000));
  const char* keys[] = {"connect_timeout", "dbname", "application_name", nullptr};
  const char* values[] = {timeout_s.c_str(), dsn.c_str(), options.application_name.c_str(),
                          nullptr};
  PGconn* raw = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  std::unique_ptr<PGconn, PgConnDeleter> conn(raw);
  if (raw == nullptr) {
    return Status::Unavailable(fmt::format("cannot connect to {}: out of memory", display));
  }
  if (PQstatus(raw) != CONNECTION_OK) {
    return Status::Unavailable(fmt::format("cannot connect to {}: {}", display,
                                           ScrubSecrets(Trim(PQerrorMessage(raw)), secrets)));
  }
  PgConn out(conn.release(), std::move(display), std::move(secrets));
  if (!options.session_settings) return out;
  auto set =
      out.Query(fmt::format("{}SET statement_timeout = {}; SET lock_timeout = {}",
                            options.read_only ? "SET default_transaction_read_only = on; " : "",
                            options.statement_timeout_ms, options.lock_timeout_ms));
  if (!set.ok()) {
    return Status::Unavailable(
        fmt::format("connected to {} but could not set the session's {}: {}", out.display_,
                    options.read_only ? "read-only mode" : "timeouts", set.status().message()));
  }
  return out;
}

Result<PgRows> PgConn::Query(const std::string& sql) {
  return Classify(PQexec(conn_.get(), sql.c_str()));
}

Result<PgRows> PgConn::Classify(PGresult* res) {
  PgRows rows(res);  // owns res from here on
  if (res == nullptr) {
    return Status::Unavailable(
        fmt::format("{}: {}", display_, ScrubSecrets(Trim(PQerrorMessage(conn_.get())), secrets_)));
  }
  ExecStatusType st = PQresultStatus(res);
  if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) return rows;
  std::string msg = ScrubSecrets(Trim(PQresultErrorMessage(res)), secrets_);
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  std::string_view code = state ? state : "";
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    return Status::Unavailable(fmt::format("{}: connection lost: {}", display_, msg));
  }
  if (code == "42501") return Status::Permission(msg);
  if (code == "42P01" || code == "42703" || code == "42883") return Status::Parse(msg);
  return Status::Internal(msg);
}

Result<PgRows> PgConn::QueryWithin(const std::string& sql, int64_t timeout_ms) {
  PGconn* c = conn_.get();
  auto lost = [&](const std::string& why) {
    return Status::Unavailable(fmt::format("{}: {}", display_, why));
  };
  if (PQsendQuery(c, sql.c_str()) == 0) {
    return lost(ScrubSecrets(Trim(PQerrorMessage(c)), secrets_));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  PGresult* last = nullptr;
  for (;;) {
    if (PQconsumeInput(c) == 0) {
      PQclear(last);
      return lost(ScrubSecrets(Trim(PQerrorMessage(c)), secrets_));
    }
    bool done = false;
    while (PQisBusy(c) == 0) {
      PGresult* r = PQgetResult(c);
      if (r == nullptr) {
        done = true;
        break;
      }
      PQclear(last);
      last = r;
    }
    if (done) return Classify(last);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    pollfd pfd{PQsocket(c), POLLIN, 0};
    if (left <= 0 || poll(&pfd, 1, int(std::max<int64_t>(left, 0))) == 0) {
      PQclear(last);
      // The server did not answer in time (a frozen host, a lost network): this connection
      // is in an unknown state and is not used again.
      conn_.reset();
      return lost(fmt::format("no answer within {} ms; the connection was dropped", timeout_ms));
    }
  }
}

std::string PgQuoteLiteral(std::string_view s) {
  // With standard_conforming_strings=off a backslash in '...' is an escape, so a value with
  // one is written as E'...' with backslashes doubled: the same text under either setting.
  const bool escape = s.find('\\') != std::string_view::npos;
  std::string out = escape ? "E'" : "'";
  for (char c : s) {
    if (c == '\'' || (escape && c == '\\')) out.push_back(c);
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

}  // namespace vitals::detail
