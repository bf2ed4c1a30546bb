// Recorded checks (schema version 4, their plans version 8) and incident records (version 4):
// written once, read by time window.
#include <fmt/format.h>

#include "core/redact.h"
#include "store/store.h"
#include "store/store_internal.h"

namespace vitals {

using detail::Stmt;
using detail::WriteTxn;

Result<std::string> Store::RecordCheck(const CheckRecord& check) {
  VITALS_RETURN_IF_ERROR(detail::ValidateFindings(path_, check.findings_json));
  if (!check.id.empty() && !detail::IsValidRunId(check.id)) {
    return Status::InvalidArgument(
        fmt::format("run store '{}': check id '{}' must be 1..64 characters of [A-Za-z0-9._:-]",
                    path_, check.id));
  }
  auto txn = WriteTxn::Begin(db_, path_);
  if (!txn.ok()) return txn.status();
  std::string run_id;
  if (!check.run_id.empty()) {
    auto id = ResolveRunName(check.run_id);
    if (!id.ok()) return id.status();
    run_id = *id;
  }
  const std::string id = check.id.empty() ? detail::NewRecordId(check.started_unix_ms) : check.id;
  auto st = Stmt::Prepare(db_, path_,
                          "INSERT INTO checks (id, started_unix_ms, finished_unix_ms, components, "
                          "run_id, findings_json) VALUES (?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  st->Bind(1, id)
      .Bind(2, check.started_unix_ms)
      .Bind(3, check.finished_unix_ms)
      .Bind(4, check.components)
      .BindOptional(5, detail::OptionalIf(!run_id.empty(), std::string_view(run_id)))
      .Bind(6, RedactSecrets(check.findings_json));
  VITALS_RETURN_IF_ERROR(st->Run());
  for (const CheckPlan& p : check.plans) {
    auto ins = Stmt::Prepare(db_, path_,
                             "INSERT OR REPLACE INTO check_plans (check_id, target, queryid, "
                             "fingerprint, query, mean_time_s) VALUES (?, ?, ?, ?, ?, ?)");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, id)
        .Bind(2, RedactSecrets(p.target))
        .Bind(3, p.queryid)
        .Bind(4, p.fingerprint)
        .Bind(5, RedactSecrets(p.query))
        .Bind(6, p.mean_time_s);
    VITALS_RETURN_IF_ERROR(ins->Run());
  }
  VITALS_RETURN_IF_ERROR(txn->Commit());
  return id;
}

Result<std::vector<CheckRecord>> Store::ListChecks(int64_t from_unix_ms, int64_t to_unix_ms) {
  auto st = Stmt::Prepare(db_, path_,
                          "SELECT id, started_unix_ms, finished_unix_ms, components, run_id, "
                          "findings_json FROM checks WHERE finished_unix_ms >= ? AND "
                          "started_unix_ms <= ? ORDER BY finished_unix_ms, id");
  if (!st.ok()) return st.status();
  st->Bind(1, from_unix_ms).Bind(2, to_unix_ms);
  std::vector<CheckRecord> out;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    CheckRecord c;
    c.id = st->Text(0);
    c.started_unix_ms = st->Int(1);
    c.finished_unix_ms = st->Int(2);
    c.components = st->Text(3);
    c.run_id = st->Text(4);
    c.findings_json = st->Text(5);
    out.push_back(std::move(c));
  }
  return out;
}

Result<RecordedPlans> Store::LatestCheckPlans(const std::string& target) {
  auto st = Stmt::Prepare(db_, path_,
                          "SELECT c.id, c.finished_unix_ms FROM checks c WHERE EXISTS (SELECT 1 "
                          "FROM check_plans p WHERE p.check_id = c.id AND p.target = ?) "
                          "ORDER BY c.finished_unix_ms DESC, c.id DESC LIMIT 1");
  if (!st.ok()) return st.status();
  st->Bind(1, RedactSecrets(target));
  RecordedPlans out;
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return out;
  out.check_id = st->Text(0);
  out.finished_unix_ms = st->Int(1);
  auto plans = Stmt::Prepare(db_, path_,
                             "SELECT target, queryid, fingerprint, query, mean_time_s FROM "
                             "check_plans WHERE check_id = ? AND target = ? ORDER BY queryid");
  if (!plans.ok()) return plans.status();
  plans->Bind(1, out.check_id).Bind(2, RedactSecrets(target));
  for (;;) {
    auto r = plans->Step();
    if (!r.ok()) return r.status();
    if (!*r) break;
    CheckPlan p;
    p.target = plans->Text(0);
    p.queryid = plans->Text(1);
    p.fingerprint = plans->Text(2);
    p.query = plans->Text(3);
    p.mean_time_s = plans->Double(4);
    out.plans.push_back(std::move(p));
  }
  return out;
}

