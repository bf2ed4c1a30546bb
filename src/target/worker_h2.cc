// detail::Worker: HTTP/2 connections of `vitals target --http2`.  The same latency, stall and
// error behaviour as HTTP/1.1 (RouteRequest, the stall schedule, the series); only the
// framing differs, and answers leave in due order rather than request order.
#include <algorithm>

#include "target/worker.h"

namespace vitals::detail {
namespace {

constexpr std::string_view kMetricsType = "text/plain; version=0.0.4; charset=utf-8";
constexpr size_t kH2OutHighWater = 256 * 1024;

}  // namespace

void Worker::DriveH2(Connection& c, int64_t now) {
  if (!c.in.empty()) {
    if (!c.h2->Feed(c.in.data(), c.in.size()).ok()) {
      Close(c);  // the client broke the protocol (nghttp2 queued a GOAWAY; we just close)
      return;
    }
    c.in.Consume(c.in.size());
  }
  const StallSchedule& stall = shared_->options.stall;
  for (const H2ServerRequest& r : c.h2->requests()) {
    RequestHead head;
    head.method = r.method;
    head.target = r.path;
    Pending p = RouteRequest(c, head, now);
    p.stream_id = r.stream_id;
    p.head_only = r.method == "HEAD";
    p.mode = ConnMode::kKeepAlive11;
    p.arrival_ns = now;
    p.due_ns = now;
    if (p.route == Route::kDefault || p.route == Route::kBackend) {
      p.due_ns = stall.enabled()
                     ? shared_->start_ns + stall.DueNs(now - shared_->start_ns, p.latency_ns)
                     : now + p.latency_ns;
    }
    metrics_->AddInflight(1);
    c.h2_pending.push_back(p);
  }
  c.h2->requests().clear();
  // Answer what is due (streams are independent: any order), then arm for the next one.
  int64_t next_due = INT64_MAX;
  for (size_t i = 0; i < c.h2_pending.size();) {
    Pending& p = c.h2_pending[i];
    if (p.due_ns > now) {
      next_due = std::min(next_due, p.due_ns);
      ++i;
      continue;
    }
    const CannedResponses& canned = shared_->canned;
    switch (p.route) {
      case Route::kDefault:
        c.h2->Respond(p.stream_id, p.status, "text/plain",
                      p.status == 200 ? canned.ok_body() : canned.error_body(), p.head_only);
        break;
      case Route::kHealthz:
        c.h2->Respond(p.stream_id, 200, "text/plain", "ok\n", p.head_only);
        break;
      case Route::kMetrics:
        c.h2->Respond(p.stream_id, 200, kMetricsType, {}, p.head_only,
                      RenderTargetMetrics(*shared_));
        break;
      case Route::kBackend:
        c.h2->Respond(p.stream_id, p.status, "text/plain", {}, p.head_only,
                      p.rows >= 0 ? std::to_string(p.rows) + "\n" : std::string(p.reason) + "\n");
        break;
      case Route::kBadRequest:
        c.h2->Respond(p.stream_id, 400, "text/plain", "bad request\n", p.head_only);
        break;
    }
    if (p.series != nullptr) {
      p.series->Record(now - p.arrival_ns);
    } else {
      metrics_->NoteDropped();
    }
    metrics_->AddInflight(-1);
    p = c.h2_pending.back();
    c.h2_pending.pop_back();
  }
  if (next_due != INT64_MAX) ArmFor(c, next_due);
  while (c.out.size() < kH2OutHighWater) {
    c.h2_out.clear();
    if (!c.h2->Produce(&c.h2_out).ok()) {
      Close(c);
      return;
    }
    if (c.h2_out.empty()) break;
    c.out.Append(c.h2_out);
  }
  if (!SendOut(c)) {
    Close(c);
    return;
  }
  if (c.out.empty() && (c.peer_closed || c.h2->Over())) {
    Close(c);
    return;
  }
  UpdateInterest(c);
}

}  // namespace vitals::detail
