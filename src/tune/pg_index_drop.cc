// Change kind "pg.index_drop": DROP INDEX CONCURRENTLY of the indexes check's pg.unused_index
// rule reports (no index scan since the statistics reset, not unique / primary / backing a
// constraint, valid, at least 10 MB), only with --strategy aggressive.  The backup keeps the
// definition (pg_get_indexdef), so rollback recreates the index with CREATE INDEX
// CONCURRENTLY and verifies that pg_get_indexdef is the same again.
//
// idx_scan counts this server only: when the server streams to standbys, whose queries may use
// the index, the item is left alone unless --override.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "collect/postgres_logic.h"
#include "tune/kinds.h"
#include "tune/pg_objects.h"
#include "tune/pg_preflight.h"

namespace vitals {
namespace {

using detail::PgQuoteLiteral;
using namespace tuneobj;

constexpr double kMinBytes = 10.0 * 1024 * 1024;  // pg.unused_index warning: size >= 10MB

// "CREATE INDEX name ON ..." -> "CREATE INDEX CONCURRENTLY name ON ..."; "" when the text is
// not a plain CREATE INDEX (vitals never drops unique indexes).
std::string Concurrently(const std::string& definition) {
  const std::string prefix = "CREATE INDEX ";
  if (definition.rfind(prefix, 0) != 0) return "";
  return "CREATE INDEX CONCURRENTLY " + definition.substr(prefix.size());
}

Result<std::string> IndexDef(TuneSession& s, const std::string& qualified) {
  auto r = s.pg()->Query(fmt::format(
      "SELECT pg_catalog.pg_get_indexdef(c.oid), x.indisvalid FROM pg_catalog.pg_class c "
      "JOIN pg_catalog.pg_index x ON x.indexrelid = c.oid WHERE c.oid = "
      "pg_catalog.to_regclass({})",
      PgQuoteLiteral(qualified)));
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return std::string();
  if (!r->Bool(0, 1)) return std::string("INVALID");
  return std::string(r->Text(0, 0));
}

class PgIndexDrop final : public ChangeKind {
 public:
  const char* name() const override { return "pg.index_drop"; }
  const char* component() const override { return "postgres"; }

  Status Plan(TuneSession& s, const TuneOptions& o, vitals::Plan* plan) const override {
    auto rows = s.pg()->Query(fmt::format(
        "SELECT n.nspname, c.relname, t.relname, pg_catalog.pg_relation_size(c.oid)::float8, "
        "pg_catalog.pg_get_indexdef(c.oid), "
        "COALESCE((SELECT stats_reset::text FROM pg_catalog.pg_stat_database WHERE datname = "
        "current_database()), 'the database was created'), "
        "(SELECT count(*) FROM pg_catalog.pg_stat_replication), "
        "pg_catalog.pg_relation_size(t.oid)::float8 "
        "FROM pg_catalog.pg_index x "
        "JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid "
        "JOIN pg_catalog.pg_class t ON t.oid = x.indrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_catalog.pg_stat_user_indexes su ON su.indexrelid = x.indexrelid "
        "WHERE su.idx_scan = 0 AND NOT x.indisunique AND NOT x.indisprimary AND x.indisvalid "
        "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = c.oid) "
        "AND pg_catalog.pg_relation_size(c.oid) >= {} ORDER BY 1, 2",
        kMinBytes));
    if (!rows.ok()) return rows.status();
    for (int r = 0; r < rows->rows(); ++r) {
      const std::string schema(rows->Text(r, 0)), index(rows->Text(r, 1));
      const std::string definition(rows->Text(r, 4));
      const double bytes = rows->Num(r, 3).value_or(0);
      const int standbys = static_cast<int>(rows->Num(r, 6).value_or(0));
      PlanItem item;
      item.kind = name();
      item.component = "postgres";
      item.name = "drop " + Qualified(schema, index);
      item.current = fmt::format("{} ({:.1f} MB, 0 index scans since {})", definition,
                                 bytes / (1024.0 * 1024.0), rows->Text(r, 5));
      item.proposed = "DROP INDEX CONCURRENTLY " + Qualified(schema, index);
      item.rule =
          "pg.unused_index: idx_scan = 0 since the statistics reset, not unique, primary or "
          "backing a constraint, at least 10 MB";
      item.source = "pg.unused_index (docs/runbooks/postgres.md#unused-index)";
      item.effect = fmt::format(
          "SHARE UPDATE EXCLUSIVE lock on {}; writes continue; reversible: recreated from its "
          "definition by --rollback (build time {})",
          Qualified(schema, rows->Text(r, 2)), BuildTimeEstimate(rows->Num(r, 7).value_or(0)));
      item.exact_undo = true;
      item.detail = {{"schema", schema},
                     {"index", index},
                     {"table", Qualified(schema, rows->Text(r, 2))},
                     {"definition", definition},
                     {"size_bytes", bytes},
                     {"undo", "rollback recreates it: " + Concurrently(definition)}};
      if (o.strategy != TuneStrategy::kAggressive) {
        item.skip = "vitals drops unused indexes only with --strategy aggressive";
      } else if (Concurrently(definition).empty()) {
        item.skip = "its definition is not a plain CREATE INDEX; vitals would not recreate it";
      } else if (standbys > 0 && !o.override_manual) {
        item.skip = fmt::format(
            "this server streams to {} standby{} and idx_scan counts this server only: check "
            "pg_stat_user_indexes on each standby, then --override drops it",
            standbys, standbys == 1 ? "" : "s");
      }
      plan->items.push_back(std::move(item));
    }
    return Status::Ok();
  }

