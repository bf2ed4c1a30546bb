// Redis latency for `vitals check --redis`: PING round trips sampled through the window
// (like `redis-cli --latency`, one PING every 10 ms) and the server's own latency monitor
// (LATENCY LATEST / LATENCY DOCTOR, when latency-monitor-threshold > 0).  Internal to
// src/collect; the facts are documented in redis.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collect/fact.h"
#include "collect/redis_session.h"
#include "core/histogram.h"
#include "core/status.h"

namespace vitals::detail {

inline constexpr int64_t kPingEveryNs = 10'000'000;

// PINGs every `every_ns` until MonotonicNs() reaches `until_ns` (at least one); round trips in
// microseconds.  Unavailable when the connection fails.
Result<Histogram> SamplePingLatency(RedisSession& s, int64_t until_ns,
                                    int64_t every_ns = kPingEveryNs);

// redis.latency: p50_s, p99_s, max_s, mean_s, samples, window_s.
Fact RedisLatencyFact(const Histogram& round_trips_us, double window_s, const std::string& subject);

// One row of LATENCY LATEST.
struct LatencyEvent {
  std::string name;  // "command", "fast-command", "fork", "aof-fsync-always", ...
  int64_t unix_time_s = 0;
  int64_t latest_ms = 0, max_ms = 0;
};
std::vector<LatencyEvent> ParseLatencyLatest(const redisReply* r);

// redis.latency_event per event: latest_s, max_s, age_s, threshold_s.
std::vector<Fact> LatencyEventFacts(const std::vector<LatencyEvent>& events, int64_t now_unix_s,
                                    double threshold_s, const std::string& subject);

}  // namespace vitals::detail
