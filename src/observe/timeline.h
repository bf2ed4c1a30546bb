// The rule catalog over time: every observed sample is evaluated with the
// rules of `vitals check`, and each (rule, subject) that fires becomes one
// finding with the time it began, the time it was last seen, and the phase
// of the run it began in.
//
// Semantics (docs/observe.md):
//   - a stretch is a run of consecutive samples of the component on which
//     the rule fires (a sample where it does not, or a gap of more than
//     `max_step_s` - a failed or skipped reading - ends it);
//   - a stretch counts when it lasts at least the rule's `for` (time from its
//     first to its last sample; `for` 0 = one sample is enough);
//   - an episode is one or more stretches that count, each starting at most
//     `merge_gap_s` after the previous one ended (a flapping condition is one
//     episode); a longer quiet gap starts a new episode, i.e. a new finding
//     (a cache that is cold at the start and collapses again in the spike
//     gives two);
//   - onset = the first sample of the episode's first stretch; end = the
//     last sample of its last one; the finding shown is the episode's first
//     reading at the highest level it reached;
//   - active_at_end when the last sample of the component still fired.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "observe/observer.h"
#include "rules/rule.h"

namespace vitals {

struct RunPhase {
  std::string name;
  double start_s = 0, end_s = 0;
};

// The phase holding t ("" when none; the last phase holds everything after its start).
std::string PhaseAt(const std::vector<RunPhase>& phases, double t_s);

struct ObservedFinding {
  Finding finding;
  double onset_s = 0;
  double end_s = 0;
  bool active_at_end = false;
  std::string phase;          // phase at the onset
  int samples = 0;            // samples on which it fired
  std::string kind = "rule";  // "rule" | "trend"
};

std::vector<ObservedFinding> EvaluateOverTime(const std::vector<RuleSet>& rules,
                                              const std::vector<ObservedComponent>& components,
                                              const std::vector<RunPhase>& phases,
                                              double merge_gap_s = 3, double max_step_s = 1.5);

// "cache hit ratio ... began at 31.0s in phase spike, lasted until 40.0s" style one-liner.
std::string DescribeOnset(const ObservedFinding& f);

}  // namespace vitals
