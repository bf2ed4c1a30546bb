// An incremental HTTP/1.x request-head parser for the test target.
//
// Feed it the unconsumed bytes of a connection, starting at a request
// boundary; it answers kIncomplete (read more and call again with the longer
// buffer), kComplete (the head is `head_bytes` long; a body of
// `content_length` bytes follows) or kError (answer `error_status` with
// `error_reason` and close).  Between calls it remembers how far it scanned,
// so a head split over many reads costs O(length) in total.
//
// Accepted: request line METHOD SP TARGET SP HTTP/1.0|HTTP/1.1; header lines
// NAME ":" OWS VALUE OWS; CRLF or bare LF line ends; empty lines before the
// request line (RFC 9112 section 2.2).  Understood headers: Content-Length,
// Connection (close / keep-alive), Expect: 100-continue.
// Rejected: malformed request line or header, obsolete line folding,
// conflicting Content-Length -> 400; head longer than max_head_bytes -> 431
// (414 when even the request line does not fit); body longer than
// max_body_bytes -> 413; Transfer-Encoding (chunked bodies) -> 501;
// HTTP versions other than 1.0 / 1.1 -> 505.
//
// Thread-safety: none; one parser per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vitals {

struct ParserLimits {
  size_t max_head_bytes = 8192;
  int64_t max_body_bytes = 1 << 20;
};

// A parsed request head.  The views point into the buffer given to Parse and
// are valid until that buffer changes.
struct RequestHead {
  std::string_view method;
  std::string_view target;  // as sent: "/a/b?q", "http://h/a", "*"
  int version_minor = 1;    // HTTP/1.<version_minor>
  bool keep_alive = true;   // false: close after answering this request
  bool expect_continue = false;
  int64_t content_length = 0;
  size_t head_bytes = 0;  // bytes of the head, including leading empty lines
};

class RequestParser {
 public:
  enum class Outcome { kIncomplete, kComplete, kError };

  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}

  Outcome Parse(std::string_view buf, RequestHead* head);
  // After kError: the status to answer and a short reason (static storage).
  int error_status() const { return error_status_; }
  const char* error_reason() const { return error_reason_; }
  // Call after consuming a complete request, before parsing the next one.
  void Reset() { scanned_ = 0; }

 private:
  Outcome Fail(int status, const char* reason);
  Outcome ParseHead(std::string_view head, RequestHead* out);

  ParserLimits limits_;
  size_t scanned_ = 0;
  int error_status_ = 0;
  const char* error_reason_ = "";
};

}  // namespace vitals
