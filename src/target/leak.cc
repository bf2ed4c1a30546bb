#include "target/leak.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/units.h"
#include "target/byte_size.h"

namespace vitals {

Result<LeakOptions> ParseLeakSpec(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(
        fmt::format("--leak '{}': {}; expected SIZE/PERIOD, e.g. 1MB/10s or 512KiB/1s", text, why));
  };
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return bad("no '/'");
  auto bytes = ParseByteSize(text.substr(0, slash));
  if (!bytes.ok()) return bad(bytes.status().message());
  if (*bytes <= 0) return bad("SIZE must be more than 0 bytes");
  auto period = ParseDurationNs(text.substr(slash + 1));
  if (!period.ok()) return bad(period.status().message());
  if (*period < 1'000'000) return bad("PERIOD must be at least 1ms");
  LeakOptions o;
  o.bytes = *bytes;
  o.period_ns = *period;
  return o;
}

Leaker::Leaker(const LeakOptions& options) : options_(options) {
  const int64_t start = MonotonicNs();
  thread_ = std::thread([this, start] { Run(start); });
}

Leaker::~Leaker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Leaker::Run(int64_t start_ns) {
  int64_t total = 0;
  for (int64_t k = 1; total < options_.max_bytes; ++k) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      const auto due = std::chrono::steady_clock::now() +
                       std::chrono::nanoseconds(start_ns + k * options_.period_ns - MonotonicNs());
      if (cv_.wait_until(lock, due, [this] { return stop_; })) return;
    }
    const int64_t n = std::min(options_.bytes, options_.max_bytes - total);
    auto chunk = std::make_unique_for_overwrite<char[]>(size_t(n));
    // Every byte written, not only one per page: no page stays shared with the zero page, so
    // the resident set grows by exactly what was leaked.
    std::memset(chunk.get(), 0xa5, size_t(n));
    chunks_.push_back(std::move(chunk));
    total += n;
    leaked_.store(total, std::memory_order_relaxed);
  }
  std::fprintf(stderr,
               "vitals target: --leak reached --leak-max %s after %zu allocations; no more "
               "memory is leaked (the leaked memory is kept until the target stops)\n",
               FormatByteSize(options_.max_bytes).c_str(), chunks_.size());
}

void AppendLeakMetrics(const Leaker& leaker, std::string* out) {
  fmt::format_to(std::back_inserter(*out),
                 "# HELP vitals_target_leaked_bytes Memory leaked on purpose by --leak so far "
                 "(allocated, written and never freed).\n"
                 "# TYPE vitals_target_leaked_bytes gauge\n"
                 "vitals_target_leaked_bytes {}\n",
                 leaker.leaked_bytes());
}

}  // namespace vitals
