#include "target/http_request_parser.h"

#include <cstring>

namespace vitals {
namespace {

// RFC 9110 tchar.
bool IsTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits off the next line (without its CRLF / LF) from *rest.
std::string_view NextLine(std::string_view* rest) {
  size_t nl = rest->find('\n');
  std::string_view line = rest->substr(0, nl);
  *rest = nl == std::string_view::npos ? std::string_view() : rest->substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

RequestParser::Outcome RequestParser::Fail(int status, const char* reason) {
  error_status_ = status;
  error_reason_ = reason;
  return Outcome::kError;
}

RequestParser::Outcome RequestParser::Parse(std::string_view buf, RequestHead* head) {
  size_t start = 0;
  while (start < buf.size() && (buf[start] == '\r' || buf[start] == '\n')) ++start;
  size_t pos = scanned_ > start ? scanned_ : start;
  size_t end = 0;
  // The head ends at the first empty line: "\n\n" or "\n\r\n".
  while (pos < buf.size()) {
    const void* hit = std::memchr(buf.data() + pos, '\n', buf.size() - pos);
    if (hit == nullptr) break;
    size_t nl = static_cast<const char*>(hit) - buf.data();
    size_t j = nl;
    if (j > start && buf[j - 1] == '\r') --j;
    if (j > start && buf[j - 1] == '\n') {
      end = nl + 1;
      break;
    }
    pos = nl + 1;
  }
  if (end == 0) {
    scanned_ = buf.size();
    if (buf.size() > limits_.max_head_bytes) {
      bool has_line = std::memchr(buf.data() + start, '\n', buf.size() - start) != nullptr;
      return has_line ? Fail(431, "Request Header Fields Too Large") : Fail(414, "URI Too Long");
    }
    return Outcome::kIncomplete;
  }
  if (end > limits_.max_head_bytes) return Fail(431, "Request Header Fields Too Large");
  Outcome o = ParseHead(buf.substr(start, end - start), head);
  if (o == Outcome::kComplete) head->head_bytes = end;
  return o;
}

RequestParser::Outcome RequestParser::ParseHead(std::string_view rest, RequestHead* out) {
  *out = RequestHead{};
  // Request line: METHOD SP TARGET SP HTTP/1.x
  std::string_view line = NextLine(&rest);
  size_t sp1 = line.find(' ');
  if (sp1 == 0 || sp1 == std::string_view::npos) return Fail(400, "Bad Request Line");
  std::string_view method = line.substr(0, sp1);
  for (char c : method) {
    if (!IsTchar(c)) return Fail(400, "Bad Method");
  }
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return Fail(400, "Bad Request Line");
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return Fail(400, "Bad Request Target");
  }
  std::string_view version = line.substr(sp2 + 1);
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return Fail(400, "Bad HTTP Version");
  }
  if (version[5] != '1' || version[7] > '1') return Fail(505, "HTTP Version Not Supported");
  out->method = method;
  out->target = target;
  out->version_minor = version[7] - '0';

  bool conn_close = false, conn_keep_alive = false, have_length = false;
  while (!rest.empty()) {
    line = NextLine(&rest);
    if (line.empty()) break;  // the empty line that ends the head
    if (line.front() == ' ' || line.front() == '\t') return Fail(400, "Obsolete Line Folding");
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return Fail(400, "Bad Header");
    std::string_view name = line.substr(0, colon);
    for (char c : name) {
      if (!IsTchar(c)) return Fail(400, "Bad Header Name");
    }
    std::string_view value = TrimOws(line.substr(colon + 1));
    for (char c : value) {
      unsigned char u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) return Fail(400, "Bad Header Value");
    }
    if (EqualsIgnoreCase(name, "content-length")) {
      if (value.empty() || value.size() > 18) return Fail(400, "Bad Content-Length");
      int64_t n = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return Fail(400, "Bad Content-Length");
        n = n * 10 + (c - '0');
      }
      if (have_length && n != out->content_length) return Fail(400, "Conflicting Content-Length");
      have_length = true;
      out->content_length = n;
    } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
      return Fail(501, "Transfer-Encoding Not Supported; send Content-Length");
    } else if (EqualsIgnoreCase(name, "connection")) {
      while (!value.empty()) {
        size_t comma = value.find(',');
        std::string_view token = TrimOws(value.substr(0, comma));
        value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
        if (EqualsIgnoreCase(token, "close")) conn_close = true;
        if (EqualsIgnoreCase(token, "keep-alive")) conn_keep_alive = true;
      }
    } else if (EqualsIgnoreCase(name, "expect")) {
      out->expect_continue = EqualsIgnoreCase(value, "100-continue");
    }
  }
  if (out->content_length > limits_.max_body_bytes) return Fail(413, "Content Too Large");
  out->keep_alive = !conn_close && (out->version_minor >= 1 || conn_keep_alive);
  return Outcome::kComplete;
}

}  // namespace vitals
