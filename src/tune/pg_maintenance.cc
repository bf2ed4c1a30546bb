// Change kinds "pg.vacuum" and "pg.reindex": maintenance that check's rules ask for.
//   - pg.vacuum: VACUUM (ANALYZE) of the tables over pg.dead_tuples (n_dead_tup >= 10000 and
//     at least 20 % of the rows dead).  Nothing to undo: it only removes dead rows and
//     refreshes statistics.
//   - pg.reindex: REINDEX INDEX CONCURRENTLY of the B-tree indexes over pg.index_bloat (check's
//     statistics-based estimate: at least 10 MB on disk, 10 MB and 40 % of it bloat).  Nothing
//     to undo: the rebuilt index is equivalent.  A failed rebuild's INVALID "_ccnew" copy is
//     dropped concurrently.
// Both are planned from --strategy balanced up (conservative changes settings only).
#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "collect/index_bloat.h"
#include "collect/postgres_logic.h"
#include "tune/kinds.h"
#include "tune/pg_objects.h"
#include "tune/pg_preflight.h"

namespace vitals {
namespace {

using detail::PgConn;
using detail::PgQuoteLiteral;
using namespace tuneobj;

// pg.dead_tuples (rules/postgres.yaml): when n_dead_tup >= 10000, warning dead_ratio >= 20%.
constexpr double kMinDeadRows = 10000, kMinDeadRatio = 0.20;
// pg.index_bloat (rules/postgres_storage.yaml): size and bloat >= 10MB, warning ratio >= 40%.
constexpr double kMinIndexBytes = 10.0 * 1024 * 1024, kMinBloatBytes = 10.0 * 1024 * 1024,
                 kMinBloatRatio = 0.40;

constexpr const char* kConservativeSkip =
    "conservative changes settings only; --strategy balanced includes maintenance";

std::string Mb(double bytes) { return fmt::format("{:.1f} MB", bytes / (1024.0 * 1024.0)); }

class PgVacuum final : public ChangeKind {
 public:
  const char* name() const override { return "pg.vacuum"; }
  const char* component() const override { return "postgres"; }

  Status Plan(TuneSession& s, const TuneOptions& o, vitals::Plan* plan) const override {
    auto rows = s.pg()->Query(fmt::format(
        "SELECT schemaname, relname, n_live_tup, n_dead_tup, "
        "COALESCE(GREATEST(last_vacuum, last_autovacuum)::text, 'never'), "
        "pg_catalog.pg_relation_size(relid) FROM pg_catalog.pg_stat_user_tables "
        "WHERE n_dead_tup >= {} AND n_dead_tup >= {} * (n_live_tup + n_dead_tup) ORDER BY 1, 2",
        kMinDeadRows, kMinDeadRatio));
    if (!rows.ok()) return rows.status();
    for (int r = 0; r < rows->rows(); ++r) {
      const std::string schema(rows->Text(r, 0)), table(rows->Text(r, 1));
      const double live = rows->Num(r, 2).value_or(0), dead = rows->Num(r, 3).value_or(0);
      PlanItem item;
      item.kind = name();
      item.component = "postgres";
      item.name = "vacuum " + Qualified(schema, table);
      item.current = fmt::format("{:.0f} dead rows ({:.0f} % of rows), last vacuum {}", dead,
                                 100.0 * dead / std::max(1.0, live + dead), rows->Text(r, 4));
      item.proposed = "VACUUM (ANALYZE) " + Qualified(schema, table);
      item.rule = "pg.dead_tuples: n_dead_tup >= 10000 and dead rows >= 20 % of the table";
      item.source = "pg.dead_tuples (docs/runbooks/postgres.md#dead-tuples)";
      item.effect = fmt::format(
          "SHARE UPDATE EXCLUSIVE lock on {}; reads and writes continue; time {} (estimate "
          "from the table size, {})",
          Qualified(schema, table), BuildTimeEstimate(rows->Num(r, 5).value_or(0)),
          Mb(rows->Num(r, 5).value_or(0)));
      item.exact_undo = false;
      item.detail = {{"schema", schema},
                     {"table", Qualified(schema, table)},
                     {"n_dead_tup", dead},
                     {"n_live_tup", live},
                     {"undo",
                      "nothing to undo: VACUUM only removes dead rows and refreshes the "
                      "planner's statistics"}};
      if (o.strategy == TuneStrategy::kConservative) item.skip = kConservativeSkip;
      plan->items.push_back(std::move(item));
    }
    return Status::Ok();
  }

  void Preflight(TuneSession& s, const std::vector<const PlanItem*>& items,
                 std::vector<std::string>* needs) const override {
    OwnerPreflight(s, items, "VACUUM", ItemTable, needs);
  }

