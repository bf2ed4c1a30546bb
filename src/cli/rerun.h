// Repetition for robust comparisons: `vitals gate --rerun N [--interleave] -- COMMAND` and
// `vitals compare --interleave N --command-a CMD --command-b CMD` run load commands
// themselves, A/B/A/B, and decide on all the runs they made.
//
// A command is either an argv (after `--`) or a shell string (--baseline-command,
// --command-a/-b, run by /bin/sh -c).  It runs with VITALS_STORE set to the caller's store
// and VITALS_TAGS set to tags that name the try (vitals_rerun=<id>, vitals_side=a|b,
// vitals_try=<n>), which `vitals load` adds to the run it stores; the caller then finds the
// run by those tags.  An argv whose first word is "vitals" runs this same binary.  The
// child's stdout goes to the caller's stderr, so the caller's stdout stays its own verdict.
//
// Thread-safety: one caller at a time (fork/exec, waits for the child).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "gate/run_data.h"
#include "store/store.h"

namespace vitals::cli {

struct LoadCommand {
  std::vector<std::string> argv;  // run directly, or
  std::string shell;              // run by /bin/sh -c
  bool empty() const { return argv.empty() && shell.empty(); }
  std::string Describe() const;  // for messages
};

// One try of one side: runs `cmd`, then loads the completed run it stored.  Errors: the
// command could not start, was killed, exited with a code other than 0 or 99 (thresholds),
// or stored no completed run with the try's tags (e.g. it passed --no-store or --store).
class Rerunner {
 public:
  Rerunner(Store& store, std::string store_path);
  Result<gate::RunData> Run(const LoadCommand& cmd, const char* side, int attempt);
  const std::string& id() const { return id_; }

 private:
  Store& store_;
  std::string store_path_;
  std::string id_;  // vitals_rerun=<id_>
};

}  // namespace vitals::cli
