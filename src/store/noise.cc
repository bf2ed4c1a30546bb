// The generator's noise per interval (load/noise.h) in table run_noise (schema v3).
// NaN (not measured) is stored as NULL and read back as NaN.

#include <fmt/format.h>

#include "store/store.h"
#include "store/store_internal.h"

namespace vitals {
namespace detail {
namespace {

double ColumnOrAbsent(const Stmt& st, int col) {
  return st.IsNull(col) ? NoiseInterval::kAbsent : st.Double(col);
}

}  // namespace

Status InsertNoise(sqlite3* db, const std::string& path, const std::string& run_id,
                   const std::vector<NoiseInterval>& noise) {
  if (noise.empty()) return Status::Ok();
  auto st = Stmt::Prepare(db, path,
                          "INSERT OR REPLACE INTO run_noise (run_id, start_s, length_s, probes, "
                          "sched_delay_p99_us, sched_delay_max_us, send_lag_p99_us, gen_cpu_pct, "
                          "steal_pct, psi_cpu_pct, runnable_per_cpu) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  for (const NoiseInterval& n : noise) {
    st->Reset();
    st->Bind(1, run_id).Bind(2, n.start_s).Bind(3, n.length_s).Bind(4, n.probes);
    st->BindOptional(5, Finite(n.sched_delay_p99_us));
    st->BindOptional(6, Finite(n.sched_delay_max_us));
    st->BindOptional(7, Finite(n.send_lag_p99_us));
    st->BindOptional(8, Finite(n.gen_cpu_pct));
    st->BindOptional(9, Finite(n.steal_pct));
    st->BindOptional(10, Finite(n.psi_cpu_pct));
    st->BindOptional(11, Finite(n.runnable_per_cpu));
    VITALS_RETURN_IF_ERROR(st->Run());
  }
  return Status::Ok();
}

Status ReadNoise(sqlite3* db, const std::string& path, StoredRun* run) {
  auto st = Stmt::Prepare(db, path,
                          "SELECT start_s, length_s, probes, sched_delay_p99_us, "
                          "sched_delay_max_us, send_lag_p99_us, gen_cpu_pct, steal_pct, "
                          "psi_cpu_pct, runnable_per_cpu FROM run_noise WHERE run_id = ? "
                          "ORDER BY start_s");
  if (!st.ok()) return st.status();
  st->Bind(1, run->info.id);
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    NoiseInterval n;
    n.start_s = st->Double(0);
    n.length_s = st->Double(1);
    n.probes = uint64_t(st->Int(2));
    n.sched_delay_p99_us = ColumnOrAbsent(*st, 3);
    n.sched_delay_max_us = ColumnOrAbsent(*st, 4);
    n.send_lag_p99_us = ColumnOrAbsent(*st, 5);
    n.gen_cpu_pct = ColumnOrAbsent(*st, 6);
    n.steal_pct = ColumnOrAbsent(*st, 7);
    n.psi_cpu_pct = ColumnOrAbsent(*st, 8);
    n.runnable_per_cpu = ColumnOrAbsent(*st, 9);
    run->noise.push_back(n);
  }
}

}  // namespace detail

Status Store::AppendNoise(const std::string& run_id, const std::vector<NoiseInterval>& noise) {
  auto txn = detail::WriteTxn::Begin(db_, path_);
  if (!txn.ok()) return txn.status();
  VITALS_RETURN_IF_ERROR(detail::RequireRunning(db_, path_, run_id, "append noise to"));
  VITALS_RETURN_IF_ERROR(detail::InsertNoise(db_, path_, run_id, noise));
  return txn->Commit();
}

}  // namespace vitals
