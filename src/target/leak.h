// A memory leak on purpose (`vitals target --leak 1MB/10s`): the soak failure whose
// resident-memory trend `vitals load --observe` must find.
//
// Every period after the target starts, a Leaker allocates `bytes` more, writes to every
// page of it (so the resident set really grows, not only the address space) and keeps it
// until the target stops.  The total is capped at `max_bytes`; the last allocation is cut to
// fit, and reaching the cap prints one line on stderr ("--leak reached --leak-max ...").
//
// Thread-safety: the Leaker runs its own thread; leaked_bytes() may be read from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/status.h"

namespace vitals {

inline constexpr int64_t kDefaultLeakMaxBytes = int64_t(1) << 30;  // 1 GiB

struct LeakOptions {
  int64_t bytes = 0;      // per period; 0: no leak
  int64_t period_ns = 0;  // > 0 when bytes > 0
  int64_t max_bytes = kDefaultLeakMaxBytes;
  bool enabled() const { return bytes > 0; }
};

// "SIZE/PERIOD", e.g. "1MB/10s", "512KiB/1s" (sizes as in byte_size.h, periods as in
// core/units.h).  Errors: InvalidArgument quoting the text and the expected form.
Result<LeakOptions> ParseLeakSpec(std::string_view text);

class Leaker {
 public:
  // Starts the leaking thread; the first allocation comes one period after this call.
  // REQUIRES: options.enabled().
  explicit Leaker(const LeakOptions& options);
  ~Leaker();  // stops the thread and frees everything leaked
  Leaker(const Leaker&) = delete;
  Leaker& operator=(const Leaker&) = delete;

  int64_t leaked_bytes() const { return leaked_.load(std::memory_order_relaxed); }
  const LeakOptions& options() const { return options_; }

 private:
  void Run(int64_t start_ns);

  const LeakOptions options_;
  std::atomic<int64_t> leaked_{0};
  std::vector<std::unique_ptr<char[]>> chunks_;  // the leaker thread's only
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

// HELP/TYPE/sample of vitals_target_leaked_bytes (gauge) appended to `out`.
void AppendLeakMetrics(const Leaker& leaker, std::string* out);

}  // namespace vitals
