#include "load/interval_collector.h"

#include <algorithm>
#include <cmath>

namespace vitals {
namespace {

IntervalSample NewSample(double start_s, double length_s, std::string phase, std::string request,
                         const HistogramConfig& config) {
  auto h = Histogram::Create(config);
  Histogram empty = h.ok() ? std::move(*h) : Histogram();
  return IntervalSample{start_s, length_s, std::move(phase), std::move(request), 0, 0,
                        empty,   empty};
}

void AddCell(const IntervalCell& c, IntervalSample* s) {
  s->requests += c.requests;
  s->errors += c.errors;
  (void)s->latency_corrected.Add(c.corrected);  // same config by construction
  (void)s->latency_uncorrected.Add(c.uncorrected);
}

}  // namespace

IntervalCollector::IntervalCollector(const LoadPlan& plan, std::vector<std::string> request_names,
                                     int64_t interval_ns, HistogramConfig config)
    : plan_(plan),
      names_(std::move(request_names)),
      named_(std::any_of(names_.begin(), names_.end(),
                         [](const std::string& n) { return !n.empty(); })),
      interval_ns_(interval_ns),
      config_(config) {}

void IntervalCollector::Add(WorkerInterval wi) {
  auto& slot = pending_[wi.index];
  for (IntervalCell& c : wi.cells) {
    auto key = std::make_pair(c.phase, c.request);
    auto it = slot.find(key);
    if (it == slot.end()) {
      slot.emplace(key, std::move(c));
    } else {
      it->second.requests += c.requests;
      it->second.errors += c.errors;
      (void)it->second.corrected.Add(c.corrected);
      (void)it->second.uncorrected.Add(c.uncorrected);
    }
  }
}

std::vector<IntervalSample> IntervalCollector::Emit(int64_t frontier, bool final, int64_t end_ns) {
  std::vector<IntervalSample> out;
  // Every worker finished: what is left is the final emit's (which knows the end time).
  if (!final && frontier == INT64_MAX) return out;
  // The last planned interval waits for the final emit: it may absorb the drain.
  const int64_t last_planned = std::max<int64_t>(plan_.total_ns() - 1, 0) / interval_ns_;
  int64_t stop = std::min(frontier, last_planned);
  if (final) {
    // Up to the plan's end (or the interruption), not into the drain after it, unless
    // answers arrived there.
    const int64_t until = std::max<int64_t>(std::min(end_ns, plan_.total_ns()), 1);
    const int64_t last = (until - 1) / interval_ns_;
    stop = std::max<int64_t>(next_, last + 1);
    const bool short_drain =
        end_ns > plan_.total_ns() && end_ns - plan_.total_ns() < interval_ns_ && next_ <= last;
    if (short_drain && !pending_.empty() && pending_.rbegin()->first > last) {
      auto& into = pending_[last];
      for (auto it = pending_.upper_bound(last); it != pending_.end();) {
        for (auto& [key, cell] : it->second) {
          auto same = into.find(key);
          if (same == into.end()) {
            into.emplace(key, std::move(cell));
            continue;
          }
          same->second.requests += cell.requests;
          same->second.errors += cell.errors;
          (void)same->second.corrected.Add(cell.corrected);
          (void)same->second.uncorrected.Add(cell.uncorrected);
        }
        it = pending_.erase(it);
      }
      folded_ = true;
    }
    if (!pending_.empty()) stop = std::max(stop, pending_.rbegin()->first + 1);
  }
  for (; next_ < stop; ++next_) EmitOne(next_, end_ns, final && next_ + 1 == stop, &out);
  return out;
}

void IntervalCollector::EmitOne(int64_t index, int64_t end_ns, bool last,
                                std::vector<IntervalSample>* out) {
  const double start_s = double(index * interval_ns_) / 1e9;
  double length_s = double(interval_ns_) / 1e9;
  if (last && end_ns > index * interval_ns_) {
    const double to_end_s = double(end_ns - index * interval_ns_) / 1e9;
    length_s = folded_ ? to_end_s : std::min(length_s, to_end_s);
  }
  auto it = pending_.find(index);
  if (it == pending_.end() || it->second.empty()) {
    const int64_t at = std::min(index * interval_ns_, plan_.total_ns() - 1);
    const Stage& st = plan_.stages()[size_t(plan_.StageAt(std::max<int64_t>(at, 0)))];
    out->push_back(NewSample(start_s, length_s, st.name, "", config_));
    if (it != pending_.end()) pending_.erase(it);
    return;
  }
  // Cells are ordered by (phase, request): one "" sample per phase, then its named ones.
  const auto& cells = it->second;
  for (auto c = cells.begin(); c != cells.end();) {
    const int phase = c->first.first;
    const std::string& phase_name = plan_.stages()[size_t(phase)].name;
    IntervalSample all = NewSample(start_s, length_s, phase_name, "", config_);
    auto first = c;
    for (; c != cells.end() && c->first.first == phase; ++c) AddCell(c->second, &all);
    out->push_back(std::move(all));
    if (!named_) continue;
    for (auto r = first; r != c; ++r) {
      IntervalSample one =
          NewSample(start_s, length_s, phase_name, names_[size_t(r->first.second)], config_);
      AddCell(r->second, &one);
      out->push_back(std::move(one));
    }
  }
  pending_.erase(it);
}

void IntervalSeries::Append(const std::vector<IntervalSample>& samples) {
  for (const IntervalSample& s : samples) {
    if (samples_.empty() || std::fabs(samples_.back().start_s - s.start_s) > 1e-9) ++slots_;
    samples_.push_back(s);
  }
  if (slots_ > kMaxSeriesSlots) Coarsen();
}

// Merges slot pairs (0,1), (2,3), ...: samples with the same phase and request add up; the
// merged sample starts with the first and lasts as long as both.
void IntervalSeries::Coarsen() {
  std::vector<std::vector<IntervalSample>> slots;
  for (IntervalSample& s : samples_) {
    if (slots.empty() || std::fabs(slots.back().front().start_s - s.start_s) > 1e-9) {
      slots.emplace_back();
    }
    slots.back().push_back(std::move(s));
  }
  std::vector<IntervalSample> merged;
  for (size_t i = 0; i < slots.size(); i += 2) {
    std::vector<IntervalSample> slot = std::move(slots[i]);
    if (i + 1 < slots.size()) {
      const double length =
          slots[i + 1].front().start_s + slots[i + 1].front().length_s - slot.front().start_s;
      for (IntervalSample& s : slot) s.length_s = length;
      for (IntervalSample& s : slots[i + 1]) {
        auto same = std::find_if(slot.begin(), slot.end(), [&](const IntervalSample& m) {
          return m.phase == s.phase && m.request == s.request;
        });
        if (same == slot.end()) {
          s.start_s = slot.front().start_s;
          s.length_s = length;
          slot.push_back(std::move(s));
          continue;
        }
        same->requests += s.requests;
        same->errors += s.errors;
        (void)same->latency_corrected.Add(s.latency_corrected);
        (void)same->latency_uncorrected.Add(s.latency_uncorrected);
      }
    }
    for (IntervalSample& s : slot) merged.push_back(std::move(s));
  }
  samples_ = std::move(merged);
  slots_ = (slots.size() + 1) / 2;
}

}  // namespace vitals
