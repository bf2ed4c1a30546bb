#include "store/migrations.h"

#include <fmt/format.h>

#include <iterator>

#include "store/sqlite_util.h"

namespace vitals::detail {
namespace {

// Version 1: runs, tags, merged histograms, phases, intervals, baselines.
// Histograms are HdrHistogram V2 compressed, base64 text (core/hdr_log.h): the same bytes an
// .hlog line carries, so they can be pasted into HdrHistogram tools.
constexpr const char* kV1 = R"sql(
CREATE TABLE runs (
  id               TEXT PRIMARY KEY,
  status           TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
  started_unix_ms  INTEGER NOT NULL,
  finished_unix_ms INTEGER,
  target           TEXT NOT NULL,
  method           TEXT NOT NULL DEFAULT '',
  model            TEXT NOT NULL DEFAULT '',
  config_json      TEXT NOT NULL DEFAULT '{}',
  host             TEXT NOT NULL DEFAULT '',
  cores            INTEGER NOT NULL DEFAULT 0,
  kernel           TEXT NOT NULL DEFAULT '',
  vitals_version   TEXT NOT NULL DEFAULT '',
  duration_s       REAL,
  requests         INTEGER,
  errors           INTEGER,
  error_rate       REAL,
  rate_asked       REAL,
  rate_achieved    REAL,
  p50_us           REAL,
  p95_us           REAL,
  p99_us           REAL,
  result_json      TEXT,
  thresholds_json  TEXT NOT NULL DEFAULT '[]',
  verdict          TEXT NOT NULL DEFAULT '',
  failure_reason   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_by_status_started ON runs (status, started_unix_ms);
CREATE INDEX runs_by_started ON runs (started_unix_ms);

CREATE TABLE run_tags (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  value  TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX run_tags_by_key_value ON run_tags (key, value);

CREATE TABLE run_histograms (
  run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  kind        TEXT NOT NULL CHECK (kind IN ('latency_corrected', 'latency_uncorrected',
                                            'connect', 'ttfb', 'send_lag')),
  total_count INTEGER NOT NULL,
  hdr_v2      TEXT NOT NULL,
  PRIMARY KEY (run_id, kind)
) WITHOUT ROWID;

CREATE TABLE run_phases (
  run_id              TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  idx                 INTEGER NOT NULL,
  name                TEXT NOT NULL,
  duration_s          REAL NOT NULL,
  level_start         REAL NOT NULL,
  level_end           REAL NOT NULL,
  requests            INTEGER NOT NULL,
  errors              INTEGER NOT NULL,
  dropped             INTEGER NOT NULL,
  latency_corrected   TEXT NOT NULL,
  latency_uncorrected TEXT NOT NULL,
  PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;

CREATE TABLE run_intervals (
  run_id              TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq                 INTEGER NOT NULL,
  start_s             REAL NOT NULL,
  length_s            REAL NOT NULL,
  phase               TEXT NOT NULL,
  request             TEXT NOT NULL,
  requests            INTEGER NOT NULL,
  errors              INTEGER NOT NULL,
  p50_us              REAL NOT NULL,
  p90_us              REAL NOT NULL,
  p95_us              REAL NOT NULL,
  p99_us              REAL NOT NULL,
  max_us              REAL NOT NULL,
  mean_us             REAL NOT NULL,
  latency_corrected   TEXT NOT NULL,
  latency_uncorrected TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE TABLE baselines (
  name        TEXT PRIMARY KEY,
  run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE RESTRICT,
  set_unix_ms INTEGER NOT NULL
);
CREATE INDEX baselines_by_run ON baselines (run_id);
)sql";

// Version 2: the findings of a run (`vitals check --format json` document), one per run,
// attached after the run by SetFindings (the demo, or a check run beside a load).
constexpr const char* kV2 = R"sql(
CREATE TABLE run_findings (
  run_id        TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  findings_json TEXT NOT NULL,
  set_unix_ms   INTEGER NOT NULL
);
)sql";

// Version 3: the load generator's noise per interval (load/noise.h); NULL = not measured.
constexpr const char* kV3 = R"sql(
CREATE TABLE run_noise (
  run_id             TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  start_s            REAL NOT NULL,
  length_s           REAL NOT NULL,
  probes             INTEGER NOT NULL,
  sched_delay_p99_us REAL,
  sched_delay_max_us REAL,
  send_lag_p99_us    REAL,
  gen_cpu_pct        REAL,
  steal_pct          REAL,
  psi_cpu_pct        REAL,
  runnable_per_cpu   REAL,
  PRIMARY KEY (run_id, start_s)
) WITHOUT ROWID;
)sql";

// Version 4: what `vitals check --record` found and when (checks), and the post-incident
// records `vitals incident` writes (incidents).  Both are read by time window.
constexpr const char* kV4 = R"sql(
CREATE TABLE checks (
  id               TEXT PRIMARY KEY,
  started_unix_ms  INTEGER NOT NULL,
  finished_unix_ms INTEGER NOT NULL,
  components       TEXT NOT NULL DEFAULT '',
  run_id           TEXT REFERENCES runs (id) ON DELETE SET NULL,
  findings_json    TEXT NOT NULL
);
CREATE INDEX checks_by_finished ON checks (finished_unix_ms);

CREATE TABLE incidents (
  id              TEXT PRIMARY KEY,
  created_unix_ms INTEGER NOT NULL,
  from_unix_ms    INTEGER NOT NULL,
  to_unix_ms      INTEGER NOT NULL,
  severity        TEXT NOT NULL DEFAULT '',
  title           TEXT NOT NULL DEFAULT '',
  record_json     TEXT NOT NULL
);
CREATE INDEX incidents_by_created ON incidents (created_unix_ms);
)sql";

// Version 5: status 'interrupted' (stopped by Ctrl-C / SIGTERM: the result is whole but the
// run is never `latest`, nor a default baseline or gate candidate).  SQLite cannot change a
// CHECK constraint in place, so the runs table is rebuilt (Migrate turns foreign keys off
// around the transaction, or dropping the old table would cascade to every child table).
constexpr const char* kV5 = R"sql(
CREATE TABLE runs_v5 (
  id               TEXT PRIMARY KEY,
  status           TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed',
                                                   'interrupted')),
  started_unix_ms  INTEGER NOT NULL,
  finished_unix_ms INTEGER,
  target           TEXT NOT NULL,
  method           TEXT NOT NULL DEFAULT '',
  model            TEXT NOT NULL DEFAULT '',
  config_json      TEXT NOT NULL DEFAULT '{}',
  host             TEXT NOT NULL DEFAULT '',
  cores            INTEGER NOT NULL DEFAULT 0,
  kernel           TEXT NOT NULL DEFAULT '',
  vitals_version   TEXT NOT NULL DEFAULT '',
  duration_s       REAL,
  requests         INTEGER,
  errors           INTEGER,
  error_rate       REAL,
  rate_asked       REAL,
  rate_achieved    REAL,
  p50_us           REAL,
  p95_us           REAL,
  p99_us           REAL,
  result_json      TEXT,
  thresholds_json  TEXT NOT NULL DEFAULT '[]',
  verdict          TEXT NOT NULL DEFAULT '',
  failure_reason   TEXT NOT NULL DEFAULT ''
);
INSERT INTO runs_v5 SELECT id, status, started_unix_ms, finished_unix_ms, target, method, model,
  config_json, host, cores, kernel, vitals_version, duration_s, requests, errors, error_rate,
  rate_asked, rate_achieved, p50_us, p95_us, p99_us, result_json, thresholds_json, verdict,
  failure_reason FROM runs ORDER BY rowid;
