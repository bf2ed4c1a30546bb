// How `vitals coordinate` and a coordinated segment (`vitals load --coordinator`) reuse the
// whole of `vitals load`'s flag handling: RunLoadWithHooks is `vitals load` with seams.
//   * plan only (the coordinator): the flags are parsed and validated into LoadOptions exactly
//     as `vitals load` does, `on_plan` gets them, and nothing runs;
//   * a segment: the run is `vitals load`'s, with its intervals and progress also handed to
//     the coordinator link, its stop flag shared with the link (a STOP frame or a silent
//     coordinator stops the run), abort_on_fail left to the coordinator (it judges the merged
//     series; a segment's share would abort too late or wrongly), and its result handed over
//     before the exit code is chosen.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "load/engine.h"

namespace vitals::cli {

struct LoadHooks {
  std::string command = "vitals load";  // names the command in error messages
  // Plan only: called with the validated options, the target as given (URL or scenario
  // file) and the scenario name ("url" for a URL); RunLoadWithHooks returns its value.
  std::function<int(const LoadOptions&, const std::string& target, const std::string& scenario)>
      on_plan;
  // A segment: `stop` is the run's stop flag (set it to end the run as Ctrl-C does).
  std::function<void(std::atomic<bool>* stop)> on_start;
  std::function<Status(const std::vector<IntervalSample>&)> on_interval;
  std::function<void(const Progress&)> on_progress;
  // The finished result (with the verdicts of the segment's own share); returns the exit
  // code to use instead of `exit_code`.
  std::function<int(const LoadResult&, int exit_code)> on_result;
};

// `vitals load` with `hooks` (nullptr: plain `vitals load`).  args[0] is the command name.
int RunLoadWithHooks(std::vector<std::string> args, LoadHooks* hooks);

}  // namespace vitals::cli
