// Change kind "pg.index": a candidate index per column set that statements filter on, for the
// tables over check's pg.missing_index rule (rules/postgres.yaml).  The benefit is estimated
// with hypothetical indexes (hypopg) when the extension is there or can be created (inside a
// transaction that is rolled back, so planning changes nothing); apply runs CREATE INDEX
// CONCURRENTLY under lock_timeout / statement_timeout and vitals' advisory lock, and drops an
// INVALID leftover of a failed build; rollback drops the index (DROP INDEX CONCURRENTLY).
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "collect/postgres_logic.h"
#include "collect/postgres_plan.h"
#include "tune/kinds.h"
#include "tune/pg_objects.h"
#include "tune/pg_preflight.h"

namespace vitals {
namespace {

using detail::PgConn;
using detail::PgQuoteLiteral;
using detail::QuoteIdent;
using namespace tuneobj;

// pg.missing_index's `when` (rules/postgres.yaml): seq_scan > 1000 and idx_scan < 100 and
// n_live_tup >= 10000.
constexpr double kMinSeqScan = 1000, kMaxIdxScan = 100, kMinLiveRows = 10000;
constexpr int kStatementsPerCandidate = 3;  // EXPLAINed before / with the hypothetical index

struct Table {
  std::string schema, name;
  double seq_scan = 0, idx_scan = 0, live = 0, bytes = 0, seq_tup_read = 0;
};

struct Candidate {
  const Table* table = nullptr;
  std::vector<std::string> columns;
  std::vector<detail::QueryText> statements;  // most calls first
};

// Explains `sql` (generic plan for $n parameters: PostgreSQL 15 has no EXPLAIN
// (GENERIC_PLAN)); returns the plan's total cost.  Runs inside the caller's transaction, under
// a savepoint so a failing statement does not abort it.
Result<double> TotalCost(PgConn& pg, const std::string& sql) {
  VITALS_RETURN_IF_ERROR(pg.Query("SAVEPOINT vitals_explain").status());
  const int params = detail::CountParams(sql);
  Result<detail::PgRows> plan = Status::Internal("not run");
  if (params == 0) {
    plan = pg.Query("EXPLAIN (FORMAT JSON) " + sql);
  } else {
    auto prep = pg.Query("SET LOCAL plan_cache_mode = force_generic_plan");
    if (prep.ok()) prep = pg.Query("PREPARE vitals_tune_explain AS " + sql);
    if (prep.ok()) {
      std::string nulls;
      for (int i = 0; i < params; ++i) nulls += i == 0 ? "NULL" : ", NULL";
      plan = pg.Query("EXPLAIN (FORMAT JSON) EXECUTE vitals_tune_explain(" + nulls + ")");
      (void)pg.Query("DEALLOCATE vitals_tune_explain");
    } else {
      plan = prep.status();
    }
  }
  (void)pg.Query(plan.ok() ? "RELEASE SAVEPOINT vitals_explain"
                           : "ROLLBACK TO SAVEPOINT vitals_explain");
  if (!plan.ok()) return plan.status();
  if (plan->rows() == 0) return Status::Parse("EXPLAIN returned no rows");
  auto doc = nlohmann::json::parse(plan->Text(0, 0), nullptr, false);
  if (doc.is_discarded() || !doc.is_array() || doc.empty() || !doc[0].contains("Plan")) {
    return Status::Parse("EXPLAIN returned no plan");
  }
  return doc[0]["Plan"].value("Total Cost", 0.0);
}

// The index a pg.index item creates, qualified with its table's schema (for preflight).
std::string CreatedIndex(const PlanItem& item) {
  return Qualified(item.detail.value("schema", ""), item.name);
}

std::string JoinQuoted(const std::vector<std::string>& cols) {
  std::string out;
  for (const auto& c : cols) out += (out.empty() ? "" : ", ") + QuoteIdent(c);
  return out;
}

std::string Join(const std::vector<std::string>& cols, std::string_view sep) {
  std::string out;
  for (const auto& c : cols) out += (out.empty() ? "" : std::string(sep)) + c;
  return out;
}

class PgIndexCreate final : public ChangeKind {
 public:
  const char* name() const override { return "pg.index"; }
  const char* component() const override { return "postgres"; }

