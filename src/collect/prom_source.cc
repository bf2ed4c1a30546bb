// Prometheus sources: the server's HTTP API and self-scraped endpoints.
#include "collect/prom_source.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>

#include "collect/prom_feed.h"
#include "collect/prom_text.h"
#include "core/clock.h"
#include "core/redact.h"
#include "promql/engine.h"
#include "promql/parser.h"

namespace vitals {
namespace {

// `st` with "<prefix>: " before its message, same code.
Status WithPrefix(const Status& st, const std::string& prefix) {
  std::string m = prefix + ": " + st.message();
  switch (st.code()) {
    case Status::Code::kInvalidArgument:
      return Status::InvalidArgument(m);
    case Status::Code::kUnavailable:
      return Status::Unavailable(m);
    case Status::Code::kParse:
      return Status::Parse(m);
    default:
      return Status::Internal(m);
  }
}

// What to do about a 401/403 from a server.
constexpr const char* kCredentialsHint =
    "the server wants credentials; pass --prometheus-user with --prometheus-password-file, or "
    "--prometheus-token-file (or VITALS_PROMETHEUS_USER, VITALS_PROMETHEUS_PASSWORD, "
    "VITALS_PROMETHEUS_TOKEN)";

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

HttpGetOptions GetOptions(const PromSourceOptions& o) {
  HttpGetOptions g;
  g.timeout_ms = o.timeout_ms;
  g.max_body_bytes = o.max_body_bytes;
  g.auth = o.auth;
  return g;
}

// host:port of an http(s) URL, for the instance label.
std::string HostPort(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  return host;
}

std::string TrimSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

bool PathEndsInMetrics(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  path = TrimSlash(path);
  return path.size() >= 8 && path.compare(path.size() - 8, 8, "/metrics") == 0;
}

// "1.5" seconds -> ms.
int64_t SecondsToMs(double s) { return static_cast<int64_t>(std::llround(s * 1000.0)); }

std::string SecondsParam(int64_t ms) { return fmt::format("{:.3f}", double(ms) / 1000.0); }

Result<double> ParseSampleValue(const nlohmann::json& v) {
  if (!v.is_string()) return Status::Parse("a sample value is not a string");
  const std::string& s = v.get_ref<const std::string&>();
  double d;
  if (!ParsePromFloat(s, &d)) return Status::Parse("a sample value is not a number: " + s);
  return d;
}

Result<promql::Point> ParsePoint(const nlohmann::json& p) {
  if (!p.is_array() || p.size() != 2 || !p[0].is_number()) {
    return Status::Parse("a sample is not [time, \"value\"]");
  }
  auto v = ParseSampleValue(p[1]);
  if (!v.ok()) return v.status();
  return promql::Point{SecondsToMs(p[0].get<double>()), *v};
}

promql::Labels ParseMetric(const nlohmann::json& m) {
  std::vector<promql::Label> labels;
  if (m.is_object()) {
    for (auto it = m.begin(); it != m.end(); ++it) {
      if (it.value().is_string()) labels.push_back({it.key(), it.value().get<std::string>()});
    }
  }
  return promql::Labels(std::move(labels));
}

Result<promql::Value> ParseData(const nlohmann::json& data) {
  std::string type = data.value("resultType", "");
  const nlohmann::json& result = data.contains("result") ? data["result"] : nlohmann::json();
  if (type == "scalar" || type == "string") {
    if (!result.is_array() || result.size() != 2 || !result[0].is_number()) {
      return Status::Parse("the " + type + " result is not [time, \"value\"]");
    }
    int64_t t = SecondsToMs(result[0].get<double>());
    if (type == "string") return promql::Value(promql::String{t, result[1].get<std::string>()});
    auto v = ParseSampleValue(result[1]);
    if (!v.ok()) return v.status();
    return promql::Value(promql::Scalar{{t, *v}});
  }
  if (!result.is_array()) return Status::Parse("the result is not a list");
  if (type == "vector") {
    promql::Vector out;
    for (const auto& s : result) {
      auto p = ParsePoint(s.value("value", nlohmann::json()));
      if (!p.ok()) return p.status();
      out.push_back({ParseMetric(s.value("metric", nlohmann::json())), *p});
    }
    return promql::Value(std::move(out));
  }
  if (type == "matrix") {
    promql::Matrix out;
    for (const auto& s : result) {
      promql::Series series{ParseMetric(s.value("metric", nlohmann::json())), {}};
      for (const auto& p : s.value("values", nlohmann::json::array())) {
        auto point = ParsePoint(p);
        if (!point.ok()) return point.status();
        series.points.push_back(*point);
      }
      out.push_back(std::move(series));
    }
    return promql::Value(std::move(out));
  }
  return Status::Parse("unknown resultType \"" + type + "\"");
}

}  // namespace

HttpAuth PromAuthFromEnv() {
  HttpAuth a;
  a.user = Env("VITALS_PROMETHEUS_USER");
  a.password = Env("VITALS_PROMETHEUS_PASSWORD");
  a.bearer_token = Env("VITALS_PROMETHEUS_TOKEN");
  return a;
}

std::string PromDuration(int64_t ms) {
  if (ms <= 0) return "0s";
  if (ms % 1000 != 0) return fmt::format("{}ms", ms);
  int64_t s = ms / 1000;
  std::string out;
  if (s >= 3600) out += fmt::format("{}h", s / 3600), s %= 3600;
  if (s >= 60) out += fmt::format("{}m", s / 60), s %= 60;
  if (s > 0 || out.empty()) out += fmt::format("{}s", s);
  return out;
}

Result<promql::Value> ParsePromApiResponse(const std::string& json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::Parse("the answer is not JSON: " + BodySnippet(json));
  }
  std::string status = doc.value("status", "");
  if (status == "error") {
    return Status::InvalidArgument(
        fmt::format("{}: {}", doc.value("errorType", "error"), doc.value("error", "")));
  }
  if (status != "success" || !doc.contains("data") || !doc["data"].is_object()) {
    return Status::Parse("not a Prometheus API answer: " + BodySnippet(json));
  }
  try {
    return ParseData(doc["data"]);
  } catch (const nlohmann::json::exception& e) {
    return Status::Parse(std::string("malformed API answer: ") + e.what());
  }
}

