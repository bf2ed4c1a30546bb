// Execution segments: one of N processes (machines) running its exact share of one plan.
//
// The open model's schedule is global (load/schedule.h): request k is due at DueNs(k).
// Segment s of S sends the requests k with k mod S == s; inside the segment, worker w of W
// sends k = s + S * (w + W * j), so the stride is S * W and the union of the S segments is
// the single-process run, each request exactly once at the same intended time.  The closed
// model's levels (connections, each stage's level at every instant, a --requests cap) are
// split first across segments and then across the segment's workers with SplitShare, whose
// remainders go to the lowest indexes, so the shares always add up to the whole.
//
// Numbering: the index is 0-based inside (JOB_COMPLETION_INDEX of a Kubernetes Indexed Job);
// `--segment I/N` on the command line is 1-based (I in 1..N) and `--segment-index I` is
// 0-based.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace vitals {

struct Segment {
  int index = 0;  // 0-based, < count
  int count = 1;  // >= 1; 1 means the whole plan
  bool whole() const { return count == 1; }
  // "2/4" (1-based, the --segment form).
  std::string Label() const;
};

inline constexpr int kMaxSegments = 4096;

// The share of `total` that part `index` of `parts` gets: total / parts, plus one for the
// first total % parts indexes.  REQUIRES: 0 <= index < parts.
inline int64_t SplitShare(int64_t total, int index, int parts) {
  return total / parts + (index < total % parts ? 1 : 0);
}

// Open model: worker w of `workers` in segment `s` sends the global requests
// k = WorkerOffset + j * WorkerStride (j = 0, 1, ...).
inline uint64_t WorkerOffset(const Segment& s, int w) {
  return uint64_t(s.index) + uint64_t(s.count) * uint64_t(w);
}
inline uint64_t WorkerStride(const Segment& s, int workers) {
  return uint64_t(s.count) * uint64_t(workers);
}

// Parses "--segment I/N" (1-based: "1/4" .. "4/4").  InvalidArgument says the form and that
// --segment-index takes a 0-based index.
Result<Segment> ParseSegment(const std::string& text);
// A 0-based index and a count (--segment-index I --segments N); InvalidArgument when out of
// range.
Result<Segment> MakeSegment(int64_t index, int64_t count);

}  // namespace vitals
