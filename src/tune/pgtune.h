// PostgreSQL settings from pgtune's formulas (github.com/le0pard/pgtune, configuration logic
// re-stated here in our own code; docs/tune.md lists every formula).  Pure functions.
//
// Memory values are computed in kB and written as pgtune writes them: "NGB" when a whole
// number of GB, else "NMB" when a whole number of MB, else "NkB".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tune/plan.h"

namespace vitals {

struct PgTuneInput {
  int64_t ram_bytes = 0;  // REQUIRES: > 0
  int cores = 0;          // REQUIRES: > 0
  TuneWorkload workload = TuneWorkload::kWeb;
  TuneStorage storage = TuneStorage::kSsd;
  int max_connections = 100;  // the server's (tune does not change it)
};

enum class PgTuneGroup {
  kPlanner,     // effective_cache_size, random_page_cost, effective_io_concurrency, stats target
  kCheckpoint,  // checkpoint_completion_target, min/max_wal_size
  kMemory,      // shared_buffers, work_mem, maintenance_work_mem, wal_buffers, huge_pages
  kParallel,    // max_worker_processes, max_parallel_*
};

struct PgTuneValue {
  std::string name;
  std::string value;  // "2GB", "0.9", "on"
  std::string rule;   // "shared_buffers = RAM / 4 = 2GB"
  PgTuneGroup group;
};

// Every setting pgtune would write for this input, in pgtune's order.  Parallel settings only
// with 2 or more cores (pgtune's rule); huge_pages "try" from 32 GiB of RAM, else "off".
std::vector<PgTuneValue> PgTuneRecommend(const PgTuneInput& in);

// kB -> "2GB" / "512MB" / "64kB".
std::string PgTuneFormatKb(int64_t kb);

}  // namespace vitals