  Result<nlohmann::json> Snapshot(TuneSession& s, const PlanItem& item) const override {
    auto r = s.pg()->Query(
        fmt::format("SELECT n_dead_tup FROM pg_catalog.pg_stat_user_tables WHERE relid = "
                    "pg_catalog.to_regclass({})",
                    PgQuoteLiteral(item.detail.value("table", ""))));
    if (!r.ok()) return r.status();
    return nlohmann::json{{"table", item.detail.value("table", "")},
                          {"n_dead_tup", r->rows() > 0 ? r->Num(0, 0).value_or(0) : 0.0},
                          {"undo", "nothing to undo"}};
  }

  Status Apply(TuneSession& s, const std::vector<const PlanItem*>& items,
               const TuneOptions& o) const override {
    ScopedTimeouts t(s, o.index_lock_timeout_ms, o.index_statement_timeout_ms);
    VITALS_RETURN_IF_ERROR(t.status());
    for (size_t k = 0; k < items.size(); ++k) {
      if (k > 0) s.Pause();
      VITALS_RETURN_IF_ERROR(RunAudited(s, items[k]->proposed));
    }
    return Status::Ok();
  }

  // Undo only audits and Verify reads nothing: no name reaches a statement.
  std::string CheckEntry(const BackupEntry&) const override { return ""; }

  Status Undo(TuneSession& s, const std::vector<const BackupEntry*>& entries) const override {
    for (const BackupEntry* e : entries) {
      VITALS_RETURN_IF_ERROR(s.Audit("postgres", e->name, "nothing to undo"));
    }
    return Status::Ok();
  }

  std::vector<std::string> Verify(TuneSession&,
                                  const std::vector<const BackupEntry*>&) const override {
    return {};
  }
};

class PgReindex final : public ChangeKind {
 public:
  const char* name() const override { return "pg.reindex"; }
  const char* component() const override { return "postgres"; }

  Status Plan(TuneSession& s, const TuneOptions& o, vitals::Plan* plan) const override {
    // check's B-tree estimate (collect/index_bloat.h): key widths from pg_stats.
    auto rows = s.pg()->Query(detail::BtreeIndexQuery("ORDER BY 1, 2"));
    if (!rows.ok()) return rows.status();
    for (int r = 0; r < rows->rows(); ++r) {
      const std::optional<detail::IndexShape> found = detail::BtreeIndexShape(*rows, r);
      if (!found) continue;  // an expression column has no pg_stats row: no estimate
      const detail::IndexShape& shape = *found;
      const double expected = detail::EstimateBtreeBytes(shape);
      const double bloat = std::max(0.0, shape.bytes - expected);
      if (shape.bytes < kMinIndexBytes || bloat < kMinBloatBytes ||
          bloat < kMinBloatRatio * shape.bytes) {
        continue;
      }
      const std::string schema(rows->Text(r, 0)), index(rows->Text(r, 1));
      PlanItem item;
      item.kind = name();
      item.component = "postgres";
      item.name = "reindex " + Qualified(schema, index);
      item.current = fmt::format("{} on disk, ~{} needed: {:.0f} % bloat (estimate from pg_stats)",
                                 Mb(shape.bytes), Mb(expected), 100.0 * bloat / shape.bytes);
      item.proposed = "REINDEX INDEX CONCURRENTLY " + Qualified(schema, index);
      item.rule =
          "pg.index_bloat: at least 10 MB on disk, and 10 MB and 40 % of it bloat (check's "
          "statistics-based B-tree estimate)";
      item.source = "pg.index_bloat (docs/runbooks/postgres.md#index-bloat)";
      item.effect = fmt::format(
          "SHARE UPDATE EXCLUSIVE lock on {}; reads and writes continue; needs ~{} of free disk "
          "while it runs; time {} (estimate from the index size)",
          Qualified(schema, rows->Text(r, 2)), Mb(expected), BuildTimeEstimate(shape.bytes));
      item.exact_undo = false;
      item.detail = {
          {"schema", schema},
          {"index", index},
          {"table", Qualified(schema, rows->Text(r, 2))},
          {"size_bytes", shape.bytes},
          {"expected_bytes", expected},
          {"undo", "nothing to undo: the rebuilt index is equivalent (same definition)"}};
      if (o.strategy == TuneStrategy::kConservative) item.skip = kConservativeSkip;
      plan->items.push_back(std::move(item));
    }
    return Status::Ok();
  }

