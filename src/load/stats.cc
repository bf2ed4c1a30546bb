#include "load/stats.h"

#include <algorithm>

namespace vitals {

void PhaseStats::Merge(const PhaseStats& o) {
  requests += o.requests;
  errors += o.errors;
  dropped += o.dropped;
  (void)latency_corrected.Add(o.latency_corrected);
  (void)latency_uncorrected.Add(o.latency_uncorrected);
}

void LoadStats::Merge(const LoadStats& o) {
  completed += o.completed;
  failed += o.failed;
  errors_http += o.errors_http;
  late_sends += o.late_sends;
  dropped += o.dropped;
  connections_opened += o.connections_opened;
  connect_failed += o.connect_failed;
  bytes_read += o.bytes_read;
  bytes_written += o.bytes_written;
  max_inflight += o.max_inflight;
  last_send_ns = std::max(last_send_ns, o.last_send_ns);
  for (size_t i = 0; i < net_errors.size(); ++i) net_errors[i] += o.net_errors[i];
  h2_goaways += o.h2_goaways;
  h2_streams_retried += o.h2_streams_retried;
  for (size_t i = 0; i < net_error_detail.size(); ++i) {
    if (net_error_detail[i].empty()) net_error_detail[i] = o.net_error_detail[i];
  }
  tls_full += o.tls_full;
  tls_resumed += o.tls_resumed;
  if (tls_session.empty()) tls_session = o.tls_session;
  for (size_t i = 0; i < parse_errors.size(); ++i) parse_errors[i] += o.parse_errors[i];
  for (size_t i = 0; i < status.size(); ++i) status[i] += o.status[i];
  (void)latency_corrected.Add(o.latency_corrected);
  (void)latency_uncorrected.Add(o.latency_uncorrected);
  (void)connect_time.Add(o.connect_time);
  (void)tls_handshake.Add(o.tls_handshake);
  (void)ttfb.Add(o.ttfb);
  (void)send_lag.Add(o.send_lag);
  if (phases.size() < o.phases.size()) phases.resize(o.phases.size());
  for (size_t i = 0; i < o.phases.size(); ++i) phases[i].Merge(o.phases[i]);
}

}  // namespace vitals
