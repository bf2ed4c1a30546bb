// Change kind "pg.setting": PostgreSQL settings written with ALTER SYSTEM (postgresql.auto.conf)
// and applied with pg_reload_conf().  Plans pgtune's values (tune/pgtune.h) and --set items.
// The snapshot keeps pg_settings' setting, source and pending_restart AND the auto.conf entry
// (or its absence), so rollback either SETs the old entry or RESETs it.
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "core/closest_match.h"
#include "tune/kinds.h"
#include "tune/pg_value.h"
#include "tune/pgtune.h"
#include "tune/secret_params.h"

namespace vitals {
namespace {

using detail::PgConn;
using detail::PgQuoteLiteral;

constexpr int64_t kSettleMs = 10'000;  // how long a reload may take to show everywhere

struct Row {
  std::string setting, unit, source, context, vartype, shown;
  bool pending_restart = false;
};

Result<std::map<std::string, Row>> ReadRows(PgConn& pg, const std::vector<std::string>& names) {
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + PgQuoteLiteral(n);
  if (list.empty()) return std::map<std::string, Row>{};
  auto rows = pg.Query(
      "SELECT name, setting, COALESCE(unit, ''), source, context, vartype, current_setting(name), "
      "pending_restart FROM pg_settings WHERE name IN (" +
      list + ")");
  if (!rows.ok()) return rows.status();
  std::map<std::string, Row> out;
  for (int r = 0; r < rows->rows(); ++r) {
    Row row{std::string(rows->Text(r, 1)),
            std::string(rows->Text(r, 2)),
            std::string(rows->Text(r, 3)),
            std::string(rows->Text(r, 4)),
            std::string(rows->Text(r, 5)),
            std::string(rows->Text(r, 6)),
            rows->Bool(r, 7)};
    out.emplace(std::string(rows->Text(r, 0)), std::move(row));
  }
  return out;
}

// postgresql.auto.conf's entries (name -> value), as pg_file_settings parses the file now.
Result<std::map<std::string, std::string>> ReadAutoConf(PgConn& pg) {
  auto rows = pg.Query(
      "SELECT name, setting FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf' "
      "ORDER BY seqno");
  if (!rows.ok()) return rows.status();
  std::map<std::string, std::string> out;
  for (int r = 0; r < rows->rows(); ++r) {
    out[std::string(rows->Text(r, 0))] = std::string(rows->Text(r, 1));
  }
  return out;
}

bool Reloadable(const std::string& context) {
  return context == "sighup" || context == "user" || context == "superuser";
}

bool FromConfig(const std::string& source) {
  return source == "default" || source == "configuration file";
}

std::string AlterSet(const std::string& name, const std::string& value) {
  return fmt::format("ALTER SYSTEM SET {} = {}", name, PgQuoteLiteral(value));
}

// Runs `sql`, audits it; errors say which statement failed.
Status RunAudited(TuneSession& s, const std::string& sql) {
  auto r = s.pg()->Query(sql);
  VITALS_RETURN_IF_ERROR(s.Audit("postgres", sql, r.ok() ? "ok" : r.status().message()));
  if (!r.ok())
    return Status(r.status().code() == Status::Code::kPermission
                      ? Status::Permission(sql + ": " + r.status().message())
                      : Status::Unavailable(sql + ": " + r.status().message()));
  return Status::Ok();
}

// Polls `mismatches` (empty = done) until it is empty or kSettleMs passed; returns the last.
template <typename F>
std::vector<std::string> Settle(F mismatches) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kSettleMs);
  for (;;) {
    std::vector<std::string> left = mismatches();
    if (left.empty() || std::chrono::steady_clock::now() >= deadline) return left;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

class PgSetting final : public ChangeKind {
 public:
  const char* name() const override { return "pg.setting"; }
  const char* component() const override { return "postgres"; }

  Status Plan(TuneSession& s, const TuneOptions& o, vitals::Plan* plan) const override {
    PgConn& pg = *s.pg();
    auto mc = pg.Query(
        "SELECT current_setting('max_connections')::int, "
        "current_setting('server_version_num')::int");
    if (!mc.ok()) return mc.status();
    PgTuneInput in;
    in.ram_bytes = o.ram_bytes;
    in.cores = o.cores;
    in.workload = o.workload;
    in.storage = o.storage;
    in.max_connections = static_cast<int>(mc->Num(0, 0).value_or(100));
    const int version = static_cast<int>(mc->Num(0, 1).value_or(0));

    struct Want {
      std::string value, rule, source;
      PgTuneGroup group;
      bool manual;
    };
    std::vector<std::pair<std::string, Want>> wants;
    if (o.ram_bytes > 0 && o.cores > 0) {
      for (auto& v : PgTuneRecommend(in)) {
        wants.push_back(
            {v.name, {v.value, v.rule, "pgtune (github.com/le0pard/pgtune)", v.group, false}});
      }
    }
    for (const auto& m : o.manual) {
      if (m.component != "postgres") continue;
      if (IsSecretBearingParameter("postgres", m.name)) {
        return Status::InvalidArgument(SecretParameterRefusal("postgres", m.name));
      }
      if (!IsPgSettingName(m.name)) {
        return Status::InvalidArgument(fmt::format(
            "--set postgres:{}={}: '{}' is not a setting name (lower case letters, digits, _ "
            "and .)",
            m.name, m.value, m.name));
      }
      std::erase_if(wants, [&](const auto& w) { return w.first == m.name; });
      wants.push_back(
          {m.name, {m.value, "asked for with --set", "--set", PgTuneGroup::kPlanner, true}});
    }
    std::vector<std::string> names;
    for (const auto& w : wants) names.push_back(w.first);
    auto rows = ReadRows(pg, names);
    if (!rows.ok()) return rows.status();
    auto autoconf = ReadAutoConf(pg);
    if (!autoconf.ok()) {
      plan->notes.push_back("postgres: cannot read pg_file_settings (" +
                            autoconf.status().message() +
                            "): the plan does not show postgresql.auto.conf entries");
    }
    if (version >= 170000) {
      auto aas = pg.Query("SELECT current_setting('allow_alter_system')");
      if (aas.ok() && aas->Text(0, 0) != "on") {
        plan->apply_needs.push_back(
            "postgres: allow_alter_system = on (it is off, so ALTER SYSTEM is refused; only "
            "postgresql.conf on the server can turn it on)");
      }
    } else {
      plan->notes.push_back(fmt::format(
          "postgres: allow_alter_system is not applicable (server version {}; it exists from "
          "PostgreSQL 17), ALTER SYSTEM is allowed",
          version / 10000));
    }

    for (const auto& [name, want] : wants) {
      auto it = rows->find(name);
      if (it == rows->end()) {
        if (want.manual) {
          std::vector<std::string> known;
          auto all = pg.Query("SELECT name FROM pg_settings");
          if (all.ok()) {
            for (int r = 0; r < all->rows(); ++r) known.emplace_back(all->Text(r, 0));
          }
          std::string hint = detail::ClosestMatch(name, known);
          return Status::InvalidArgument(fmt::format(
              "--set postgres:{}={}: PostgreSQL has no setting '{}'{}", name, want.value, name,
              hint.empty() ? "" : fmt::format(" (did you mean {}?)", hint)));
        }
        continue;  // a setting this server version does not have
      }
      const Row& row = it->second;
      const bool equal = PgSettingEquals(row.setting, row.unit, row.vartype, want.value);
      if (equal && !want.manual) continue;
      PlanItem item;
      item.kind = this->name();
      item.component = "postgres";
      item.name = name;
      item.current = row.shown;
      item.proposed = want.value;
      item.rule = want.rule;
      item.source = want.source;
      item.restart = row.context == "postmaster";
      item.effect = item.restart ? "restart needed (written now, pending_restart until "
                                   "PostgreSQL restarts)"
                    : row.context == "sighup"
                        ? "reload (pg_reload_conf())"
                        : "reload (pg_reload_conf(); sessions that SET it keep theirs)";
      item.detail = {{"source", row.source},
                     {"context", row.context},
                     {"setting", row.setting},
                     {"unit", row.unit},
                     {"vartype", row.vartype}};
      if (item.restart && row.source == "default" && name == "wal_buffers") {
        item.exact_undo = false;
        item.detail["undo"] =
            "rollback restores the setting, its source and postgresql.auto.conf, but pg_settings "
            "shows pending_restart for wal_buffers until the next restart (its default, -1, is "
            "computed at start)";
      }
      if (autoconf.ok()) {
        auto a = autoconf->find(name);
        item.detail["auto_conf"] =
            a == autoconf->end() ? nlohmann::json(nullptr) : nlohmann::json(a->second);
      }
      if (equal) {
        item.skip = "already at that value";
      } else if (!FromConfig(row.source) && !o.override_manual) {
        item.skip = fmt::format(
            "set by hand (source: {}), and a {} value overrides postgresql.auto.conf; "
            "--override writes it anyway",
            row.source, row.source);
      } else if (!want.manual && o.strategy == TuneStrategy::kConservative &&
                 (!(want.group == PgTuneGroup::kPlanner ||
                    want.group == PgTuneGroup::kCheckpoint) ||
                  !Reloadable(row.context) || row.source != "default")) {
        item.skip =
            "conservative changes only reloadable planner/checkpoint settings still at their "
            "defaults; --strategy balanced includes it";
      } else if (!want.manual && want.group == PgTuneGroup::kParallel &&
                 PgValueInUnit(want.value, "").value_or(0) <
                     PgValueInUnit(row.setting, "").value_or(0)) {
        item.skip =
            "pgtune's value is below the current one; vitals only raises worker limits "
            "(extensions and replication use workers too)";
      } else if (!want.manual && name == "huge_pages" && o.strategy != TuneStrategy::kAggressive) {
        item.skip =
            "huge_pages changes how shared memory is allocated at start; only "
            "--strategy aggressive changes it";
      }
      plan->items.push_back(std::move(item));
    }
    return Status::Ok();
  }

  void Preflight(TuneSession& s, const std::vector<const PlanItem*>& items,
                 std::vector<std::string>* needs) const override {
    PgConn& pg = *s.pg();
    auto who = pg.Query(
        "SELECT current_setting('is_superuser') = 'on', pg_is_in_recovery(), current_user, "
        "current_setting('server_version_num')::int");
    if (!who.ok()) {
      needs->push_back("postgres: cannot check privileges: " + who.status().message());
      return;
    }
    const bool super = who->Bool(0, 0);
    const std::string user(who->Text(0, 2));
    const int version = static_cast<int>(who->Num(0, 3).value_or(0));
    if (who->Bool(0, 1)) {
      needs->push_back(fmt::format(
          "postgres: a primary: {} is a replica (pg_is_in_recovery() is true); settings changed "
          "there do not reach the primary: run vitals tune against the primary",
          s.pg_display()));
    }
    if (super) return;
    if (version < 150000) {
      needs->push_back(fmt::format(
          "postgres: a superuser: role {} is not one, and PostgreSQL {} has no GRANT ALTER "
          "SYSTEM ON PARAMETER (15+)",
          user, version / 10000));
      return;
    }
    std::vector<std::string> missing;
    for (const PlanItem* i : items) {
      auto r = pg.Query(fmt::format("SELECT has_parameter_privilege({}, 'ALTER SYSTEM')",
                                    PgQuoteLiteral(i->name)));
      if (!r.ok() || !r->Bool(0, 0)) missing.push_back(i->name);
    }
    if (!missing.empty()) {
      std::string list;
      for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
      needs->push_back(fmt::format(
          "postgres: ALTER SYSTEM on {} for role {} (not a superuser): GRANT ALTER SYSTEM ON "
          "PARAMETER {} TO {};",
          list, user, list, user));
    }
    auto fn = pg.Query(
        "SELECT has_function_privilege('pg_reload_conf()', 'EXECUTE'), "
        "has_table_privilege('pg_catalog.pg_file_settings', 'SELECT') AND "
        "has_function_privilege('pg_show_all_file_settings()', 'EXECUTE')");
    if (fn.ok() && !fn->Bool(0, 0)) {
      needs->push_back(fmt::format(
          "postgres: EXECUTE on pg_reload_conf() for role {}: GRANT EXECUTE ON FUNCTION "
          "pg_reload_conf() TO {};",
          user, user));
    }
    if (fn.ok() && !fn->Bool(0, 1)) {
      needs->push_back(fmt::format(
          "postgres: reading pg_file_settings (to back up postgresql.auto.conf entries) for role "
          "{}: GRANT SELECT ON pg_file_settings TO {}; GRANT EXECUTE ON FUNCTION "
          "pg_show_all_file_settings() TO {};",
          user, user, user));
    }
  }

  Result<nlohmann::json> Snapshot(TuneSession& s, const PlanItem& item) const override {
    auto rows = ReadRows(*s.pg(), {item.name});
    if (!rows.ok()) return rows.status();
    auto it = rows->find(item.name);
    if (it == rows->end()) return Status::NotFound("postgres: no setting " + item.name);
    auto autoconf = ReadAutoConf(*s.pg());
    if (!autoconf.ok()) return autoconf.status();
    const Row& r = it->second;
    auto a = autoconf->find(item.name);
    return nlohmann::json{
        {"setting", r.setting},
        {"source", r.source},
        {"shown", r.shown},
        {"unit", r.unit},
        {"vartype", r.vartype},
        {"pending_restart", r.pending_restart},
        {"auto_conf", a == autoconf->end() ? nlohmann::json(nullptr) : nlohmann::json(a->second)}};
  }

  Status Apply(TuneSession& s, const std::vector<const PlanItem*>& items,
               const TuneOptions&) const override {
    for (size_t k = 0; k < items.size(); ++k) {
      if (k > 0) s.Pause();
      VITALS_RETURN_IF_ERROR(RunAudited(s, AlterSet(items[k]->name, items[k]->proposed)));
    }
    s.Pause();
    VITALS_RETURN_IF_ERROR(RunAudited(s, "SELECT pg_reload_conf()"));
    std::vector<std::string> names;
    for (const PlanItem* i : items) names.push_back(i->name);
    auto left = Settle([&] {
      std::vector<std::string> bad;
      auto rows = ReadRows(*s.pg(), names);
      if (!rows.ok()) return std::vector<std::string>{rows.status().message()};
      for (const PlanItem* i : items) {
        const Row& r = (*rows)[i->name];
        if (r.pending_restart && i->restart) continue;
        if (!PgSettingEquals(r.setting, r.unit, r.vartype, i->proposed)) {
          bad.push_back(fmt::format("{} shows {} after pg_reload_conf(), not {}", i->name, r.shown,
                                    i->proposed));
        }
      }
      return bad;
    });
    if (!left.empty()) {
      std::string all;
      for (const auto& l : left) all += (all.empty() ? "" : "; ") + l;
      return Status::Internal("postgres: " + all);
    }
    return s.Audit("postgres", "verify applied values", "ok");
  }

  std::string CheckEntry(const BackupEntry& e) const override {
    if (!IsPgSettingName(e.name)) {
      return "'" + e.name + "' is not a setting name (lower case letters, digits, _ and .)";
    }
    if (IsSecretBearingParameter("postgres", e.name)) {
      return "vitals tune never changes secret-bearing parameters";
    }
    const auto& a = e.old.contains("auto_conf") ? e.old["auto_conf"] : nlohmann::json(nullptr);
    if (!a.is_null() && !a.is_string()) return "its auto_conf value is not a string";
    return "";
  }

  Status Undo(TuneSession& s, const std::vector<const BackupEntry*>& entries) const override {
    Status first;
    for (size_t k = 0; k < entries.size(); ++k) {
      if (k > 0) s.Pause();
      const BackupEntry& e = *entries[k];
      const auto& a = e.old.contains("auto_conf") ? e.old["auto_conf"] : nlohmann::json(nullptr);
      const std::string sql =
          a.is_null() ? "ALTER SYSTEM RESET " + e.name : AlterSet(e.name, a.get<std::string>());
      Status st = RunAudited(s, sql);
      if (!st.ok() && first.ok()) first = st;
    }
    Status reload = RunAudited(s, "SELECT pg_reload_conf()");
    return first.ok() ? reload : first;
  }

  std::vector<std::string> Verify(TuneSession& s,
                                  const std::vector<const BackupEntry*>& entries) const override {
    std::vector<std::string> names;
    for (const BackupEntry* e : entries) names.push_back(e->name);
    return Settle([&] {
      std::vector<std::string> bad;
      auto rows = ReadRows(*s.pg(), names);
      auto autoconf = ReadAutoConf(*s.pg());
      if (!rows.ok()) return std::vector<std::string>{"postgres: " + rows.status().message()};
      if (!autoconf.ok())
        return std::vector<std::string>{"postgres: " + autoconf.status().message()};
      for (const BackupEntry* e : entries) {
        const Row& r = (*rows)[e->name];
        const std::string old_setting = e->old.value("setting", "");
        const std::string old_source = e->old.value("source", "");
        const bool old_pending = e->old.value("pending_restart", false);
        auto a = autoconf->find(e->name);
        const auto& old_a = e->old.contains("auto_conf") ? e->old["auto_conf"] : nlohmann::json();
        const bool auto_ok = old_a.is_null()
                                 ? a == autoconf->end()
                                 : a != autoconf->end() && a->second == old_a.get<std::string>();
        // pending_restart is derived, not restored: a restart-only setting whose default is
        // computed at start (wal_buffers = -1) keeps it on after RESET until the next restart.
        if (r.setting != old_setting || r.source != old_source || !auto_ok) {
          bad.push_back(fmt::format(
              "postgres {}: is {} (source {}{}{}), was {} (source {}{}{})", e->name, r.setting,
              r.source, r.pending_restart ? ", pending restart" : "",
              a == autoconf->end() ? ", no auto.conf entry" : ", auto.conf " + a->second,
              old_setting, old_source, old_pending ? ", pending restart" : "",
              old_a.is_null() ? ", no auto.conf entry"
                              : ", auto.conf " + old_a.get<std::string>()));
        }
      }
      return bad;
    });
  }
};

}  // namespace

const ChangeKind& PgSettingKind() {
  static const PgSetting kKind;
  return kKind;
}

}  // namespace vitals
