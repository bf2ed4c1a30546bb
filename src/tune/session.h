// The connections and hooks one `vitals tune` invocation works through.
//
// A TuneSession owns the (read-write) PostgreSQL connection, the Redis session and the
// /proc/sys root; change kinds borrow them.  Audit() is how every statement a kind runs reaches
// the store's audit log; Pause() is the test hook between steps (VITALS_TUNE_STEP_DELAY_MS, so
// a test can SIGKILL an apply half-way).
//
// Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "collect/postgres_conn.h"
#include "collect/redis_session.h"
#include "core/status.h"

namespace vitals {

// Environment variable: milliseconds to sleep between apply/rollback steps (tests only).
inline constexpr const char* kTuneStepDelayEnv = "VITALS_TUNE_STEP_DELAY_MS";

class TuneSession {
 public:
  // Where audit entries go: component, statement, result ("ok" or the error).  The engine
  // points it at the store; unset, Audit() only succeeds.
  using AuditFn = std::function<Status(const std::string& component, const std::string& statement,
                                       const std::string& result)>;

  TuneSession() = default;
  TuneSession(const TuneSession&) = delete;
  TuneSession& operator=(const TuneSession&) = delete;

  // ---- opening (each optional) ----
  // Read-write session (PgConnectOptions::read_only = false), application_name "vitals tune".
  // Errors: Unavailable with the masked DSN.
  Status OpenPostgres(const std::string& dsn);
  // Errors: InvalidArgument for a bad URL, Unavailable when unreachable (masked URL).
  Status OpenRedis(const std::string& url);
  void SetProcSysRoot(std::string root) { proc_sys_root_ = std::move(root); }

  // ---- borrowed by the kinds ----
  detail::PgConn* pg() { return pg_ ? &*pg_ : nullptr; }
  detail::RedisSession* redis() { return redis_.get(); }
  const std::string& proc_sys_root() const { return proc_sys_root_; }
  bool host() const { return !proc_sys_root_.empty(); }
  const std::string& pg_display() const { return pg_display_; }
  const std::string& redis_display() const { return redis_display_; }

  void SetAudit(AuditFn fn) { audit_ = std::move(fn); }
  // Records one step.  Errors: whatever the sink returns (the store could not write).
  Status Audit(const std::string& component, const std::string& statement,
               const std::string& result) const;
  // Sleeps VITALS_TUNE_STEP_DELAY_MS (0 when unset); call between two steps.
  void Pause() const;

 private:
  std::optional<detail::PgConn> pg_;
  std::unique_ptr<detail::RedisSession> redis_;
  std::string pg_display_, redis_display_;
  std::string proc_sys_root_;
  AuditFn audit_;
};

}  // namespace vitals
