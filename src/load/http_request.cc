#include "load/http_request.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#ifndef VITALS_VERSION
// Only the CLI target defines VITALS_VERSION today.
#define VITALS_VERSION "dev"
#endif

namespace vitals {
namespace {

bool IsTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTchar(c)) return false;
  }
  return true;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Printable form of a user value for error messages (controls as \xNN).
std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

Status ValidateHeader(const HttpHeader& h) {
  if (!IsToken(h.name)) {
    return Status::InvalidArgument("bad header name '" + Printable(h.name) +
                                   "': use letters, digits and !#$%&'*+-.^_`|~ only");
  }
  for (char c : h.value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) {
      return Status::InvalidArgument("bad value for header '" + h.name + "': '" +
                                     Printable(h.value) +
                                     "' contains a control character (CR, LF or NUL); "
                                     "header values must be one line");
    }
  }
  return Status::Ok();
}

bool HasListToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    if (IEquals(TrimOws(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// RAII for the body file descriptor.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string DefaultUserAgent() { return std::string("vitals/") + VITALS_VERSION; }

Result<HttpHeader> ParseHeaderFlag(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return Status::InvalidArgument("bad header '" + Printable(text) +
                                   "': expected \"Name: value\" (missing ':')");
  }
  HttpHeader h;
  h.name = std::string(text.substr(0, colon));
  h.value = std::string(TrimOws(text.substr(colon + 1)));
  if (h.name.empty()) {
    return Status::InvalidArgument("bad header '" + Printable(text) +
                                   "': expected \"Name: value\" (empty name)");
  }
  if (Status st = ValidateHeader(h); !st.ok()) {
    return Status::InvalidArgument("bad header '" + Printable(text) + "': " + st.message());
  }
  return h;
}

Result<std::string> ReadBodyArg(std::string_view arg) {
  if (arg.empty() || arg.front() != '@') return std::string(arg);
  const std::string path(arg.substr(1));
  if (path.empty()) {
    return Status::InvalidArgument("bad --body '@': expected @path/to/file after '@'");
  }
  Fd f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) {
    const int err = errno;
    return Status::InvalidArgument("cannot read body file '" + path + "': " + std::strerror(err));
  }
  struct stat st;
  if (::fstat(f.fd, &st) != 0) {
    return Status::FromErrno("cannot stat body file '" + path + "'", errno);
  }
  if (S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument("cannot read body file '" + path + "': is a directory");
  }
  std::string body;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(f.fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("cannot read body file '" + path + "'", errno);
    }
    if (n == 0) break;
    if (body.size() + static_cast<size_t>(n) > kMaxRequestBodyBytes) {
      return Status::InvalidArgument("body file '" + path + "' is larger than " +
                                     std::to_string(kMaxRequestBodyBytes >> 20) + " MiB");
    }
    body.append(buf, static_cast<size_t>(n));
  }
  return body;
}

Result<HttpRequest> BuildRequest(const Url& url, const RequestSpec& spec) {
  if (!IsToken(spec.method)) {
    return Status::InvalidArgument("bad HTTP method '" + Printable(spec.method) +
                                   "': expected a token such as GET, POST or PUT");
  }
  if (!spec.user_agent.empty()) {
    VITALS_RETURN_IF_ERROR(ValidateHeader(HttpHeader{"User-Agent", spec.user_agent}));
  }
  HttpRequest req;
  req.no_body_expected = spec.method == "HEAD";
  req.connection_close = spec.connection_close;

  bool user_host = false, user_agent = false, user_length = false;
  for (const HttpHeader& h : spec.headers) {
    VITALS_RETURN_IF_ERROR(ValidateHeader(h));
    if (IEquals(h.name, "Host")) {
      if (user_host) return Status::InvalidArgument("header 'Host' given twice: keep one -H Host");
      if (h.value.empty()) return Status::InvalidArgument("header 'Host' has an empty value");
      user_host = true;
    } else if (IEquals(h.name, "User-Agent")) {
      user_agent = true;
    } else if (IEquals(h.name, "Content-Length")) {
      if (h.value != std::to_string(spec.body.size())) {
        return Status::InvalidArgument(
            "header 'Content-Length: " + h.value + "' does not match the body size " +
            std::to_string(spec.body.size()) + ": drop it, vitals sets it from the body");
      }
      user_length = true;
    } else if (IEquals(h.name, "Transfer-Encoding")) {
      return Status::InvalidArgument(
          "header 'Transfer-Encoding' is not supported: vitals sends bodies with "
          "Content-Length; drop the header");
    } else if (IEquals(h.name, "Connection") && HasListToken(h.value, "close")) {
      req.connection_close = true;
    }
  }

  std::string& b = req.bytes;
  b.reserve(128 + url.target.size() + spec.body.size());
  b += spec.method;
  b += ' ';
  b += url.target.empty() ? "/" : url.target;
  b += " HTTP/1.1\r\n";
  if (!user_host) {
    b += "Host: ";
    b += url.HostHeader();
    b += "\r\n";
  }
  if (!user_agent) {
    b += "User-Agent: ";
    b += spec.user_agent.empty() ? DefaultUserAgent() : spec.user_agent;
    b += "\r\n";
  }
  bool sent_close = false;
  for (const HttpHeader& h : spec.headers) {
    b += h.name;
    b += ": ";
    b += h.value;
    b += "\r\n";
    if (IEquals(h.name, "Connection") && HasListToken(h.value, "close")) sent_close = true;
  }
  const bool wants_length =
      !spec.body.empty() || spec.method == "POST" || spec.method == "PUT" || spec.method == "PATCH";
  if (wants_length && !user_length) {
    b += "Content-Length: ";
    b += std::to_string(spec.body.size());
    b += "\r\n";
  }
  if (req.connection_close && !sent_close) b += "Connection: close\r\n";
  b += "\r\n";
  b += spec.body;
  return req;
}

}  // namespace vitals