DROP TABLE runs;
ALTER TABLE runs_v5 RENAME TO runs;
CREATE INDEX runs_by_status_started ON runs (status, started_unix_ms);
CREATE INDEX runs_by_started ON runs (started_unix_ms);
-- Latencies of a run in which nothing succeeded were stored as 0: there are none.
UPDATE runs SET p50_us = NULL, p95_us = NULL, p99_us = NULL
  WHERE result_json IS NOT NULL AND json_extract(result_json, '$.latency_us.count') = 0;
)sql";

// Version 6: alert state changes seen while a run was going (`vitals load --watch-rules`),
// one row per change, in time order.
constexpr const char* kV6 = R"sql(
CREATE TABLE run_alerts (
  run_id           TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq              INTEGER NOT NULL,
  t_unix_ms        INTEGER NOT NULL,
  alert            TEXT NOT NULL,
  from_state       TEXT NOT NULL,
  to_state         TEXT NOT NULL,
  labels_json      TEXT NOT NULL,
  annotations_json TEXT NOT NULL,
  value            REAL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
)sql";

// Version 7: a 'tls_handshake' histogram kind (https runs).  SQLite cannot change a CHECK
// constraint in place, so the table is rebuilt with the wider one and its rows copied.
constexpr const char* kV7 = R"sql(
CREATE TABLE run_histograms_v7 (
  run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  kind        TEXT NOT NULL CHECK (kind IN ('latency_corrected', 'latency_uncorrected',
                                            'connect', 'ttfb', 'send_lag', 'tls_handshake')),
  total_count INTEGER NOT NULL,
  hdr_v2      TEXT NOT NULL,
  PRIMARY KEY (run_id, kind)
) WITHOUT ROWID;
INSERT INTO run_histograms_v7 (run_id, kind, total_count, hdr_v2)
  SELECT run_id, kind, total_count, hdr_v2 FROM run_histograms;
