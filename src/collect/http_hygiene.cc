#include "collect/http_hygiene.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "collect/alpn_probe.h"
#include "collect/http_get.h"
#include "core/redact.h"

namespace vitals {
namespace detail {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The URL's path without query or fragment, lower-cased.
std::string PathOf(std::string_view url) {
  size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : url.find('/', start + 3);
  if (start == std::string_view::npos) return "/";
  std::string_view path = url.substr(start);
  path = path.substr(0, path.find_first_of("?#"));
  return Lower(path);
}

}  // namespace

bool IsCompressible(std::string_view content_type) {
  const std::string t = Lower(content_type.substr(0, content_type.find(';')));
  return t.rfind("text/", 0) == 0 || t.find("json") != std::string::npos ||
         t.find("javascript") != std::string::npos || t.find("xml") != std::string::npos ||
         t == "image/svg+xml";
}

bool IsStaticAsset(std::string_view url) {
  const std::string path = PathOf(url);
  for (const char* ext : {".js", ".mjs", ".css", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp",
                          ".avif", ".ico", ".woff", ".woff2", ".ttf", ".map"}) {
    const std::string e = ext;
    if (path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0) {
      return true;
    }
  }
  return false;
}

bool IsHealthEndpoint(std::string_view url) {
  std::string path = PathOf(url);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const std::string last = path.substr(path.rfind('/') + 1);
  for (const char* name : {"health", "healthz", "healthcheck", "ready", "readyz", "readiness",
                           "live", "livez", "liveness", "ping", "status"}) {
    if (last == name) return true;
  }
  return false;
}

}  // namespace detail

namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Transfer {
  size_t bytes = 0;
  size_t limit = 16 << 20;
  std::vector<std::pair<std::string, std::string>> headers;  // of the last response
};

size_t OnBody(char* /*ptr*/, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * nmemb;
  t->bytes += n;
  return t->bytes > t->limit ? 0 : n;
}

size_t OnHeader(char* ptr, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(ptr, size * nmemb);
  if (line.rfind("HTTP/", 0) == 0) t->headers.clear();  // a new response (redirect, 100)
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    t->headers.emplace_back(std::move(name), std::string(value));
  }
  return size * nmemb;
}

std::string Header(const Transfer& t, const char* name) {
  for (const auto& [k, v] : t.headers) {
    if (k == name) return v;
  }
  return "";
}

double Seconds(CURL* c, CURLINFO what) {
  curl_off_t us = 0;
  curl_easy_getinfo(c, what, &us);
  return double(us) / 1e6;
}

