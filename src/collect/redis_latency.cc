#include "collect/redis_latency.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/clock.h"

namespace vitals::detail {

Result<Histogram> SamplePingLatency(RedisSession& s, int64_t until_ns, int64_t every_ns) {
  Histogram h;
  int64_t next = MonotonicNs();
  do {
    const int64_t t0 = MonotonicNs();
    auto reply = s.Run({"PING"});
    if (!reply.ok() && reply.status().code() == Status::Code::kUnavailable) return reply.status();
    h.Record(std::max<int64_t>(1, (MonotonicNs() - t0) / 1000));
    next += every_ns;
    const int64_t now = MonotonicNs();
    if (next > now && next < until_ns) {
      std::this_thread::sleep_for(std::chrono::nanoseconds(next - now));
    }
  } while (MonotonicNs() < until_ns);
  return h;
}

Fact RedisLatencyFact(const Histogram& h, double window_s, const std::string& subject) {
  Fact f;
  f.component = "redis";
  f.kind = "redis.latency";
  f.subject = subject;
  f.num["samples"] = double(h.TotalCount());
  f.num["window_s"] = window_s;
  if (h.TotalCount() > 0) {
    f.num["p50_s"] = double(h.ValueAtPercentile(50)) / 1e6;
    f.num["p99_s"] = double(h.ValueAtPercentile(99)) / 1e6;
    f.num["max_s"] = double(h.Max()) / 1e6;
    f.num["mean_s"] = h.Mean() / 1e6;
  }
  return f;
}

std::vector<LatencyEvent> ParseLatencyLatest(const redisReply* r) {
  std::vector<LatencyEvent> out;
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return out;
  for (size_t i = 0; i < r->elements; ++i) {
    const redisReply* e = r->element[i];
    if (e->type != REDIS_REPLY_ARRAY || e->elements < 4) continue;
    LatencyEvent ev;
    ev.name = ReplyString(e->element[0]);
    ev.unix_time_s = e->element[1]->integer;
    ev.latest_ms = e->element[2]->integer;
    ev.max_ms = e->element[3]->integer;
    out.push_back(std::move(ev));
  }
  return out;
}

std::vector<Fact> LatencyEventFacts(const std::vector<LatencyEvent>& events, int64_t now_unix_s,
                                    double threshold_s, const std::string& subject) {
  std::vector<Fact> out;
  for (const LatencyEvent& e : events) {
    Fact f;
    f.component = "redis";
    f.kind = "redis.latency_event";
    f.subject = subject + " " + e.name;
    f.num["latest_s"] = double(e.latest_ms) / 1e3;
    f.num["max_s"] = double(e.max_ms) / 1e3;
    f.num["age_s"] = double(std::max<int64_t>(0, now_unix_s - e.unix_time_s));
    f.num["threshold_s"] = threshold_s;
    f.text["event"] = e.name;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace vitals::detail
