// Helpers for run-store tests (unit and integration): temporary store paths and realistic
// LoadResults / IntervalSamples with known latencies.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "load/result.h"
#include "store/store.h"

namespace vitals::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/vitals-store-test-XXXXXX";
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One interval: `requests` latencies spread over base_us .. base_us + spread_us.
inline IntervalSample MakeInterval(double start_s, uint64_t requests, int64_t base_us,
                                   int64_t spread_us, std::string phase = "main",
                                   std::string request = "") {
  IntervalSample s;
  s.start_s = start_s;
  s.length_s = 1;
  s.phase = std::move(phase);
  s.request = std::move(request);
  s.requests = requests;
  s.errors = requests / 100;
  for (uint64_t i = 0; i < requests; ++i) {
    const int64_t v = base_us + int64_t(i * uint64_t(spread_us) / (requests ? requests : 1));
    s.latency_corrected.Record(v);
    s.latency_uncorrected.Record(v - v / 10);
  }
  return s;
}

// A completed run of `seconds` 1 s intervals at `rate` req/s, two phases, merged histograms
// consistent with the intervals.  Latencies scale with base_us.
inline LoadResult MakeResult(int seconds, uint64_t rate, int64_t base_us,
                             const std::string& target = "http://127.0.0.1:8080/api") {
  LoadResult r;
  r.run_id = "engine-id-ignored";
  r.target = target;
  r.method = "GET";
  r.model = "open";
  r.threads = 2;
  r.connections = 10;
  r.max_connections = 20;
  r.started_unix_ms = 1'700'000'000'000;
  r.duration_s = seconds;
  r.planned_s = seconds;
  r.rate_asked = double(rate);
  r.late_sends = 3;
  r.connections_opened = 10;
  r.max_inflight = 7;
  r.bytes_read = 12345;
  r.bytes_written = 678;
  for (int i = 0; i < seconds; ++i) {
    IntervalSample s =
        MakeInterval(i, rate, base_us + i * 10, base_us * 4, i < seconds / 2 ? "ramp" : "steady");
    r.requests += s.requests;
    r.errors += s.errors;
    (void)r.latency_corrected.Add(s.latency_corrected);
    (void)r.latency_uncorrected.Add(s.latency_uncorrected);
    r.intervals.push_back(std::move(s));
  }
  r.completed = r.requests - r.errors;
  r.error_rate = r.requests ? double(r.errors) / double(r.requests) : 0;
  r.rate_achieved = double(r.requests) / r.duration_s;
  r.status_codes = {{200, r.completed}, {500, r.errors}};
  if (r.errors) r.errors_by_kind["status_500"] = r.errors;
  for (int64_t v = 50; v < 500; v += 7) r.connect_time.Record(v);
  for (int64_t v = base_us / 2; v < base_us * 2; v += 13) r.ttfb.Record(v);
  r.send_lag.Record(5);
  for (const char* name : {"ramp", "steady"}) {
    PhaseResult p;
    p.name = name;
    p.duration_s = seconds / 2.0;
    p.level_start = name[0] == 'r' ? 0 : double(rate);
    p.level_end = double(rate);
    for (const IntervalSample& s : r.intervals) {
      if (s.phase != name) continue;
      p.requests += s.requests;
      p.errors += s.errors;
      (void)p.latency_corrected.Add(s.latency_corrected);
      (void)p.latency_uncorrected.Add(s.latency_uncorrected);
    }
    r.phases.push_back(std::move(p));
  }
  r.tags = {{"commit", "abc123"}};
  return r;
}

inline RunStart MakeStart(int64_t started_unix_ms,
                          const std::string& target = "http://127.0.0.1:8080/api") {
  RunStart s;
  s.target = target;
  s.method = "GET";
  s.model = "open";
  s.config_json = R"({"rate": 1000, "duration": "10s"})";
  s.tags = {{"commit", "abc123"}, {"branch", "main"}};
  s.started_unix_ms = started_unix_ms;
  s.env.vitals_version = "0.1.0-test";
  return s;
}

}  // namespace vitals::testing
