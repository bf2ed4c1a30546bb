// Backend-backed endpoints of the test target (test modes): every request of the default
// route calls a real Redis or PostgreSQL, so a load on the target becomes load on the server
// that `vitals check` / `vitals load --observe` watch, and issue 13's `tune --validate` can
// load through it.
//
//   --redis URL: cache-aside.  GET vitals:item:<thread>:<key>; on a miss SET the key to a
//     value of --cache-value-size bytes.  Keys come from the cache mode's WorkingSet model
//     (cache_model.h), or uniformly from [0, --redis-keys) when that is given.  Answers 200
//     "hit" or "miss".
//   --postgres DSN --sql STATEMENT: runs the statement (PQexecParams with $1 = a uniform
//     integer in [1, --sql-param-max] when it contains $1, else PQexec).  Answers 200 with
//     the row count (rows returned, or rows affected by INSERT/UPDATE/DELETE).
// A failed call answers 503 and counts as result="error" in /metrics.
//
// Each worker thread owns one Backend: one connection, and the call blocks that thread's
// event loop, so the backend concurrency is exactly --threads.  A broken connection is
// re-established on the next request.  Connect and command timeouts are 5 s.  With
// connect_per_request (PostgreSQL only) each request connects, runs and disconnects, so the
// server sees up to --threads connections at once and their churn.
//
// Secrets: the DSN / URL is shown only through RedactSecrets, and server or library error
// text is scrubbed the same way before it is printed.
// Thread-safety: Call() on the owning thread; the counters may be read from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/status.h"
#include "target/rng.h"

namespace vitals {

struct BackendOptions {
  enum class Kind { kNone, kRedis, kPostgres };
  Kind kind = Kind::kNone;
  std::string url;         // --redis URL or --postgres DSN
  int64_t redis_keys = 0;  // > 0: uniform over this many keys instead of the WorkingSet
  std::string sql = "SELECT 1";
  int64_t sql_param_max = 1'000'000;
  // --postgres-connect request: a new connection per request, closed after it (a service
  // without a pool: a spike on many --threads can exhaust max_connections).
  bool connect_per_request = false;
  bool enabled() const { return kind != Kind::kNone; }
};

// What a call produced: the status to answer, its body ("hit\n", "3\n") and its label.
struct BackendAnswer {
  int status = 200;
  const char* label = "";  // "hit", "miss", "ok", "error" (string literals)
  int64_t rows = -1;       // PostgreSQL: rows returned or affected
};

class Backend {
 public:
  virtual ~Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  // One request's backend work, blocking.  `key` is the working-set key (Redis).
  virtual BackendAnswer Call(uint64_t key, FastRng& rng) = 0;

  const char* name() const { return name_; }
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  uint64_t oks() const { return oks_.load(std::memory_order_relaxed); }
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }

 protected:
  explicit Backend(const char* name) : name_(name) {}
  static void Bump(std::atomic<uint64_t>& c) {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  // Counts an error; prints the first one of this backend (scrubbed) on stderr.
  BackendAnswer Fail(const std::string& what);

  std::atomic<uint64_t> hits_{0}, misses_{0}, oks_{0}, errors_{0};

 private:
  const char* name_;
  bool reported_ = false;
};

// Connects thread `thread`'s backend (and checks it answers: Redis PING, PostgreSQL
// connection status).  Errors: Unavailable naming the redacted URL / DSN and the server's
// reason; InvalidArgument for a URL that cannot be parsed.
Result<std::unique_ptr<Backend>> ConnectBackend(const BackendOptions& options, int thread,
                                                int64_t value_bytes);

// vitals_target_backend_requests_total{backend="redis|postgres",result="..."} summed over
// threads, appended to `out`.
void AppendBackendMetrics(std::span<const Backend* const> backends, std::string* out);

}  // namespace vitals

namespace vitals::detail {
// The two implementations (backend_redis.cc, backend_postgres.cc); use ConnectBackend.
Result<std::unique_ptr<Backend>> ConnectRedisBackend(const BackendOptions& options, int thread,
                                                     int64_t value_bytes);
Result<std::unique_ptr<Backend>> ConnectPostgresBackend(const BackendOptions& options, int thread);
}  // namespace vitals::detail
