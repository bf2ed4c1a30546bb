#include "load/h2_session.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>

namespace vitals {
namespace {

constexpr size_t kProduceChunk = 64 * 1024;
constexpr int32_t kStreamWindow = 16 << 20;
constexpr int32_t kConnectionWindow = 1 << 30;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

bool ConnectionSpecific(const std::string& name) {
  return name == "connection" || name == "keep-alive" || name == "transfer-encoding" ||
         name == "upgrade" || name == "proxy-connection" || name == "host";
}

H2Stream* StreamOf(nghttp2_session* session, int32_t id) {
  return static_cast<H2Stream*>(nghttp2_session_get_stream_user_data(session, id));
}

}  // namespace

Result<H2Request> H2RequestFromHttp1(std::string_view bytes, bool tls) {
  const size_t end = bytes.find("\r\n\r\n");
  const size_t line_end = bytes.find("\r\n");
  if (end == std::string_view::npos || line_end == std::string_view::npos) {
    return Status::InvalidArgument("HTTP/2: the request has no header block");
  }
  std::string_view line = bytes.substr(0, line_end);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 <= sp1) {
    return Status::InvalidArgument("HTTP/2: bad request line '" + std::string(line) + "'");
  }
  H2Request r;
  const std::string method(line.substr(0, sp1));
  r.head = method == "HEAD";
  std::string authority;
  std::vector<std::pair<std::string, std::string>> rest;
  size_t pos = line_end + 2;
  while (pos < end) {
    size_t eol = bytes.find("\r\n", pos);
    std::string_view h = bytes.substr(pos, eol - pos);
    pos = eol + 2;
    const size_t colon = h.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name = Lower(h.substr(0, colon));
    std::string_view value = h.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    if (name == "host") authority = std::string(value);
    if (ConnectionSpecific(name)) continue;
    if (name == "te" && value != "trailers") continue;
    rest.emplace_back(std::move(name), std::string(value));
  }
  r.headers.emplace_back(":method", method);
  r.headers.emplace_back(":path", std::string(line.substr(sp1 + 1, sp2 - sp1 - 1)));
  r.headers.emplace_back(":scheme", tls ? "https" : "http");
  r.headers.emplace_back(":authority", authority);
  for (auto& h : rest) r.headers.push_back(std::move(h));
  r.body = std::string(bytes.substr(end + 4));
  return r;
}

// nghttp2's callbacks, friends of H2Session (user_data is the H2Session).
struct H2Callbacks {
  static H2Session* Self(void* user) { return static_cast<H2Session*>(user); }

  static int OnBeginHeaders(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_RESPONSE) return 0;
    if (H2Stream* s = StreamOf(session, frame->hd.stream_id)) {
      Self(user)->events_.push_back(H2Event{H2Event::kHeaders, s, frame->hd.stream_id, 0, 0});
    }
    return 0;
  }

  static int OnHeader(nghttp2_session* session, const nghttp2_frame* frame, const uint8_t* name,
                      size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void*) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    H2Stream* s = StreamOf(session, frame->hd.stream_id);
    if (!s) return 0;
    // RFC 9113 section 6.5.2's accounting: name + value + 32 per field.
    s->header_bytes += namelen + valuelen + 32;
    if (s->header_bytes > H2Session::kMaxHeaderListBytes) {
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // nghttp2 resets the stream
    }
    if (namelen == 7 && std::memcmp(name, ":status", 7) == 0) {
      int status = 0;
      for (size_t i = 0; i < valuelen && i < 3; ++i) status = status * 10 + (value[i] - '0');
      s->status = status;
    }
    return 0;
  }

  static int OnData(nghttp2_session* session, uint8_t, int32_t stream_id, const uint8_t*,
                    size_t len, void*) {
    if (H2Stream* s = StreamOf(session, stream_id)) s->body_bytes += len;
    return 0;
  }

  static int OnStreamClose(nghttp2_session* session, int32_t stream_id, uint32_t error_code,
                           void* user) {
    H2Session* self = Self(user);
    if (stream_id % 2 == 1 && self->active_ > 0) --self->active_;
    H2Stream* s = StreamOf(session, stream_id);
    if (!s) return 0;
    if (s->header_bytes > H2Session::kMaxHeaderListBytes) {
      error_code = H2Session::kHeadersTooLarge;
    } else if (s->rst_code >= 0) {
      // The server reset it (even with NO_ERROR, it never answered in full).
      self->events_.push_back(H2Event{H2Event::kReset, s, stream_id, uint32_t(s->rst_code), 0});
      return 0;
    } else if (error_code == NGHTTP2_NO_ERROR && (s->status < 200 || s->status > 999)) {
      // Closed without a final answer: a request the session never sent because the server
      // is going away was not processed (retryable); anything else breaks the protocol.
      error_code =
          self->going_away_ && s->status < 0 ? NGHTTP2_REFUSED_STREAM : NGHTTP2_PROTOCOL_ERROR;
    }
    const H2Event::Kind kind = error_code == NGHTTP2_NO_ERROR ? H2Event::kDone : H2Event::kReset;
    self->events_.push_back(H2Event{kind, s, stream_id, error_code, 0});
    return 0;
  }

  static int OnFrameRecv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    H2Session* self = Self(user);
    if (frame->hd.type == NGHTTP2_RST_STREAM) {
      if (H2Stream* s = StreamOf(session, frame->hd.stream_id)) {
        s->rst_code = frame->rst_stream.error_code;
      }
    } else if (frame->hd.type == NGHTTP2_SETTINGS && !(frame->hd.flags & NGHTTP2_FLAG_ACK)) {
      self->settings_received_ = true;
    } else if (frame->hd.type == NGHTTP2_GOAWAY) {
      self->going_away_ = true;
      self->events_.push_back(H2Event{H2Event::kGoAway, nullptr, 0, frame->goaway.error_code,
                                      frame->goaway.last_stream_id});
    }
    return 0;
  }

  static int OnFrameSend(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    H2Session* self = Self(user);
    if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR &&
        self->error_.empty()) {
      self->error_ = std::string(
                         "the server broke the HTTP/2 protocol; we ended the connection "
                         "with GOAWAY ") +
                     nghttp2_http2_strerror(frame->goaway.error_code);
    }
    return 0;
  }

  static int OnInvalidFrame(nghttp2_session*, const nghttp2_frame* frame, int lib_error,
                            void* user) {
    H2Session* self = Self(user);
    if (self->error_.empty() && frame->hd.stream_id == 0) {
      self->error_ =
          std::string("invalid HTTP/2 frame from the server: ") + nghttp2_strerror(lib_error);
    }
    return 0;
  }

  static ssize_t ReadBody(nghttp2_session*, int32_t stream_id, uint8_t* buf, size_t len,
                          uint32_t* flags, nghttp2_data_source* source, void*) {
    auto* s = static_cast<H2Stream*>(source->ptr);
    if (s->id != stream_id) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // slot reused
    const std::string& body = s->request->body;
    const size_t n = std::min(len, body.size() - s->body_off);
    std::memcpy(buf, body.data() + s->body_off, n);
    s->body_off += n;
    if (s->body_off == body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return ssize_t(n);
  }
};

