// Session checks from one read of pg_stat_activity: long-running queries,
// long and idle-in-transaction transactions, and lock waits with their
// blockers (pg_blocking_pids, called only for sessions waiting on a lock).
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "collect/postgres_checks.h"

namespace vitals::detail {
namespace {

struct Session {
  int64_t pid = 0;
  std::string database, role, application, state, query;
  std::optional<double> query_age_s, xact_age_s, state_age_s;
  std::vector<int64_t> blocked_by;
};

// "{123,456}" -> {123, 456}.
std::vector<int64_t> ParsePidArray(std::string_view text) {
  std::vector<int64_t> out;
  int64_t v = 0;
  bool in_number = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      v = v * 10 + (c - '0');
      in_number = true;
    } else if (in_number) {
      out.push_back(v);
      v = 0;
      in_number = false;
    }
  }
  if (in_number) out.push_back(v);
  return out;
}

std::string PidList(const std::vector<int64_t>& pids) {
  std::string out;
  for (int64_t p : pids) out += (out.empty() ? "" : ", ") + std::to_string(p);
  return out;
}

bool IdleInTransaction(const Session& s) { return s.state.rfind("idle in transaction", 0) == 0; }

}  // namespace

Status CheckActivity(PgCheckContext& ctx) {
  auto rows = ctx.conn->Query(
      "SELECT a.pid, a.datname, a.usename, a.application_name, a.state, "
      "EXTRACT(EPOCH FROM now() - a.query_start)::float8, "
      "EXTRACT(EPOCH FROM now() - a.xact_start)::float8, "
      "EXTRACT(EPOCH FROM now() - a.state_change)::float8, left(a.query, 2000), "
      "CASE WHEN a.wait_event_type = 'Lock' THEN pg_catalog.pg_blocking_pids(a.pid)::text END "
      "FROM pg_catalog.pg_stat_activity a "
      "WHERE a.pid <> pg_catalog.pg_backend_pid() AND a.backend_type = 'client backend'");
  if (!rows.ok()) return rows.status();
  std::map<int64_t, Session> sessions;
  for (int r = 0; r < rows->rows(); ++r) {
    Session s;
    s.pid = static_cast<int64_t>(rows->Num(r, 0).value_or(0));
    s.database = std::string(rows->Text(r, 1));
    s.role = std::string(rows->Text(r, 2));
    s.application = std::string(rows->Text(r, 3));
    s.state = std::string(rows->Text(r, 4));
    s.query_age_s = rows->Num(r, 5);
    s.xact_age_s = rows->Num(r, 6);
    s.state_age_s = rows->Num(r, 7);
    s.query = MaskSql(rows->Text(r, 8), 300);
    if (!rows->IsNull(r, 9)) s.blocked_by = ParsePidArray(rows->Text(r, 9));
    sessions.emplace(s.pid, std::move(s));
  }
  const PostgresOptions& opt = *ctx.options;
  for (const auto& [pid, s] : sessions) {
    // Like pgHero, report the database of the DSN; other databases have
    // their own DSN (blockers are looked up server-wide).
    if (s.database != ctx.database) continue;
    std::string subject = fmt::format("pid {}", pid);
    if (s.state == "active" && s.query_age_s &&
        *s.query_age_s >= std::min(opt.long_query_s, opt.activity_floor_s)) {
      Fact& f = ctx.Add("pg.query", subject);
      f.num["pid"] = static_cast<double>(pid);
      f.num["duration_s"] = *s.query_age_s;
      f.num["threshold_s"] = opt.long_query_s;
      f.text["query"] = s.query;
      f.text["role"] = s.role;
      f.text["application"] = s.application;
      f.text["cancel_sql"] = fmt::format("SELECT pg_cancel_backend({});", pid);
    }
    if (s.xact_age_s && *s.xact_age_s >= std::min(opt.long_transaction_s, opt.activity_floor_s)) {
      Fact& f = ctx.Add("pg.transaction", subject);
      f.num["pid"] = static_cast<double>(pid);
      f.num["xact_age_s"] = *s.xact_age_s;
      if (s.state_age_s) f.num["state_age_s"] = *s.state_age_s;
      f.num["threshold_s"] = opt.long_transaction_s;
      f.num["idle_in_transaction"] = IdleInTransaction(s) ? 1 : 0;
      f.text["state"] = s.state;
      f.text["query"] = s.query;
      f.text["role"] = s.role;
      f.text["application"] = s.application;
      // An idle transaction has nothing to cancel: only ending the session
      // releases its locks and snapshot.
      f.text["end_sql"] = IdleInTransaction(s)
                              ? fmt::format("SELECT pg_terminate_backend({});", pid)
                              : fmt::format("SELECT pg_cancel_backend({});", pid);
    }
    if (!s.blocked_by.empty()) {
      Fact& f = ctx.Add("pg.blocked", subject);
      int64_t blocker = s.blocked_by.front();
      f.num["pid"] = static_cast<double>(pid);
      f.num["blocker_pid"] = static_cast<double>(blocker);
      f.num["blocker_count"] = static_cast<double>(s.blocked_by.size());
      if (s.query_age_s) f.num["wait_s"] = *s.query_age_s;
      f.text["blocked_query"] = s.query;
      f.text["blocking_pids"] = PidList(s.blocked_by);
      auto it = sessions.find(blocker);
      bool idle = false;
      if (it != sessions.end()) {
        f.text["blocker_query"] = it->second.query;
        f.text["blocker_state"] = it->second.state;
        f.text["blocker_role"] = it->second.role;
        if (it->second.xact_age_s) f.num["blocker_xact_age_s"] = *it->second.xact_age_s;
        idle = IdleInTransaction(it->second);
      } else {
        f.text["blocker_query"] = "(not visible: another database or a background process)";
        f.text["blocker_state"] = "unknown";
      }
      f.text["unblock_sql"] = idle ? fmt::format("SELECT pg_terminate_backend({});", blocker)
                                   : fmt::format("SELECT pg_cancel_backend({});", blocker);
    }
  }
  return Status::Ok();
}

}  // namespace vitals::detail
