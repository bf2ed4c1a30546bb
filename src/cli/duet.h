// vitals load URL_A --duet URL_B: the same schedule sent to two targets at the same time.
//
// Two engines run side by side in one process, each with its own workers and connections,
// on the same plan and the same start instant, so that whatever else the machine does in a
// second hits both targets' same interval alike.  Each side is stored as its own run, tagged
// duet=<pair id> and duet_side=a|b (plus the user's tags); `vitals compare --duet RUN` and
// `vitals gate --duet [--run RUN]` find the pair from either run and compare interval i of A
// with interval i of B (Wilcoxon signed-rank, gate/compare.h).
//
// Thread-safety: RunDuetLoad runs side B on a thread of its own and joins it before returning.
#pragma once

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "cli/run_outputs.h"
#include "gate/run_data.h"
#include "load/engine.h"
#include "store/store.h"

namespace vitals::cli {

inline constexpr const char* kDuetTag = "duet";
inline constexpr const char* kDuetSideTag = "duet_side";

struct DuetArgs {
  std::string url_b;          // base URL of side B: scheme, host and port replace A's
  RunOutputsOptions outputs;  // store; --csv / --hlog are refused in duet mode
  bool quiet = false;
  std::string json_out;  // "" or FILE: {"a": result, "b": result}
};

// Runs side A (`a`) and side B (`a` aimed at args.url_b) at once; prints both summaries and
// the command that compares them.  `stop` ends both (SIGINT).  Returns the exit code:
// 0, 99 when a threshold failed on either side, 2 for bad input, 1 for a runtime failure.
int RunDuetLoad(LoadOptions a, const DuetArgs& args, const std::atomic<bool>* stop);

// The two runs of the duet that run `name` (either side) belongs to: A first, then B.
// InvalidArgument when the run is not part of a duet or its partner is missing.
Result<std::pair<gate::RunData, gate::RunData>> LoadDuetPair(Store& store, const std::string& name);

}  // namespace vitals::cli