  void Preflight(TuneSession& s, const std::vector<const PlanItem*>& items,
                 std::vector<std::string>* needs) const override {
    if (!OwnerPreflight(s, items, "DROP INDEX", ItemIndex, needs)) return;
    Status lock = TryIndexLock(s);
    if (!lock.ok()) needs->push_back("postgres: " + lock.message());
  }

  Result<nlohmann::json> Snapshot(TuneSession& s, const PlanItem& item) const override {
    const std::string schema = item.detail.value("schema", "");
    const std::string index = item.detail.value("index", "");
    auto def = IndexDef(s, Qualified(schema, index));
    if (!def.ok()) return def.status();
    if (def->empty() || *def == "INVALID") {
      return Status::NotFound("postgres: index " + Qualified(schema, index) +
                              " is gone or invalid since the plan");
    }
    return nlohmann::json{{"schema", schema}, {"index", index}, {"definition", *def}};
  }

  Status Apply(TuneSession& s, const std::vector<const PlanItem*>& items,
               const TuneOptions& o) const override {
    VITALS_RETURN_IF_ERROR(TryIndexLock(s));
    ScopedTimeouts t(s, o.index_lock_timeout_ms, o.index_statement_timeout_ms);
    VITALS_RETURN_IF_ERROR(t.status());
    for (size_t k = 0; k < items.size(); ++k) {
      if (k > 0) s.Pause();
      VITALS_RETURN_IF_ERROR(RunAudited(s, items[k]->proposed));
    }
    return Status::Ok();
  }

  std::string CheckEntry(const BackupEntry& e) const override {
    std::string why = tuneobj::CheckIdentifier("schema", e.old.value("schema", ""));
    if (why.empty()) why = tuneobj::CheckIdentifier("index", e.old.value("index", ""));
    if (!why.empty()) return why;
    // The definition is run on rollback: only one plain CREATE INDEX statement.
    const std::string def = e.old.value("definition", "");
    if (Concurrently(def).empty() || def.find(';') != std::string::npos) {
      return "its definition is not one plain CREATE INDEX statement";
    }
    return "";
  }

  Status Undo(TuneSession& s, const std::vector<const BackupEntry*>& entries) const override {
    VITALS_RETURN_IF_ERROR(TryIndexLock(s));
    const TuneOptions defaults;
    ScopedTimeouts t(s, defaults.index_statement_timeout_ms, defaults.index_statement_timeout_ms);
    VITALS_RETURN_IF_ERROR(t.status());
    Status first;
    for (size_t k = 0; k < entries.size(); ++k) {
      if (k > 0) s.Pause();
      const BackupEntry& e = *entries[k];
      const std::string qualified = Qualified(e.old.value("schema", ""), e.old.value("index", ""));
      auto def = IndexDef(s, qualified);
      if (!def.ok()) {
        if (first.ok()) first = def.status();
        continue;
      }
      if (*def == e.old.value("definition", "")) continue;  // never dropped, or rebuilt already
      if (*def == "INVALID") {                              // a rebuild that failed half-way
        Status st = RunAudited(s, "DROP INDEX CONCURRENTLY IF EXISTS " + qualified);
        if (!st.ok()) {
          if (first.ok()) first = st;
          continue;
        }
      }
      const std::string sql = Concurrently(e.old.value("definition", ""));
      Status st =
          sql.empty()
              ? Status::Internal("backup of " + qualified + " has no CREATE INDEX definition")
              : RunAudited(s, sql);
      if (!st.ok() && first.ok()) first = st;
    }
    return first;
  }

  std::vector<std::string> Verify(TuneSession& s,
                                  const std::vector<const BackupEntry*>& entries) const override {
    std::vector<std::string> bad;
    for (const BackupEntry* e : entries) {
      const std::string qualified =
          Qualified(e->old.value("schema", ""), e->old.value("index", ""));
      auto def = IndexDef(s, qualified);
      const std::string want = e->old.value("definition", "");
      if (!def.ok()) {
        bad.push_back("postgres index " + qualified + ": " + def.status().message());
      } else if (*def != want) {
        bad.push_back(fmt::format("postgres index {}: is {}, was {}", qualified,
                                  def->empty() ? "absent" : *def, want));
      }
    }
    return bad;
  }
};

}  // namespace

const ChangeKind& PgIndexDropKind() {
  static const PgIndexDrop kKind;
  return kKind;
}

}  // namespace vitals
