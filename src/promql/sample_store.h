// In-memory sample store that the engine queries when vitals scrapes
// /metrics endpoints itself (no Prometheus server).
//
// Each series keeps its samples in a ring buffer; samples older than the
// newest sample minus `retention_ms` are evicted on append (retention is the
// bound, not a silent drop).  The number of series is capped: a sample for a
// new series beyond `max_series` is refused with a kInvalidArgument Status
// naming the cap and the flag that raises it, and nothing of that scrape is
// stored, so a query never sees a partial target.
//
// Scrapes: AddScrape() appends one target's page at one timestamp and, as
// Prometheus does, writes a staleness marker for every series the target
// exposed in its previous scrape but not in this one; MarkTargetDown() marks
// all of a target's series stale (a failed scrape).
//
// Memory: 16 bytes per retained sample (timestamp + value) in the ring, plus
// the label set and ~150 bytes of per-series bookkeeping; see MemoryBytes()
// and BENCHMARKS.md.
//
// Thread-safety: all members take an internal mutex; one writer and
// concurrent readers are safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "promql/storage.h"

namespace vitals::promql {

struct SampleStoreOptions {
  int64_t retention_ms = 60 * 60 * 1000;  // keep one hour
  size_t max_series = 100'000;
};

// One sample of a scraped page, already converted to PromQL labels.
struct ScrapedSample {
  Labels labels;  // with __name__
  double value = 0;
  std::optional<int64_t> t_ms;  // the page's own timestamp, if it gave one
};

class SampleStore : public Queryable {
 public:
  explicit SampleStore(SampleStoreOptions opts = {});
  SampleStore(const SampleStore&) = delete;
  SampleStore& operator=(const SampleStore&) = delete;

  // Appends one sample.  Errors: kInvalidArgument when the series cap is
  // reached; a sample not newer than the series' newest is ignored (as
  // Prometheus ignores out-of-order samples) and counted in out_of_order().
  Status Append(const Labels& labels, int64_t t_ms, double v);

  // Appends one scrape of `target` taken at `t_ms` (see the file comment).
  // Errors: as Append; when the page would exceed the series cap nothing of
  // it is stored and the message names the target.
  Status AddScrape(const std::string& target, const std::vector<ScrapedSample>& samples,
                   int64_t t_ms);
  // Marks every series last scraped from `target` stale at `t_ms`.
  void MarkTargetDown(const std::string& target, int64_t t_ms);

  std::vector<StoredSeries> Select(const std::vector<Matcher>& matchers, int64_t min_t_ms,
                                   int64_t max_t_ms) const override;

  size_t series_count() const;
  size_t out_of_order() const;
  // Approximate heap bytes held (rings, labels, indexes).
  size_t MemoryBytes() const;

 private:
  struct Ring {
    std::vector<Point> buf;
    size_t head = 0;  // index of the oldest sample
    size_t size = 0;
    void Push(Point p);
    void EvictBefore(int64_t t_ms);
    const Point& At(size_t i) const { return buf[(head + i) % buf.size()]; }
    const Point& Newest() const { return At(size - 1); }
  };
  struct StoredSeriesData {
    Labels labels;
    Ring ring;
  };

  Status AppendLocked(const Labels& labels, int64_t t_ms, double v);
  Status CapError(size_t wanted, const std::string& target) const;

  SampleStoreOptions opts_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<StoredSeriesData>> series_;  // by Labels::Key()
  std::map<std::string, std::set<std::string>> last_scrape_;  // target -> series keys
  size_t out_of_order_ = 0;
};

}  // namespace vitals::promql
