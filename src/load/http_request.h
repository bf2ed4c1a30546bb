// Building the bytes of one HTTP/1.1 request, once, before the load starts.
//
// The engine writes the same bytes for every request of a scenario step, so
// all validation happens here and the hot path only copies `bytes`.
//
// Header rules (what a user of curl -H / wrk -H expects):
//   * "Host" and "User-Agent: vitals/<version>" are added unless the user
//     gave them; a user header replaces ours, it is never sent twice.
//   * A body is always framed with Content-Length (also "Content-Length: 0"
//     for POST/PUT/PATCH without a body).  A user Content-Length must match
//     the body; a user Transfer-Encoding is refused (we never chunk).
//   * "Connection: close" only when asked (RequestSpec::connection_close or a
//     user "Connection: close" header).
// Errors are InvalidArgument naming the offending flag value and the fix.
//
// Thread-safety: plain values and free functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "net/url.h"

namespace vitals {

struct HttpHeader {
  std::string name;   // a token, as the user wrote it (case kept)
  std::string value;  // without surrounding whitespace; no CR, LF or NUL
};

// Parses one `-H "Name: value"` argument.  The name must be an RFC 9110
// token, the colon is required, the value may be empty.
Result<HttpHeader> ParseHeaderFlag(std::string_view text);

// `--body` argument: "@path" reads the file (binary, up to kMaxRequestBodyBytes;
// errors name the path), anything else is the literal body.
constexpr size_t kMaxRequestBodyBytes = 64u << 20;
Result<std::string> ReadBodyArg(std::string_view arg);

struct RequestSpec {
  std::string method = "GET";       // a token; sent as written (case-sensitive)
  std::vector<HttpHeader> headers;  // user headers, sent in order
  std::string body;                 // sent verbatim with Content-Length
  bool connection_close = false;    // add "Connection: close"
  std::string user_agent;           // default "vitals/<version>" when empty
};

struct HttpRequest {
  std::string bytes;              // request line + headers + CRLF + body
  bool no_body_expected = false;  // HEAD: pass to ResponseParser::Reset
  bool connection_close = false;  // the request asks the server to close
};

// Builds the request for `url`.  Validates the method token and every header.
Result<HttpRequest> BuildRequest(const Url& url, const RequestSpec& spec);

// "vitals/<version>" as sent by default.
std::string DefaultUserAgent();

}  // namespace vitals
