// The coordinator's live merge of its segments' interval series (vitals coordinate).
//
// Each segment sends the samples of its intervals as they close, whole intervals at a time
// and in time order (the engine's on_interval contract), all segments on one time zero and
// one interval length, so an interval's slot is the same start_s everywhere.  LiveMerger adds
// the samples of one slot (same phase and request) exactly: counts add, histograms add.  A
// slot is complete once every segment still running has sent it (or a later one); a segment
// that finished or was lost is no longer waited for.
//
// Cost: one histogram add per sample received; memory: the slots not complete yet (a lagging
// segment holds at most its lag's worth of slots).
//
// Thread-safety: one owner.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "load/result.h"

namespace vitals {

class LiveMerger {
 public:
  explicit LiveMerger(int segments);

  // Samples of segment `index` (0-based), whole intervals in time order.  InvalidArgument for
  // an index out of range or histograms that cannot be added (different configurations).
  Status Add(int index, const std::vector<IntervalSample>& samples);
  // Segment `index` sends nothing more (it finished, or it was lost).
  void Close(int index);
  // The merged samples of every slot complete since the last call, in time order.
  std::vector<IntervalSample> TakeComplete();
  // Samples received so far, of all segments.
  uint64_t samples_added() const { return added_; }

 private:
  static int64_t SlotKey(double start_s) { return int64_t(start_s * 1e6 + 0.5); }

  std::vector<int64_t> frontier_;  // per segment: key of its latest slot; INT64_MAX closed
  std::map<int64_t, std::map<std::pair<std::string, std::string>, IntervalSample>> pending_;
  int64_t emitted_up_to_ = INT64_MIN;  // slots <= this were emitted
  uint64_t added_ = 0;
};

}  // namespace vitals
