// One HTTP GET (or POST) with libcurl, for the Prometheus scraper and API client
// and for notifying Alertmanager.
//
// Bounded: a connect+transfer timeout and a body size limit (a larger body
// is an error, never an OOM); gzip is accepted and decoded; at most 3
// redirects, http and https only.  Credentials (basic auth, a bearer token)
// are sent as headers and never appear in a message: every error names the
// URL through RedactSecrets.
//
// Thread-safety: reentrant (libcurl is initialised once, thread-safely; no
// SIGALRM is used for timeouts).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace vitals {

// Credentials for a Prometheus server or a protected /metrics endpoint.
// Never printed; see PromAuthFromEnv in prom_source.h for where they come from.
struct HttpAuth {
  std::string user, password;  // basic auth when user is not empty
  std::string bearer_token;    // Authorization: Bearer ... when not empty
  bool empty() const { return user.empty() && bearer_token.empty(); }
};

struct HttpGetOptions {
  int64_t timeout_ms = 5000;
  int64_t max_body_bytes = 64 << 20;
  std::vector<std::string> headers;  // "Name: value"
  HttpAuth auth;
  std::string user_agent = "vitals";
};

struct HttpResponse {
  long status = 0;
  std::string content_type;
  std::string body;
};

// GETs `url`.  Any HTTP status is a response (the caller decides); errors
// are kUnavailable for connection failures, timeouts and oversized bodies,
// each message starting "GET <redacted url>: ".
Result<HttpResponse> HttpGet(const std::string& url, const HttpGetOptions& options);

// POSTs `body` to `url` (set the Content-Type in options.headers), with the
// same bounds and errors as HttpGet ("POST <redacted url>: ...").  Used to
// notify Alertmanager.
Result<HttpResponse> HttpPost(const std::string& url, const std::string& body,
                              const HttpGetOptions& options);

// A short, printable excerpt of a body for an error message.
std::string BodySnippet(const std::string& body, size_t max = 120);

// curl_global_init, once per process (thread-safe); every libcurl user calls it first.
void InitCurlOnce();

// "a=b&c=d" with both sides percent-encoded.
std::string UrlEncodeForm(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace vitals
