// Monotonic time in nanoseconds, and a seam for tests.
//
// MonotonicNs() is the hot-path clock (CLOCK_MONOTONIC via vDSO, ~20 ns).
// Code that needs a fake clock in tests takes a Clock& instead.
#pragma once

#include <cstdint>
#include <ctime>

namespace vitals {

inline int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline int64_t WallClockMs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

// Interface for code that must be testable with a fake clock.
// Thread-safety: implementations must be safe to call from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowNs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowNs() const override { return MonotonicNs(); }
};

// A clock that only moves when told; for unit tests.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ns = 0) : now_(start_ns) {}
  int64_t NowNs() const override { return now_; }
  void Advance(int64_t ns) { now_ += ns; }
  void Set(int64_t ns) { now_ = ns; }

 private:
  int64_t now_;
};

}  // namespace vitals
