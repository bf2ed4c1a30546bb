// `vitals load --coordinator HOST:PORT --segment I/N`: one segment of a coordinated run.
// Joins the coordinator (challenge / HMAC with the shared token), waits for the plan (the
// coordinator's load flags and scenario, and the common start time), runs it as `vitals load`
// does through load_hooks.h, streams each interval and a heartbeat a second, stops on the
// coordinator's STOP, and sends its result at the end.  docs/distributed.md has the protocol.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "core/status.h"

namespace vitals::cli {

// How long either side waits without hearing from the other before it gives up (heartbeats
// go both ways once a second).
inline constexpr int64_t kCoordSilenceMs = 5000;

struct SegmentJoin {
  std::string coordinator;  // HOST:PORT
  std::string timeout = "30s";
  std::string token_file;  // "": $VITALS_COORDINATOR_TOKEN
  std::string target;      // optional: checked against the coordinator's plan
  int threads = 0;         // 0: the load default
  bool quiet = false;
  std::string json_out;
  std::string segment_flag;  // --segment I/N, or
  int64_t segment_index = -1, segment_count = 0;
};

// A coordinated segment takes only where to join, which segment, and its machine's own
// settings (--threads, -q, --json, the token); InvalidArgument names any plan flag given.
Status CheckSegmentOwnFlags(const CLI::App& app);

// The shared token: --token-file FILE (first line, trimmed) or $VITALS_COORDINATOR_TOKEN; ""
// when neither is set.  InvalidArgument when the file cannot be read or is empty.
Result<std::string> CoordinatorToken(const std::string& token_file);

// Load flags a plan never carries (the coordinator refuses them; a segment refuses a plan
// that has them, so a plan can never make a segment write files or open listeners): segment
// and start flags, --threads/-t, the outputs (--csv, --hlog, --junit, --json, --store) and
// side jobs (--observe, --duet, --watch-rules, --metrics-listen).
bool IsRefusedPlanFlag(std::string_view name);

// Runs the segment; returns the process exit code.
int RunCoordinatedSegment(const SegmentJoin& join);

}  // namespace vitals::cli

namespace vitals::cli {

// What identifies a plan's target across machines: a scenario file's text (so the same file
// under another path matches), or the URL as given.  `scenario_text` (optional) receives the
// file's text ("" for a URL).  InvalidArgument when a scenario file cannot be read.
Result<std::string> TargetHash(const std::string& target, std::string* scenario_text);

}  // namespace vitals::cli
