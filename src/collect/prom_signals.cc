// HTTP golden signals (traffic, errors, latency) from two scrapes.
#include "collect/prom_signals.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>

#include "collect/prom_math.h"

namespace vitals::detail {

std::string SeriesKey(const PromSample& sample) {
  std::string key = sample.name;
  for (const PromLabel& l : sample.labels) {
    key += '\0';
    key += l.name;
    key += '\0';
    key += l.value;
  }
  return key;
}

PromPage::PromPage(std::vector<MetricFamily> families) : families_(std::move(families)) {
  for (const MetricFamily& f : families_) {
    for (const PromSample& s : f.samples) {
      by_name_[s.name].push_back(&s);
      by_series_.emplace(SeriesKey(s), s.value);
    }
  }
}

const std::vector<const PromSample*>& PromPage::Samples(const std::string& name) const {
  static const std::vector<const PromSample*> kNone;
  auto it = by_name_.find(name);
  return it == by_name_.end() ? kNone : it->second;
}

std::vector<std::string> PromPage::SampleNames() const {
  std::vector<std::string> names;
  names.reserve(by_name_.size());
  for (const auto& [name, samples] : by_name_) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

const double* PromPage::Value(const PromSample& like) const {
  auto it = by_series_.find(SeriesKey(like));
  return it == by_series_.end() ? nullptr : &it->second;
}

double PromWindow::Increase(const PromSample& s) const {
  if (!std::isfinite(s.value)) return 0;
  const double* prev = before.Value(s);
  if (prev != nullptr && !std::isfinite(*prev)) return 0;
  double v0 = prev == nullptr ? 0.0 : *prev;
  const std::array<TimedValue, 2> points = {TimedValue{t0_ms, v0}, TimedValue{t1_ms, s.value}};
  Result<double> inc = ExtrapolatedRate(points, t0_ms, t1_ms, /*is_counter=*/true,
                                        /*is_rate=*/false);
  return inc.ok() ? inc.value() : 0.0;
}

namespace {

constexpr std::array<const char*, 3> kLatencyMetrics = {
    "http_request_duration_seconds", "http_server_requests_seconds", "request_duration_seconds"};
constexpr const char* kRequestsMetric = "http_requests_total";
constexpr std::array<const char*, 5> kEndpointLabels = {"endpoint", "handler", "route", "path",
                                                        "uri"};

enum class StatusClass { kUnknown, kOk, kClientError, kServerError };

// From the status code label ("500", or "5xx" as some Python instrumentations
// group them) or Micrometer's outcome label.
StatusClass Classify(const PromSample& s) {
  for (const char* name : {"code", "status", "status_code"}) {
    const std::string* v = s.Label(name);
    if (v == nullptr || v->empty()) continue;
    char c = (*v)[0];
    if (c == '5') return StatusClass::kServerError;
    if (c == '4') return StatusClass::kClientError;
    if (c >= '1' && c <= '3') return StatusClass::kOk;
  }
  if (const std::string* outcome = s.Label("outcome")) {
    if (*outcome == "SERVER_ERROR") return StatusClass::kServerError;
    if (*outcome == "CLIENT_ERROR") return StatusClass::kClientError;
    if (*outcome == "SUCCESS" || *outcome == "REDIRECTION" || *outcome == "INFORMATIONAL") {
      return StatusClass::kOk;
    }
  }
  return StatusClass::kUnknown;
}

struct Endpoint {
  std::string label;  // which label named it
  // From the requests counter.
  bool has_requests = false;
  double requests = 0;
  bool has_status = false;
  double errors = 0;
  // From the latency histogram/summary.
  bool has_count = false;
  double count = 0;
  bool count_has_status = false;
  double count_errors = 0;
  bool has_sum = false;
  double sum = 0;
  std::map<double, double> buckets;    // le -> increase
  std::map<double, double> quantiles;  // summary quantile -> value (max over series)
  std::optional<double> max;           // Micrometer's <metric>_max gauge
};

class Aggregator {
 public:
  Aggregator(const PromWindow& w, bool errors_include_4xx)
      : w_(w), errors_include_4xx_(errors_include_4xx) {}

  void AddRequests(const std::string& metric) {
    for (const PromSample* s : w_.after.Samples(metric)) {
      double inc = w_.Increase(*s);
      StatusClass sc = Classify(*s);
      ForEach(*s, [&](Endpoint& e) {
        e.has_requests = true;
        e.requests += inc;
        if (sc != StatusClass::kUnknown) e.has_status = true;
        if (IsError(sc)) e.errors += inc;
      });
    }
  }

  void AddLatency(const std::string& metric) {
    for (const PromSample* s : w_.after.Samples(metric + "_bucket")) {
      const std::string* le = s->Label("le");
      double bound;
      if (le == nullptr || !ParsePromFloat(*le, &bound) || std::isnan(bound)) continue;
      double inc = w_.Increase(*s);
      ForEach(*s, [&](Endpoint& e) { e.buckets[bound] += inc; });
    }
    for (const PromSample* s : w_.after.Samples(metric + "_count")) {
      double inc = w_.Increase(*s);
      StatusClass sc = Classify(*s);
      ForEach(*s, [&](Endpoint& e) {
        e.has_count = true;
        e.count += inc;
        if (sc != StatusClass::kUnknown) e.count_has_status = true;
        if (IsError(sc)) e.count_errors += inc;
      });
    }
    for (const PromSample* s : w_.after.Samples(metric + "_sum")) {
      double inc = w_.Increase(*s);
      ForEach(*s, [&](Endpoint& e) {
        e.has_sum = true;
        e.sum += inc;
      });
    }
    for (const PromSample* s : w_.after.Samples(metric)) {
      const std::string* q = s->Label("quantile");
      double qv;
      if (q == nullptr || !ParsePromFloat(*q, &qv) || !std::isfinite(s->value)) continue;
      ForEach(*s, [&](Endpoint& e) {
        auto [it, inserted] = e.quantiles.emplace(qv, s->value);
        if (!inserted) it->second = std::max(it->second, s->value);
      });
    }
    for (const PromSample* s : w_.after.Samples(metric + "_max")) {
      if (!std::isfinite(s->value)) continue;
      ForEach(*s, [&](Endpoint& e) { e.max = std::max(e.max.value_or(s->value), s->value); });
    }
  }

  const Endpoint& overall() const { return overall_; }
  const std::map<std::string, Endpoint>& endpoints() const { return endpoints_; }

 private:
  bool IsError(StatusClass sc) const {
    return sc == StatusClass::kServerError ||
           (errors_include_4xx_ && sc == StatusClass::kClientError);
  }

  // Applies `fn` to the overall accumulator and to the sample's endpoint.
  template <typename Fn>
  void ForEach(const PromSample& s, Fn fn) {
    fn(overall_);
    for (const char* label : kEndpointLabels) {
      if (const std::string* v = s.Label(label)) {
        Endpoint& e = endpoints_[*v];
        e.label = label;
        fn(e);
        return;
      }
    }
  }

  const PromWindow& w_;
  bool errors_include_4xx_;
  Endpoint overall_;
  std::map<std::string, Endpoint> endpoints_;
};

Fact MakeFact(const std::string& subject, const Endpoint& e, const PromWindow& w,
              const std::string& latency_metric, const std::string& requests_metric) {
  Fact f{"prometheus", "http.endpoint", subject, {}, {}};
  std::optional<double> requests;
  double errors = 0;
  bool has_status = false;
  if (e.has_requests) {
    requests = e.requests;
    errors = e.errors;
    has_status = e.has_status;
  } else if (e.has_count) {
    requests = e.count;
    errors = e.count_errors;
    has_status = e.count_has_status;
  }
  if (requests) {
    f.num["requests"] = *requests;
    f.num["rate_per_s"] = *requests / w.Seconds();
    if (has_status) {
      f.num["errors"] = errors;
      if (*requests > 0) f.num["error_ratio"] = errors / *requests;
    }
  }
  static constexpr std::array<std::pair<double, const char*>, 3> kQuantiles = {
      {{0.5, "p50_s"}, {0.95, "p95_s"}, {0.99, "p99_s"}}};
  if (!e.buckets.empty()) {
    std::vector<HistogramBucket> buckets;
    for (const auto& [le, count] : e.buckets) buckets.push_back({le, count});
    for (const auto& [q, name] : kQuantiles) {
      double v = HistogramQuantile(q, buckets);
      if (std::isfinite(v)) f.num[name] = v;
    }
    f.text["latency_source"] = "histogram buckets, increase over the window";
  } else if (!e.quantiles.empty()) {
    for (const auto& [q, name] : kQuantiles) {
      for (const auto& [sq, v] : e.quantiles) {
        if (std::fabs(sq - q) < 1e-9) f.num[name] = v;
      }
    }
    f.text["latency_source"] = "summary quantiles (the client's own sliding window)";
  }
  if (e.has_count && e.has_sum && e.count > 0) f.num["mean_s"] = e.sum / e.count;
  if (e.max) f.num["max_s"] = *e.max;
  if (!latency_metric.empty()) f.text["latency_metric"] = latency_metric;
  f.text["requests_metric"] = requests_metric;
  if (!e.label.empty()) f.text["endpoint_label"] = e.label;
  return f;
}

}  // namespace

void AddHttpFacts(const PromWindow& window, const PrometheusOptions& options, Collection* out) {
  std::string latency = options.latency_metric;
  if (latency.empty()) {
    for (const char* m : kLatencyMetrics) {
      std::string name = m;
      if (window.after.Has(name + "_count") || window.after.Has(name + "_bucket")) {
        latency = name;
        break;
      }
    }
  } else if (!window.after.Has(latency + "_count") && !window.after.Has(latency + "_bucket")) {
    out->limited.push_back("http latency: no " + latency + "_bucket or " + latency +
                           "_count series on the page; check the latency metric name");
    latency.clear();
  }
  std::string requests = options.requests_metric;
  if (requests.empty()) {
    if (window.after.Has(kRequestsMetric)) requests = kRequestsMetric;
  } else if (!window.after.Has(requests)) {
    out->limited.push_back("http requests: no " + requests +
                           " series on the page; check the requests metric name");
    requests.clear();
  }
  if (latency.empty() && requests.empty()) {
    out->limited.push_back(
        "http golden signals: the page has no HTTP request metrics (looked for "
        "http_request_duration_seconds, http_server_requests_seconds and "
        "request_duration_seconds histograms and the http_requests_total counter); name yours "
        "with the latency/requests metric options");
    return;
  }
  Aggregator agg(window, options.errors_include_4xx);
  if (!requests.empty()) agg.AddRequests(requests);
  if (!latency.empty()) agg.AddLatency(latency);
  std::string requests_source = requests.empty() ? latency + "_count" : requests;

  Fact overall = MakeFact("overall", agg.overall(), window, latency, requests_source);
  if (options.target_rate_per_s > 0) overall.num["target_rate_per_s"] = options.target_rate_per_s;
  out->facts.push_back(std::move(overall));
  for (const auto& [name, e] : agg.endpoints()) {
    out->facts.push_back(MakeFact(name, e, window, latency, requests_source));
  }
}

}  // namespace vitals::detail
