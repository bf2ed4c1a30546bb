// Per-worker load statistics: owned by one worker thread while it runs (no
// locks, no atomics), merged into one LoadStats at the end.  Latencies are in
// microseconds in HdrHistograms (1 us .. 1 h, 3 significant digits), so memory
// stays bounded for any run length.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/histogram.h"
#include "load/http_response_parser.h"
#include "net/socket.h"

namespace vitals {

// Requests sent more than this after their intended time count as late.
constexpr int64_t kLateSendNs = 1'000'000;

struct PhaseStats {
  uint64_t requests = 0;  // completed or failed
  uint64_t errors = 0;
  uint64_t dropped = 0;
  Histogram latency_corrected;
  Histogram latency_uncorrected;
  void Merge(const PhaseStats& o);
};

struct LoadStats {
  uint64_t completed = 0;    // responses received (any status)
  uint64_t failed = 0;       // requests that ended in a network/parse error or timeout
  uint64_t errors_http = 0;  // responses with status >= 400
  uint64_t late_sends = 0;   // sent more than kLateSendNs after their intended time
  uint64_t dropped = 0;      // never sent: no free connection within --timeout of the due time
  uint64_t connections_opened = 0;
  uint64_t connect_failed = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t max_inflight = 0;  // the concurrency actually reached (per worker; summed on merge)
  int64_t last_send_ns = 0;   // latest actual send, from the run start (max on merge)
  std::array<uint64_t, static_cast<size_t>(NetError::kCount)> net_errors{};
  // The first message seen for a network error kind, when it has one (a TLS handshake
  // failure's reason, "" otherwise); merged keeping the first non-empty.
  std::array<std::string, static_cast<size_t>(NetError::kCount)> net_error_detail{};
  uint64_t tls_full = 0;     // TLS handshakes that negotiated a new session
  uint64_t tls_resumed = 0;  // TLS handshakes that resumed a session
  std::string tls_session;   // the first handshake's version, suite and ALPN (TlsClient::Describe)
  uint64_t h2_goaways = 0;   // HTTP/2 GOAWAY frames received
  uint64_t h2_streams_retried = 0;          // HTTP/2 requests refused unprocessed and sent again
  std::array<uint64_t, 16> parse_errors{};  // by ResponseParser::Error
  std::array<uint64_t, 600> status{};       // by HTTP status code (0..599)

  Histogram latency_corrected;    // from the intended send time (open model)
  Histogram latency_uncorrected;  // from the actual send
  Histogram connect_time;         // TCP connect duration
  Histogram tls_handshake;        // TCP connected -> TLS handshake done (https only)
  Histogram ttfb;                 // actual send -> first response byte
  Histogram send_lag;             // actual - intended send time (open model)
  std::vector<PhaseStats> phases;

  explicit LoadStats(size_t num_phases = 1) : phases(num_phases) {}
  uint64_t requests() const { return completed + failed; }
  uint64_t errors() const { return failed + errors_http; }
  void Merge(const LoadStats& o);
};

}  // namespace vitals
