#include "load/http_response_parser.h"

#include <array>
#include <cstring>

namespace vitals {
namespace {

// A chunk-size line ("1a2b;name=value\r\n") longer than this is an attack or
// a bug, not a server we need to measure.
constexpr uint32_t kMaxChunkLineBytes = 4096;
// The split-line buffer keeps its memory between responses up to this size;
// above it (a server sending huge split headers) it is released on Reset().
constexpr size_t kKeepBufferBytes = 8 * 1024;

constexpr std::array<bool, 256> MakeTcharTable() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> kTchar = MakeTcharTable();

constexpr std::array<int8_t, 256> MakeHexTable() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[c] = static_cast<int8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) t[c] = static_cast<int8_t>(c - 'A' + 10);
  return t;
}
constexpr std::array<int8_t, 256> kHex = MakeHexTable();

inline bool IsOws(char c) { return c == ' ' || c == '\t'; }

// REQUIRES: `name` holds only tchars, `lit` is lower-case letters and '-',
// both at least 8 bytes long and of equal length.  For tchars, OR-ing 0x20
// maps exactly the upper-case letters onto lower case ('^' and '_' map to
// bytes that are not letters), so two overlapping 8-byte words compare the
// whole name case-insensitively.
inline uint64_t Load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline bool NameIs(const char* name, std::string_view lit) {
  constexpr uint64_t kLower = 0x2020202020202020ull;
  const size_t tail = lit.size() - 8;
  return ((Load8(name) | kLower) == Load8(lit.data())) &&
         ((Load8(name + tail) | kLower) == Load8(lit.data() + tail));
}

