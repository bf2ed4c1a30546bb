// Worker::Impl: connection lifecycle (connect, TLS handshake, writes, reads and parsing).
#include "load/worker_impl.h"

namespace vitals {

bool Worker::Impl::Open(Conn* c, int64_t now) {
  if (cfg_.http2) return H2Join(c, now);
  int err = 0;
  auto fd = StartConnect(reinterpret_cast<const sockaddr*>(&cfg_.addr), cfg_.addr_len, &err);
  if (!fd.ok()) {
    ConnectFailed(c, err, now);
    return false;
  }
  c->fd = std::move(fd).value();
  c->link.Reset();
  c->link.fd = c->fd.get();
  c->link.io = &PlainTransport();
  c->state = Conn::kConnecting;
  c->connect_ns = now;
  ++c->gen;
  c->has_request = false;
  c->want_write = false;
  if (!loop_->Add(c->fd.get(), EPOLLOUT, Tag(c)).ok()) {
    c->fd.Reset();
    ConnectFailed(c, EMFILE, now);
    return false;
  }
  return true;
}

void Worker::Impl::ConnectFailed(Conn* c, int err, int64_t now) {
  ++stats_.connect_failed;
  ++stats_.net_errors[size_t(ClassifyErrno(err))];
  c->retry_ns = now + kRetryDelayNs;
  PushClosed(c);
}

void Worker::Impl::Assign(Conn* c, int64_t due, int64_t now, uint16_t req, bool open) {
  c->has_request = true;
  c->due_ns = due;
  c->req = req;
  c->open = open;
  c->phase = cfg_.plan->StageAt(due);
  c->retries = 0;
  ++sent_;
  ++busy_;
  c->outstanding = 1;
  if (!open && cfg_.pipeline > 1) FillBatch(c);
  if (c->state == Conn::kConnecting) {
    c->send_ns = c->connect_ns;
    InflightPush(c);
    return;
  }
  c->state = Conn::kBusy;
  c->send_ns = now;
  InflightPush(c);
  Send(c, now);
}

void Worker::Impl::Send(Conn* c, int64_t now) {
  c->state = Conn::kBusy;
  c->send_ns = now;
  stats_.last_send_ns = now;
  c->first_byte = false;
  c->write_off = 0;
  c->parser.Reset(cfg_.requests[c->req].no_body);
  if (c->open) {
    int64_t lag = now - c->due_ns;
    stats_.send_lag.Record(std::max<int64_t>(lag, 0) / 1000);
    ProbeHistogram(&probe_.send_lag, now).Record(std::max<int64_t>(lag / 1000, 1));
    if (lag > kLateSendNs) ++stats_.late_sends;
  }
  if (c->h2) {
    H2Submit(c, now);
    return;
  }
  c->answer_bytes = 0;
  if (!c->slots.empty()) ArmBatchRead(c);
  WriteSome(c, now);
}

void Worker::Impl::WriteSome(Conn* c, int64_t now) {
  const std::string& req = c->slots.empty() ? *cfg_.requests[c->req].bytes : c->batch;
  while (c->write_off < req.size()) {
    size_t n = 0;
    IoStatus st =
        c->link.io->write(c->link, req.data() + c->write_off, req.size() - c->write_off, &n);
    if (st == IoStatus::kOk) {
      c->write_off += uint32_t(n);
      stats_.bytes_written += uint64_t(n);
      continue;
    }
    if (st == IoStatus::kRetry) {
      // Plain sockets wait for writability; TLS may wait for a read (EPOLLIN is always on).
      if (c->link.want_write) WantWrite(c, true);
      return;
    }
    Fail(c, c->link.error, now);
    return;
  }
  WantWrite(c, false);
}

void Worker::Impl::WantWrite(Conn* c, bool on) {
  if (c->want_write == on) return;
  c->want_write = on;
  (void)loop_->Modify(c->fd.get(), on ? EPOLLIN | EPOLLOUT : EPOLLIN, Tag(c));
}

void Worker::Impl::Handle(Conn* c, uint32_t ev) {
  int64_t now = Now();
  if (c->state == Conn::kConnecting) {
    int err = FinishConnect(c->fd.get());
    if (err != 0) {
      bool had = c->has_request;
      loop_->Remove(c->fd.get());
      c->fd.Reset();
      if (had) {
        InflightRemove(c);
        --busy_;
        c->has_request = false;
        CountRequestFailure(c->phase, c->req, now);  // the errno is counted by ConnectFailed
        FailRest(c, NetError::kNone, now);
      }
      ConnectFailed(c, err, now);
      AfterFree(now);
      return;
    }
    stats_.connect_time.Record((now - c->connect_ns) / 1000);
    // Interest is EPOLLOUT while connecting: WantWrite(false) drops it.
    c->want_write = true;
    WantWrite(c, false);
    if (tls_) {
      StartHandshake(c, now);
      return;
    }
    Connected(c, now);
    return;
  }
  if (c->state == Conn::kHandshaking) {
    ContinueHandshake(c, now);
    return;
  }
  if ((ev & EPOLLOUT) && c->state == Conn::kBusy && c->want_write) {
    WriteSome(c, now);
    if (c->state == Conn::kClosed) return;  // the write failed and closed it
    // A TLS read that needed a write waits here too.
    if (c->link.ssl) ev |= EPOLLIN;
  }
  if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) ReadSome(c, now);
}

