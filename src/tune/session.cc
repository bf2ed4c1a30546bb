#include "tune/session.h"

#include <chrono>
#include <cstdlib>
#include <thread>

#include "collect/dsn.h"

namespace vitals {

Status TuneSession::OpenPostgres(const std::string& dsn) {
  detail::PgConnectOptions o;
  o.read_only = false;
  o.application_name = "vitals tune";
  // ALTER SYSTEM takes a file lock, not a table lock; the timeouts bound a stuck server.
  o.statement_timeout_ms = 30'000;
  auto conn = detail::PgConn::Connect(dsn, o);
  if (!conn.ok()) return conn.status();
  pg_display_ = conn->display();
  pg_.emplace(std::move(*conn));
  return Status::Ok();
}

Status TuneSession::OpenRedis(const std::string& url) {
  auto opened = detail::OpenRedisSession(url, 5000);
  if (!opened.ok()) return opened.status();
  redis_display_ = MaskDsn(url);
  redis_ = std::move(opened->session);
  return Status::Ok();
}

Status TuneSession::Audit(const std::string& component, const std::string& statement,
                          const std::string& result) const {
  if (!audit_) return Status::Ok();
  return audit_(component, statement, result);
}

void TuneSession::Pause() const {
  const char* env = std::getenv(kTuneStepDelayEnv);
  if (env == nullptr || *env == '\0') return;
  const long ms = std::strtol(env, nullptr, 10);
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

}  // namespace vitals
