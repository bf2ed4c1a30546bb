// Configuration of the built-in HTTP test target (`vitals target`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/status.h"
#include "target/backend.h"
#include "target/cache_model.h"
#include "target/http_request_parser.h"
#include "target/latency.h"
#include "target/leak.h"
#include "target/stall_schedule.h"

namespace vitals {

inline constexpr int kMaxTargetThreads = 256;
inline constexpr size_t kMaxTargetBodyBytes = size_t(64) << 20;

// A window of the target's life (from its start) in which answers behave differently: the
// incident to practise on (`--degrade 10s..30s --degrade-latency 3s --degrade-error-rate 10%`).
struct DegradeWindow {
  int64_t from_ns = 0, to_ns = 0;  // enabled when to_ns > from_ns
  bool has_latency = false;
  LatencySpec latency;     // replaces --latency inside the window when has_latency
  double error_rate = -1;  // replaces --error-rate inside the window when >= 0
  bool enabled() const { return to_ns > from_ns; }
  bool Contains(int64_t since_start_ns) const {
    return enabled() && since_start_ns >= from_ns && since_start_ns < to_ns;
  }
};

struct TargetOptions {
  std::string listen = "127.0.0.1:8080";  // see ParseListenAddress
  bool allow_external = false;            // permit a non-loopback listen address
  int threads = 1;                        // event loops, one per thread (SO_REUSEPORT)
  LatencySpec latency;                    // delay added to each response
  double error_rate = 0;                  // share of responses answered with error_status
  int error_status = 500;                 // 400..599
  StallSchedule stall;                    // server-wide pauses
  DegradeWindow degrade;                  // a window with other latency / errors
  size_t body_bytes = 2;                  // body of a 200 answer ("ok")
  uint64_t seed = 1;                      // PRNG seed; thread i uses a stream derived from it
  ParserLimits limits;                    // request head / body bounds
  // HTTPS: serve TLS with the certificate and key in these PEM files, or, when both are
  // empty, with a self-signed localhost certificate made in memory at start.
  bool tls = false;
  std::string tls_cert_file, tls_key_file;
  // Realistic server-side failures (issue 17): a leak, a cache model, backend endpoints
  // (leak.h, cache_model.h, backend.h).  At most one of cache and backend.
  LeakOptions leak;
  CacheOptions cache;
  BackendOptions backend;
  // HTTP/2 on every connection: prior knowledge (h2c) on plain TCP, ALPN h2 with --tls.
  bool http2 = false;
};

// InvalidArgument naming the offending option ("--threads must be ...") or Ok.
// Does not check the listen address (TargetServer::Start parses it).
Status ValidateTargetOptions(const TargetOptions& options);

}  // namespace vitals
