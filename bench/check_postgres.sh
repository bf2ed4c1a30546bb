#!/usr/bin/env bash
# bench/check_postgres.sh [VITALS_BIN] -- time `vitals check --postgres` on a
# database with 1,000 tables and 3,000 indexes (the catalog-size budget is
# under 2 s).  Uses $VITALS_TEST_PG_DSN if set, else starts PostgreSQL 15 with
# scripts/lib/servers.sh.  Prints each run and the median of 5 (ms).
# RUNS=N changes the number of runs; KEEP_DB=1 keeps the database for profiling.
set -euo pipefail
cd "$(dirname "$0")/.."
VITALS="${1:-build/release/vitals}"
RUNS="${RUNS:-5}"
[ -x "$VITALS" ] || { echo "no vitals binary at $VITALS (build it, or pass its path)" >&2; exit 2; }

source scripts/lib/servers.sh
started=0
if [ -z "${VITALS_TEST_PG_DSN:-}" ]; then
  start_postgres
  started=1
fi
DB="vitals_bench_$$"
ADMIN="$VITALS_TEST_PG_DSN"
DSN="${ADMIN%/*}/$DB"   # postgresql://user@host:port/<db>
psql "$ADMIN" -qX -c "CREATE DATABASE $DB"
cleanup_db() { [ "${KEEP_DB:-0}" = 1 ] && return; psql "$ADMIN" -qX -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true; }
trap 'cleanup_db; [ "$started" = 1 ] && stop_servers || true' EXIT

# 1,000 tables x (primary key + 2 indexes) = 3,000 indexes, a few rows each,
# statistics for every table, and pg_stat_statements with some statements.
{
  echo "CREATE EXTENSION IF NOT EXISTS pg_stat_statements;"
  echo "BEGIN;"
  for i in $(seq 1 1000); do
    echo "CREATE TABLE t_$i (id serial PRIMARY KEY, a int, b int, note text);"
    echo "CREATE INDEX t_${i}_a ON t_$i (a);"
    echo "CREATE INDEX t_${i}_b_a ON t_$i (b, a);"
    echo "INSERT INTO t_$i (a, b, note) SELECT g, g % 7, 'row ' || g FROM generate_series(1, 20) g;"
  done
  echo "COMMIT;"
  for i in $(seq 1 200); do echo "SELECT count(*) FROM t_$i WHERE b = 3;"; done
} | psql "$DSN" -qX -v ON_ERROR_STOP=1 >/dev/null
psql "$DSN" -qX -c "ANALYZE" >/dev/null
echo "database: $(psql "$DSN" -qXAt -c "SELECT count(*) FROM pg_stat_user_tables") tables, $(psql "$DSN" -qXAt -c "SELECT count(*) FROM pg_stat_user_indexes") indexes"

times=()
for r in $(seq 1 "$RUNS"); do
  t0=$(date +%s%N)
  "$VITALS" check --postgres "$DSN" --window 1ms --format json -o /dev/null || true
  t1=$(date +%s%N)
  ms=$(( (t1 - t0) / 1000000 ))
  times+=("$ms")
  echo "run $r: ${ms} ms"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
echo "command: $VITALS check --postgres $DSN --window 1ms --format json -o /dev/null"
echo "median of $RUNS: ${median} ms"