void Worker::Impl::Connected(Conn* c, int64_t now) {
  if (!c->h2) ++stats_.connections_opened;  // HTTP/2: counted per connection, not per slot
  if (c->has_request) {
    Send(c, now);
  } else {
    PushIdle(c);
    AfterFree(now);
  }
}

void Worker::Impl::StartHandshake(Conn* c, int64_t now) {
  c->state = Conn::kHandshaking;
  c->handshake_ns = now;
  if (Status st = tls_->Attach(c->link); !st.ok()) {
    HandshakeFailed(c, st.message(), now);
    return;
  }
  ContinueHandshake(c, now);
}

void Worker::Impl::ContinueHandshake(Conn* c, int64_t now) {
  std::string message;
  switch (tls_->Handshake(c->link, &message)) {
    case HandshakeStatus::kRetry:
      WantWrite(c, c->link.want_write);
      return;
    case HandshakeStatus::kError:
      HandshakeFailed(c, message, now);
      return;
    case HandshakeStatus::kDone:
      break;
  }
  WantWrite(c, false);
  CountHandshake(c->link, c->handshake_ns, now);
  Connected(c, now);
}

void Worker::Impl::CountHandshake(const Link& link, int64_t started_ns, int64_t now) {
  stats_.tls_handshake.Record(std::max<int64_t>((now - started_ns) / 1000, 1));
  ++(TlsClient::Resumed(link) ? stats_.tls_resumed : stats_.tls_full);
  if (stats_.tls_session.empty()) stats_.tls_session = TlsClient::Describe(link);
}

void Worker::Impl::HandshakeFailed(Conn* c, const std::string& message, int64_t now) {
  auto& detail = stats_.net_error_detail[size_t(NetError::kTlsHandshake)];
  if (detail.empty()) detail = message;
  ++stats_.connect_failed;
  ++stats_.net_errors[size_t(NetError::kTlsHandshake)];
  loop_->Remove(c->fd.get());
  c->link.Reset();
  c->fd.Reset();
  c->want_write = false;
  if (c->has_request) {
    InflightRemove(c);
    --busy_;
    c->has_request = false;
    CountRequestFailure(c->phase, c->req, now);
    FailRest(c, NetError::kNone, now);
  }
  c->retry_ns = now + kRetryDelayNs;
  PushClosed(c);
  AfterFree(now);
}

