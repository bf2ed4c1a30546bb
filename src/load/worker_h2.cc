// Worker::Impl: HTTP/2 connections.  A request slot (Conn) is one stream; the slots
// [i * streams, (i + 1) * streams) share connection h2conns_[i].  The slot machinery of
// worker.cc (idle and closed stacks, lanes, timeouts, completions) is the same as for
// HTTP/1.1; only joining a connection, sending and reading differ.
#include <nghttp2/nghttp2.h>

#include "load/worker_impl.h"

namespace vitals {

Status Worker::Impl::H2Init() {
  h2_requests_.clear();
  for (const WorkerRequest& r : cfg_.requests) {
    auto h2 = H2RequestFromHttp1(*r.bytes, cfg_.tls.has_value());
    if (!h2.ok()) return h2.status();
    h2_requests_.push_back(std::move(h2).value());
  }
  return Status::Ok();
}

bool Worker::Impl::H2Join(Conn* c, int64_t now) {
  H2Conn* pc = &h2conns_[c->index / streams_];
  if (pc->state == H2Conn::kClosed) {
    int err = 0;
    if (!H2Connect(pc, now, &err)) {
      ConnectFailed(c, err, now);
      return false;
    }
  }
  c->state = Conn::kConnecting;
  c->connect_ns = now;
  ++c->gen;
  c->has_request = false;
  c->want_write = false;
  c->parked = false;
  c->h2 = pc;
  c->h2_gen = pc->gen;
  c->stream.id = 0;
  pc->waiting.push_back(c);
  if (pc->state == H2Conn::kReady) H2MarkDirty(pc);  // let in at the end of this loop turn
  return true;
}

bool Worker::Impl::H2Connect(H2Conn* pc, int64_t now, int* err) {
  auto fd = StartConnect(reinterpret_cast<const sockaddr*>(&cfg_.addr), cfg_.addr_len, err);
  if (!fd.ok()) return false;
  pc->fd = std::move(fd).value();
  pc->link.Reset();
  pc->link.fd = pc->fd.get();
  pc->link.io = &PlainTransport();
  pc->state = H2Conn::kConnecting;
  pc->connect_ns = now;
  ++pc->gen;
  pc->joined = 0;
  pc->want_write = true;
  pc->out.clear();
  pc->out_off = 0;
  pc->session.reset();
  if (!loop_->Add(pc->fd.get(), EPOLLOUT, H2Tag(pc)).ok()) {
    pc->fd.Reset();
    pc->state = H2Conn::kClosed;
    *err = EMFILE;
    return false;
  }
  return true;
}

void Worker::Impl::H2Leave(Conn* c) {
  H2Conn* pc = c->h2;
  c->h2 = nullptr;
  if (c->h2_gen != pc->gen) return;  // that connection is gone already
  if (c->state == Conn::kConnecting) {
    auto it = std::find(pc->waiting.begin(), pc->waiting.end(), c);
    if (it != pc->waiting.end()) pc->waiting.erase(it);
    return;
  }
  if (c->parked) return;
  if (pc->joined > 0) --pc->joined;
  if (c->stream.id > 0 && pc->session) {
    pc->session->Cancel(&c->stream);  // e.g. a stream timeout: RST_STREAM CANCEL
    H2MarkDirty(pc);
  }
}

void Worker::Impl::H2WantWrite(H2Conn* pc, bool on) {
  if (pc->want_write == on) return;
  pc->want_write = on;
  (void)loop_->Modify(pc->fd.get(), on ? EPOLLIN | EPOLLOUT : EPOLLIN, H2Tag(pc));
}

void Worker::Impl::H2Handle(H2Conn* pc, uint32_t ev) {
  const int64_t now = Now();
  if (pc->state == H2Conn::kConnecting) {
    const int err = FinishConnect(pc->fd.get());
    if (err != 0) {
      H2Down(pc, ClassifyErrno(err), "", now);
      return;
    }
    stats_.connect_time.Record((now - pc->connect_ns) / 1000);
    H2WantWrite(pc, false);
    if (!tls_) {
      H2Start(pc, now);  // h2c with prior knowledge
      return;
    }
    pc->state = H2Conn::kHandshaking;
    pc->handshake_ns = now;
    if (Status st = tls_->Attach(pc->link); !st.ok()) {
      H2Down(pc, NetError::kTlsHandshake, st.message(), now);
      return;
    }
    ev = 0;
  }
  if (pc->state == H2Conn::kHandshaking) {
    std::string message;
    switch (tls_->Handshake(pc->link, &message)) {
      case HandshakeStatus::kRetry:
        H2WantWrite(pc, pc->link.want_write);
        return;
      case HandshakeStatus::kError:
        if (message.find("no application protocol") != std::string::npos) {
          message += "; the server does not offer HTTP/2 (ALPN h2) on this port: drop --http2";
        }
        H2Down(pc, NetError::kTlsHandshake, message, now);
        return;
      case HandshakeStatus::kDone:
        break;
    }
    H2WantWrite(pc, false);
    CountHandshake(pc->link, pc->handshake_ns, now);
    const std::string alpn = TlsClient::Alpn(pc->link);
    if (alpn != "h2") {
      H2Down(pc, NetError::kH2Protocol,
             "the server did not agree to HTTP/2 in the TLS handshake (ALPN: " +
                 (alpn.empty() ? std::string("none") : "'" + alpn + "'") +
                 "); it does not speak h2 on this port: drop --http2",
             now);
      return;
    }
    H2Start(pc, now);
    return;
  }
  if ((ev & EPOLLOUT) && pc->want_write) {
    H2Flush(pc, now);
    if (pc->state == H2Conn::kClosed) return;
    if (pc->link.ssl) ev |= EPOLLIN;  // a TLS read that needed a write
  }
  if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) H2Read(pc, now);
}

