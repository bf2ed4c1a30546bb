// HTTP golden signals (traffic, errors, latency) in PromQL, per endpoint and
// overall.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>

#include "collect/prom_facts.h"

namespace vitals::detail {
namespace {

constexpr std::array<const char*, 3> kLatencyMetrics = {
    "http_request_duration_seconds", "http_server_requests_seconds", "request_duration_seconds"};
constexpr const char* kRequestsMetric = "http_requests_total";
constexpr std::array<const char*, 5> kEndpointLabels = {"endpoint", "handler", "route", "path",
                                                        "uri"};
constexpr std::array<const char*, 4> kStatusLabels = {"code", "status", "status_code", "outcome"};

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The first label of `candidates` that any series of `vec` carries, or "".
template <size_t N>
std::string FirstLabel(const promql::Vector& vec, const std::array<const char*, N>& candidates) {
  for (const char* l : candidates) {
    for (const auto& s : vec) {
      if (s.labels.Has(l)) return l;
    }
  }
  return "";
}

std::string Join(const std::array<const char*, 5>& a) {
  std::string out;
  for (const char* s : a) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

// subject -> value of one query, for the overall group ("") and the
// endpoints ("by (EP)").
using BySubject = std::map<std::string, double>;

class HttpQueries {
 public:
  HttpQueries(PromQuerier& q, std::string endpoint_label) : q_(q), ep_(std::move(endpoint_label)) {}

  // `agg` of `inner`, overall and per endpoint: {"overall": v, "/a": v, ...}.
  BySubject Both(const std::string& what, const std::string& agg, const std::string& inner) {
    return Run(what, agg + " (" + inner + ")", agg + " by (" + ep_ + ") (" + inner + ")");
  }

  // histogram_quantile(q, ...) overall and per endpoint.
  BySubject Quantile(double quantile, const std::string& bucket_sel) {
    std::string rate = "rate(" + bucket_sel + q_.Range() + ")";
    return Run(fmt::format("http latency p{:g}", quantile * 100),
               fmt::format("histogram_quantile({}, sum by (le) ({}))", quantile, rate),
               fmt::format("histogram_quantile({}, sum by (le, {}) ({}))", quantile, ep_, rate));
  }

 private:
  // The overall query, then (with an endpoint label) the per-endpoint one.
  BySubject Run(const std::string& what, const std::string& overall, const std::string& by_ep) {
    BySubject out;
    for (const auto& s : q_.Vec(what, overall)) Put(&out, "overall", s);
    if (ep_.empty()) return out;
    for (const auto& s : q_.Vec(what, by_ep)) {
      std::string subject(s.labels.Get(ep_));
      if (!subject.empty()) Put(&out, subject, s);
    }
    return out;
  }
  static void Put(BySubject* out, const std::string& subject, const promql::Sample& s) {
    if (std::isfinite(s.point.v)) (*out)[subject] = s.point.v;
  }
  PromQuerier& q_;
  std::string ep_;
};

std::optional<double> At(const BySubject& m, const std::string& subject) {
  auto it = m.find(subject);
  return it == m.end() ? std::nullopt : std::optional<double>(it->second);
}

std::string ErrorMatcher(const std::string& status_label, bool include_4xx) {
  if (status_label == "outcome") {
    return include_4xx ? "outcome=~\"SERVER_ERROR|CLIENT_ERROR\"" : "outcome=\"SERVER_ERROR\"";
  }
  return status_label + (include_4xx ? "=~\"[45].*\"" : "=~\"5.*\"");
}

}  // namespace

Status AddHttpFacts(PromQuerier& q, const PrometheusOptions& options, Collection* out) {
  std::string regex = std::string(kRequestsMetric);
  for (const char* m : kLatencyMetrics)
    regex += std::string("|") + m + "(_bucket|_count|_sum|_max)?";
  for (const std::string* m : {&options.latency_metric, &options.requests_metric}) {
    if (!m->empty()) regex += "|" + *m + "(_bucket|_count|_sum|_max)?";
  }
  std::vector<std::string> names = q.Names(regex);
  auto has = [&](const std::string& n) { return Contains(names, n); };

  std::string latency = options.latency_metric;
  if (latency.empty()) {
    for (const char* m : kLatencyMetrics) {
      if (has(std::string(m) + "_count") || has(std::string(m) + "_bucket")) {
        latency = m;
        break;
      }
    }
  } else if (!has(latency + "_count") && !has(latency + "_bucket")) {
    out->limited.push_back("http latency: no " + latency + "_bucket or " + latency +
                           "_count series in the source; check the latency metric name");
    latency.clear();
  }
  std::string requests = options.requests_metric;
  if (requests.empty()) {
    if (has(kRequestsMetric)) requests = kRequestsMetric;
  } else if (!has(requests)) {
    out->limited.push_back("http requests: no " + requests +
                           " series in the source; check the requests metric name");
    requests.clear();
  }
  if (latency.empty() && requests.empty()) {
    out->limited.push_back(
        "http golden signals (latency, errors, throughput): no HTTP request metrics in the "
        "source (looked for the http_request_duration_seconds, http_server_requests_seconds and "
        "request_duration_seconds histograms and the http_requests_total counter); name yours "
        "with --latency-metric / --requests-metric");
    return Status::Ok();
  }
  const bool buckets = !latency.empty() && has(latency + "_bucket");
  const bool summary = !latency.empty() && has(latency);
  const bool count_sum = !latency.empty() && has(latency + "_count") && has(latency + "_sum");
  std::string counted = requests.empty() ? latency + "_count" : requests;
  if (requests.empty() && !has(counted)) counted.clear();  // buckets only

  // Which label names the endpoint and which the status, from the series.
  std::string label_source = !counted.empty() ? counted : latency + "_bucket";
  std::string ep = FirstLabel(q.Vec("endpoint label", "count by (" + Join(kEndpointLabels) + ") (" +
                                                          q.Sel(label_source) + ")"),
                              kEndpointLabels);
  std::string status_label;
  if (!counted.empty()) {
    status_label =
        FirstLabel(q.Vec("status label",
                         "count by (code, status, status_code, outcome) (" + q.Sel(counted) + ")"),
                   kStatusLabels);
  }

  HttpQueries hq(q, ep);
  BySubject rate, errors, mean, max;
  std::map<double, BySubject> quantiles;
  if (!counted.empty()) {
    rate = hq.Both("http throughput", "sum", "rate(" + q.Sel(counted) + q.Range() + ")");
    if (!status_label.empty()) {
      errors =
          hq.Both("http errors", "sum",
                  "rate(" + q.Sel(counted, ErrorMatcher(status_label, options.errors_include_4xx)) +
                      q.Range() + ")");
    }
  }
  for (double quantile : {0.5, 0.95, 0.99}) {
    if (buckets) {
      quantiles[quantile] = hq.Quantile(quantile, q.Sel(latency + "_bucket"));
    } else if (summary) {
      quantiles[quantile] = hq.Both("http latency (summary)", "max",
                                    q.Sel(latency, fmt::format("quantile=\"{}\"", quantile)));
    }
  }
  if (count_sum) {
    BySubject sum =
        hq.Both("http latency mean", "sum", "rate(" + q.Sel(latency + "_sum") + q.Range() + ")");
    BySubject count =
        hq.Both("http latency mean", "sum", "rate(" + q.Sel(latency + "_count") + q.Range() + ")");
    for (const auto& [subject, c] : count) {
      if (auto s = At(sum, subject); s && c > 0) mean[subject] = *s / c;
    }
  }
  if (!latency.empty() && has(latency + "_max")) {
    max = hq.Both("http latency max", "max", q.Sel(latency + "_max"));
  }
  if (!q.fatal().ok()) return Status::Ok();

  // Subjects: overall first, then every endpoint any query named.
  std::vector<std::string> subjects = {"overall"};
  auto add_subjects = [&](const BySubject& m) {
    for (const auto& [s, v] : m) {
      if (!Contains(subjects, s)) subjects.push_back(s);
    }
  };
  add_subjects(rate);
  for (const auto& [qv, m] : quantiles) add_subjects(m);
  add_subjects(mean);
  std::sort(subjects.begin() + 1, subjects.end());

  static constexpr std::array<std::pair<double, const char*>, 3> kNames = {
      {{0.5, "p50_s"}, {0.95, "p95_s"}, {0.99, "p99_s"}}};
  const double window_s = q.WindowSeconds();
  for (const std::string& subject : subjects) {
    Fact f{"prometheus", "http.endpoint", subject, {}, {}};
    if (auto r = At(rate, subject)) {
      f.num["rate_per_s"] = *r;
      f.num["requests"] = *r * window_s;
      if (!status_label.empty()) {
        double e = At(errors, subject).value_or(0);
        f.num["errors"] = e * window_s;
        if (*r > 0) f.num["error_ratio"] = e / *r;
      }
    } else if (!counted.empty() && subject == "overall") {
      f.num["rate_per_s"] = 0;  // the counter exists but did not move
      f.num["requests"] = 0;
    }
    for (const auto& [qv, name] : kNames) {
      if (auto v = At(quantiles[qv], subject)) f.num[name] = *v;
    }
    if (auto m = At(mean, subject)) f.num["mean_s"] = *m;
    if (auto m = At(max, subject)) f.num["max_s"] = *m;
    if (buckets) {
      f.text["latency_source"] = "histogram buckets, rate over the window";
    } else if (summary) {
      f.text["latency_source"] = "summary quantiles (the client's own sliding window)";
    }
    if (!latency.empty()) f.text["latency_metric"] = latency;
    if (!counted.empty()) f.text["requests_metric"] = counted;
    if (subject != "overall") f.text["endpoint_label"] = ep;
    out->facts.push_back(std::move(f));
  }
  if (options.target_rate_per_s > 0) {
    out->facts.front().num["target_rate_per_s"] = options.target_rate_per_s;
  }
  return Status::Ok();
}

}  // namespace vitals::detail