DROP TABLE run_histograms;
ALTER TABLE run_histograms_v7 RENAME TO run_histograms;
)sql";

// Version 8: query-plan fingerprints per statement with each recorded check, so the next
// check can say "plan of queryid X changed" (`vitals check --postgres ... --record`).
constexpr const char* kV8 = R"sql(
CREATE TABLE check_plans (
  check_id    TEXT NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
  target      TEXT NOT NULL,
  queryid     TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  query       TEXT NOT NULL,
  mean_time_s REAL NOT NULL,
  PRIMARY KEY (check_id, target, queryid)
) WITHOUT ROWID;
CREATE INDEX check_plans_by_target ON check_plans (target, check_id);
)sql";

// Version 9: server-side series observed during a run (`vitals load --observe`), one row per
// sample: docs/observe.md names the series.
constexpr const char* kV9 = R"sql(
CREATE TABLE run_series (
  run_id    TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  name      TEXT NOT NULL,
  subject   TEXT NOT NULL,
  component TEXT NOT NULL,
  unit      TEXT NOT NULL,
  t_s       REAL NOT NULL,
  value     REAL NOT NULL,
  PRIMARY KEY (run_id, name, subject, t_s)
) WITHOUT ROWID;
)sql";

// Execution segments of a coordinated or merged run (vitals coordinate, vitals merge).
constexpr const char* kV10 = R"sql(
CREATE TABLE run_segments (
  run_id           TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  segment_index    INTEGER NOT NULL,
  segment_count    INTEGER NOT NULL,
  segment_run_id   TEXT NOT NULL,
  host             TEXT NOT NULL,
  status           TEXT NOT NULL,
  requests         INTEGER NOT NULL,
  errors           INTEGER NOT NULL,
  planned_requests INTEGER NOT NULL,
  joined_unix_ms   INTEGER,
  left_unix_ms     INTEGER,
  lost             INTEGER NOT NULL DEFAULT 0,
  lost_at_s        REAL,
  lost_reason      TEXT,
  PRIMARY KEY (run_id, segment_index)
) WITHOUT ROWID;
)sql";

// Version 11: `vitals tune` backups (every old value with its source, checksummed) and the
// audit log of every step tune took (docs/tune.md).
constexpr const char* kV11 = R"sql(
CREATE TABLE tune_backups (
  id              TEXT PRIMARY KEY,
  created_unix_ms INTEGER NOT NULL,
  updated_unix_ms INTEGER NOT NULL,
  components      TEXT NOT NULL,
  targets_json    TEXT NOT NULL,
  items           INTEGER NOT NULL,
  state           TEXT NOT NULL,
  note            TEXT NOT NULL DEFAULT '',
  checksum        TEXT NOT NULL,
  backup_json     TEXT NOT NULL
);
CREATE TABLE tune_audit (
  backup_id TEXT NOT NULL REFERENCES tune_backups (id) ON DELETE CASCADE,
  seq       INTEGER NOT NULL,
  unix_ms   INTEGER NOT NULL,
  component TEXT NOT NULL,
  statement TEXT NOT NULL,
  result    TEXT NOT NULL,
  PRIMARY KEY (backup_id, seq)
) WITHOUT ROWID;
)sql";

