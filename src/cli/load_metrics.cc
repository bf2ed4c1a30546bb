#include "cli/load_metrics.h"

#include <fmt/format.h>

#include "alerting/go_format.h"

namespace vitals::cli {

void LoadMetrics::ObserveProgress(const Progress& p) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_ = p.requests;
  errors_ = p.errors;
  inflight_ = p.inflight;
  errors_by_kind_ = p.errors_by_kind;
}

void LoadMetrics::ObserveIntervals(const std::vector<IntervalSample>& samples) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const IntervalSample& s : samples) {
    if (!s.request.empty()) continue;  // the all-requests cells only
    s.latency_corrected.ForEachRecorded([&](const Histogram::Bucket& bucket) {
      // The interval histograms keep 2 significant digits: a value is known to
      // within 1 %; the bucket's lowest equivalent value stands for it.
      double v = double(bucket.lowest_value) / 1e6;
      int64_t n = bucket.count;
      for (size_t b = 0; b < kBucketsS.size(); ++b) {
        if (v <= kBucketsS[b]) {
          buckets_[b] += uint64_t(n);
          break;
        }
      }
      count_ += uint64_t(n);
      sum_s_ += v * double(n);
    });
  }
}

std::string LoadMetrics::Page() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out += fmt::format(
      "# HELP vitals_load_requests_total Requests sent and answered or failed.\n"
      "# TYPE vitals_load_requests_total counter\nvitals_load_requests_total {}\n"
      "# HELP vitals_load_errors_total Failed requests and answers with status >= 400.\n"
      "# TYPE vitals_load_errors_total counter\nvitals_load_errors_total {}\n"
      "# HELP vitals_load_inflight_requests Requests sent and not yet answered.\n"
      "# TYPE vitals_load_inflight_requests gauge\nvitals_load_inflight_requests {}\n",
      requests_, errors_, inflight_);
  out +=
      "# HELP vitals_load_request_errors_total Errors by kind (network, parse, answer class).\n"
      "# TYPE vitals_load_request_errors_total counter\n";
  for (const auto& [kind, n] : errors_by_kind_) {
    out += fmt::format("vitals_load_request_errors_total{{kind=\"{}\"}} {}\n", kind, n);
  }
  out +=
      "# HELP vitals_load_request_duration_seconds Latency from the intended send time "
      "(corrected for coordinated omission), per completed interval.\n"
      "# TYPE vitals_load_request_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t b = 0; b < kBucketsS.size(); ++b) {
    cumulative += buckets_[b];
    out += fmt::format("vitals_load_request_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                       alerting::GoFloat(kBucketsS[b]), cumulative);
  }
  out += fmt::format("vitals_load_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", count_);
  out += fmt::format("vitals_load_request_duration_seconds_sum {}\n", alerting::GoFloat(sum_s_));
  out += fmt::format("vitals_load_request_duration_seconds_count {}\n", count_);
  return out;
}

}  // namespace vitals::cli
