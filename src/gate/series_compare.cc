#include "gate/series_compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/series_name.h"

namespace vitals::gate {
namespace {

void Summarize(const StoredSeries& s, double* mean, double* p95) {
  std::vector<double> v;
  for (const auto& [t, x] : s.points) v.push_back(x);
  if (v.empty()) return;
  double sum = 0;
  for (double x : v) sum += x;
  *mean = sum / double(v.size());
  std::sort(v.begin(), v.end());
  *p95 = v[std::min(v.size() - 1, size_t(std::ceil(0.95 * double(v.size()))) - 1)];
}

std::string Value(double v, const std::string& unit) {
  if (unit == "ratio") return fmt::format("{:.1f}%", v * 100);
  if (unit == "bytes") return fmt::format("{:.1f} MB", v / 1e6);
  if (unit == "s") return fmt::format("{:.1f} ms", v * 1e3);
  return fmt::format("{:.3g}", v);
}

std::string Label(const SeriesChange& c) { return SeriesDisplayName(c.name, c.subject); }

}  // namespace

std::vector<SeriesChange> CompareSeries(const RunData& a, const RunData& b) {
  std::map<std::pair<std::string, std::string>, SeriesChange> by_key;
  for (const RunData* r : {&a, &b}) {
    for (const StoredSeries& s : r->server_series) {
      SeriesChange& c = by_key[{s.name, s.subject}];
      c.name = s.name;
      c.subject = s.subject;
      c.unit = s.unit;
      if (r == &a) {
        c.in_a = true;
        Summarize(s, &c.a_mean, &c.a_p95);
      } else {
        c.in_b = true;
        Summarize(s, &c.b_mean, &c.b_p95);
      }
    }
  }
  std::vector<SeriesChange> out;
  for (auto& [key, c] : by_key) {
    if (c.in_a && c.in_b && c.a_mean != 0) c.change = (c.b_mean - c.a_mean) / std::fabs(c.a_mean);
    out.push_back(c);
  }
  return out;
}

std::string FormatSeriesChanges(const std::vector<SeriesChange>& changes) {
  if (changes.empty()) return "";
  std::string out = "\nserver-side series (mean over the run, A -> B; vitals load --observe):\n";
  for (const SeriesChange& c : changes) {
    if (c.in_a && c.in_b) {
      out += fmt::format("  {:<40} {} -> {}{}\n", Label(c), Value(c.a_mean, c.unit),
                         Value(c.b_mean, c.unit),
                         c.a_mean != 0 ? fmt::format("  ({:+.1f}%)", c.change * 100) : "");
    } else {
      out += fmt::format("  {:<40} only in {}\n", Label(c), c.in_a ? "A" : "B");
    }
  }
  return out;
}

nlohmann::json SeriesChangesJson(const std::vector<SeriesChange>& changes) {
  nlohmann::json out = nlohmann::json::array();
  for (const SeriesChange& c : changes) {
    nlohmann::json j = {{"name", c.name},
                        {"subject", c.subject},
                        {"unit", c.unit},
                        {"in_a", c.in_a},
                        {"in_b", c.in_b}};
    if (c.in_a) j["a"] = {{"mean", c.a_mean}, {"p95", c.a_p95}};
    if (c.in_b) j["b"] = {{"mean", c.b_mean}, {"p95", c.b_p95}};
    if (c.in_a && c.in_b) j["change"] = c.change;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace vitals::gate