  Status Plan(TuneSession& s, const TuneOptions& o, vitals::Plan* plan) const override {
    PgConn& pg = *s.pg();
    auto rows = pg.Query(fmt::format(
        "SELECT schemaname, relname, seq_scan, COALESCE(idx_scan, 0), n_live_tup, "
        "pg_catalog.pg_relation_size(relid), seq_tup_read FROM pg_catalog.pg_stat_user_tables "
        "WHERE seq_scan > {} AND COALESCE(idx_scan, 0) < {} AND n_live_tup >= {} ORDER BY 1, 2",
        kMinSeqScan, kMaxIdxScan, kMinLiveRows));
    if (!rows.ok()) return rows.status();
    if (rows->rows() == 0) return Status::Ok();
    std::vector<Table> tables(rows->rows());
    std::map<std::string, const Table*> by_key;
    for (int r = 0; r < rows->rows(); ++r) {
      Table& t = tables[r];
      t.schema = std::string(rows->Text(r, 0));
      t.name = std::string(rows->Text(r, 1));
      t.seq_scan = rows->Num(r, 2).value_or(0);
      t.idx_scan = rows->Num(r, 3).value_or(0);
      t.live = rows->Num(r, 4).value_or(0);
      t.bytes = rows->Num(r, 5).value_or(0);
      t.seq_tup_read = rows->Num(r, 6).value_or(0);
      by_key[t.schema + "." + t.name] = &t;
    }
    auto statements = ReadStatements(pg, plan);
    if (!statements.ok()) return statements.status();
    if (statements->empty()) return Status::Ok();

    // Columns of those tables, and the columns already leading a valid index.
    std::map<std::string, std::set<std::string>> columns, leading;
    auto cols = pg.Query(
        "SELECT s.schemaname || '.' || s.relname, a.attname, EXISTS (SELECT 1 FROM "
        "pg_catalog.pg_index i WHERE i.indrelid = s.relid AND i.indisvalid AND i.indkey[0] = "
        "a.attnum) FROM pg_catalog.pg_stat_user_tables s JOIN pg_catalog.pg_attribute a ON "
        "a.attrelid = s.relid WHERE a.attnum > 0 AND NOT a.attisdropped");
    if (!cols.ok()) return cols.status();
    for (int r = 0; r < cols->rows(); ++r) {
      std::string key(cols->Text(r, 0));
      if (!by_key.count(key)) continue;
      columns[key].insert(std::string(cols->Text(r, 1)));
      if (cols->Bool(r, 2)) leading[key].insert(std::string(cols->Text(r, 1)));
    }
    // One candidate per (table, filtered column set), each statement on its own.
    std::map<std::pair<std::string, std::vector<std::string>>, Candidate> candidates;
    for (const auto& q : *statements) {
      for (auto& [key, filtered] : detail::InferFilterColumns({q}, columns)) {
        std::vector<std::string> set;
        for (const auto& c : filtered) {
          if (!leading[key].count(c)) set.push_back(c);
        }
        if (set.empty()) continue;
        Candidate& c = candidates[{key, set}];
        c.table = by_key[key];
        c.columns = set;
        c.statements.push_back(q);
      }
    }
    if (candidates.empty()) return Status::Ok();

    const bool hypo = HypoPgAvailable(pg, plan);
    // Everything hypopg does (CREATE EXTENSION included) happens in this transaction, rolled
    // back below: planning leaves nothing behind.
    const bool in_tx = hypo && pg.Query("BEGIN").ok();
    const bool hypo_ok = in_tx && CreateHypoPgInTransaction(pg, plan);
    for (auto& [key, c] : candidates) {
      std::sort(c.statements.begin(), c.statements.end(),
                [](const auto& a, const auto& b) { return a.calls > b.calls; });
      if (c.statements.size() > kStatementsPerCandidate)
        c.statements.resize(kStatementsPerCandidate);
      PlanItem item = MakeItem(s, o, c);
      if (hypo_ok) Estimate(pg, c, &item);
      auto existing = IndexState(s, c.table->schema, item.name);
      if (existing.ok() && *existing >= 0) {
        item.skip =
            *existing == 0
                ? fmt::format(
                      "an INVALID index {} is left from an interrupted build: vitals tune "
                      "--rollback of its backup (or DROP INDEX CONCURRENTLY {};) removes it",
                      item.name, Qualified(c.table->schema, item.name))
                : fmt::format("an index named {} exists already", item.name);
      }
      plan->items.push_back(std::move(item));
    }
    if (in_tx) (void)pg.Query("ROLLBACK");
    return Status::Ok();
  }

  void Preflight(TuneSession& s, const std::vector<const PlanItem*>& items,
                 std::vector<std::string>* needs) const override {
    if (!OwnerPreflight(s, items, "CREATE INDEX", CreatedIndex, needs)) return;
    SchemaCreatePreflight(s, items, needs);
    // Held from here to the end of the session, so apply builds under it.
    Status lock = TryIndexLock(s);
    if (!lock.ok()) needs->push_back("postgres: " + lock.message());
  }