constexpr Migration kMigrations[] = {
    {1, "runs, tags, histograms, phases, intervals, baselines", kV1},
    {2, "run findings", kV2},
    {3, "generator noise per interval", kV3},
    {4, "recorded checks and incident records", kV4},
    {5, "run status 'interrupted'; no latency is NULL", kV5},
    {6, "alert state changes during a run", kV6},
    {7, "tls_handshake histogram kind", kV7},
    {8, "query-plan fingerprints of recorded checks", kV8},
    {9, "server-side series observed during a run", kV9},
    {10, "execution segments of a coordinated or merged run", kV10},
    {11, "tune backups and audit log", kV11},
};

Result<int> UserVersion(sqlite3* db, const std::string& path) {
  auto st = Stmt::Prepare(db, path, "PRAGMA user_version");
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return *row ? static_cast<int>(st->Int(0)) : 0;
}

Status CheckNotNewer(int version, const std::string& path) {
  if (version <= LatestSchemaVersion()) return Status::Ok();
  return Status::InvalidArgument(fmt::format(
      "run store '{}' has schema version {}, newer than this vitals knows (up to {}): it was "
      "written by a newer vitals; upgrade vitals, or pass another --store PATH",
      path, version, LatestSchemaVersion()));
}

}  // namespace

int LatestSchemaVersion() { return std::prev(std::end(kMigrations))->version; }

Status Migrate(sqlite3* db, const std::string& path) {
  // Fast path without the write lock: an up-to-date store is opened by readers and writers
  // alike, and taking the write lock on every open would serialize them.
  auto before = UserVersion(db, path);
  if (!before.ok()) return before.status();
  VITALS_RETURN_IF_ERROR(CheckNotNewer(*before, path));
  if (*before == LatestSchemaVersion()) return Status::Ok();

  // Rebuilding a parent table (migration 4) must not cascade to its children; the pragma only
  // takes effect outside a transaction.  Foreign keys come back on however this returns.
  VITALS_RETURN_IF_ERROR(Exec(db, path, "PRAGMA foreign_keys = OFF"));
  struct ForeignKeysBackOn {
    sqlite3* db;
    ~ForeignKeysBackOn() {
      sqlite3_exec(db, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
    }
  } back_on{db};
  auto txn = WriteTxn::Begin(db, path);
  if (!txn.ok()) return txn.status();
  // Re-read under the lock: another process may have migrated in between.
  auto current = UserVersion(db, path);
  if (!current.ok()) return current.status();
  VITALS_RETURN_IF_ERROR(CheckNotNewer(*current, path));
  for (const Migration& m : kMigrations) {
    if (m.version <= *current) continue;
    Status st = Exec(db, path, m.sql);
    if (!st.ok()) {
      if (st.code() == Status::Code::kIo) return st;  // file-level trouble: say so as is
      return Status::Internal(fmt::format("run store '{}': migration {} ({}) failed: {}", path,
                                          m.version, m.description, st.message()));
    }
    // PRAGMA takes no bound parameters; the version is our own integer.
    VITALS_RETURN_IF_ERROR(Exec(db, path, fmt::format("PRAGMA user_version = {}", m.version)));
  }
  // With the checks off, make sure the rebuilt tables still hold together.
  auto fk = Stmt::Prepare(db, path, "PRAGMA foreign_key_check");
  if (!fk.ok()) return fk.status();
  auto bad = fk->Step();
  if (!bad.ok()) return bad.status();
  if (*bad) {
    return Status::Internal(fmt::format(
        "run store '{}': after migrating, table {} has rows whose parent is missing; the file is "
        "unchanged (restore it from a backup or pass another --store PATH)",
        path, fk->Text(0)));
  }
  return txn->Commit();
}

}  // namespace vitals::detail