// --- ServerSource ---

ServerSource::ServerSource(std::string base_url, std::string version, PromSourceOptions options)
    : base_url_(TrimSlash(std::move(base_url))),
      version_(std::move(version)),
      options_(std::move(options)) {}

std::string ServerSource::Describe() const {
  return fmt::format("Prometheus {} at {}", version_.empty() ? "server" : version_,
                     RedactSecrets(base_url_));
}

Result<std::string> ServerSource::Call(
    const std::string& path, const std::vector<std::pair<std::string, std::string>>& params) {
  std::string url = base_url_ + path + "?" + UrlEncodeForm(params);
  auto r = HttpGet(url, GetOptions(options_));
  if (!r.ok()) return r.status();
  // 400 (bad_data), 422 (execution) and 503 (timeout) carry a JSON error body.
  if (r->status == 200 || r->status == 400 || r->status == 422 || r->status == 503) {
    return std::move(r->body);
  }
  if (r->status == 401 || r->status == 403) {
    return Status::Unavailable(fmt::format("GET {}{}: HTTP {}: {}", RedactSecrets(base_url_), path,
                                           r->status, kCredentialsHint));
  }
  return Status::Unavailable(fmt::format("GET {}{}: HTTP {}; the response starts: {}",
                                         RedactSecrets(base_url_), path, r->status,
                                         BodySnippet(r->body)));
}

Result<promql::Value> ServerSource::Query(const std::string& expr, int64_t t_ms) {
  auto body = Call("/api/v1/query", {{"query", expr}, {"time", SecondsParam(t_ms)}});
  if (!body.ok()) return body.status();
  auto v = ParsePromApiResponse(*body);
  if (!v.ok()) {
    return WithPrefix(v.status(), fmt::format("{}: query {}", Describe(), expr));
  }
  return v;
}

Result<promql::Matrix> ServerSource::QueryRange(const std::string& expr, int64_t start_ms,
                                                int64_t end_ms, int64_t step_ms) {
  auto body = Call("/api/v1/query_range", {{"query", expr},
                                           {"start", SecondsParam(start_ms)},
                                           {"end", SecondsParam(end_ms)},
                                           {"step", SecondsParam(step_ms)}});
  if (!body.ok()) return body.status();
  auto v = ParsePromApiResponse(*body);
  if (!v.ok()) {
    return WithPrefix(v.status(), fmt::format("{}: query {}", Describe(), expr));
  }
  if (auto* m = std::get_if<promql::Matrix>(&*v)) return std::move(*m);
  return Status::Parse(Describe() + ": query_range did not answer a matrix");
}

// --- ScrapeSource ---

namespace {
std::string DescribeScraped(const std::vector<std::string>& urls) {
  std::string out = "scraped ";
  for (size_t i = 0; i < urls.size(); ++i) {
    if (i) out += ", ";
    out += RedactSecrets(urls[i]);
  }
  return out;
}
}  // namespace

// The base class only keeps a reference to store_; it is not used before
// store_ is constructed.
ScrapeSource::ScrapeSource(std::vector<std::string> urls, PromSourceOptions options)
    : EngineSource(store_, DescribeScraped(urls)),
      urls_(std::move(urls)),
      options_(std::move(options)),
      store_(promql::SampleStoreOptions{options_.retention_ms, options_.max_series}) {}