void Worker::Impl::ReadSome(Conn* c, int64_t now) {
  bool read_any = false;
  for (;;) {
    size_t got = 0;
    const IoStatus io = c->link.io->read(c->link, buf_.data(), buf_.size(), &got);
    if (io == IoStatus::kRetry) {
      if (c->link.want_write) WantWrite(c, true);
      // A full buffer and then nothing: the batch is not whole, read the rest on arrival.
      if (read_any && c->state == Conn::kBusy) DropLowat(c);
      return;
    }
    if (io == IoStatus::kError) {
      if (c->state == Conn::kBusy) {
        Fail(c, c->link.error, now);
      } else {
        Close(c, now);
      }
      return;
    }
    const ssize_t n = ssize_t(got);
    if (n > 0) {
      read_any = true;
      stats_.bytes_read += uint64_t(n);
      if (c->state != Conn::kBusy) {
        // Bytes nobody asked for (e.g. a server that answers twice).
        ++stats_.parse_errors[size_t(ResponseParser::Error::kUnexpectedData)];
        Close(c, now);
        return;
      }
      if (!c->first_byte) {
        c->first_byte = true;
        stats_.ttfb.Record((now - c->send_ns) / 1000);
      }
      const char* data = buf_.data();
      size_t left = size_t(n);
      for (;;) {
        const size_t used = c->parser.Feed(data, left);
        const auto st = c->parser.state();
        if (st == ResponseParser::State::kError) {
          FailParse(c, c->parser.error(), now);
          return;
        }
        c->answer_bytes += uint32_t(used);
        if (st != ResponseParser::State::kComplete) break;
        LearnAnswerSize(c->req, c->answer_bytes, c->parser.keep_alive());
        c->answer_bytes = 0;
        if (c->outstanding > 1 && c->parser.keep_alive()) {
          // Pipelined: the next answer belongs to the next request of the batch.
          CompleteHead(c, now);
          data += used;
          left -= used;
          if (left == 0) break;  // the rest of the batch is still on its way
          continue;
        }
        if (used < left) {
          // Trailing bytes after the last expected response: a protocol violation; count
          // it and drop the connection.
          Complete(c, now, /*reuse=*/false);
          ++stats_.parse_errors[size_t(ResponseParser::Error::kUnexpectedData)];
          return;
        }
        Complete(c, now, c->parser.keep_alive());
        return;
      }
      // Drained (level-triggered epoll will tell us more), unless TLS holds decoded bytes.
      if (size_t(n) < buf_.size() && !c->link.io->pending(c->link)) return;
      continue;
    }
    if (n == 0) {
      if (c->state == Conn::kBusy) {
        if (!c->parser.started()) {
          Fail(c, NetError::kClosed, now);  // closed before answering at all
        } else if (c->parser.OnEof() == ResponseParser::State::kComplete) {
          Complete(c, now, /*reuse=*/false);  // a body delimited by the close
        } else {
          FailParse(c, c->parser.error(), now);
        }
      } else {
        Close(c, now);  // server closed an idle keep-alive connection
      }
      return;
    }
  }
}

void Worker::Impl::Fail(Conn* c, NetError e, int64_t now) {
  if (c->has_request) {
    InflightRemove(c);
    --busy_;
    c->has_request = false;
    RecordFailure(c->phase, c->req, e, now);
    FailRest(c, e, now);
  }
  Close(c, now);
}

void Worker::Impl::FailParse(Conn* c, ResponseParser::Error e, int64_t now) {
  if (c->has_request) {
    InflightRemove(c);
    --busy_;
    c->has_request = false;
    CountRequestFailure(c->phase, c->req, now);
    ++stats_.parse_errors[std::min<size_t>(size_t(e), stats_.parse_errors.size() - 1)];
    FailRest(c, NetError::kClosed, now);
  }
  Close(c, now);
}

void Worker::Impl::Close(Conn* c, int64_t now) {
  if (c->h2) H2Leave(c);
  if (c->lowat > 1) --lowat_waiting_;
  c->lowat = 1;  // a new socket starts at the kernel's default
  if (c->fd.valid()) {
    loop_->Remove(c->fd.get());
    c->link.Reset();
    c->fd.Reset();
  }
  c->want_write = false;
  c->retry_ns = 0;
  PushClosed(c);
  AfterFree(now);
}

void Worker::Impl::ExpireTimeouts(int64_t now) {
  for (Lane& l : lanes_) {
    while (l.head && now - l.head->send_ns >= l.timeout_ns) Fail(l.head, NetError::kTimeout, now);
  }
}

}  // namespace vitals
