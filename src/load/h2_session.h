// The HTTP/2 client side of one load connection: an nghttp2 session driven by the worker's own
// event loop.  The session never touches a socket: the worker feeds it the bytes it read
// (Feed) and writes the bytes it produces (Produce) through the connection's Transport, so
// HTTP/2 shares the loop, the TLS layer and the timing of HTTP/1.1 (h2load's session split:
// the client owns streams and timing, the session only frames bytes).
//
// What the session decides on its own (RFC 9113): SETTINGS and their ACK, PING answers,
// WINDOW_UPDATE for everything received (a 16 MiB stream window, a 1 GiB connection window),
// header compression state, request bodies sent as the peer's windows allow.
//
// Bounded memory: response bodies are counted, never stored; a response whose header list
// passes kMaxHeaderListBytes is reset by us and reported as an error; the number of streams
// is the caller's (one H2Stream each).
//
// Events: what happened to the caller's streams is queued during Feed / Produce and taken with
// TakeEvents(), so the caller never runs inside an nghttp2 callback.
//
// Thread-safety: one session belongs to one worker thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

struct nghttp2_session;

namespace vitals {

// One request as HTTP/2 sends it: pseudo-headers first, lower-case names, and the body.
struct H2Request {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool head = false;  // HEAD: the answer has no body
};

// The HTTP/1.1 request bytes the engine built (load/http_request.h) as an HTTP/2 request:
// the request line becomes :method / :path, Host becomes :authority, connection-specific
// headers (Connection, Keep-Alive, Transfer-Encoding, Upgrade, Proxy-Connection) are dropped.
// Errors: InvalidArgument when the bytes are not a request this engine built.
Result<H2Request> H2RequestFromHttp1(std::string_view bytes, bool tls);

// The caller's state for one stream (it must stay put until the stream's event is taken).
struct H2Stream {
  void* owner = nullptr;               // the caller's request slot
  const H2Request* request = nullptr;  // borrowed
  size_t body_off = 0;                 // request body bytes handed to nghttp2
  size_t header_bytes = 0;             // response header list size so far
  uint64_t body_bytes = 0;             // response body bytes (counted, not kept)
  int status = -1;                     // :status, -1 until the response headers arrive
  int64_t rst_code = -1;               // the server's RST_STREAM error code, if it sent one
  int32_t id = 0;                      // stream id, 0 when not submitted
};

struct H2Event {
  enum Kind : uint8_t {
    kHeaders,  // the response headers of `stream` arrived (time to first byte)
    kDone,     // `stream` completed: stream->status is the answer
    kReset,    // `stream` ended without an answer: error_code (RST_STREAM or GOAWAY refusal)
    kGoAway,   // the server will take no new streams above last_stream_id
  };
  Kind kind;
  H2Stream* stream = nullptr;
  int32_t stream_id = 0;  // the stream's id (the H2Stream may be reused once it ended)
  uint32_t error_code = 0;
  int32_t last_stream_id = 0;
};

class H2Session {
 public:
  static constexpr size_t kMaxHeaderListBytes = 64 * 1024;
  // nghttp2's error code for a response whose headers are over kMaxHeaderListBytes (we reset
  // the stream with it).
  static constexpr uint32_t kHeadersTooLarge = 0xb;  // ENHANCE_YOUR_CALM

  // A client session; its first Produce() yields the connection preface and our SETTINGS.
  static Result<std::unique_ptr<H2Session>> Create();
  ~H2Session();
  H2Session(const H2Session&) = delete;
  H2Session& operator=(const H2Session&) = delete;

  // Opens a stream for s->request; s->id is set.  Errors: Unavailable when the server
  // refuses new streams (after GOAWAY) or stream ids ran out, Internal otherwise.
  Status Submit(H2Stream* s);
  // Cancels a stream (RST_STREAM CANCEL); its H2Stream is forgotten at once (no event).
  void Cancel(H2Stream* s);

  // Processes bytes from the server.  Errors: a connection-level protocol error in words
  // (the session is then unusable).
  Status Feed(const char* data, size_t len);
  // Appends what the session wants to write to *out, stopping once *out holds ~64 KiB.
  Status Produce(std::string* out);
  bool WantsWrite() const;
  // Neither side wants more: after a GOAWAY with no stream left, or after a protocol error
  // (error() then says what the server did wrong).
  bool Over() const;
  const std::string& error() const { return error_; }

  std::vector<H2Event>& events() { return events_; }

  // After the server's first SETTINGS: its SETTINGS_MAX_CONCURRENT_STREAMS (UINT32_MAX when
  // it sets none).
  bool settings_received() const { return settings_received_; }
  uint32_t RemoteMaxStreams() const;
  bool going_away() const { return going_away_; }
  size_t active_streams() const { return active_; }

 private:
  H2Session() = default;
  friend struct H2Callbacks;
  nghttp2_session* session_ = nullptr;
  std::vector<H2Event> events_;
  bool settings_received_ = false;
  bool going_away_ = false;
  size_t active_ = 0;
  std::string error_;
};

}  // namespace vitals