Status ScrapeSource::ScrapeOnce() {
  Status first = Status::Ok();
  HttpGetOptions get = GetOptions(options_);
  // Servers that also speak OpenMetrics or protobuf answer in the text format.
  get.headers.push_back("Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1");
  for (const std::string& url : urls_) {
    int64_t start = WallClockMs();
    auto r = HttpGet(url, get);
    int64_t t = start + (WallClockMs() - start) / 2;
    Status st = Status::Ok();
    if (!r.ok()) {
      st = r.status();
    } else if (r->status != 200) {
      st =
          Status::Unavailable(fmt::format("GET {}: HTTP {} (expected 200); the response starts: {}",
                                          RedactSecrets(url), r->status, BodySnippet(r->body)));
    } else {
      auto families = ParsePromText(r->body);
      if (!families.ok()) {
        st = Status::Parse(fmt::format("{}: {}", RedactSecrets(url), families.status().message()));
      } else {
        st = FeedScrape(*families, HostPort(url), t, &store_);
      }
    }
    if (!st.ok()) {
      store_.MarkTargetDown(HostPort(url), t);
      if (first.ok()) first = st;
    }
    if (scrapes_ == 0 && t > 0 && first_ms_ == 0) first_ms_ = t;
    last_ms_ = std::max(last_ms_, t);
  }
  ++scrapes_;
  return first;
}

Status ScrapeSource::ScrapeFor(int64_t duration_ms, int64_t interval_ms,
                               const std::atomic<bool>* stop,
                               const std::function<void(int, int)>& on_scrape) {
  if (interval_ms <= 0) return Status::InvalidArgument("the scrape interval must be positive");
  int n = static_cast<int>(duration_ms / interval_ms) + 1;
  int64_t start = MonotonicNs();
  for (int i = 0; i < n; ++i) {
    int64_t due = start + int64_t(i) * interval_ms * 1'000'000;
    while (MonotonicNs() < due) {
      if (stop && stop->load()) return Status::Ok();
      int64_t left = due - MonotonicNs();
      std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<int64_t>(left, 50'000'000)));
    }
    Status st = ScrapeOnce();
    if (!st.ok() && (i == 0 || urls_.size() == 1)) return st;
    if (on_scrape) on_scrape(i + 1, n);
    if (stop && stop->load()) return Status::Ok();
  }
  return Status::Ok();
}

Result<promql::Value> EngineSource::Query(const std::string& expr, int64_t t_ms) {
  auto parsed = promql::Parse(expr);
  if (!parsed.ok()) return parsed.status();
  return promql::EvalInstant(**parsed, queryable_, t_ms);
}

Result<promql::Matrix> EngineSource::QueryRange(const std::string& expr, int64_t start_ms,
                                                int64_t end_ms, int64_t step_ms) {
  auto parsed = promql::Parse(expr);
  if (!parsed.ok()) return parsed.status();
  return promql::EvalRange(**parsed, queryable_, start_ms, end_ms, step_ms);
}

// --- detection ---

Result<PromDetection> DetectPrometheus(const std::string& url, const PromSourceOptions& options) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return Status::InvalidArgument(
        fmt::format("prometheus: URL {} must start with http:// or https:// (a server such as "
                    "http://127.0.0.1:9090, or an endpoint such as http://127.0.0.1:8080/metrics)",
                    RedactSecrets(url)));
  }
  PromDetection d;
  if (PathEndsInMetrics(url)) return d;
  auto info = HttpGet(TrimSlash(url) + "/api/v1/status/buildinfo", GetOptions(options));
  if (!info.ok()) return info.status();  // nothing listens: say so once
  if (info->status == 200) {
    nlohmann::json doc = nlohmann::json::parse(info->body, nullptr, false);
    if (doc.is_object() && doc.value("status", "") == "success") {
      d.server = true;
      if (doc.contains("data") && doc["data"].is_object()) {
        d.version = doc["data"].value("version", "");
      }
      return d;
    }
  }
  if (info->status == 401 || info->status == 403) {
    return Status::Unavailable(fmt::format("GET {}/api/v1/status/buildinfo: HTTP {}: {}",
                                           RedactSecrets(TrimSlash(url)), info->status,
                                           kCredentialsHint));
  }
  // Not a server: an endpoint if the URL itself serves exposition text.
  HttpGetOptions get = GetOptions(options);
  get.headers.push_back("Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1");
  auto page = HttpGet(url, get);
  if (!page.ok()) return page.status();
  if (page->status == 200 && ParsePromText(page->body).ok()) return d;
  return Status::Unavailable(fmt::format(
      "{} is neither a Prometheus server (GET /api/v1/status/buildinfo answered HTTP {}) nor a "
      "/metrics endpoint (GET answered HTTP {}{}); give the server's base URL "
      "(http://host:9090) or the endpoint's full URL (http://host:8080/metrics)",
      RedactSecrets(url), info->status, page->status,
      page->status == 200 ? " but not exposition text" : ""));
}

Result<std::unique_ptr<PromSource>> OpenPromSource(const std::string& url,
                                                   const PromSourceOptions& options) {
  auto d = DetectPrometheus(url, options);
  if (!d.ok()) return d.status();
  if (d->server) {
    return std::unique_ptr<PromSource>(std::make_unique<ServerSource>(url, d->version, options));
  }
  return std::unique_ptr<PromSource>(
      std::make_unique<ScrapeSource>(std::vector<std::string>{url}, options));
}

}  // namespace vitals
