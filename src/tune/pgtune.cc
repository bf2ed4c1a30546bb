#include "tune/pgtune.h"

#include <algorithm>

#include <fmt/format.h>

namespace vitals {

std::string PgTuneFormatKb(int64_t kb) {
  constexpr int64_t kMb = 1024, kGb = 1024 * 1024;
  if (kb > 0 && kb % kGb == 0) return fmt::format("{}GB", kb / kGb);
  if (kb > 0 && kb % kMb == 0) return fmt::format("{}MB", kb / kMb);
  return fmt::format("{}kB", kb);
}

std::vector<PgTuneValue> PgTuneRecommend(const PgTuneInput& in) {
  const int64_t ram_kb = in.ram_bytes / 1024;
  const TuneWorkload w = in.workload;
  const bool dw = w == TuneWorkload::kDw;
  std::vector<PgTuneValue> out;
  auto add = [&](std::string name, std::string value, std::string rule, PgTuneGroup g) {
    out.push_back({std::move(name), std::move(value), std::move(rule), g});
  };

  const int64_t shared_kb = ram_kb / 4;
  add("shared_buffers", PgTuneFormatKb(shared_kb), "shared_buffers = RAM / 4",
      PgTuneGroup::kMemory);
  add("effective_cache_size", PgTuneFormatKb(ram_kb * 3 / 4), "effective_cache_size = RAM * 3/4",
      PgTuneGroup::kPlanner);

  constexpr int64_t kMaintenanceCapKb = 2 * 1024 * 1024;
  const int64_t maint_kb = std::min(dw ? ram_kb / 8 : ram_kb / 16, kMaintenanceCapKb);
  add("maintenance_work_mem", PgTuneFormatKb(maint_kb),
      dw ? "maintenance_work_mem = RAM / 8 (dw), at most 2GB"
         : "maintenance_work_mem = RAM / 16, at most 2GB",
      PgTuneGroup::kMemory);

  add("checkpoint_completion_target", "0.9", "checkpoint_completion_target = 0.9",
      PgTuneGroup::kCheckpoint);

  // wal_buffers: 3 % of shared_buffers, at most 16MB (pgtune rounds 14..16MB up to 16MB), at
  // least 32kB.
  int64_t wal_kb = shared_kb * 3 / 100;
  constexpr int64_t kWalMaxKb = 16 * 1024;
  if (wal_kb > kWalMaxKb) wal_kb = kWalMaxKb;
  if (wal_kb > 14 * 1024 && wal_kb < kWalMaxKb) wal_kb = kWalMaxKb;
  if (wal_kb < 32) wal_kb = 32;
  add("wal_buffers", PgTuneFormatKb(wal_kb), "wal_buffers = shared_buffers * 3 %, 32kB..16MB",
      PgTuneGroup::kMemory);

  add("default_statistics_target", dw ? "500" : "100",
      dw ? "default_statistics_target = 500 (dw)" : "default_statistics_target = 100",
      PgTuneGroup::kPlanner);

  const bool hdd = in.storage == TuneStorage::kHdd;
  add("random_page_cost", hdd ? "4" : "1.1",
      hdd ? "random_page_cost = 4 (hdd)" : "random_page_cost = 1.1 (ssd/san)",
      PgTuneGroup::kPlanner);
  const char* io = hdd ? "2" : in.storage == TuneStorage::kSan ? "300" : "200";
  add("effective_io_concurrency", io,
      fmt::format("effective_io_concurrency = {} ({})", io, TuneStorageName(in.storage)),
      PgTuneGroup::kPlanner);

  // Parallel workers: pgtune's selectParallelSettings returns nothing below 4 cores (then
  // work_mem is divided by 1 worker per gather).
  int per_gather = 1;
  if (in.cores >= 4) {
    per_gather = (in.cores + 1) / 2;
    if (!dw) per_gather = std::min(per_gather, 4);
    const int maint_workers = std::min((in.cores + 1) / 2, 4);
    const std::string cores = std::to_string(in.cores);
    add("max_worker_processes", cores, "max_worker_processes = cores", PgTuneGroup::kParallel);
    add("max_parallel_workers_per_gather", std::to_string(per_gather),
        dw ? "max_parallel_workers_per_gather = cores / 2 (dw)"
           : "max_parallel_workers_per_gather = cores / 2, at most 4",
        PgTuneGroup::kParallel);
    add("max_parallel_workers", cores, "max_parallel_workers = cores", PgTuneGroup::kParallel);
    add("max_parallel_maintenance_workers", std::to_string(maint_workers),
        "max_parallel_maintenance_workers = cores / 2, at most 4", PgTuneGroup::kParallel);
  }

  // work_mem = (RAM - shared_buffers) / (max_connections * 3) / workers per gather, halved for
  // dw and mixed, at least 64kB.
  int64_t work_kb = (ram_kb - shared_kb) / (int64_t{std::max(in.max_connections, 1)} * 3) /
                    std::max(per_gather, 1);
  const bool halve = dw || w == TuneWorkload::kMixed;
  if (halve) work_kb /= 2;
  work_kb = std::max<int64_t>(work_kb, 64);
  add("work_mem", PgTuneFormatKb(work_kb),
      fmt::format("work_mem = (RAM - shared_buffers) / (max_connections {} * 3) / {} workers per "
                  "gather{}, at least 64kB",
                  in.max_connections, per_gather, halve ? " / 2 (dw, mixed)" : ""),
      PgTuneGroup::kMemory);

  struct Wal {
    const char* min;
    const char* max;
  };
  const Wal wal = w == TuneWorkload::kOltp ? Wal{"2GB", "8GB"}
                  : dw                     ? Wal{"4GB", "16GB"}
                                           : Wal{"1GB", "4GB"};
  add("min_wal_size", wal.min, fmt::format("min_wal_size = {} ({})", wal.min, TuneWorkloadName(w)),
      PgTuneGroup::kCheckpoint);
  add("max_wal_size", wal.max, fmt::format("max_wal_size = {} ({})", wal.max, TuneWorkloadName(w)),
      PgTuneGroup::kCheckpoint);

  constexpr int64_t k32GiB = int64_t{32} << 30;
  add("huge_pages", in.ram_bytes >= k32GiB ? "try" : "off",
      in.ram_bytes >= k32GiB ? "huge_pages = try (RAM >= 32GB)" : "huge_pages = off (RAM < 32GB)",
      PgTuneGroup::kMemory);
  return out;
}

}  // namespace vitals
