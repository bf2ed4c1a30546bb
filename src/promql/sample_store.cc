#include "promql/sample_store.h"

#include <algorithm>

#include <fmt/format.h>

namespace vitals::promql {

void SampleStore::Ring::Push(Point p) {
  if (size == buf.size()) {
    // Full: grow to twice the size, oldest first.  Retention bounds the
    // size for any steady scrape interval.
    std::vector<Point> grown;
    grown.reserve(std::max<size_t>(8, buf.size() * 2));
    for (size_t i = 0; i < size; ++i) grown.push_back(At(i));
    grown.resize(grown.capacity());
    buf = std::move(grown);
    head = 0;
  }
  buf[(head + size) % buf.size()] = p;
  ++size;
}

void SampleStore::Ring::EvictBefore(int64_t t_ms) {
  while (size > 0 && At(0).t_ms < t_ms) {
    head = (head + 1) % buf.size();
    --size;
  }
}

SampleStore::SampleStore(SampleStoreOptions opts) : opts_(opts) {}

Status SampleStore::CapError(size_t wanted, const std::string& target) const {
  return Status::InvalidArgument(fmt::format(
      "{}would hold {} series, more than the sample store's cap of {}; nothing of this scrape "
      "was stored. Raise the cap (--max-series) or scrape fewer series",
      target.empty() ? "the sample store " : "target " + target + " ", wanted, opts_.max_series));
}

Status SampleStore::AppendLocked(const Labels& labels, int64_t t_ms, double v) {
  std::string key = labels.Key();
  auto it = series_.find(key);
  if (it == series_.end()) {
    if (series_.size() >= opts_.max_series) return CapError(series_.size() + 1, "");
    auto data = std::make_unique<StoredSeriesData>();
    data->labels = labels;
    it = series_.emplace(std::move(key), std::move(data)).first;
  }
  Ring& ring = it->second->ring;
  if (ring.size > 0 && ring.Newest().t_ms >= t_ms) {
    ++out_of_order_;
    return Status::Ok();
  }
  ring.Push(Point{t_ms, v});
  ring.EvictBefore(t_ms - opts_.retention_ms);
  return Status::Ok();
}

Status SampleStore::Append(const Labels& labels, int64_t t_ms, double v) {
  std::lock_guard<std::mutex> lock(mu_);
  return AppendLocked(labels, t_ms, v);
}

Status SampleStore::AddScrape(const std::string& target, const std::vector<ScrapedSample>& samples,
                              int64_t t_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::string> keys;
  size_t new_series = 0;
  for (const ScrapedSample& s : samples) {
    std::string key = s.labels.Key();
    if (keys.insert(key).second && !series_.count(key)) ++new_series;
  }
  if (series_.size() + new_series > opts_.max_series) {
    return CapError(series_.size() + new_series, target);
  }
  for (const ScrapedSample& s : samples) {
    if (Status st = AppendLocked(s.labels, s.t_ms.value_or(t_ms), s.value); !st.ok()) return st;
  }
  std::set<std::string>& previous = last_scrape_[target];
  for (const std::string& key : previous) {
    if (keys.count(key)) continue;
    auto it = series_.find(key);
    if (it != series_.end()) (void)AppendLocked(it->second->labels, t_ms, StaleNaN());
  }
  previous = std::move(keys);
  return Status::Ok();
}

void SampleStore::MarkTargetDown(const std::string& target, int64_t t_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  auto prev = last_scrape_.find(target);
  if (prev == last_scrape_.end()) return;
  for (const std::string& key : prev->second) {
    auto it = series_.find(key);
    if (it != series_.end()) (void)AppendLocked(it->second->labels, t_ms, StaleNaN());
  }
  prev->second.clear();
}

std::vector<StoredSeries> SampleStore::Select(const std::vector<Matcher>& matchers,
                                              int64_t min_t_ms, int64_t max_t_ms) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<StoredSeries> out;
  for (const auto& [key, data] : series_) {
    bool match = true;
    for (const Matcher& m : matchers) {
      if (!m.Matches(data->labels.Get(m.name))) {
        match = false;
        break;
      }
    }
    if (!match) continue;
    StoredSeries s{&data->labels, {}};
    const Ring& r = data->ring;
    for (size_t i = 0; i < r.size; ++i) {
      const Point& p = r.At(i);
      if (p.t_ms >= min_t_ms && p.t_ms <= max_t_ms) s.points.push_back(p);
    }
    if (!s.points.empty()) out.push_back(std::move(s));
  }
  return out;
}

size_t SampleStore::series_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return series_.size();
}

size_t SampleStore::out_of_order() const {
  std::lock_guard<std::mutex> lock(mu_);
  return out_of_order_;
}

size_t SampleStore::MemoryBytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t bytes = 0;
  for (const auto& [key, data] : series_) {
    bytes += key.capacity() + sizeof(StoredSeriesData) + 64;  // hash node and pointer
    bytes += data->ring.buf.capacity() * sizeof(Point);
    for (const Label& l : data->labels.items()) {
      bytes += sizeof(Label) + l.name.capacity() + l.value.capacity();
    }
  }
  return bytes;
}

}  // namespace vitals::promql