Result<std::string> Store::SaveIncident(const IncidentInfo& info, const std::string& record_json) {
  auto txn = WriteTxn::Begin(db_, path_);
  if (!txn.ok()) return txn.status();
  const int64_t created = info.created_unix_ms > 0 ? info.created_unix_ms : detail::NowUnixMs();
  const std::string id = info.id.empty() ? detail::NewRecordId(created) : info.id;
  auto st = Stmt::Prepare(db_, path_,
                          "INSERT INTO incidents (id, created_unix_ms, from_unix_ms, to_unix_ms, "
                          "severity, title, record_json) VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  st->Bind(1, id)
      .Bind(2, created)
      .Bind(3, info.from_unix_ms)
      .Bind(4, info.to_unix_ms)
      .Bind(5, info.severity)
      .Bind(6, RedactSecrets(info.title))
      .Bind(7, RedactSecrets(record_json));
  VITALS_RETURN_IF_ERROR(st->Run());
  VITALS_RETURN_IF_ERROR(txn->Commit());
  return id;
}

namespace {

constexpr const char* kIncidentColumns =
    "id, created_unix_ms, from_unix_ms, to_unix_ms, severity, title";

IncidentInfo ReadIncidentInfo(const Stmt& st) {
  IncidentInfo i;
  i.id = st.Text(0);
  i.created_unix_ms = st.Int(1);
  i.from_unix_ms = st.Int(2);
  i.to_unix_ms = st.Int(3);
  i.severity = st.Text(4);
  i.title = st.Text(5);
  return i;
}

}  // namespace

Result<std::vector<IncidentInfo>> Store::ListIncidents() {
  auto st =
      Stmt::Prepare(db_, path_,
                    fmt::format("SELECT {} FROM incidents ORDER BY created_unix_ms DESC, id DESC",
                                kIncidentColumns));
  if (!st.ok()) return st.status();
  std::vector<IncidentInfo> out;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(ReadIncidentInfo(*st));
  }
  return out;
}

Result<StoredIncident> Store::GetIncident(const std::string& name) {
  const bool latest = name == "latest";
  auto st = Stmt::Prepare(
      db_, path_,
      latest ? fmt::format("SELECT {}, record_json FROM incidents ORDER BY created_unix_ms DESC, "
                           "id DESC LIMIT 1",
                           kIncidentColumns)
             : fmt::format("SELECT {}, record_json FROM incidents WHERE id = ?1 OR "
                           "substr(id, 1, length(?1)) = ?1 ORDER BY id LIMIT 3",
                           kIncidentColumns));
  if (!st.ok()) return st.status();
  if (!latest) st->Bind(1, name);
  std::vector<StoredIncident> found;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    StoredIncident s{ReadIncidentInfo(*st), st->Text(6)};
    if (s.info.id == name) return s;  // an exact id wins over longer ids it prefixes
    found.push_back(std::move(s));
  }
  if (found.empty()) {
    return Status::NotFound(fmt::format(
        "run store '{}': no incident record named '{}'; name one by its id or a unique prefix "
        "(as `vitals incident list` shows) or `latest`",
        path_, name));
  }
  if (found.size() > 1) {
    std::string ids;
    for (const auto& f : found) ids += (ids.empty() ? "" : ", ") + f.info.id;
    return Status::InvalidArgument(fmt::format(
        "run store '{}': '{}' is the start of more than one incident id ({}); give more of it",
        path_, name, ids));
  }
  return std::move(found.front());
}

}  // namespace vitals
