// The tune plan: a value (printed, stored in the backup, diffable) that `vitals tune --apply`
// consumes exactly.  Terraform's plan-then-apply; printing the plan is the default and changes
// nothing.
//
// A plan is a list of PlanItems, each produced by one change kind (tune/change.h) and carried
// out by the same kind.  Items with a non-empty `skip` are shown (the user sees why a value is
// left alone) and never applied.
//
// Thread-safety: values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vitals {

enum class TuneStrategy { kConservative, kBalanced, kAggressive };
enum class TuneWorkload { kWeb, kOltp, kDw, kMixed };
enum class TuneStorage { kSsd, kHdd, kSan };

const char* TuneStrategyName(TuneStrategy s);
const char* TuneWorkloadName(TuneWorkload w);
const char* TuneStorageName(TuneStorage s);

// A change the user asked for by name (`--set component:name=value`).
struct ManualSet {
  std::string component;  // "postgres" | "redis" | "host"
  std::string name;       // setting, CONFIG parameter or sysctl key (net.core.somaxconn)
  std::string value;
};

// What the planners read besides the components themselves.
struct TuneOptions {
  TuneStrategy strategy = TuneStrategy::kBalanced;
  TuneWorkload workload = TuneWorkload::kWeb;
  TuneStorage storage = TuneStorage::kSsd;
  // Host size for the formulas: given (--ram, --cores) or read from this host (/proc/meminfo,
  // online CPUs).  ram_source / cores_source say which, for the plan.
  int64_t ram_bytes = 0;
  int cores = 0;
  std::string ram_source;
  std::string cores_source;
  // Memory the host uses now (MemTotal - MemAvailable) when RAM was read from this host, else 0
  // (Redis' maxmemory leaves it out).
  int64_t host_used_bytes = 0;
  bool override_manual = false;   // --override: also change values set by hand
  bool allow_restart = false;     // --allow-restart
  bool redis_rewrite = false;     // --rewrite: CONFIG REWRITE when the server has a config file
  std::vector<ManualSet> manual;  // --set
  // PostgreSQL object changes (tune/pg_index.cc): SET lock_timeout / statement_timeout around
  // each CREATE / DROP / REINDEX INDEX CONCURRENTLY (--index-lock-timeout,
  // --index-statement-timeout).
  int64_t index_lock_timeout_ms = 5'000;
  int64_t index_statement_timeout_ms = 30 * 60'000;
  // --only: keep only items with these names ("net.*" matches a prefix); the rest are skipped.
  std::vector<std::string> only;
  // Components asked for (--postgres / --redis / --host, narrowed by --component).
  bool postgres = false;
  bool redis = false;
  bool host = false;
};

struct PlanItem {
  std::string kind;        // the change kind that owns it: "pg.setting", "redis.config", ...
  std::string component;   // "postgres" | "redis" | "host"
  std::string name;        // what changes: a setting, a CONFIG parameter, a sysctl, an object
  std::string current;     // as the component shows it now ("" when it does not exist yet)
  std::string proposed;    // the value (or object definition) apply writes
  std::string rule;        // the formula or rule: "shared_buffers = RAM / 4"
  std::string source;      // where the rule comes from: "pgtune", "docs/runbooks/redis.md", "--set"
  std::string effect;      // "reload", "restart needed", "lock: ...", "time: ..."
  bool restart = false;    // takes effect only after a restart
  bool exact_undo = true;  // rollback restores the old state exactly
  std::string skip;        // non-empty: shown, not applied, and why
  nlohmann::json detail = nlohmann::json::object();  // kind-specific facts (current source ...)
};

struct Plan {
  TuneOptions options;
  std::map<std::string, std::string> targets;  // component -> masked DSN / URL / proc root
  std::vector<PlanItem> items;
  // Things the user must know that are not items: conflicts (overcommit), evidence, what was
  // not read and why.  One line each.
  std::vector<std::string> notes;
  // Preflight: per missing privilege, "apply needs ..." (what is missing and how to grant it).
  // Empty when --apply may go ahead.
  std::vector<std::string> apply_needs;
  // Items that would be applied (no skip).
  int ApplicableCount() const;
};

// The plan as text (one block per component) and as the --json document (docs/tune.md).
std::string PlanToText(const Plan& plan);
nlohmann::json PlanToJson(const Plan& plan);

}  // namespace vitals