void Worker::Impl::H2Start(H2Conn* pc, int64_t now) {
  auto session = H2Session::Create();
  if (!session.ok()) {
    H2Down(pc, NetError::kH2Protocol, session.status().message(), now);
    return;
  }
  pc->session = std::move(session).value();
  pc->state = H2Conn::kSettings;  // ready when the server's SETTINGS arrive
  H2MarkDirty(pc);                // the preface and our SETTINGS
}

void Worker::Impl::H2Read(H2Conn* pc, int64_t now) {
  for (;;) {
    size_t got = 0;
    const IoStatus io = pc->link.io->read(pc->link, buf_.data(), buf_.size(), &got);
    if (io == IoStatus::kRetry) {
      if (pc->link.want_write) H2WantWrite(pc, true);
      break;
    }
    if (io == IoStatus::kError) {
      H2Down(pc, pc->link.error, "", now);
      return;
    }
    if (got == 0) {
      H2Down(pc, NetError::kClosed, "", now);
      return;
    }
    stats_.bytes_read += got;
    if (!pc->session) {
      H2Down(pc, NetError::kH2Protocol, "the server sent bytes before the TLS handshake ended",
             now);
      return;
    }
    if (Status st = pc->session->Feed(buf_.data(), got); !st.ok()) {
      H2Down(pc, NetError::kH2Protocol, st.message(), now);
      return;
    }
    H2Events(pc, now);
    if (pc->state == H2Conn::kClosed) return;
    if (got < buf_.size() && !pc->link.io->pending(pc->link)) break;
  }
  H2MarkDirty(pc);  // SETTINGS ACK, PING answers, WINDOW_UPDATE
}