Result<Fact> CheckOne(const std::string& url, const HttpHygieneOptions& o) {
  const std::string shown = RedactSecrets(url);
  std::unique_ptr<CURL, CurlDeleter> c(curl_easy_init());
  if (!c) return Status::Internal("libcurl: cannot create a handle");
  Transfer t;
  char err[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c.get(), CURLOPT_TIMEOUT_MS, long(o.timeout_ms));
  curl_easy_setopt(c.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c.get(), CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c.get(), CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c.get(), CURLOPT_USERAGENT, "vitals check");
  curl_easy_setopt(c.get(), CURLOPT_HTTP_VERSION, long(CURL_HTTP_VERSION_2TLS));
  // Ask for compression but do not decode: body_bytes is what travelled.
  std::unique_ptr<curl_slist, SlistDeleter> headers(
      curl_slist_append(nullptr, "Accept-Encoding: gzip, br"));
  curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c.get(), CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c.get(), CURLOPT_HEADERDATA, &t);
  if (!o.cacert.empty()) curl_easy_setopt(c.get(), CURLOPT_CAINFO, o.cacert.c_str());

  CURLcode rc = curl_easy_perform(c.get());
  if (rc != CURLE_OK) {
    return Status::Unavailable(
        fmt::format("GET {}: {}", shown, RedactSecrets(err[0] ? err : curl_easy_strerror(rc))));
  }
  Fact f;
  f.component = "http";
  f.kind = "http.endpoint";
  f.subject = shown;
  long status = 0, version = 0;
  curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(c.get(), CURLINFO_HTTP_VERSION, &version);
  const double dns = Seconds(c.get(), CURLINFO_NAMELOOKUP_TIME_T);
  const double connect = Seconds(c.get(), CURLINFO_CONNECT_TIME_T);
  const double tls = Seconds(c.get(), CURLINFO_APPCONNECT_TIME_T);
  const double ttfb = Seconds(c.get(), CURLINFO_STARTTRANSFER_TIME_T);
  const double total = Seconds(c.get(), CURLINFO_TOTAL_TIME_T);
  const bool https = url.rfind("https://", 0) == 0;
  f.num["status"] = double(status);
  f.num["dns_s"] = dns;
  f.num["connect_s"] = std::max(0.0, connect - dns);
  if (https) f.num["tls_s"] = std::max(0.0, tls - connect);
  f.num["ttfb_s"] = ttfb;
  f.num["total_s"] = total;
  f.num["body_bytes"] = double(t.bytes);
  f.num["https"] = https ? 1 : 0;
  f.num["http_version"] = version == CURL_HTTP_VERSION_1_0   ? 1.0
                          : version == CURL_HTTP_VERSION_1_1 ? 1.1
                          : version == CURL_HTTP_VERSION_2_0 ? 2.0
                          : version == CURL_HTTP_VERSION_3   ? 3.0
                                                             : 0.0;
  const std::string type = Header(t, "content-type");
  const std::string encoding = Header(t, "content-encoding");
  const std::string cache = Header(t, "cache-control");
  f.text["content_type"] = type;
  f.text["content_encoding"] = encoding.empty() ? "none" : encoding;
  f.text["cache_control"] = cache.empty() ? "none" : cache;
  f.num["compressible"] = detail::IsCompressible(type) ? 1 : 0;
  f.num["compressed"] = !encoding.empty() && encoding != "identity" ? 1 : 0;
  f.num["has_cache_control"] = cache.empty() ? 0 : 1;
  f.num["has_etag"] = Header(t, "etag").empty() ? 0 : 1;
  f.num["has_last_modified"] = Header(t, "last-modified").empty() ? 0 : 1;
  f.num["static"] = detail::IsStaticAsset(url) ? 1 : 0;
  f.num["health"] = detail::IsHealthEndpoint(url) ? 1 : 0;

  // The second GET on the same handle: a reused connection means keep-alive works.
  t = Transfer{};
  rc = curl_easy_perform(c.get());
  long new_connections = 1;
  if (rc == CURLE_OK) curl_easy_getinfo(c.get(), CURLINFO_NUM_CONNECTS, &new_connections);
  f.num["keep_alive"] = rc == CURLE_OK && new_connections == 0 ? 1 : 0;
  return f;
}

}  // namespace

Result<Collection> CollectHttp(const HttpHygieneOptions& options) {
  InitCurlOnce();
  Collection out;
  out.component = "http";
  std::vector<std::string> failures;
  for (const std::string& url : options.urls) {
    auto f = CheckOne(url, options);
    if (f.ok() && f->num["https"] == 1) {
      // HTTP/2 offered: ask the server by ALPN ourselves (the transfer's version depends on
      // how the local libcurl was built).
      auto alpn = detail::ProbeAlpn(url, {options.cacert, options.timeout_ms});
      if (alpn.ok()) {
        f->num["h2_offered"] = *alpn == "h2" ? 1 : 0;
        f->text["alpn"] = alpn->empty() ? "none" : *alpn;
      } else {
        out.limited.push_back(RedactSecrets(alpn.status().message()) + ": HTTP/2 not checked");
      }
    }
    if (f.ok()) {
      out.facts.push_back(std::move(f.value()));
    } else {
      failures.push_back(f.status().message());
    }
  }
  if (out.facts.empty() && !failures.empty()) {
    std::string all;
    for (const auto& m : failures) all += (all.empty() ? "" : "; ") + m;
    return Status::Unavailable(all);
  }
  for (const auto& m : failures) out.limited.push_back(m + ": not checked");
  return out;
}

}  // namespace vitals
