// The flags of `vitals target`'s failure modes (issue 17): --leak, --cache, --redis,
// --postgres and their settings.  Kept apart from target_command.cc so that file stays the
// listener / latency / TLS front end.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "core/status.h"
#include "target/target_options.h"

namespace vitals::cli {

struct TargetModeFlags {
  std::string leak, leak_max = "1GiB";
  int64_t cache = 0;
  double cache_keys_per_rps = 5;
  std::string cache_miss_latency = "20ms", cache_value_size = "4KiB";
  std::string redis;
  int64_t redis_keys = 0;
  std::string postgres, sql = "SELECT 1", postgres_connect = "thread";
  int64_t sql_param_max = 1'000'000;
};

// Registers the flags (in groups "Failure modes" and "Backends (test modes)") on `app`.
void AddTargetModeFlags(CLI::App& app, TargetModeFlags* flags);

// Fills options->leak / cache / backend.  Errors: InvalidArgument naming the flag.
Status ApplyTargetModeFlags(const TargetModeFlags& flags, TargetOptions* options);

// One line for the start-up message, e.g. ", leak 1 MiB every 10s (max 1 GiB)"; "" if none.
std::string DescribeTargetModes(const TargetOptions& options);

// The help text's section about the modes.
extern const char* const kTargetModesHelp;

}  // namespace vitals::cli