void Worker::Impl::H2Events(H2Conn* pc, int64_t now) {
  if (pc->state == H2Conn::kSettings && pc->session->settings_received()) {
    pc->state = H2Conn::kReady;
    ++stats_.connections_opened;
    const uint32_t server = pc->session->RemoteMaxStreams();
    pc->limit = cfg_.streams > 0 ? uint32_t(cfg_.streams)
                                 : std::min<uint32_t>(uint32_t(kDefaultStreams), server);
    pc->limit = std::clamp<uint32_t>(pc->limit, 1, streams_);
    h2_limit_ = h2_limit_known_ ? std::min(h2_limit_, pc->limit) : pc->limit;
    h2_limit_known_ = true;
    target_valid_until_ = 0;  // the closed level grows with it at the next tick
    H2MarkDirty(pc);          // let the waiting slots in
  }
  h2_events_.clear();
  h2_events_.swap(pc->session->events());
  const uint32_t gen = pc->gen;
  for (const H2Event& ev : h2_events_) {
    if (pc->gen != gen || pc->state == H2Conn::kClosed) break;  // the connection ended
    if (ev.kind == H2Event::kGoAway) {
      ++stats_.h2_goaways;
      if (pc->state == H2Conn::kReady || pc->state == H2Conn::kSettings) {
        pc->state = H2Conn::kDraining;
      }
      if (ev.error_code != NGHTTP2_NO_ERROR) {
        auto& detail = stats_.net_error_detail[size_t(NetError::kH2Protocol)];
        if (detail.empty()) {
          detail = std::string("the server ended the connection with GOAWAY ") +
                   nghttp2_http2_strerror(ev.error_code);
        }
      }
      continue;
    }
    Conn* c = static_cast<Conn*>(ev.stream->owner);
    if (!c->has_request || c->h2 != pc || c->stream.id != ev.stream_id) continue;
    if (ev.kind == H2Event::kHeaders) {
      if (!c->first_byte) {
        c->first_byte = true;
        stats_.ttfb.Record((now - c->send_ns) / 1000);
      }
      continue;
    }
    c->stream.id = 0;
    if (ev.kind == H2Event::kDone) {
      Complete(c, now, /*reuse=*/true);
      continue;
    }
    if (ev.error_code == NGHTTP2_REFUSED_STREAM && c->retries == 0) {
      H2Retry(c, now);
      continue;
    }
    auto& detail = stats_.net_error_detail[size_t(NetError::kH2Reset)];
    if (detail.empty()) {
      detail = ev.error_code == H2Session::kHeadersTooLarge
                   ? "the response headers passed 64 KiB; the stream was reset"
                   : std::string("RST_STREAM ") + nghttp2_http2_strerror(ev.error_code) +
                         " (code " + std::to_string(ev.error_code) + ")";
    }
    Fail(c, NetError::kH2Reset, now);
  }
  h2_events_.clear();
  if (pc->gen == gen && pc->state != H2Conn::kClosed) H2MarkDirty(pc);
}

void Worker::Impl::H2Submit(Conn* c, int64_t now) {
  H2Conn* pc = c->h2;
  if (pc->state != H2Conn::kReady) {
    // The connection is going away: the request waits for the next one.
    if (pc->joined > 0) --pc->joined;
    c->state = Conn::kConnecting;
    pc->waiting.push_back(c);
    return;
  }
  c->stream.owner = c;
  c->stream.request = &h2_requests_[c->req];
  if (Status st = pc->session->Submit(&c->stream); !st.ok()) {
    auto& detail = stats_.net_error_detail[size_t(NetError::kH2Protocol)];
    if (detail.empty()) detail = st.message();
    Fail(c, NetError::kH2Protocol, now);
    return;
  }
  H2MarkDirty(pc);
}

void Worker::Impl::H2Retry(Conn* c, int64_t now) {
  ++c->retries;
  ++stats_.h2_streams_retried;
  H2Conn* pc = c->h2;
  if (pc->state == H2Conn::kReady) {
    H2Submit(c, now);  // refused without a GOAWAY: the same connection takes it again
    return;
  }
  if (pc->joined > 0) --pc->joined;
  c->state = Conn::kConnecting;
  pc->waiting.push_back(c);  // sent on the connection that replaces this one
}

void Worker::Impl::H2FlushDirty(int64_t now) {
  // Flushing can complete streams, which can dirty connections again: a bounded number of
  // rounds, the rest waits for the next loop turn.
  for (int round = 0; round < 4 && !h2_dirty_.empty(); ++round) {
    std::vector<H2Conn*> dirty;
    dirty.swap(h2_dirty_);
    for (H2Conn* pc : dirty) pc->dirty = false;
    for (H2Conn* pc : dirty) H2Flush(pc, now);
  }
}

