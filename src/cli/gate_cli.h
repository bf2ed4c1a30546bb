// Helpers shared by `vitals baseline`, `compare`, `gate` and `history`: opening the store,
// parsing k=v tags, and mapping errors to exit codes (a bad run or baseline name is a usage
// error, exit 2, like a bad flag).
#pragma once

#include <cstdio>
#include <string>
#include <utility>

#include "cli/commands.h"
#include "core/status.h"
#include "store/store.h"

namespace vitals::cli {

inline constexpr const char* kStoreFlagHelp =
    "run store file (default: $VITALS_STORE, else ./.vitals/vitals.db)";

inline constexpr const char* kRunNamingText =
    "Naming a run: its id or a unique prefix of it (`vitals runs list`), `latest` (the newest\n"
    "completed run), `latest~N` (the N-th completed run before it), `baseline:NAME`, or a\n"
    "result JSON file written by `vitals load --json FILE` (its path, ending in .json).\n";

// Prints "<cmd>: error: <message>"; NotFound and InvalidArgument are usage errors (2).
inline int FailWith(const std::string& cmd, const Status& st) {
  std::fprintf(stderr, "%s: error: %s\n", cmd.c_str(), st.message().c_str());
  return st.code() == Status::Code::kInvalidArgument || st.code() == Status::Code::kNotFound
             ? kExitUsage
             : kExitFailure;
}

// "k=v" -> {k, v}; InvalidArgument naming the flag otherwise.
inline Result<std::pair<std::string, std::string>> ParseTagFlag(const std::string& flag,
                                                                const std::string& t) {
  const size_t eq = t.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Status::InvalidArgument(flag + " '" + t + "': expected key=value, e.g. commit=abc123");
  }
  return std::make_pair(t.substr(0, eq), t.substr(eq + 1));
}

// Opens an existing store; the NotFound message says how runs get there.
inline Result<Store> OpenExistingStore(const std::string& flag) {
  const std::string path = ResolveStorePath(flag);
  auto store = Store::Open(path, Store::OpenMode::kExisting);
  if (!store.ok() && store.status().code() == Status::Code::kNotFound) {
    return Status::NotFound("no run store at '" + path +
                            "': `vitals load URL` creates it and stores each run (or pass "
                            "--store PATH / set VITALS_STORE)");
  }
  return store;
}

}  // namespace vitals::cli
