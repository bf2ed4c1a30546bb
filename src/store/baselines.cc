// Baselines: named pointers to completed runs (`baseline:NAME`), for `vitals baseline` and
// `vitals gate`.
#include <fmt/format.h>

#include "store/store.h"
#include "store/store_internal.h"

namespace vitals {
namespace {

using detail::Stmt;

Status CheckName(const std::string& name) {
  if (detail::IsValidBaselineName(name)) return Status::Ok();
  return Status::InvalidArgument(fmt::format(
      "baseline name '{}': expected 1..64 characters of A-Z a-z 0-9 . _ - (e.g. main, v1.2)",
      name));
}

}  // namespace

Result<std::string> Store::SetBaseline(const std::string& name, const std::string& run_name) {
  VITALS_RETURN_IF_ERROR(CheckName(name));
  auto txn = detail::WriteTxn::Begin(db_, path_);
  if (!txn.ok()) return txn.status();
  auto id = ResolveRunName(run_name);
  if (!id.ok()) return id.status();
  auto status = Stmt::Prepare(db_, path_, "SELECT status FROM runs WHERE id = ?");
  if (!status.ok()) return status.status();
  status->Bind(1, *id);
  auto row = status->Step();
  if (!row.ok()) return row.status();
  // An interrupted run only when named by id: `latest` never resolves to one.
  if (*row && status->Text(0) != "completed" && status->Text(0) != "interrupted") {
    return Status::InvalidArgument(
        fmt::format("run {} is {}: a baseline must be a completed run", *id,
                    status->Text(0) == "running" ? "incomplete" : status->Text(0)));
  }
  auto st = Stmt::Prepare(db_, path_,
                          "INSERT INTO baselines (name, run_id, set_unix_ms) VALUES (?, ?, ?) "
                          "ON CONFLICT (name) DO UPDATE SET run_id = excluded.run_id, "
                          "set_unix_ms = excluded.set_unix_ms");
  if (!st.ok()) return st.status();
  st->Bind(1, name).Bind(2, *id).Bind(3, detail::NowUnixMs());
  VITALS_RETURN_IF_ERROR(st->Run());
  VITALS_RETURN_IF_ERROR(txn->Commit());
  return id;
}

Result<std::vector<Baseline>> Store::ListBaselines() {
  auto st =
      Stmt::Prepare(db_, path_, "SELECT name, run_id, set_unix_ms FROM baselines ORDER BY name");
  if (!st.ok()) return st.status();
  std::vector<Baseline> out;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    out.push_back({st->Text(0), st->Text(1), st->Int(2)});
  }
}

Result<Baseline> Store::GetBaseline(const std::string& name) {
  auto st =
      Stmt::Prepare(db_, path_, "SELECT name, run_id, set_unix_ms FROM baselines WHERE name = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, name);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (*row) return Baseline{st->Text(0), st->Text(1), st->Int(2)};
  auto all = ListBaselines();
  if (!all.ok()) return all.status();
  std::string names;
  for (const Baseline& b : *all) names += (names.empty() ? "" : ", ") + b.name;
  return Status::NotFound(fmt::format(
      "no baseline named '{}' in store '{}' ({}): set one with `vitals baseline set {} RUN`", name,
      path_, names.empty() ? "there are none" : "there are: " + names, name));
}

Status Store::RemoveBaseline(const std::string& name) {
  auto exists = GetBaseline(name);
  if (!exists.ok()) return exists.status();
  auto st = Stmt::Prepare(db_, path_, "DELETE FROM baselines WHERE name = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, name);
  return st->Run();
}

}  // namespace vitals