void Worker::Impl::H2Flush(H2Conn* pc, int64_t now) {
  if (pc->state == H2Conn::kReady && !pc->waiting.empty()) {
    std::vector<Conn*> waiting;
    waiting.swap(pc->waiting);
    const uint32_t gen = pc->gen;
    for (Conn* c : waiting) {
      if (pc->gen != gen || pc->state != H2Conn::kReady) {
        pc->waiting.push_back(c);  // the connection ended while letting slots in
        continue;
      }
      if (pc->joined >= pc->limit && !c->has_request) {
        c->parked = true;  // over the server's limit: back in the closed stack when it ends
        c->state = Conn::kClosed;
        continue;
      }
      ++pc->joined;
      c->h2_gen = pc->gen;
      Connected(c, now);  // sends its request, or becomes idle
    }
  }
  if (!pc->session || pc->state == H2Conn::kClosed) return;
  for (;;) {
    if (pc->out_off == pc->out.size()) {
      pc->out.clear();
      pc->out_off = 0;
      if (Status st = pc->session->Produce(&pc->out); !st.ok()) {
        H2Down(pc, NetError::kH2Protocol, st.message(), now);
        return;
      }
      const uint32_t gen = pc->gen;
      if (!pc->session->events().empty()) H2Events(pc, now);  // streams our RST closed
      if (pc->gen != gen || pc->state == H2Conn::kClosed) return;
      if (pc->out.empty()) break;
    }
    size_t n = 0;
    const IoStatus st = pc->link.io->write(pc->link, pc->out.data() + pc->out_off,
                                           pc->out.size() - pc->out_off, &n);
    if (st == IoStatus::kOk) {
      pc->out_off += n;
      stats_.bytes_written += n;
      continue;
    }
    if (st == IoStatus::kRetry) {
      if (pc->link.want_write) H2WantWrite(pc, true);
      return;
    }
    H2Down(pc, pc->link.error, "", now);
    return;
  }
  H2WantWrite(pc, false);
  if (pc->session->Over()) {
    // GOAWAY drained (or a protocol error we answered with GOAWAY): this connection is done.
    if (pc->session->error().empty()) {
      H2Down(pc, NetError::kClosed, "", now);
    } else {
      H2Down(pc, NetError::kH2Protocol, pc->session->error(), now);
    }
  }
}

void Worker::Impl::H2Down(H2Conn* pc, NetError e, const std::string& detail, int64_t now) {
  const bool was_up = pc->state == H2Conn::kReady || pc->state == H2Conn::kDraining;
  const uint32_t gen = pc->gen;
  if (pc->session && e == NetError::kClosed && !pc->session->error().empty()) {
    e = NetError::kH2Protocol;  // the server closed after breaking the protocol
  }
  std::string why = detail.empty() && pc->session ? pc->session->error() : detail;
  if (pc->state == H2Conn::kSettings && e == NetError::kH2Protocol) {
    why +=
        "; it answered before any HTTP/2 SETTINGS: does this port speak HTTP/2 (over "
        "http://, with prior knowledge)? drop --http2 for an HTTP/1.1 server";
  }
  if (!why.empty()) {
    auto& d = stats_.net_error_detail[size_t(e)];
    if (d.empty()) d = why;
  }
  if (pc->fd.valid()) loop_->Remove(pc->fd.get());
  pc->session.reset();
  pc->link.Reset();
  pc->fd.Reset();
  pc->state = H2Conn::kClosed;
  pc->want_write = false;
  pc->joined = 0;
  std::vector<Conn*> waiting;
  waiting.swap(pc->waiting);
  if (!was_up) {
    // Never became usable: like a failed connect (counted once), its requests fail.
    ++stats_.connect_failed;
    ++stats_.net_errors[size_t(e)];
  }
  // Streams in flight on it fail (a closed slot may be reopened on a new connection at once).
  const size_t first = size_t(pc->index) * streams_;
  for (size_t i = first; i < first + streams_; ++i) {
    Conn* c = &conns_[i];
    if (c->h2 != pc || c->h2_gen != gen) continue;
    if (c->parked) {
      c->parked = false;
      c->h2 = nullptr;
      PushClosed(c);
      continue;
    }
    if (c->state == Conn::kBusy && c->has_request) {
      c->stream.id = 0;
      Fail(c, e, now);
    }
  }
  if (waiting.empty()) return;
  int err = 0;
  if (was_up && (pc->state != H2Conn::kClosed || H2Connect(pc, now, &err))) {
    // Refused or newly joined slots: the replacement connection takes them.
    for (Conn* c : waiting) {
      c->h2_gen = pc->gen;
      pc->waiting.push_back(c);
    }
    return;
  }
  if (err != 0) {
    ++stats_.connect_failed;
    ++stats_.net_errors[size_t(ClassifyErrno(err))];
  }
  for (Conn* c : waiting) {
    c->h2 = nullptr;
    if (c->has_request) {
      InflightRemove(c);
      --busy_;
      c->has_request = false;
      CountRequestFailure(c->phase, c->req, now);
    }
    c->retry_ns = now + kRetryDelayNs;
    PushClosed(c);
  }
  AfterFree(now);
}

}  // namespace vitals
