// Reading runs: ListRuns, naming (ResolveRunName), GetRun, DeleteRun.
#include <charconv>

#include <fmt/format.h>

#include "store/store.h"
#include "store/store_internal.h"

namespace vitals {
namespace detail {

// For a run that is not completed, the headline numbers come from its stored all-requests
// intervals (CASE evaluates the subqueries only for those runs).
const char* const kRunInfoColumns =
    "r.id, r.status, r.started_unix_ms, COALESCE(r.finished_unix_ms, 0), r.target, r.method, "
    "r.model, r.host, r.cores, r.kernel, r.vitals_version, "
    "CASE WHEN r.result_json IS NOT NULL THEN r.duration_s ELSE (SELECT COALESCE(MAX(i.start_s + "
    "i.length_s), 0) FROM run_intervals i WHERE i.run_id = r.id AND i.request = '') END, "
    "CASE WHEN r.result_json IS NOT NULL THEN r.requests ELSE (SELECT COALESCE(SUM(i.requests), 0) "
    "FROM run_intervals i WHERE i.run_id = r.id AND i.request = '') END, "
    "CASE WHEN r.result_json IS NOT NULL THEN r.errors ELSE (SELECT COALESCE(SUM(i.errors), 0) "
    "FROM run_intervals i WHERE i.run_id = r.id AND i.request = '') END, "
    "r.error_rate, r.rate_asked, r.rate_achieved, r.p50_us, r.p95_us, r.p99_us, r.verdict, "
    "r.failure_reason, r.result_json IS NOT NULL";

RunInfo ReadRunInfo(const Stmt& st) {
  RunInfo r;
  r.id = st.Text(0);
  const std::string status = st.Text(1);
  r.status = status == "completed"     ? RunStatus::kCompleted
             : status == "failed"      ? RunStatus::kFailed
             : status == "interrupted" ? RunStatus::kInterrupted
                                       : RunStatus::kRunning;
  r.started_unix_ms = st.Int(2);
  r.finished_unix_ms = st.Int(3);
  r.target = st.Text(4);
  r.method = st.Text(5);
  r.model = st.Text(6);
  r.env.host = st.Text(7);
  r.env.cores = int(st.Int(8));
  r.env.kernel = st.Text(9);
  r.env.vitals_version = st.Text(10);
  r.duration_s = st.Double(11);
  r.requests = uint64_t(st.Int(12));
  r.errors = uint64_t(st.Int(13));
  r.has_result = st.Int(22) != 0;
  if (r.has_result) {
    r.error_rate = st.Double(14);
  } else {
    r.error_rate = r.requests ? double(r.errors) / double(r.requests) : 0;
  }
  r.rate_asked = st.Double(15);
  r.rate_achieved =
      st.IsNull(16) && r.duration_s > 0 ? double(r.requests) / r.duration_s : st.Double(16);
  r.has_latency = !st.IsNull(17);
  r.p50_us = st.Double(17);
  r.p95_us = st.Double(18);
  r.p99_us = st.Double(19);
  r.verdict = st.Text(20);
  r.failure_reason = st.Text(21);
  return r;
}

Status ReadTags(sqlite3* db, const std::string& path, RunInfo* info) {
  auto st =
      Stmt::Prepare(db, path, "SELECT key, value FROM run_tags WHERE run_id = ? ORDER BY key");
  if (!st.ok()) return st.status();
  st->Bind(1, info->id);
  info->tags.clear();
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    info->tags.emplace_back(st->Text(0), st->Text(1));
  }
}

}  // namespace detail

namespace {

using detail::Stmt;

Status NoSuchRun(const std::string& path, const std::string& name) {
  return Status::NotFound(
      fmt::format("no run named '{}' in store '{}': {}", name, path, detail::kRunNamingHelp));
}

// "latest" -> 0, "latest~3" -> 3; nullopt when `name` is not of that form.
Result<std::optional<int64_t>> ParseLatest(const std::string& name) {
  if (name == "latest") return std::optional<int64_t>(0);
  if (name.rfind("latest~", 0) != 0) return std::optional<int64_t>();
  const char* b = name.data() + 7;
  const char* e = name.data() + name.size();
  int64_t n = -1;
  auto [p, ec] = std::from_chars(b, e, n);
  if (b == e || ec != std::errc() || p != e || n < 0) {
    return Status::InvalidArgument(
        fmt::format("run name '{}': expected latest~N with N a whole number >= 0 (latest~1 is "
                    "the completed run before the latest)",
                    name));
  }
  return std::optional<int64_t>(n);
}

}  // namespace

