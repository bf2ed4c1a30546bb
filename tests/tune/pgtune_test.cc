#include "tune/pgtune.h"

#include <gtest/gtest.h>

#include <map>

namespace vitals {
namespace {

std::map<std::string, std::string> Values(const PgTuneInput& in) {
  std::map<std::string, std::string> out;
  for (const auto& v : PgTuneRecommend(in)) out[v.name] = v.value;
  return out;
}

// pgtune's published output for DB version 14, linux, web, 4 GB RAM, 2 CPUs, ssd (its default
// max_connections for web is 200).
TEST(PgTune, MatchesPgtuneForWeb4GbTwoCores) {
  PgTuneInput in;
  in.ram_bytes = int64_t{4} << 30;
  in.cores = 2;
  in.workload = TuneWorkload::kWeb;
  in.storage = TuneStorage::kSsd;
  in.max_connections = 200;
  auto v = Values(in);
  EXPECT_EQ(v["shared_buffers"], "1GB");
  EXPECT_EQ(v["effective_cache_size"], "3GB");
  EXPECT_EQ(v["maintenance_work_mem"], "256MB");
  EXPECT_EQ(v["checkpoint_completion_target"], "0.9");
  EXPECT_EQ(v["wal_buffers"], "16MB");
  EXPECT_EQ(v["default_statistics_target"], "100");
  EXPECT_EQ(v["random_page_cost"], "1.1");
  EXPECT_EQ(v["effective_io_concurrency"], "200");
  EXPECT_EQ(v["work_mem"], "5242kB");
  EXPECT_EQ(v["min_wal_size"], "1GB");
  EXPECT_EQ(v["max_wal_size"], "4GB");
  // pgtune sets no parallel settings below 4 CPUs.
  EXPECT_EQ(v.count("max_worker_processes"), 0u);
  EXPECT_EQ(v.count("max_parallel_workers_per_gather"), 0u);
  EXPECT_EQ(v.count("max_parallel_workers"), 0u);
  EXPECT_EQ(v.count("max_parallel_maintenance_workers"), 0u);
  EXPECT_EQ(v["huge_pages"], "off");
}

// 3 CPUs is still below pgtune's threshold of 4 (selectParallelSettings: `cpuNum < 4` returns
// no settings), so work_mem is divided by 1 worker per gather.  Computed by hand from pgtune's
// formula: (4GB - 1GB) / (200 * 3) / 1 = 3145728kB / 600 = 5242kB.
TEST(PgTune, ThreeCoresHaveNoParallelSettings) {
  PgTuneInput in;
  in.ram_bytes = int64_t{4} << 30;
  in.cores = 3;
  in.workload = TuneWorkload::kWeb;
  in.max_connections = 200;
  auto v = Values(in);
  EXPECT_EQ(v.count("max_worker_processes"), 0u);
  EXPECT_EQ(v.count("max_parallel_workers_per_gather"), 0u);
  EXPECT_EQ(v["work_mem"], "5242kB");
}

// pgtune's published output for DB version 16, linux, dw, 12 GB RAM, 4 CPUs, 100 connections,
// ssd: the first core count with parallel settings.  work_mem = (12GB - 3GB) / (100 * 3) / 2
// workers per gather / 2 (dw) = 9437184kB / 300 / 2 / 2 = 7864kB.
TEST(PgTune, FourCoresGetParallelSettings) {
  PgTuneInput in;
  in.ram_bytes = int64_t{12} << 30;
  in.cores = 4;
  in.workload = TuneWorkload::kDw;
  in.storage = TuneStorage::kSsd;
  in.max_connections = 100;
  auto v = Values(in);
  EXPECT_EQ(v["shared_buffers"], "3GB");
  EXPECT_EQ(v["effective_cache_size"], "9GB");
  EXPECT_EQ(v["maintenance_work_mem"], "1536MB");
  EXPECT_EQ(v["work_mem"], "7864kB");
  EXPECT_EQ(v["max_worker_processes"], "4");
  EXPECT_EQ(v["max_parallel_workers_per_gather"], "2");
  EXPECT_EQ(v["max_parallel_workers"], "4");
  EXPECT_EQ(v["max_parallel_maintenance_workers"], "2");
}

// pgtune for dw, 128 GB, 40 CPUs, ssd, 40 connections: maintenance capped at 2GB, statistics
// target 500, parallel workers per gather not capped at 4.
TEST(PgTune, DataWarehouseCapsAndWorkers) {
  PgTuneInput in;
  in.ram_bytes = int64_t{128} << 30;
  in.cores = 40;
  in.workload = TuneWorkload::kDw;
  in.max_connections = 40;
  auto v = Values(in);
  EXPECT_EQ(v["shared_buffers"], "32GB");
  EXPECT_EQ(v["effective_cache_size"], "96GB");
  EXPECT_EQ(v["maintenance_work_mem"], "2GB");
  EXPECT_EQ(v["default_statistics_target"], "500");
  EXPECT_EQ(v["max_parallel_workers_per_gather"], "20");
  EXPECT_EQ(v["max_parallel_maintenance_workers"], "4");
  EXPECT_EQ(v["min_wal_size"], "4GB");
  EXPECT_EQ(v["max_wal_size"], "16GB");
  EXPECT_EQ(v["huge_pages"], "try");
  // (128GB - 32GB) / (40 * 3) / 20 / 2 = 20971kB
  EXPECT_EQ(v["work_mem"], "20971kB");
}

TEST(PgTune, HddAndSmallHosts) {
  PgTuneInput in;
  in.ram_bytes = int64_t{512} << 20;
  in.cores = 1;
  in.storage = TuneStorage::kHdd;
  in.workload = TuneWorkload::kOltp;
  in.max_connections = 300;
  auto v = Values(in);
  EXPECT_EQ(v["random_page_cost"], "4");
  EXPECT_EQ(v["effective_io_concurrency"], "2");
  EXPECT_EQ(v["shared_buffers"], "128MB");
  EXPECT_EQ(v["wal_buffers"], "3932kB");  // 3 % of 128MB
  EXPECT_EQ(v.count("max_worker_processes"), 0u) << "no parallel settings for one core";
  EXPECT_EQ(v["min_wal_size"], "2GB");
  // (512MB - 128MB) / 900 = 436kB
  EXPECT_EQ(v["work_mem"], "436kB");
}

TEST(PgTune, FormatKb) {
  EXPECT_EQ(PgTuneFormatKb(1024 * 1024), "1GB");
  EXPECT_EQ(PgTuneFormatKb(1536 * 1024), "1536MB");
  EXPECT_EQ(PgTuneFormatKb(64), "64kB");
}

}  // namespace
}  // namespace vitals
