// Application cache facts in PromQL from Micrometer's cache metrics (Caffeine, Guava, JCache,
// Redis caches in Spring services): cache_gets_total{cache, result="hit"|"miss"},
// cache_evictions_total{cache}, cache_size{cache}.  One prom.cache fact per cache name.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "collect/prom_facts.h"

namespace vitals::detail {
namespace {

std::map<std::string, double> ByCache(PromQuerier& q, const std::string& what,
                                      const std::string& expr) {
  std::map<std::string, double> out;
  for (const auto& s : q.Vec(what, "sum by (cache) (" + expr + ")")) {
    if (std::isfinite(s.point.v)) out[std::string(s.labels.Get("cache"))] = s.point.v;
  }
  return out;
}

}  // namespace

Status AddCacheFacts(PromQuerier& q, Collection* out) {
  std::vector<std::string> names = q.Names("cache_gets_total|cache_evictions_total|cache_size");
  auto has = [&](const char* n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  if (!has("cache_gets_total")) return Status::Ok();
  auto hits = ByCache(q, "cache hits",
                      "rate(" + q.Sel("cache_gets_total", "result=\"hit\"") + q.Range() + ")");
  auto misses = ByCache(q, "cache misses",
                        "rate(" + q.Sel("cache_gets_total", "result=\"miss\"") + q.Range() + ")");
  std::map<std::string, double> evictions, size;
  if (has("cache_evictions_total")) {
    evictions =
        ByCache(q, "cache evictions", "rate(" + q.Sel("cache_evictions_total") + q.Range() + ")");
  }
  if (has("cache_size")) size = ByCache(q, "cache size", q.Sel("cache_size"));
  const double window_s = q.WindowSeconds();
  for (const auto& [cache, hit] : hits) {
    auto m = misses.find(cache);
    if (m == misses.end()) continue;
    Fact f{"prometheus", "prom.cache", cache.empty() ? "cache" : cache, {}, {}};
    const double gets = hit + m->second;
    f.num["hits_per_s"] = hit;
    f.num["misses_per_s"] = m->second;
    f.num["gets_per_s"] = gets;
    f.num["lookups"] = gets * window_s;
    if (gets > 0) f.num["hit_ratio"] = hit / gets;
    if (auto e = evictions.find(cache); e != evictions.end()) f.num["evictions_per_s"] = e->second;
    if (auto s = size.find(cache); s != size.end()) f.num["size"] = s->second;
    f.text["cache"] = cache;
    out->facts.push_back(std::move(f));
  }
  return Status::Ok();
}

}  // namespace vitals::detail