  // CREATE INDEX also needs CREATE on the table's schema (PostgreSQL checks it for the role
  // even when it owns the table; a superuser has it): without it the build fails at apply.
  static void SchemaCreatePreflight(TuneSession& s, const std::vector<const PlanItem*>& items,
                                    std::vector<std::string>* needs) {
    for (const PlanItem* i : items) {
      const std::string schema = i->detail.value("schema", "");
      auto r =
          s.pg()->Query(fmt::format("SELECT pg_catalog.has_schema_privilege({}, 'CREATE'), "
                                    "pg_catalog.quote_ident(current_user)",
                                    PgQuoteLiteral(schema)));
      if (r.ok() && r->Bool(0, 0)) continue;
      needs->push_back(
          r.ok() ? fmt::format("postgres: CREATE on schema {} for CREATE INDEX {} on {} (the index "
                               "goes into its table's schema): GRANT CREATE ON SCHEMA {} TO {};",
                               QuoteIdent(schema), CreatedIndex(*i), s.pg_display(),
                               QuoteIdent(schema), r->Text(0, 1))
                 : fmt::format("postgres: cannot check CREATE on schema {} on {}: {}",
                               QuoteIdent(schema), s.pg_display(), r.status().message()));
    }
  }

  Result<nlohmann::json> Snapshot(TuneSession& s, const PlanItem& item) const override {
    const std::string schema = item.detail.value("schema", "");
    auto state = IndexState(s, schema, item.name);
    if (!state.ok()) return state.status();
    if (*state >= 0) {
      return Status::InvalidArgument(fmt::format(
          "postgres: index {} exists already; rollback would drop it, so vitals does not "
          "create it (drop it or rename it first)",
          Qualified(schema, item.name)));
    }
    return nlohmann::json{{"schema", schema}, {"index", item.name}, {"existed", false}};
  }

  Status Apply(TuneSession& s, const std::vector<const PlanItem*>& items,
               const TuneOptions& o) const override {
    VITALS_RETURN_IF_ERROR(TryIndexLock(s));
    for (size_t k = 0; k < items.size(); ++k) {
      if (k > 0) s.Pause();
      const PlanItem& i = *items[k];
      const std::string schema = i.detail.value("schema", "");
      Status built;
      {
        ScopedTimeouts t(s, o.index_lock_timeout_ms, o.index_statement_timeout_ms);
        VITALS_RETURN_IF_ERROR(t.status());
        built = RunAudited(s, i.proposed);
      }
      if (!built.ok()) {
        // A failed CONCURRENTLY build leaves an INVALID index that every write still updates.
        auto state = IndexState(s, schema, i.name);
        if (state.ok() && *state == 0) {
          // Waits for the table's writers up to statement_timeout, not lock_timeout: an
          // invalid index left behind costs every write until someone drops it.
          ScopedTimeouts t(s, o.index_statement_timeout_ms, o.index_statement_timeout_ms);
          Status dropped =
              RunAudited(s, "DROP INDEX CONCURRENTLY IF EXISTS " + Qualified(schema, i.name));
          return Status::Unavailable(fmt::format(
              "{}; the invalid leftover index {} {}", built.message(), i.name,
              dropped.ok() ? "was dropped" : "could not be dropped: " + dropped.message()));
        }
        return built;
      }
      auto state = IndexState(s, schema, i.name);
      if (!state.ok()) return state.status();
      if (*state != 1) {
        return Status::Internal(fmt::format("postgres: index {} is not valid after its build",
                                            Qualified(schema, i.name)));
      }
      VITALS_RETURN_IF_ERROR(s.Audit("postgres", "verify index " + i.name + " is valid", "ok"));
    }
    return Status::Ok();
  }

  std::string CheckEntry(const BackupEntry& e) const override {
    std::string why = tuneobj::CheckIdentifier("schema", e.old.value("schema", ""));
    if (why.empty()) why = tuneobj::CheckIdentifier("index", e.old.value("index", e.name));
    if (why.empty()) why = tuneobj::CheckIdentifier("index", e.name);
    return why;
  }

  Status Undo(TuneSession& s, const std::vector<const BackupEntry*>& entries) const override {
    VITALS_RETURN_IF_ERROR(TryIndexLock(s));
    Status first;
    for (size_t k = 0; k < entries.size(); ++k) {
      if (k > 0) s.Pause();
      const BackupEntry& e = *entries[k];
      if (e.old.value("existed", true)) continue;  // never drop what vitals did not create
      ScopedTimeouts t(s, TuneOptions{}.index_lock_timeout_ms,
                       TuneOptions{}.index_statement_timeout_ms);
      Status st = t.status().ok() ? RunAudited(s, "DROP INDEX CONCURRENTLY IF EXISTS " +
                                                      Qualified(e.old.value("schema", ""),
                                                                e.old.value("index", e.name)))
                                  : t.status();
      if (!st.ok() && first.ok()) first = st;
    }
    return first;
  }

