// A small RAII layer over libpq for the PostgreSQL collector.
//
// PgConn owns one PGconn; PgRows owns one PGresult that holds rows.  Both are
// move-only.  Every error message that leaves this layer has the DSN's
// password scrubbed out.
//
// A PgConn is opened read-only for `vitals check` (PgConnectOptions::read_only; `vitals tune`
// turns it off to apply what it planned): after connecting it sets
// default_transaction_read_only, statement_timeout and lock_timeout, and the
// session's application_name is "vitals check" so DBAs can see who is asking.
//
// Thread-safety: a PgConn is used by one thread at a time (libpq's rule).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vitals::detail {

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};

// Rows of a successful query.  Columns are addressed by index; Col() finds
// one by name (-1 if absent).
class PgRows {
 public:
  explicit PgRows(PGresult* res) : res_(res) {}
  int rows() const { return PQntuples(res_.get()); }
  int cols() const { return PQnfields(res_.get()); }
  int Col(const char* name) const { return PQfnumber(res_.get(), name); }
  bool IsNull(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
  std::string_view Text(int row, int col) const {
    return {PQgetvalue(res_.get(), row, col),
            static_cast<size_t>(PQgetlength(res_.get(), row, col))};
  }
  // Numeric value; nullopt for NULL or text that is not a number.
  std::optional<double> Num(int row, int col) const;
  // "t" -> true (PostgreSQL's boolean text form).
  bool Bool(int row, int col) const { return Text(row, col) == "t"; }

 private:
  std::unique_ptr<PGresult, PgResultDeleter> res_;
};

struct PgConnectOptions {
  int64_t connect_timeout_ms = 5000;
  int64_t statement_timeout_ms = 10000;
  int64_t lock_timeout_ms = 2000;
  std::string application_name = "vitals check";
  // Make the session read-only with the timeouts above (SET ...).  Off for PgBouncer's admin
  // console, which has no such settings (it only answers SHOW commands).
  bool session_settings = true;
  // With session_settings: also SET default_transaction_read_only.  Off only for `vitals tune`
  // (ALTER SYSTEM, pg_reload_conf()); every other user stays read-only.
  bool read_only = true;
};

class PgConn {
 public:
  // Errors: Unavailable "cannot connect to <masked dsn>: <libpq message>".
  static Result<PgConn> Connect(const std::string& dsn, const PgConnectOptions& options);

  // Runs one statement (or several separated by ';' when none returns rows).
  // Errors: Permission for SQLSTATE 42501, Parse for undefined objects
  // (42P01, 42703, 42883), Unavailable when the connection broke, else
  // Internal; the message is the server's, scrubbed.
  Result<PgRows> Query(const std::string& sql);
  // Query with a client-side deadline: waits for the answer at most `timeout_ms` (poll on the
  // socket), whatever the server or the network does.  On a timeout the connection is dropped
  // (Unavailable; do not use this PgConn again: connected() turns false).
  Result<PgRows> QueryWithin(const std::string& sql, int64_t timeout_ms);
  bool connected() const { return conn_ != nullptr; }

  int ServerVersionNum() const { return PQserverVersion(conn_.get()); }
  // Masked DSN for messages: "postgresql://app:***@db:5432/shop".
  const std::string& display() const { return display_; }

 private:
  Result<PgRows> Classify(PGresult* res);  // takes ownership of res
  PgConn(PGconn* conn, std::string display, std::vector<std::string> secrets)
      : conn_(conn), display_(std::move(display)), secrets_(std::move(secrets)) {}
  std::unique_ptr<PGconn, PgConnDeleter> conn_;
  std::string display_;
  std::vector<std::string> secrets_;
};

// SQL string literal ('it''s') for values we put into catalog queries and ALTER SYSTEM; a value
// with a backslash becomes E'a\\b' (backslashes doubled), safe whatever
// standard_conforming_strings is.
std::string PgQuoteLiteral(std::string_view s);

}  // namespace vitals::detail
