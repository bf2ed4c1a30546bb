// Scraping (libcurl) and the two-scrape collection.
#include "collect/prometheus.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include "collect/prom_signals.h"
#include "collect/prom_text.h"
#include "core/clock.h"

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

// A short, printable excerpt of an error page for the message.
std::string Snippet(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 120)) {
    out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  }
  if (body.size() > 120) out += "...";
  return out;
}

Status ValidateOptions(const PrometheusOptions& o) {
  if (o.url.empty()) return Status::InvalidArgument("prometheus: no URL given");
  if (o.url.rfind("http://", 0) != 0 && o.url.rfind("https://", 0) != 0) {
    return Status::InvalidArgument(
        fmt::format("prometheus: URL {} must start with http:// or https:// (e.g. "
                    "http://127.0.0.1:9090/metrics)",
                    RedactUrl(o.url)));
  }
  if (o.timeout_ms <= 0) {
    return Status::InvalidArgument("prometheus: the scrape timeout must be positive");
  }
  if (o.max_body_bytes <= 0) {
    return Status::InvalidArgument("prometheus: the maximum page size must be positive");
  }
  if (o.window_ns < 1'000'000) {
    return Status::InvalidArgument(
        "prometheus: the window between the two scrapes must be at least 1ms (e.g. 10s)");
  }
  return Status::Ok();
}

Result<std::vector<MetricFamily>> ParsePage(std::string_view text, const char* which) {
  auto parsed = ParsePromText(text);
  if (!parsed.ok()) {
    return Status::Parse(fmt::format("{} scrape: {}", which, parsed.status().message()));
  }
  return parsed;
}

Result<Collection> Derive(std::vector<MetricFamily> first, int64_t t0_ms,
                          std::vector<MetricFamily> second, int64_t t1_ms,
                          const PrometheusOptions& options) {
  if (t1_ms <= t0_ms) {
    return Status::InvalidArgument(
        fmt::format("prometheus: the second scrape ({} ms) must be later than the first ({} ms)",
                    t1_ms, t0_ms));
  }
  detail::PromPage before(std::move(first));
  detail::PromPage after(std::move(second));
  detail::PromWindow window{before, after, t0_ms, t1_ms};
  Collection out;
  out.component = "prometheus";
  detail::AddHttpFacts(window, options, &out);
  detail::AddRuntimeFacts(window, &out);
  return out;
}

}  // namespace

std::string RedactUrl(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  size_t host = scheme + 3;
  size_t end = url.find_first_of("/?#", host);
  if (end == std::string_view::npos) end = url.size();
  size_t at = url.rfind('@', end);
  if (at == std::string_view::npos || at < host) return std::string(url);
  size_t colon = url.find(':', host);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

Result<std::string> FetchPrometheusPage(const PrometheusOptions& options) {
  VITALS_RETURN_IF_ERROR(ValidateOptions(options));
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Status::Internal("prometheus: curl_easy_init failed");
  std::string where = "GET " + RedactUrl(options.url);

  Body body;
  body.max_bytes = static_cast<size_t>(options.max_body_bytes);
  char errbuf[CURL_ERROR_SIZE] = {0};
  std::unique_ptr<curl_slist, SlistDeleter> headers(
      curl_slist_append(nullptr, "Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1"));
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, options.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: thread-safe
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.timeout_ms));
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate, decoded for us
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_body_bytes));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, "vitals-check");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);

  CURLcode rc = curl_easy_perform(c);
  if (body.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    return Status::Unavailable(fmt::format(
        "{}: the page is larger than the limit of {} bytes; raise the limit if this target "
        "really exposes that many series",
        where, options.max_body_bytes));
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return Status::Unavailable(fmt::format("{}: timed out after {} ms ({})", where,
                                           options.timeout_ms, errbuf[0] ? errbuf : "timeout"));
  }
  if (rc != CURLE_OK) {
    return Status::Unavailable(
        fmt::format("{}: {}", where, errbuf[0] ? errbuf : curl_easy_strerror(rc)));
  }
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (code != 200) {
    return Status::Unavailable(fmt::format("{}: HTTP {} (expected 200); the response starts: {}",
                                           where, code, Snippet(body.data)));
  }
  return std::move(body.data);
}

Result<Collection> GoldenSignalsFromScrapes(const PromScrape& first, const PromScrape& second,
                                            const PrometheusOptions& options) {
  auto f0 = ParsePage(first.text, "first");
  if (!f0.ok()) return f0.status();
  auto f1 = ParsePage(second.text, "second");
  if (!f1.ok()) return f1.status();
  return Derive(std::move(f0).value(), first.time_ms, std::move(f1).value(), second.time_ms,
                options);
}

Result<Collection> CollectPrometheus(const PrometheusOptions& options) {
  VITALS_RETURN_IF_ERROR(ValidateOptions(options));
  // Each scrape is stamped at the middle of its request: the server built the
  // page somewhere in between.
  auto scrape = [&](const char* which, int64_t* mid_ns) -> Result<std::vector<MetricFamily>> {
    int64_t start = MonotonicNs();
    auto page = FetchPrometheusPage(options);
    int64_t end = MonotonicNs();
    *mid_ns = start + (end - start) / 2;
    if (!page.ok()) return page.status();
    return ParsePage(page.value(), which);
  };
  int64_t t0_ns = 0;
  int64_t t1_ns = 0;
  auto f0 = scrape("first", &t0_ns);
  if (!f0.ok()) return f0.status();  // fail before waiting out the window
  std::this_thread::sleep_for(
      std::chrono::nanoseconds(std::max<int64_t>(0, t0_ns + options.window_ns - MonotonicNs())));
  auto f1 = scrape("second", &t1_ns);
  if (!f1.ok()) return f1.status();
  return Derive(std::move(f0).value(), t0_ns / 1'000'000, std::move(f1).value(), t1_ns / 1'000'000,
                options);
}

}  // namespace vitals
