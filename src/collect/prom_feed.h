// Feeds parsed exposition pages (prom_text.h) into the PromQL sample store
// (promql/sample_store.h), so PromQL can be evaluated over scraped targets.
//
// Each sample becomes a series with labels __name__, the page's labels, and
// `instance` (the target's host:port) unless the page set it.  Errors: those
// of SampleStore::AddScrape (series cap).  Thread-safety: as the store.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collect/prom_text.h"
#include "core/status.h"
#include "promql/sample_store.h"

namespace vitals {

Status FeedScrape(const std::vector<MetricFamily>& families, const std::string& instance,
                  int64_t t_ms, promql::SampleStore* store);

}  // namespace vitals
