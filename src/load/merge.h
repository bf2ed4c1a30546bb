// Merging the results of execution segments (load/segment.h) into the result of the whole
// plan, exactly: histograms add (HdrHistogram counts), counters add, interval series add
// slot by slot.  `vitals merge` reads segment results back from their JSON
// (docs/result-json.md: a segment's JSON carries its histograms, V2-encoded, under "hdr").
//
// Thread-safety: free functions, no shared state.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "load/result.h"

namespace vitals {

// One segment's result as read back from its JSON, plus what the merge needs that a
// LoadResult does not hold.
struct SegmentResult {
  LoadResult result;
  std::string origin;                        // the file it came from, for messages
  std::vector<std::string> threshold_exprs;  // the thresholds it ran with ("thresholds")
};

// Reads a result JSON written by `vitals load --segment ... --json FILE`.  InvalidArgument
// naming `origin` when the text is not a result JSON, or is one without exact histograms
// (a run that was not a segment: nothing to merge exactly).
Result<SegmentResult> SegmentFromJson(const std::string& text, const std::string& origin);

struct MergeOptions {
  // Merge what is there when segments are missing (a segment that died and left no
  // result): the merged run is interrupted (stored as such, never `latest`) and the missing
  // segments are reported (MergeSegments' `missing`, MergedJson's "partial").
  bool allow_missing = false;
};

// Merges the segments of one plan.  InvalidArgument (naming the files) when they are not the
// segments of one plan: different segment counts or scenario fingerprints, a segment given
// twice, a missing segment (listed; unless allow_missing), or different time zeros (they must
// share --start-at).  The merged result has segment_count 1, its `segments` list the
// provenance, a new run id, and the status of the worst segment (failed, then interrupted).
// `missing` (optional) receives the 0-based indexes of missing segments (allow_missing).
Result<LoadResult> MergeSegments(const std::vector<SegmentResult>& segments,
                                 const MergeOptions& options = {},
                                 std::vector<int>* missing = nullptr);

// Adds one segment's interval sample into the merged one of the same slot (same start, phase
// and request): counts add, histograms add exactly, the length is the longer.  Used by the
// offline merge and the coordinator's live merge (live_merge.h).  Errors: AddInto's.
Status AddIntervalInto(IntervalSample* into, const IntervalSample& x);

// The merged result's JSON: ToJson plus, for a partial run, "partial": {"missing_segments":
// [1-based numbers], "missing_share": fraction of the plan (each segment is 1/count)}.
std::string MergedJson(const LoadResult& merged, const std::vector<int>& missing, int count);

}  // namespace vitals
