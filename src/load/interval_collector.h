// Turns the workers' interval cells into the run's time series.
//
// IntervalCollector merges the cells every worker handed over for an interval and, once every
// worker has moved past it, emits the interval's IntervalSamples:
//   * per phase with requests completing in the interval: one sample with request "" (all
//     requests of that phase), plus one per request name when the mix has names;
//   * an interval in which nothing completed: one empty sample (request "", the phase the plan
//     was in at the interval's start), so stalls show as zero-rate intervals, not gaps.
// Every sample carries its real length, so a rate is always requests / length_s:
//   * the last planned interval is held back until the final emit; when the run ends less
//     than one interval after the plan (the drain of the last answers), the answers of the
//     drain are folded into it and it lasts until the run's end (e.g. 1.004 s), instead of a
//     4 ms interval whose one answer would read as 250 req/s;
//   * an interrupted run's last interval ends at the interruption.
// IntervalSeries keeps the emitted samples for the LoadResult with bounded memory: past
// kMaxSeriesSlots intervals it merges neighbouring intervals pairwise (2 s, then 4 s, ... for
// the oldest part of a long run), like a round-robin database.  The store, --csv and --hlog
// receive every interval at full resolution as it is emitted.
//
// Thread-safety: one owner (the engine's thread).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/histogram.h"
#include "load/result.h"
#include "load/schedule.h"
#include "load/worker.h"

namespace vitals {

class IntervalCollector {
 public:
  // `request_names`: one per request of the mix; all "" for the single-URL form (then only
  // the all-requests samples are emitted).
  IntervalCollector(const LoadPlan& plan, std::vector<std::string> request_names,
                    int64_t interval_ns, HistogramConfig config);

  void Add(WorkerInterval wi);
  // Emits, in time order, every interval with index < frontier not emitted yet, except the
  // last planned one (and, when `final`, every interval up to the last one with data or the
  // one holding the end of the plan or of the run, whichever is earlier: the drain after the
  // plan adds no empty ones).  end_ns (from the run start) sets the length of the last
  // interval of a final emit: shorter when the run was cut, longer when it absorbed a drain
  // shorter than one interval (see above).
  std::vector<IntervalSample> Emit(int64_t frontier, bool final, int64_t end_ns);

 private:
  void EmitOne(int64_t index, int64_t end_ns, bool last, std::vector<IntervalSample>* out);

  const LoadPlan& plan_;
  std::vector<std::string> names_;
  bool named_;
  int64_t interval_ns_;
  HistogramConfig config_;
  // index -> (phase, request) -> merged cell
  std::map<int64_t, std::map<std::pair<int, int>, IntervalCell>> pending_;
  int64_t next_ = 0;     // next index to emit
  bool folded_ = false;  // the final emit folded a drain into the last planned interval
};

inline constexpr size_t kMaxSeriesSlots = 1024;

class IntervalSeries {
 public:
  void Append(const std::vector<IntervalSample>& samples);
  std::vector<IntervalSample> Take() { return std::move(samples_); }
  size_t slots() const { return slots_; }

 private:
  void Coarsen();
  std::vector<IntervalSample> samples_;  // time order; slots are runs of equal start_s
  size_t slots_ = 0;
};

}  // namespace vitals