Result<std::unique_ptr<H2Session>> H2Session::Create() {
  std::unique_ptr<H2Session> self(new H2Session());
  nghttp2_session_callbacks* cbs = nullptr;
  if (nghttp2_session_callbacks_new(&cbs) != 0) return Status::Internal("nghttp2: out of memory");
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, &H2Callbacks::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(cbs, &H2Callbacks::OnHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &H2Callbacks::OnData);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &H2Callbacks::OnStreamClose);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &H2Callbacks::OnFrameRecv);
  nghttp2_session_callbacks_set_on_frame_send_callback(cbs, &H2Callbacks::OnFrameSend);
  nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(cbs, &H2Callbacks::OnInvalidFrame);
  const int rv = nghttp2_session_client_new(&self->session_, cbs, self.get());
  nghttp2_session_callbacks_del(cbs);
  if (rv != 0) return Status::Internal(std::string("nghttp2: ") + nghttp2_strerror(rv));
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, uint32_t(kStreamWindow)},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, uint32_t(kMaxHeaderListBytes)},
  };
  if (nghttp2_submit_settings(self->session_, NGHTTP2_FLAG_NONE, settings, 3) != 0 ||
      nghttp2_session_set_local_window_size(self->session_, NGHTTP2_FLAG_NONE, 0,
                                            kConnectionWindow) != 0) {
    return Status::Internal("nghttp2: cannot submit SETTINGS");
  }
  return self;
}

H2Session::~H2Session() {
  if (session_) nghttp2_session_del(session_);
}

Status H2Session::Submit(H2Stream* s) {
  std::vector<nghttp2_nv> nva;
  nva.reserve(s->request->headers.size());
  for (const auto& [name, value] : s->request->headers) {
    nva.push_back(nghttp2_nv{
        reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
        reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
        uint8_t(NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE)});
  }
  s->body_off = 0;
  s->header_bytes = 0;
  s->body_bytes = 0;
  s->status = -1;
  s->rst_code = -1;
  s->id = 0;
  nghttp2_data_provider body{};
  body.source.ptr = s;
  body.read_callback = &H2Callbacks::ReadBody;
  const bool has_body = !s->request->body.empty();
  const int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                            has_body ? &body : nullptr, s);
  if (id < 0) {
    if (id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE) {
      return Status::Unavailable("HTTP/2: no stream ids left on this connection");
    }
    return Status::Internal(std::string("nghttp2_submit_request: ") + nghttp2_strerror(id));
  }
  s->id = id;
  ++active_;
  return Status::Ok();
}

void H2Session::Cancel(H2Stream* s) {
  if (s->id <= 0) return;
  nghttp2_session_set_stream_user_data(session_, s->id, nullptr);
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_CANCEL);
  s->id = 0;
}

Status H2Session::Feed(const char* data, size_t len) {
  const ssize_t rv =
      nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(data), len);
  if (rv < 0) {
    return Status::Parse(error_.empty() ? std::string("HTTP/2 protocol error from the server: ") +
                                              nghttp2_strerror(int(rv))
                                        : error_);
  }
  return Status::Ok();
}

Status H2Session::Produce(std::string* out) {
  while (out->size() < kProduceChunk) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) return Status::Internal(std::string("nghttp2: ") + nghttp2_strerror(int(n)));
    if (n == 0) break;
    out->append(reinterpret_cast<const char*>(data), size_t(n));
  }
  return Status::Ok();
}

bool H2Session::WantsWrite() const { return nghttp2_session_want_write(session_) != 0; }

bool H2Session::Over() const {
  return nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0;
}

uint32_t H2Session::RemoteMaxStreams() const {
  return nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

}  // namespace vitals