  std::vector<std::string> Verify(TuneSession& s,
                                  const std::vector<const BackupEntry*>& entries) const override {
    std::vector<std::string> bad;
    for (const BackupEntry* e : entries) {
      if (e->old.value("existed", true)) continue;
      const std::string schema = e->old.value("schema", "");
      auto state = IndexState(s, schema, e->name);
      if (!state.ok()) {
        bad.push_back("postgres index " + e->name + ": " + state.status().message());
      } else if (*state >= 0) {
        bad.push_back(fmt::format("postgres index {}: still exists; was absent before the apply",
                                  Qualified(schema, e->name)));
      }
    }
    return bad;
  }

 private:
  // pg_stat_statements of the current database (a note when it is not there).
  static Result<std::vector<detail::QueryText>> ReadStatements(PgConn& pg, vitals::Plan* plan) {
    auto ext = pg.Query(
        "SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON "
        "n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'");
    if (!ext.ok()) return ext.status();
    if (ext->rows() == 0) {
      plan->notes.push_back(
          "postgres: index candidates need pg_stat_statements (which columns statements filter "
          "on) and it is not installed in this database: add it to shared_preload_libraries, "
          "restart, then CREATE EXTENSION pg_stat_statements;");
      return std::vector<detail::QueryText>{};
    }
    const std::string schema = QuoteIdent(ext->Text(0, 0));
    auto names = pg.Query(
        fmt::format("SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = {}::regclass AND "
                    "attnum > 0",
                    PgQuoteLiteral(std::string(ext->Text(0, 0)) + ".pg_stat_statements")));
    if (!names.ok()) return names.status();
    std::vector<std::string> cols;
    for (int r = 0; r < names->rows(); ++r) cols.emplace_back(names->Text(r, 0));
    auto detected = detail::DetectPgssColumns(cols);
    if (!detected.ok()) return detected.status();
    auto rows = pg.Query(detail::PgssStatementsSql(*detected, schema, 500));
    if (!rows.ok()) {
      plan->notes.push_back("postgres: cannot read pg_stat_statements (" + rows.status().message() +
                            "): no index candidates");
      return std::vector<detail::QueryText>{};
    }
    std::vector<detail::QueryText> out;
    for (int r = 0; r < rows->rows(); ++r) {
      std::string text(rows->Text(r, 12));
      // vitals' own catalog queries land there too; they are not the application's.
      if (!detail::IsExplainable(text) || text.find("pg_catalog.") != std::string::npos) continue;
      out.push_back({std::move(text), rows->Num(r, 1).value_or(0), std::string(rows->Text(r, 0)),
                     rows->Num(r, 3).value_or(0)});
    }
    return out;
  }

  // hypopg installed, or installable by this role (then created inside the plan's
  // transaction and rolled back).  Says in the plan when it is neither.
  static bool HypoPgAvailable(PgConn& pg, vitals::Plan* plan) {
    auto r = pg.Query(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'hypopg'), "
        "EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'hypopg'), "
        "current_setting('is_superuser') = 'on', pg_is_in_recovery()");
    if (!r.ok()) return false;
    if (r->Bool(0, 0)) return true;
    if (r->Bool(0, 1) && r->Bool(0, 2) && !r->Bool(0, 3)) return true;
    plan->notes.push_back(fmt::format(
        "postgres: hypopg is not available ({}): index benefits are not estimated; the items "
        "show pg.missing_index's evidence instead (install postgresql-15-hypopg, then CREATE "
        "EXTENSION hypopg; as a superuser)",
        !r->Bool(0, 1) ? "the extension is not installed on the server"
                       : "not created in this database, and only a superuser can create it"));
    return false;
  }

  static bool CreateHypoPgInTransaction(PgConn& pg, vitals::Plan* plan) {
    (void)pg.Query("SAVEPOINT vitals_hypopg");  // a failure must not abort the transaction
    auto r = pg.Query("CREATE EXTENSION IF NOT EXISTS hypopg");
    (void)pg.Query(r.ok() ? "RELEASE SAVEPOINT vitals_hypopg"
                          : "ROLLBACK TO SAVEPOINT vitals_hypopg");
    if (r.ok()) return true;
    plan->notes.push_back("postgres: hypopg cannot be used (" + r.status().message() +
                          "): index benefits are not estimated");
    return false;
  }

