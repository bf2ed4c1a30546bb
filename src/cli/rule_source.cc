#include "cli/rule_source.h"

#include <limits>

#include "promql/engine.h"
#include "promql/parser.h"

namespace vitals::cli {

// Scraped samples plus what the rules recorded: the engine reads both.
class RuleSource::Overlay : public promql::Queryable {
 public:
  Overlay(const promql::Queryable& a, const promql::Queryable& b) : a_(a), b_(b) {}
  std::vector<promql::StoredSeries> Select(const std::vector<promql::Matcher>& m, int64_t lo,
                                           int64_t hi) const override {
    auto out = a_.Select(m, lo, hi);
    auto more = b_.Select(m, lo, hi);
    out.insert(out.end(), std::make_move_iterator(more.begin()),
               std::make_move_iterator(more.end()));
    return out;
  }

 private:
  const promql::Queryable& a_;
  const promql::Queryable& b_;
};

RuleSource::~RuleSource() = default;

Result<std::unique_ptr<RuleSource>> RuleSource::Open(const std::vector<std::string>& urls,
                                                     const PromSourceOptions& options,
                                                     int64_t scrape_interval_ms) {
  std::unique_ptr<RuleSource> s(new RuleSource());
  s->scrape_interval_ms_ = scrape_interval_ms;
  for (const auto& url : urls) {
    auto det = DetectPrometheus(url, options);
    if (!det.ok()) return det.status();
    if (det->server) {
      if (urls.size() > 1) {
        return Status::InvalidArgument(
            "give one Prometheus server, or any number of /metrics endpoints, not both");
      }
      auto src = OpenPromSource(url, options);
      if (!src.ok()) return src.status();
      s->server_ = std::move(*src);
    }
  }
  if (!s->server_) {
    s->scraper_ = std::make_unique<ScrapeSource>(urls, options);
    promql::SampleStoreOptions ro;
    ro.retention_ms = options.retention_ms;
    s->recorded_ = std::make_unique<promql::SampleStore>(ro);
    s->overlay_ = std::make_unique<Overlay>(s->scraper_->store(), *s->recorded_);
  }
  RuleSource* self = s.get();
  auto query = [self](const std::string& expr, const promql::Expr* parsed,
                      int64_t t) -> Result<promql::Value> {
    if (self->server_) return self->server_->Query(expr, t);
    if (parsed != nullptr) return promql::EvalInstant(*parsed, *self->overlay_, t);
    auto p = promql::Parse(expr);
    if (!p.ok()) return p.status();
    return promql::EvalInstant(**p, *self->overlay_, t);
  };
  s->hooks_.query = [query](const alerting::Rule& r, int64_t t) {
    return query(r.expr, r.parsed.get(), t);
  };
  if (s->scraper_) {
    s->hooks_.append = [self](const promql::Vector& v) {
      for (const auto& x : v) (void)self->recorded_->Append(x.labels, x.point.t_ms, x.point.v);
    };
  }
  s->hooks_.template_query = [query](const std::string& expr,
                                     int64_t t) -> Result<std::vector<alerting::TemplateSample>> {
    auto v = query(expr, nullptr, t);
    if (!v.ok()) return v.status();
    auto vec = alerting::RuleResultVector(*v);
    if (!vec.ok()) return vec.status();
    std::vector<alerting::TemplateSample> out;
    for (const auto& x : *vec) out.push_back({x.labels, x.point.v});
    return out;
  };
  return s;
}

std::string RuleSource::Describe() const {
  return server_ ? server_->Describe() : scraper_->Describe();
}

Status RuleSource::ScrapeIfDue(int64_t now_ms) {
  if (!scraper_ || now_ms < next_scrape_ms_) return Status::Ok();
  Status st = scraper_->ScrapeOnce();
  // The next due time on the grid, skipping the ones a slow scrape missed.
  if (next_scrape_ms_ == 0) next_scrape_ms_ = now_ms;
  next_scrape_ms_ += scrape_interval_ms_ * (1 + (now_ms - next_scrape_ms_) / scrape_interval_ms_);
  return st;
}

int64_t RuleSource::next_scrape_ms() const {
  return scraper_ ? next_scrape_ms_ : std::numeric_limits<int64_t>::max();
}

}  // namespace vitals::cli
