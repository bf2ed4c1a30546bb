// HTTP(S) URLs as `vitals load` takes them, host resolution, and redaction of
// secrets (passwords in URLs and DSNs) before anything reaches a log.
//
// Grammar accepted by ParseUrl (a strict subset of RFC 3986 that is enough
// for a load target):
//   url       := scheme "://" [userinfo "@"] host [":" port] [target] ["#" fragment]
//   scheme    := "http" | "https"              (case-insensitive, stored lower-case)
//   host      := reg-name | IPv4 | "[" IPv6 "]" (reg-name stored lower-case)
//   port      := 1..65535; empty or absent means 80 / 443
//   target    := "/" path ["?" query] | "?" query   (stored with a leading "/")
// The fragment is dropped (never sent).  Bytes a request line cannot carry
// (controls, space, non-ASCII) are rejected: percent-encode them.
//
// Thread-safety: plain values and free functions; Resolve() calls
// getaddrinfo, which blocks: call it once before the load starts, never on
// the hot path.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/redact.h"  // RedactSecrets, used with URLs everywhere
#include "core/status.h"

namespace vitals {

struct Url {
  std::string scheme;    // "http" or "https"
  std::string host;      // without brackets for IPv6, lower-case
  uint16_t port = 0;     // default 80/443 when the URL has none
  std::string target;    // path + query, at least "/"
  std::string userinfo;  // "user:password" if given; NEVER printed: use Redacted()
  bool ipv6 = false;     // host is an IPv6 literal

  // Value for the Host header: "host", or "host:port" when the port is not
  // the scheme's default; IPv6 literals in brackets.
  std::string HostHeader() const;
  // The whole URL, safe to print: a password in userinfo becomes "***".
  std::string Redacted() const;
  bool tls() const { return scheme == "https"; }
};

// Parses `text`.  Errors are InvalidArgument and quote the (redacted) input:
//   "bad URL 'x': expected http://host[:port]/path"
Result<Url> ParseUrl(std::string_view text);

struct ResolvedAddress {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string text;  // "127.0.0.1:8080" or "[::1]:8080"
  bool loopback = false;
};

// Resolves url.host: numeric literals without any lookup, then getaddrinfo
// (first TCP result).  Errors: Unavailable "cannot resolve host 'h': ...".
Result<ResolvedAddress> Resolve(const Url& url);

}  // namespace vitals