  static PlanItem MakeItem(TuneSession&, const TuneOptions& o, const Candidate& c) {
    const Table& t = *c.table;
    PlanItem item;
    item.kind = "pg.index";
    item.component = "postgres";
    item.name = VitalsIndexName(t.name, c.columns);
    item.current = "";
    item.proposed = fmt::format("CREATE INDEX CONCURRENTLY {} ON {} ({})", QuoteIdent(item.name),
                                Qualified(t.schema, t.name), JoinQuoted(c.columns));
    item.source = "pg.missing_index (docs/runbooks/postgres.md#missing-index)";
    item.rule = fmt::format(
        "pg.missing_index: seq_scan={:.0f} idx_scan={:.0f} live rows={:.0f}, {:.0f} rows read by "
        "sequential scans; {} statement{} filter on {} (pg_stat_statements)",
        t.seq_scan, t.idx_scan, t.live, t.seq_tup_read, c.statements.size(),
        c.statements.size() == 1 ? "" : "s", Join(c.columns, ", "));
    item.effect = fmt::format(
        "SHARE UPDATE EXCLUSIVE lock on {}; writes continue; time {} (estimate from the table "
        "size, {:.1f} MB); lock_timeout {} ms, statement_timeout {} ms",
        Qualified(t.schema, t.name), BuildTimeEstimate(t.bytes), t.bytes / (1024.0 * 1024.0),
        o.index_lock_timeout_ms, o.index_statement_timeout_ms);
    item.exact_undo = true;
    nlohmann::json statements = nlohmann::json::array();
    for (const auto& q : c.statements) {
      statements.push_back(
          {{"queryid", q.queryid}, {"calls", q.calls}, {"query", detail::MaskSql(q.text, 300)}});
    }
    item.detail = {{"schema", t.schema},
                   {"table", Qualified(t.schema, t.name)},
                   {"columns", c.columns},
                   {"statements", statements},
                   {"table_bytes", t.bytes},
                   {"undo", "rollback drops it (DROP INDEX CONCURRENTLY IF EXISTS)"}};
    if (o.strategy == TuneStrategy::kConservative) {
      item.skip =
          "conservative changes settings only; --strategy balanced creates indexes (concurrently)";
    }
    return item;
  }

  // EXPLAIN of the candidate's statements without and with the hypothetical index.
  static void Estimate(PgConn& pg, const Candidate& c, PlanItem* item) {
    double before = 0, after = 0;
    int explained = 0;
    std::string why;
    for (const auto& q : c.statements) {
      auto b = TotalCost(pg, q.text);
      if (!b.ok()) {
        why = fmt::format("queryid {}: {}", q.queryid, b.status().message());
        continue;
      }
      (void)pg.Query("SAVEPOINT vitals_hypo_index");
      auto made =
          pg.Query(fmt::format("SELECT indexrelid FROM hypopg_create_index({})",
                               PgQuoteLiteral(fmt::format("CREATE INDEX ON {} ({})",
                                                          Qualified(c.table->schema, c.table->name),
                                                          JoinQuoted(c.columns)))));
      (void)pg.Query(made.ok() ? "RELEASE SAVEPOINT vitals_hypo_index"
                               : "ROLLBACK TO SAVEPOINT vitals_hypo_index");
      auto a = made.ok() ? TotalCost(pg, q.text) : Result<double>(made.status());
      (void)pg.Query("SELECT hypopg_reset()");  // never leave hypothetical indexes
      if (!a.ok()) {
        why = fmt::format("queryid {}: {}", q.queryid, a.status().message());
        continue;
      }
      before += *b;
      after += *a;
      ++explained;
    }
    if (explained == 0) {
      item->detail["hypopg"] = "not estimated: " + why;
      item->rule += "; hypopg: not estimated (" + why + ")";
      return;
    }
    const double pct = before > 0 ? 100.0 * (before - after) / before : 0;
    item->detail["cost_before"] = before;
    item->detail["cost_after"] = after;
    item->rule += fmt::format("; hypopg: cost {:.2f} -> {:.2f} (-{:.1f} %) over {} statement{}",
                              before, after, pct, explained, explained == 1 ? "" : "s");
    if (after >= before && item->skip.empty()) {
      item->skip = fmt::format(
          "hypopg: the planner would not use it (cost {:.2f} -> {:.2f}); nothing to gain", before,
          after);
    }
  }
};

}  // namespace

const ChangeKind& PgIndexKind() {
  static const PgIndexCreate kKind;
  return kKind;
}

}  // namespace vitals
