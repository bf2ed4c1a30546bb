#include "load/live_merge.h"

#include "load/merge.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

namespace vitals {

LiveMerger::LiveMerger(int segments)
    : frontier_(size_t(std::max(segments, 1)), std::numeric_limits<int64_t>::min()) {}

Status LiveMerger::Add(int index, const std::vector<IntervalSample>& samples) {
  if (index < 0 || size_t(index) >= frontier_.size()) {
    return Status::InvalidArgument(
        fmt::format("segment index {} out of range 0..{}", index, frontier_.size() - 1));
  }
  for (const IntervalSample& s : samples) {
    const int64_t key = SlotKey(s.start_s);
    ++added_;
    // A slot already emitted cannot change any more (a segment cannot send an interval
    // older than its last one); it is kept out rather than reopening the past.
    if (key <= emitted_up_to_) continue;
    frontier_[size_t(index)] = std::max(frontier_[size_t(index)], key);
    auto& cells = pending_[key];
    auto [it, fresh] = cells.try_emplace({s.phase, s.request}, s);
    if (fresh) continue;
    VITALS_RETURN_IF_ERROR(AddIntervalInto(&it->second, s));
  }
  return Status::Ok();
}

void LiveMerger::Close(int index) {
  if (index >= 0 && size_t(index) < frontier_.size()) {
    frontier_[size_t(index)] = std::numeric_limits<int64_t>::max();
  }
}

std::vector<IntervalSample> LiveMerger::TakeComplete() {
  const int64_t done = *std::min_element(frontier_.begin(), frontier_.end());
  std::vector<IntervalSample> out;
  while (!pending_.empty() && pending_.begin()->first <= done) {
    auto node = pending_.extract(pending_.begin());
    emitted_up_to_ = node.key();
    for (auto& [key, sample] : node.mapped()) out.push_back(std::move(sample));
  }
  return out;
}

}  // namespace vitals
