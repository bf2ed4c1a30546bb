#include "collect/http_get.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>
#include <mutex>

#include "core/redact.h"

namespace vitals {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Body {
  std::string data;
  size_t max_bytes = 0;
  bool too_large = false;
};

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* body = static_cast<Body*>(userdata);
  size_t n = size * nmemb;
  if (body->data.size() + n > body->max_bytes) {
    body->too_large = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  body->data.append(ptr, n);
  return n;
}

}  // namespace

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string BodySnippet(const std::string& body, size_t max) {
  std::string out;
  for (char c : body.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  if (body.size() > max) out += "...";
  return out;
}

std::string UrlEncodeForm(const std::vector<std::pair<std::string, std::string>>& fields) {
  InitCurlOnce();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    for (const std::string* s : {&k, &v}) {
      char* e = curl_easy_escape(curl.get(), s->data(), static_cast<int>(s->size()));
      out += e ? e : "";
      curl_free(e);
      if (s == &k) out += '=';
    }
  }
  return out;
}

namespace {

// One request: a GET, or a POST of *post_body.
Result<HttpResponse> Perform(const std::string& url, const HttpGetOptions& options,
                             const std::string* post_body) {
  InitCurlOnce();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Status::Internal("curl_easy_init failed");
  // The query string of an API call can be long; name the path only.
  std::string shown = RedactSecrets(url.substr(0, url.find('?')));
  std::string where = (post_body ? "POST " : "GET ") + shown;

  Body body;
  body.max_bytes = static_cast<size_t>(options.max_body_bytes);
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* list = nullptr;
  for (const std::string& h : options.headers) list = curl_slist_append(list, h.c_str());
  std::string bearer;
  if (!options.auth.bearer_token.empty()) {
    bearer = "Authorization: Bearer " + options.auth.bearer_token;
    list = curl_slist_append(list, bearer.c_str());
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers(list);
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: thread-safe
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.timeout_ms));
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate, decoded for us
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_body_bytes));
  if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (!options.auth.user.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, options.auth.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, options.auth.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  if (post_body != nullptr) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post_body->size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, post_body->c_str());
  }

  CURLcode rc = curl_easy_perform(c);
  if (body.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    return Status::Unavailable(fmt::format(
        "{}: the response is larger than the limit of {} bytes; raise the limit if this target "
        "really exposes that many series",
        where, options.max_body_bytes));
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return Status::Unavailable(fmt::format("{}: timed out after {} ms ({})", where,
                                           options.timeout_ms, errbuf[0] ? errbuf : "timeout"));
  }
  if (rc != CURLE_OK) {
    return Status::Unavailable(
        RedactSecrets(fmt::format("{}: {}", where, errbuf[0] ? errbuf : curl_easy_strerror(rc))));
  }
  HttpResponse r;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  char* ct = nullptr;
  curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
  if (ct) r.content_type = ct;
  r.body = std::move(body.data);
  return r;
}

}  // namespace

Result<HttpResponse> HttpGet(const std::string& url, const HttpGetOptions& options) {
  return Perform(url, options, nullptr);
}

Result<HttpResponse> HttpPost(const std::string& url, const std::string& body,
                              const HttpGetOptions& options) {
  return Perform(url, options, &body);
}

}  // namespace vitals
