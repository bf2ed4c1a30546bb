// HTTP/1.1 responses of the test target, and the canned ones built once at
// start so the request path only copies bytes.
// Thread-safety: CannedResponses is immutable after construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vitals {

// How the connection continues after a response; decides the Connection
// header.  kKeepAlive10 is an HTTP/1.0 client that asked for keep-alive.
enum class ConnMode : uint8_t { kKeepAlive11 = 0, kKeepAlive10 = 1, kClose = 2 };

// "OK", "Internal Server Error", ...; "Unknown" for codes without a phrase.
const char* ReasonPhrase(int status);

// Full response bytes.  head_only (a HEAD request) keeps Content-Length but
// omits the body.
std::string BuildResponse(int status, std::string_view content_type, std::string_view body,
                          ConnMode mode, bool head_only);

// The body of --body-bytes N: "ok" for 2, otherwise N bytes of "okok..."
// ending in '\n' when N > 2.
std::string DefaultBody(size_t n);

class CannedResponses {
 public:
  CannedResponses(size_t body_bytes, int error_status);
  const std::string& Ok(ConnMode m, bool head_only) const { return ok_[int(m)][head_only]; }
  const std::string& Error(ConnMode m, bool head_only) const { return error_[int(m)][head_only]; }
  const std::string& Health(ConnMode m, bool head_only) const { return health_[int(m)][head_only]; }
  // The bodies alone (HTTP/2 frames them itself).
  const std::string& ok_body() const { return ok_body_; }
  const std::string& error_body() const { return error_body_; }

 private:
  std::string ok_[3][2], error_[3][2], health_[3][2];
  std::string ok_body_, error_body_;
};

}  // namespace vitals