// First byte of [p, end) that is not a tchar (or end).  Unrolled: this scan
// runs over every header name of every response.
inline const char* SkipTchars(const char* p, const char* end) {
  while (end - p >= 4) {
    if (!kTchar[static_cast<unsigned char>(p[0])]) return p;
    if (!kTchar[static_cast<unsigned char>(p[1])]) return p + 1;
    if (!kTchar[static_cast<unsigned char>(p[2])]) return p + 2;
    if (!kTchar[static_cast<unsigned char>(p[3])]) return p + 3;
    p += 4;
  }
  while (p < end && kTchar[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

inline bool IEquals(std::string_view a, std::string_view lit) {
  if (a.size() != lit.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != lit[i]) return false;
  }
  return true;
}

inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

// Calls fn(element) for every non-empty, trimmed element of a comma list.
template <typename Fn>
void ForEachListElement(std::string_view list, Fn fn) {
  while (true) {
    const size_t comma = list.find(',');
    const std::string_view elem = Trim(list.substr(0, comma));
    if (!elem.empty()) fn(elem);
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

// Can `head` (the first bytes of a status line, without its LF; `total` is
// the candidate's length so far) still become a status line or an empty
// line?  Lets garbage fail at its first byte instead of after 64 KiB.
inline bool StatusPrefixPlausible(const char* head, size_t k, size_t total) {
  if (k == 0) return true;
  if (head[0] == '\r') return total == 1;
  return std::memcmp(head, "HTTP/", k) == 0;
}

}  // namespace

ResponseParser::ResponseParser(size_t max_header_bytes)
    : max_header_bytes_(max_header_bytes < 64 ? 64 : max_header_bytes) {
  partial_.reserve(256);
  Reset(false);
}

void ResponseParser::ResetMessage() {
  http10_ = false;
  have_length_ = false;
  te_seen_ = false;
  te_chunked_last_ = false;
  close_ = false;
  keep_alive_header_ = false;
  force_close_ = false;
  content_length_ = 0;
}

void ResponseParser::Reset(bool no_body_expected) {
  state_ = State::kNeedMore;
  error_ = Error::kNone;
  phase_ = Phase::kStatusLine;
  no_body_expected_ = no_body_expected;
  started_ = false;
  chunked_ = false;
  until_close_ = false;
  ResetMessage();
  status_ = 0;
  interim_ = 0;
  remaining_ = 0;
  chunk_size_ = 0;
  chunk_digits_ = 0;
  chunk_line_bytes_ = 0;
  header_bytes_ = 0;
  body_bytes_ = 0;
  partial_.clear();
  if (partial_.capacity() > kKeepBufferBytes) std::string().swap(partial_);
}

void ResponseParser::Complete() {
  state_ = State::kComplete;
  phase_ = Phase::kDone;
}

void ResponseParser::Fail(Error e) {
  state_ = State::kError;
  error_ = e;
  phase_ = Phase::kDone;
}

void ResponseParser::FailUnexpectedData() { Fail(Error::kUnexpectedData); }

bool ResponseParser::keep_alive() const {
  if (state_ != State::kComplete || status_ == 0 || status_ == 101) return false;
  if (until_close_ || force_close_ || close_) return false;
  return http10_ ? keep_alive_header_ : true;
}

size_t ResponseParser::Feed(const char* data, size_t len) {
  if (state_ != State::kNeedMore || len == 0) return 0;
  started_ = true;
  const char* p = data;
  const char* const end = data + len;
  while (p < end && state_ == State::kNeedMore) {
    switch (phase_) {
      case Phase::kStatusLine:
      case Phase::kHeaders:
      case Phase::kTrailers:
        p = ConsumeLines(p, end);
        break;
      case Phase::kBodyLength:
      case Phase::kChunkData: {
        const auto avail = static_cast<uint64_t>(end - p);
        const uint64_t n = remaining_ < avail ? remaining_ : avail;
        p += n;
        body_bytes_ += n;
        remaining_ -= n;
        if (remaining_ == 0) {
          if (phase_ == Phase::kBodyLength) {
            Complete();
          } else {
            phase_ = Phase::kChunkDataCr;
          }
        }
        break;
      }
      case Phase::kUntilClose:
        body_bytes_ += static_cast<uint64_t>(end - p);
        p = end;
        break;
      case Phase::kChunkDataCr:
        if (*p == '\r') {
          phase_ = Phase::kChunkDataLf;
          ++p;
        } else if (*p == '\n') {  // LF-only line ending
          ++p;
          phase_ = Phase::kChunkSize;
          chunk_size_ = chunk_digits_ = chunk_line_bytes_ = 0;
        } else {
          Fail(Error::kBadChunk);
        }
        break;
      case Phase::kChunkDataLf:
        if (*p == '\n') {
          ++p;
          phase_ = Phase::kChunkSize;
          chunk_size_ = chunk_digits_ = chunk_line_bytes_ = 0;
        } else {
          Fail(Error::kBadChunk);
        }
        break;
      case Phase::kChunkSize:
      case Phase::kChunkSizeWs:
      case Phase::kChunkExt:
      case Phase::kChunkSizeLf:
        p = ConsumeChunkLine(p, end);
        break;
      case Phase::kDone:
        return static_cast<size_t>(p - data);
    }
  }
  return static_cast<size_t>(p - data);
}

const char* ResponseParser::ConsumeLines(const char* p, const char* end) {
  while (p < end) {
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const size_t take = static_cast<size_t>((nl != nullptr ? nl + 1 : end) - p);
    bool short_status_head = false;
    if (phase_ == Phase::kStatusLine) {
      // Check the first bytes of the status line before the size limit, so
      // that the verdict does not depend on how reads split the bytes.
      char head[5];
      size_t k = 0;
      for (; k < 5 && k < partial_.size(); ++k) head[k] = partial_[k];
      const size_t fresh = static_cast<size_t>((nl != nullptr ? nl : end) - p);
      for (size_t i = 0; k < 5 && i < fresh; ++i) head[k++] = p[i];
      const size_t total = partial_.size() + fresh;
      if (!StatusPrefixPlausible(head, k, total)) {
        Fail(Error::kBadStatusLine);
        return p;
      }
      short_status_head = nl == nullptr && total < 5;
    }
    // A status-line head shorter than "HTTP/" may overshoot the limit by at
    // most 4 bytes; it is judged once its prefix is known.
    if (header_bytes_ + take > max_header_bytes_ && !short_status_head) {
      Fail(Error::kHeadersTooLarge);
      return p;
    }
    header_bytes_ += take;
    if (nl == nullptr) {
      partial_.append(p, take);
      return end;
    }
    const char* line;
    size_t len;
    if (partial_.empty()) {
      line = p;
      len = static_cast<size_t>(nl - p);
    } else {
      partial_.append(p, static_cast<size_t>(nl - p));
      line = partial_.data();
      len = partial_.size();
    }
    p = nl + 1;
    if (len > 0 && line[len - 1] == '\r') --len;
    const bool was_split = !partial_.empty();
    ProcessLine(line, len);
    if (was_split) partial_.clear();
    if (state_ != State::kNeedMore ||
        (phase_ != Phase::kStatusLine && phase_ != Phase::kHeaders && phase_ != Phase::kTrailers)) {
      return p;
    }
  }
  return p;
}

void ResponseParser::ProcessLine(const char* line, size_t len) {
  switch (phase_) {
    case Phase::kStatusLine:
      // Stray empty lines before a status line are tolerated (some servers
      // emit an extra CRLF after a body).
      if (len > 0) ParseStatusLine(line, len);
      return;
    case Phase::kHeaders:
      if (len == 0) {
        EndOfHeaders();
      } else if (IsOws(line[0])) {
        Fail(Error::kBadHeader);  // obs-fold (RFC 9112 5.2) or leading space
      } else {
        ParseField(line, len);
      }
      return;
    case Phase::kTrailers: {
      if (len == 0) {
        Complete();
        return;
      }
      // Trailers are not interpreted, but must still be field lines.
      const char* colon = SkipTchars(line, line + len);
      if (colon == line + len || *colon != ':' || colon == line) Fail(Error::kBadHeader);
      return;
    }
    default:
      return;
  }
}

void ResponseParser::ParseStatusLine(const char* line, size_t len) {
  // "HTTP/1.1 200 OK": version token, SP, 3 digits, then end or SP reason.
  if (len < 5 || std::memcmp(line, "HTTP/", 5) != 0) {
    Fail(Error::kBadStatusLine);
    return;
  }
  const auto* sp = static_cast<const char*>(std::memchr(line + 5, ' ', len - 5));
  if (sp == nullptr) {
    Fail(Error::kBadStatusLine);
    return;
  }
  const char* v = line + 5;
  if (sp - v != 3 || v[0] != '1' || v[1] != '.' || v[2] < '0' || v[2] > '9') {
    Fail(Error::kBadVersion);
    return;
  }
  http10_ = v[2] == '0';
  const char* code = sp + 1;
  const size_t rest = len - static_cast<size_t>(code - line);
  if (rest < 3 || (rest > 3 && code[3] != ' ')) {
    Fail(Error::kBadStatusLine);
    return;
  }
  int status = 0;
  for (int i = 0; i < 3; ++i) {
    if (code[i] < '0' || code[i] > '9') {
      Fail(Error::kBadStatusLine);
      return;
    }
    status = status * 10 + (code[i] - '0');
  }
  if (status < 100) {
    Fail(Error::kBadStatusLine);
    return;
  }
  status_ = status;
  phase_ = Phase::kHeaders;
}

void ResponseParser::ParseField(const char* line, size_t len) {
  // One pass finds the colon and validates the name; whitespace before the
  // colon is not a tchar, so it is rejected too (RFC 9112 5.1).
  const char* const end = line + len;
  const char* c = SkipTchars(line, end);
  if (c == end || *c != ':' || c == line) {
    Fail(Error::kBadHeader);
    return;
  }
  const char* colon = c;
  const size_t name_len = static_cast<size_t>(colon - line);
  // Only three fields matter for framing; the others are skipped unread.
  const std::string_view value(colon + 1, len - name_len - 1);
  switch (name_len) {
    case 14:
      if (NameIs(line, "content-length")) {
        uint64_t first = 0;
        bool any = false;
        Error err = Error::kNone;
        ForEachListElement(value, [&](std::string_view e) {
          if (err != Error::kNone) return;
          uint64_t n = 0;
          for (char c : e) {
            if (c < '0' || c > '9' || n > (UINT64_MAX - 9) / 10) {
              err = Error::kBadContentLength;
              return;
            }
            n = n * 10 + static_cast<uint64_t>(c - '0');
          }
          if (any && n != first) err = Error::kConflictingLength;
          first = n;
          any = true;
        });
        if (err == Error::kNone && !any) err = Error::kBadContentLength;
        if (err == Error::kNone && have_length_ && first != content_length_) {
          err = Error::kConflictingLength;
        }
        if (err != Error::kNone) {
          Fail(err);
          return;
        }
        have_length_ = true;
        content_length_ = first;
      }
      return;
    case 17:
      if (NameIs(line, "transfer-encoding")) {
        ForEachListElement(value, [&](std::string_view e) {
          e = Trim(e.substr(0, e.find(';')));
          if (e.empty()) return;
          te_seen_ = true;
          te_chunked_last_ = IEquals(e, "chunked");
        });
      }
      return;
    case 10:
      if (NameIs(line, "connection")) {
        ForEachListElement(value, [&](std::string_view e) {
          if (IEquals(e, "close")) close_ = true;
          if (IEquals(e, "keep-alive")) keep_alive_header_ = true;
        });
      }
      return;
    default:
      return;
  }
}

void ResponseParser::EndOfHeaders() {
  if (status_ < 200) {
    if (status_ == 101) {  // the connection now speaks another protocol
      Complete();
      return;
    }
    ++interim_;
    ResetMessage();
    phase_ = Phase::kStatusLine;
    return;
  }
  if (no_body_expected_ || status_ == 204 || status_ == 304) {
    Complete();
    return;
  }
  if (te_seen_) {
    // RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
    if (http10_) force_close_ = true;
    if (te_chunked_last_) {
      chunked_ = true;
      // RFC 9112 6.3: chunked overrides Content-Length; the connection must
      // not be reused, the sender is confused about framing.
      if (have_length_) force_close_ = true;
      phase_ = Phase::kChunkSize;
      chunk_size_ = chunk_digits_ = chunk_line_bytes_ = 0;
      return;
    }
    until_close_ = true;
    phase_ = Phase::kUntilClose;
    return;
  }
  if (have_length_) {
    if (content_length_ == 0) {
      Complete();
    } else {
      remaining_ = content_length_;
      phase_ = Phase::kBodyLength;
    }
    return;
  }
  until_close_ = true;
  phase_ = Phase::kUntilClose;
}

const char* ResponseParser::ConsumeChunkLine(const char* p, const char* end) {
  while (p < end) {
    const char c = *p;
    switch (phase_) {
      case Phase::kChunkSize: {
        const int h = kHex[static_cast<unsigned char>(c)];
        if (h >= 0) {
          if ((chunk_size_ >> 60) != 0) {  // one more digit would overflow
            Fail(Error::kBadChunk);
            return p;
          }
          chunk_size_ = (chunk_size_ << 4) | static_cast<uint64_t>(h);
          ++chunk_digits_;
          break;
        }
        if (chunk_digits_ == 0) {
          Fail(Error::kBadChunk);
          return p;
        }
        [[fallthrough]];
      }
      case Phase::kChunkSizeWs:
        if (IsOws(c)) {
          phase_ = Phase::kChunkSizeWs;
        } else if (c == ';') {
          phase_ = Phase::kChunkExt;
        } else if (c == '\r') {
          phase_ = Phase::kChunkSizeLf;
        } else if (c == '\n') {
          ChunkSizeDone();
          return p + 1;
        } else {
          Fail(Error::kBadChunk);
          return p;
        }
        break;
      case Phase::kChunkExt: {
        // Extensions are skipped, not parsed: we only need the line's end.
        const auto* nl =
            static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
        const size_t take = static_cast<size_t>((nl != nullptr ? nl + 1 : end) - p);
        if (chunk_line_bytes_ + take > kMaxChunkLineBytes) {
          Fail(Error::kBadChunk);
          return p;
        }
        chunk_line_bytes_ += static_cast<uint32_t>(take);
        if (nl == nullptr) return end;
        ChunkSizeDone();
        return nl + 1;
      }
      case Phase::kChunkSizeLf:
        if (c != '\n') {
          Fail(Error::kBadChunk);
          return p;
        }
        ChunkSizeDone();
        return p + 1;
      default:
        return p;
    }
    ++p;
    if (++chunk_line_bytes_ > kMaxChunkLineBytes) {
      Fail(Error::kBadChunk);
      return p;
    }
  }
  return p;
}

void ResponseParser::ChunkSizeDone() {
  if (chunk_size_ == 0) {
    phase_ = Phase::kTrailers;
  } else {
    remaining_ = chunk_size_;
    phase_ = Phase::kChunkData;
  }
}

ResponseParser::State ResponseParser::OnEof() {
  if (state_ != State::kNeedMore) return state_;
  if (!started_) {
    Complete();  // idle keep-alive connection closed: nothing lost
  } else if (phase_ == Phase::kUntilClose) {
    Complete();
  } else {
    Fail(Error::kTruncated);
  }
  return state_;
}

const char* ResponseParser::ErrorName(Error error) {
  switch (error) {
    case Error::kNone:
      return "none";
    case Error::kBadStatusLine:
      return "bad_status_line";
    case Error::kBadVersion:
      return "bad_version";
    case Error::kBadHeader:
      return "bad_header";
    case Error::kHeadersTooLarge:
      return "headers_too_large";
    case Error::kBadContentLength:
      return "bad_content_length";
    case Error::kBadChunk:
      return "bad_chunk";
    case Error::kConflictingLength:
      return "conflicting_length";
    case Error::kTruncated:
      return "truncated";
    case Error::kUnexpectedData:
      return "unexpected_data";
  }
  return "unknown";
}

}  // namespace vitals
