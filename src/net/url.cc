#include "net/url.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <cstring>

namespace vitals {
namespace {

constexpr std::string_view kExpected = "expected http://host[:port]/path";

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

Status BadUrl(std::string_view text, std::string_view why) {
  // The input may hold a password: never echo it verbatim.
  std::string msg = "bad URL '" + RedactSecrets(text) + "': ";
  msg.append(why);
  msg += "; ";
  msg.append(kExpected);
  return Status::InvalidArgument(std::move(msg));
}

bool IsRegNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

// A request target goes verbatim into the request line: anything that would
// split it (space, CR/LF) or is not ASCII must be percent-encoded by the user.
bool IsTargetChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f;
}

uint16_t DefaultPort(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

}  // namespace

std::string Url::HostHeader() const {
  std::string out;
  out.reserve(host.size() + 8);
  if (ipv6) out += '[';
  out += host;
  if (ipv6) out += ']';
  if (port != DefaultPort(scheme)) {
    out += ':';
    out += std::to_string(port);
  }
  return out;
}

std::string Url::Redacted() const {
  std::string out = scheme + "://";
  if (!userinfo.empty()) {
    const size_t colon = userinfo.find(':');
    if (colon == std::string::npos) {
      out += userinfo;
    } else {
      out.append(userinfo, 0, colon);
      out += ":***";
    }
    out += '@';
  }
  out += HostHeader();
  out += target;
  return out;
}

Result<Url> ParseUrl(std::string_view text) {
  if (text.empty()) return BadUrl(text, "empty");
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    return BadUrl(text, "missing scheme (add http:// or https://)");
  }
  Url url;
  const std::string_view scheme = text.substr(0, sep);
  if (IEquals(scheme, "http")) {
    url.scheme = "http";
  } else if (IEquals(scheme, "https")) {
    url.scheme = "https";
  } else {
    return BadUrl(text, "unsupported scheme '" + std::string(scheme) + "'");
  }

  std::string_view rest = text.substr(sep + 3);
  // Drop the fragment: it is never sent to the server.
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  const size_t auth_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view target =
      auth_end == std::string_view::npos ? std::string_view() : rest.substr(auth_end);

  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    url.userinfo = std::string(authority.substr(0, at));
    authority = authority.substr(at + 1);
  }

  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return BadUrl(text, "unclosed '[' in IPv6 host");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return BadUrl(text, "unexpected text after ']'");
      has_port = true;
      port_text = after.substr(1);
    }
    if (host.find('%') != std::string_view::npos) {
      return BadUrl(text, "IPv6 zone IDs are not supported");
    }
    in6_addr a6;
    const std::string h(host);
    if (inet_pton(AF_INET6, h.c_str(), &a6) != 1) {
      return BadUrl(text, "'" + h + "' is not an IPv6 address");
    }
    url.ipv6 = true;
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    for (char c : host) {
      if (!IsRegNameChar(c)) {
        return BadUrl(text, "invalid character '" + std::string(1, c) + "' in host");
      }
    }
  }
  if (host.empty()) return BadUrl(text, "missing host");
  url.host = LowerCopy(host);

  url.port = DefaultPort(url.scheme);
  if (has_port && !port_text.empty()) {
    uint32_t port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9') {
        return BadUrl(text, "port '" + std::string(port_text) + "' is not a number");
      }
      port = port * 10 + static_cast<uint32_t>(c - '0');
      if (port > 65535) break;
    }
    if (port == 0 || port > 65535) {
      return BadUrl(text, "port '" + std::string(port_text) + "' is out of range 1-65535");
    }
    url.port = static_cast<uint16_t>(port);
  }

  for (char c : target) {
    if (!IsTargetChar(c)) {
      return BadUrl(text, "path contains a space, control or non-ASCII byte (percent-encode it)");
    }
  }
  if (target.empty()) {
    url.target = "/";
  } else if (target.front() == '?') {
    url.target = "/" + std::string(target);
  } else {
    url.target = std::string(target);
  }
  return url;
}

Result<ResolvedAddress> Resolve(const Url& url) {
  ResolvedAddress out;
  // Numeric literals first: no resolver round trip, no surprises.
  if (url.ipv6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&out.addr);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(url.port);
    if (inet_pton(AF_INET6, url.host.c_str(), &sa->sin6_addr) != 1) {
      return Status::InvalidArgument("bad IPv6 address '" + url.host + "'");
    }
    out.len = sizeof(sockaddr_in6);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(&out.addr);
    if (inet_pton(AF_INET, url.host.c_str(), &sa->sin_addr) == 1) {
      sa->sin_family = AF_INET;
      sa->sin_port = htons(url.port);
      out.len = sizeof(sockaddr_in);
    } else {
      addrinfo hints{};
      hints.ai_family = AF_UNSPEC;
      hints.ai_socktype = SOCK_STREAM;
      hints.ai_flags = AI_ADDRCONFIG;
      addrinfo* res = nullptr;
      const std::string port = std::to_string(url.port);
      const int rc = getaddrinfo(url.host.c_str(), port.c_str(), &hints, &res);
      if (rc != 0 || res == nullptr) {
        return Status::Unavailable("cannot resolve host '" + url.host +
                                   "': " + (rc != 0 ? gai_strerror(rc) : "no address"));
      }
      std::memcpy(&out.addr, res->ai_addr, res->ai_addrlen);
      out.len = static_cast<socklen_t>(res->ai_addrlen);
      freeaddrinfo(res);
    }
  }

  char buf[INET6_ADDRSTRLEN] = {0};
  if (out.addr.ss_family == AF_INET6) {
    const auto* sa = reinterpret_cast<const sockaddr_in6*>(&out.addr);
    inet_ntop(AF_INET6, &sa->sin6_addr, buf, sizeof(buf));
    out.text = "[" + std::string(buf) + "]:" + std::to_string(ntohs(sa->sin6_port));
    const bool mapped = IN6_IS_ADDR_V4MAPPED(&sa->sin6_addr);
    out.loopback =
        IN6_IS_ADDR_LOOPBACK(&sa->sin6_addr) || (mapped && sa->sin6_addr.s6_addr[12] == 127);
  } else {
    const auto* sa = reinterpret_cast<const sockaddr_in*>(&out.addr);
    inet_ntop(AF_INET, &sa->sin_addr, buf, sizeof(buf));
    out.text = std::string(buf) + ":" + std::to_string(ntohs(sa->sin_port));
    out.loopback = (ntohl(sa->sin_addr.s_addr) >> 24) == 127;
  }
  return out;
}

}  // namespace vitals