Result<std::string> Store::ResolveRunName(const std::string& name) {
  if (name.empty()) {
    return Status::InvalidArgument(std::string("empty run name: ") + detail::kRunNamingHelp);
  }
  auto latest = ParseLatest(name);
  if (!latest.ok()) return latest.status();
  if (latest->has_value()) {
    const int64_t back = **latest;
    auto st = Stmt::Prepare(db_, path_,
                            "SELECT id FROM runs WHERE status = 'completed' "
                            "ORDER BY started_unix_ms DESC, rowid DESC LIMIT 1 OFFSET ?");
    if (!st.ok()) return st.status();
    st->Bind(1, back);
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (*row) return st->Text(0);
    auto count = Stmt::Prepare(db_, path_, "SELECT COUNT(*) FROM runs WHERE status = 'completed'");
    if (!count.ok()) return count.status();
    auto crow = count->Step();
    if (!crow.ok()) return crow.status();
    const int64_t n = count->Int(0);
    if (n == 0) {
      return Status::NotFound(fmt::format(
          "no completed run in store '{}' for '{}': run `vitals load` first (failed, incomplete "
          "and interrupted runs are never `latest`; name them by id)",
          path_, name));
    }
    return Status::NotFound(
        fmt::format("'{}' needs {} completed runs but store '{}' holds {}: the oldest is latest~{}",
                    name, back + 1, path_, n, n - 1));
  }
  if (name.rfind("baseline:", 0) == 0) {
    auto b = GetBaseline(name.substr(9));
    if (!b.ok()) return b.status();
    return b->run_id;
  }
  // Exact id, then a unique prefix.
  auto st = Stmt::Prepare(db_, path_,
                          "SELECT id FROM runs WHERE id = ?1 OR substr(id, 1, length(?1)) = ?1 "
                          "ORDER BY (id = ?1) DESC, started_unix_ms DESC LIMIT 6");
  if (!st.ok()) return st.status();
  st->Bind(1, name);
  std::vector<std::string> ids;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ids.push_back(st->Text(0));
    if (ids.front() == name) return name;
  }
  if (ids.empty()) return NoSuchRun(path_, name);
  if (ids.size() == 1) return ids.front();
  std::string list;
  for (size_t i = 0; i < ids.size() && i < 5; ++i) list += (i ? ", " : "") + ids[i];
  return Status::InvalidArgument(
      fmt::format("run name '{}' is ambiguous: it is a prefix of {}{}: give "
                  "more characters of the id",
                  name, list, ids.size() > 5 ? ", ..." : ""));
}

Result<std::vector<RunInfo>> Store::ListRuns(const RunFilter& filter) {
  std::string sql = fmt::format("SELECT {} FROM runs r", detail::kRunInfoColumns);
  for (size_t i = 0; i < filter.tags.size(); ++i) {
    sql += i == 0 ? " WHERE " : " AND ";
    sql += "EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.key = ? AND t.value = ?)";
  }
  sql += " ORDER BY r.started_unix_ms DESC, r.rowid DESC";
  if (filter.limit > 0) sql += " LIMIT ?";
  auto snapshot = detail::ReadTxn::Begin(db_, path_);
  if (!snapshot.ok()) return snapshot.status();
  auto st = Stmt::Prepare(db_, path_, sql);
  if (!st.ok()) return st.status();
  int idx = 1;
  for (const auto& [k, v] : filter.tags) {
    st->Bind(idx++, k);
    st->Bind(idx++, v);
  }
  if (filter.limit > 0) st->Bind(idx, filter.limit);
  std::vector<RunInfo> out;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(detail::ReadRunInfo(*st));
  }
  for (RunInfo& r : out) VITALS_RETURN_IF_ERROR(detail::ReadTags(db_, path_, &r));
  return out;
}

Result<std::string> Store::DeleteRun(const std::string& name) {
  auto txn = detail::WriteTxn::Begin(db_, path_);
  if (!txn.ok()) return txn.status();
  auto id = ResolveRunName(name);
  if (!id.ok()) return id.status();
  auto bl = Stmt::Prepare(db_, path_, "SELECT name FROM baselines WHERE run_id = ? ORDER BY name");
  if (!bl.ok()) return bl.status();
  bl->Bind(1, *id);
  std::string names;
  for (;;) {
    auto row = bl->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    names += (names.empty() ? "" : ", ") + bl->Text(0);
  }
  if (!names.empty()) {
    return Status::InvalidArgument(fmt::format(
        "run {} is the baseline {}: remove or move the baseline first, then delete the run", *id,
        names));
  }
  auto del = Stmt::Prepare(db_, path_, "DELETE FROM runs WHERE id = ?");
  if (!del.ok()) return del.status();
  del->Bind(1, *id);
  VITALS_RETURN_IF_ERROR(del->Run());
  VITALS_RETURN_IF_ERROR(txn->Commit());
  return id;
}

}  // namespace vitals
