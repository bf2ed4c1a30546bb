// HTTP endpoint hygiene for `vitals check --http URL` (repeatable): what the first runbook
// checks with curl, measured with libcurl on one connection.
//
// For each URL: two GETs on one connection (the second tells whether keep-alive is
// honoured), asking for gzip/br and, over https, for HTTP/2 by ALPN.  Read-only: GET only,
// bounded (timeout, 16 MiB body), at most 3 redirects.
//
// Facts (component "http", subject the URL with any password masked):
//   http.endpoint  status, dns_s, connect_s (TCP), tls_s (handshake, https only), ttfb_s,
//                  total_s (first request: a fresh connection), body_bytes (as sent on the
//                  wire), compressible (0/1: text, JSON, JavaScript, XML, SVG), compressed
//                  (0/1: a Content-Encoding came back), keep_alive (0/1: the second GET
//                  reused the connection), https (0/1), http_version (1.0, 1.1, 2, 3),
//                  static (0/1: the path ends in an asset extension), health (0/1: the path
//                  names a health, readiness or liveness endpoint), has_cache_control,
//                  has_etag, has_last_modified (0/1), h2_offered (https only, 0/1: the
//                  server chose h2 when a separate TLS handshake offered h2 and
//                  http/1.1 by ALPN, collect/alpn_probe.h); text content_type,
//                  content_encoding, cache_control, alpn (https: "h2", "http/1.1", "none")
//
// Errors: Unavailable naming the URL when it cannot be fetched at all (DNS, connect, TLS
// verification, timeout); a 4xx/5xx answer is a fact, not an error.
//
// Thread-safety: CollectHttp may run on any thread; calls share nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collect/fact.h"
#include "core/status.h"

namespace vitals {

struct HttpHygieneOptions {
  std::vector<std::string> urls;
  int64_t timeout_ms = 10'000;
  std::string cacert;  // extra CA bundle for https (a test's or an internal CA); "" = system
};

Result<Collection> CollectHttp(const HttpHygieneOptions& options);

namespace detail {
// Content types worth compressing: text/*, JSON, JavaScript, XML, SVG (parameters ignored).
bool IsCompressible(std::string_view content_type);
// The URL's path ends in a static asset extension (.js .css .png .jpg .svg .woff2 ...).
bool IsStaticAsset(std::string_view url);
// The URL's path names a health endpoint: health, healthz, ready, readyz, live, livez, ping.
bool IsHealthEndpoint(std::string_view url);
}  // namespace detail

}  // namespace vitals
