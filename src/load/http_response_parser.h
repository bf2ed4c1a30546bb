// Incremental HTTP/1.1 response parser for the load engine's hot path.
//
// One instance per connection, Reset() before each response.  Feed() takes
// whatever recv() returned; the header section is parsed in place (a line
// split across two reads is the only thing copied, into a per-connection
// buffer reused from response to response), and bodies are never buffered:
// only counted.  No heap allocation per response once the split-line buffer
// has warmed up; memory per parser is bounded by max_header_bytes.
//
// What it understands (RFC 9112):
//   * status line "HTTP/1.x NNN reason" (reason may be empty or missing);
//     anything not starting with "HTTP/" fails at the first wrong byte.
//   * 1xx interim responses (100 Continue, 103 Early Hints, ...) are skipped,
//     any number of them, except 101 Switching Protocols, which completes the
//     response (the bytes after it are the new protocol's).
//   * framing: no body for HEAD (Reset(true)), 204, 304; else
//     Transfer-Encoding with chunked last -> chunked (wins over
//     Content-Length, and then keep_alive() is false); Transfer-Encoding
//     without chunked last -> read until close; Content-Length (identical
//     duplicates and lists "5, 5" accepted); else read until close.
//   * chunked: hex sizes (overflow rejected), extensions ";x=y", trailers.
//   * header names case-insensitive; LF-only line endings tolerated; empty
//     lines before the status line ignored; obs-fold rejected.
//   * the header section (status line, headers, interim responses and
//     trailers together) is limited to max_header_bytes.
//
// Thread-safety: none; one parser belongs to one connection (one thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace vitals {

class ResponseParser {
 public:
  enum class State { kNeedMore, kComplete, kError };
  enum class Error {
    kNone,
    kBadStatusLine,      // not "HTTP/1.x NNN ..."
    kBadVersion,         // "HTTP/" but not a 1.x version
    kBadHeader,          // malformed field line, obs-fold, bad trailer
    kHeadersTooLarge,    // header section over max_header_bytes
    kBadContentLength,   // negative, non-numeric, empty, overflow
    kBadChunk,           // bad chunk size/extension line, missing CRLF after data
    kConflictingLength,  // Content-Length values differ
    kTruncated,          // peer closed mid-response
    kUnexpectedData,     // bytes where no response may be (set by the engine)
  };

  // max_header_bytes is clamped to at least 64.
  explicit ResponseParser(size_t max_header_bytes = 64 * 1024);
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;
  ResponseParser(ResponseParser&&) = default;
  ResponseParser& operator=(ResponseParser&&) = default;

  // Starts a new response.  no_body_expected: the request was HEAD.
  void Reset(bool no_body_expected = false);

  // Consumes bytes of the current response and returns how many it consumed
  // (<= len).  While state() is kNeedMore it consumes everything.  When the
  // response completes, the unconsumed tail belongs to the next response
  // (pipelining): Reset() and Feed() it again.  After kComplete or kError
  // Feed() consumes nothing.
  size_t Feed(const char* data, size_t len);

  // The peer closed the connection.  Completes a read-until-close body; if
  // nothing of this response was seen yet, returns kComplete with status()
  // 0 and started() false (an idle keep-alive connection closed); otherwise
  // fails with kTruncated.  Returns state().
  State OnEof();

  // Marks the response failed with kUnexpectedData, for the engine to use
  // when bytes arrive while no request is outstanding or after a response
  // that closed the connection, so that all protocol errors are counted the
  // same way.
  void FailUnexpectedData();

  State state() const { return state_; }
  Error error() const { return error_; }
  // Stable snake_case name for accounting and JSON: "bad_status_line", ...
  static const char* ErrorName(Error error);

  // Final status code once kComplete (the 1xx being parsed before that).
  int status() const { return status_; }
  // REQUIRES: state() == kComplete.  False for "Connection: close", HTTP/1.0
  // without "Connection: keep-alive", read-until-close bodies, chunked with
  // Content-Length, 101, or an idle close.
  bool keep_alive() const;
  uint64_t body_bytes() const { return body_bytes_; }
  // At least one byte of this response seen (time-to-first-byte).
  bool started() const { return started_; }
  // 1xx responses skipped before the final one.
  int interim_responses() const { return interim_; }
  bool chunked() const { return chunked_; }
  // Header-section bytes seen so far (status line, fields, 1xx, trailers).
  size_t header_bytes() const { return header_bytes_; }
  // Bytes held for a line split across reads; never above max_header_bytes + 4.
  size_t buffered_bytes() const { return partial_.size(); }

 private:
  enum class Phase : uint8_t {
    kStatusLine,
    kHeaders,
    kBodyLength,
    kUntilClose,
    kChunkSize,
    kChunkSizeWs,
    kChunkExt,
    kChunkSizeLf,
    kChunkData,
    kChunkDataCr,
    kChunkDataLf,
    kTrailers,
    kDone,
  };

  const char* ConsumeLines(const char* p, const char* end);
  const char* ConsumeChunkLine(const char* p, const char* end);
  void ProcessLine(const char* line, size_t len);
  void ParseStatusLine(const char* line, size_t len);
  void ParseField(const char* line, size_t len);
  void EndOfHeaders();
  void ChunkSizeDone();
  void ResetMessage();
  void Complete();
  void Fail(Error e);

  size_t max_header_bytes_;
  State state_ = State::kNeedMore;
  Error error_ = Error::kNone;
  Phase phase_ = Phase::kStatusLine;
  bool no_body_expected_ = false;
  bool started_ = false;
  bool chunked_ = false;
  bool until_close_ = false;
  // Per message (reset for each 1xx):
  bool http10_ = false;
  bool have_length_ = false;
  bool te_seen_ = false;
  bool te_chunked_last_ = false;
  bool close_ = false;
  bool keep_alive_header_ = false;
  bool force_close_ = false;
  int status_ = 0;
  int interim_ = 0;
  uint64_t content_length_ = 0;
  uint64_t remaining_ = 0;  // body or chunk bytes still to come
  uint64_t chunk_size_ = 0;
  uint32_t chunk_digits_ = 0;
  uint32_t chunk_line_bytes_ = 0;
  size_t header_bytes_ = 0;
  uint64_t body_bytes_ = 0;
  std::string partial_;  // a line split across Feed() calls
};

}  // namespace vitals
