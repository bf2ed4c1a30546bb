#include "target/h2_server.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>

namespace vitals {
namespace {

constexpr size_t kProduceChunk = 64 * 1024;
constexpr size_t kMaxHeaderListBytes = 64 * 1024;

}  // namespace

struct H2ServerCallbacks {
  static H2ServerSession* Self(void* u) { return static_cast<H2ServerSession*>(u); }

  static H2ServerRequest* Partial(H2ServerSession* self, int32_t id) {
    for (H2ServerRequest& r : self->partial_) {
      if (r.stream_id == id) return &r;
    }
    return nullptr;
  }

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* f, void* u) {
    if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST) {
      H2ServerRequest r;
      r.stream_id = f->hd.stream_id;
      Self(u)->partial_.push_back(std::move(r));
    }
    return 0;
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* f, const uint8_t* name, size_t nl,
                      const uint8_t* value, size_t vl, uint8_t, void* u) {
    H2ServerRequest* r = Partial(Self(u), f->hd.stream_id);
    if (!r) return 0;
    r->header_bytes += nl + vl + 32;
    if (r->header_bytes > kMaxHeaderListBytes) {
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // resets the stream
    }
    std::string_view n(reinterpret_cast<const char*>(name), nl);
    std::string_view v(reinterpret_cast<const char*>(value), vl);
    if (n == ":method") r->method = std::string(v);
    if (n == ":path") r->path = std::string(v);
    return 0;
  }

  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* f, void* u) {
    if ((f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) ||
        !(f->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
      return 0;
    }
    H2ServerSession* self = Self(u);
    for (size_t i = 0; i < self->partial_.size(); ++i) {
      if (self->partial_[i].stream_id == f->hd.stream_id) {
        self->requests_.push_back(std::move(self->partial_[i]));
        self->partial_.erase(self->partial_.begin() + ptrdiff_t(i));
        break;
      }
    }
    return 0;
  }

  static int OnStreamClose(nghttp2_session* s, int32_t id, uint32_t, void* u) {
    H2ServerSession* self = Self(u);
    for (size_t i = 0; i < self->partial_.size(); ++i) {
      if (self->partial_[i].stream_id == id) {
        self->partial_.erase(self->partial_.begin() + ptrdiff_t(i));
        break;
      }
    }
    if (auto* b =
            static_cast<H2ServerSession::Body*>(nghttp2_session_get_stream_user_data(s, id))) {
      self->ReleaseBody(b);
    }
    return 0;
  }

  static ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buf, size_t len, uint32_t* flags,
                          nghttp2_data_source* src, void*) {
    auto* b = static_cast<H2ServerSession::Body*>(src->ptr);
    const size_t n = std::min(len, b->data.size() - b->off);
    std::memcpy(buf, b->data.data() + b->off, n);
    b->off += n;
    if (b->off == b->data.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return ssize_t(n);
  }
};

Result<std::unique_ptr<H2ServerSession>> H2ServerSession::Create() {
  std::unique_ptr<H2ServerSession> self(new H2ServerSession());
  nghttp2_session_callbacks* cbs = nullptr;
  if (nghttp2_session_callbacks_new(&cbs) != 0) return Status::Internal("nghttp2: out of memory");
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, &H2ServerCallbacks::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(cbs, &H2ServerCallbacks::OnHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &H2ServerCallbacks::OnFrameRecv);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &H2ServerCallbacks::OnStreamClose);
  const int rv = nghttp2_session_server_new(&self->session_, cbs, self.get());
  nghttp2_session_callbacks_del(cbs);
  if (rv != 0) return Status::Internal(std::string("nghttp2: ") + nghttp2_strerror(rv));
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, kMaxStreams},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, uint32_t(kMaxHeaderListBytes)},
  };
  if (nghttp2_submit_settings(self->session_, NGHTTP2_FLAG_NONE, settings, 2) != 0) {
    return Status::Internal("nghttp2: cannot submit SETTINGS");
  }
  return self;
}

H2ServerSession::~H2ServerSession() {
  if (session_) nghttp2_session_del(session_);  // bodies_ frees what streams still held
}

H2ServerSession::Body* H2ServerSession::AcquireBody() {
  if (!free_bodies_.empty()) {
    Body* b = free_bodies_.back();
    free_bodies_.pop_back();
    return b;
  }
  bodies_.push_back(std::make_unique<Body>());
  return bodies_.back().get();
}

void H2ServerSession::ReleaseBody(Body* b) {
  b->owned.clear();
  b->data = {};
  b->off = 0;
  free_bodies_.push_back(b);
}

Status H2ServerSession::Feed(const char* data, size_t len) {
  const ssize_t rv =
      nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(data), len);
  if (rv < 0) return Status::Parse(std::string("HTTP/2: ") + nghttp2_strerror(int(rv)));
  return Status::Ok();
}

void H2ServerSession::Respond(int32_t id, int status, std::string_view content_type,
                              std::string_view body, bool head_only, std::string owned) {
  if (!nghttp2_session_find_stream(session_, id)) return;  // reset by the client meanwhile
  if (!owned.empty()) body = owned;
  char code[4] = {char('0' + status / 100 % 10), char('0' + status / 10 % 10),
                  char('0' + status % 10), 0};
  const std::string length = std::to_string(body.size());
  auto nv = [](std::string_view n, std::string_view v) {
    return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(n.data())),
                      reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), n.size(), v.size(),
                      NGHTTP2_NV_FLAG_NONE};
  };
  const nghttp2_nv headers[] = {nv(":status", std::string_view(code, 3)),
                                nv("content-type", content_type), nv("content-length", length)};
  if (head_only || body.empty()) {
    nghttp2_submit_response(session_, id, headers, 3, nullptr);
    return;
  }
  Body* b = AcquireBody();
  b->owned = std::move(owned);
  b->data = b->owned.empty() ? body : std::string_view(b->owned);
  b->off = 0;
  nghttp2_session_set_stream_user_data(session_, id, b);  // freed when the stream closes
  nghttp2_data_provider prd{};
  prd.source.ptr = b;
  prd.read_callback = &H2ServerCallbacks::ReadBody;
  if (nghttp2_submit_response(session_, id, headers, 3, &prd) != 0) {
    nghttp2_session_set_stream_user_data(session_, id, nullptr);
    ReleaseBody(b);
  }
}

Status H2ServerSession::Produce(std::string* out) {
  while (out->size() < kProduceChunk) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) return Status::Internal(std::string("nghttp2: ") + nghttp2_strerror(int(n)));
    if (n == 0) break;
    out->append(reinterpret_cast<const char*>(data), size_t(n));
  }
  return Status::Ok();
}

bool H2ServerSession::WantsWrite() const { return nghttp2_session_want_write(session_) != 0; }

bool H2ServerSession::Over() const {
  return nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0;
}

}  // namespace vitals
