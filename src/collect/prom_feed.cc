#include "collect/prom_feed.h"

namespace vitals {

Status FeedScrape(const std::vector<MetricFamily>& families, const std::string& instance,
                  int64_t t_ms, promql::SampleStore* store) {
  std::vector<promql::ScrapedSample> samples;
  for (const MetricFamily& f : families) {
    for (const PromSample& s : f.samples) {
      std::vector<promql::Label> labels;
      labels.reserve(s.labels.size() + 2);
      labels.push_back({std::string(promql::kMetricName), s.name});
      bool has_instance = false;
      for (const PromLabel& l : s.labels) {
        labels.push_back({l.name, l.value});
        has_instance = has_instance || l.name == "instance";
      }
      if (!has_instance && !instance.empty()) labels.push_back({"instance", instance});
      samples.push_back({promql::Labels(std::move(labels)), s.value, s.timestamp_ms});
    }
  }
  return store->AddScrape(instance, samples, t_ms);
}

}  // namespace vitals