  void Preflight(TuneSession& s, const std::vector<const PlanItem*>& items,
                 std::vector<std::string>* needs) const override {
    // The lock is tried whatever OwnerPreflight found (as before it was shared; CREATE and DROP
    // INDEX skip it on a replica): the apply is refused either way.
    OwnerPreflight(s, items, "REINDEX", ItemIndex, needs);
    Status lock = TryIndexLock(s);
    if (!lock.ok()) needs->push_back("postgres: " + lock.message());
  }

  Result<nlohmann::json> Snapshot(TuneSession& s, const PlanItem& item) const override {
    auto r = s.pg()->Query(fmt::format(
        "SELECT pg_catalog.pg_get_indexdef(c.oid), pg_catalog.pg_relation_size(c.oid) FROM "
        "pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass({})",
        PgQuoteLiteral(
            Qualified(item.detail.value("schema", ""), item.detail.value("index", "")))));
    if (!r.ok()) return r.status();
    if (r->rows() == 0) return Status::NotFound("postgres: no index " + item.name);
    return nlohmann::json{{"definition", std::string(r->Text(0, 0))},
                          {"size_bytes", r->Num(0, 1).value_or(0)},
                          {"undo", "nothing to undo"}};
  }

  Status Apply(TuneSession& s, const std::vector<const PlanItem*>& items,
               const TuneOptions& o) const override {
    VITALS_RETURN_IF_ERROR(TryIndexLock(s));
    for (size_t k = 0; k < items.size(); ++k) {
      if (k > 0) s.Pause();
      const PlanItem& i = *items[k];
      Status st;
      {
        ScopedTimeouts t(s, o.index_lock_timeout_ms, o.index_statement_timeout_ms);
        VITALS_RETURN_IF_ERROR(t.status());
        st = RunAudited(s, i.proposed);
      }
      if (st.ok()) continue;
      // A failed REINDEX CONCURRENTLY leaves its new copy, INVALID, as <index>_ccnew[N].
      const std::string schema = i.detail.value("schema", "");
      auto left = s.pg()->Query(fmt::format(
          "SELECT c.relname FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class c ON c.oid = "
          "x.indexrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE "
          "n.nspname = {} AND NOT x.indisvalid AND c.relname LIKE {}",
          PgQuoteLiteral(schema), PgQuoteLiteral(i.detail.value("index", "") + "_ccnew%")));
      std::string dropped;
      if (left.ok()) {
        ScopedTimeouts t(s, o.index_statement_timeout_ms, o.index_statement_timeout_ms);
        for (int r = 0; r < left->rows(); ++r) {
          Status d = RunAudited(
              s, "DROP INDEX CONCURRENTLY IF EXISTS " + Qualified(schema, left->Text(r, 0)));
          dropped += fmt::format("; the invalid leftover {} {}", left->Text(r, 0),
                                 d.ok() ? "was dropped" : "could not be dropped: " + d.message());
        }
      }
      return Status::Unavailable(st.message() + dropped);
    }
    return Status::Ok();
  }

  // Undo only audits; Verify passes the index to to_regclass() as a quoted literal.
  std::string CheckEntry(const BackupEntry& e) const override {
    return e.name.rfind("reindex ", 0) == 0 ? "" : "its name is not 'reindex schema.index'";
  }

  Status Undo(TuneSession& s, const std::vector<const BackupEntry*>& entries) const override {
    for (const BackupEntry* e : entries) {
      VITALS_RETURN_IF_ERROR(
          s.Audit("postgres", e->name, "nothing to undo: the rebuilt index is equivalent"));
    }
    return Status::Ok();
  }

  std::vector<std::string> Verify(TuneSession& s,
                                  const std::vector<const BackupEntry*>& entries) const override {
    std::vector<std::string> bad;
    for (const BackupEntry* e : entries) {
      const std::string qualified = e->name.substr(e->name.find(' ') + 1);
      auto r = s.pg()->Query(fmt::format(
          "SELECT pg_catalog.pg_get_indexdef(c.oid) FROM pg_catalog.pg_class c WHERE c.oid = "
          "pg_catalog.to_regclass({})",
          PgQuoteLiteral(qualified)));
      if (!r.ok() || r->rows() == 0 ||
          std::string(r->Text(0, 0)) != e->old.value("definition", "")) {
        bad.push_back(fmt::format("postgres index {}: not found with its definition {}", qualified,
                                  e->old.value("definition", "")));
      }
    }
    return bad;
  }
};

}  // namespace

const ChangeKind& PgVacuumKind() {
  static const PgVacuum kKind;
  return kKind;
}

const ChangeKind& PgReindexKind() {
  static const PgReindex kKind;
  return kKind;
}

}  // namespace vitals
