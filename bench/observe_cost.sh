#!/usr/bin/env bash
# bench/observe_cost.sh: what `vitals load --observe` costs the load generator.
#
#   bench/observe_cost.sh [ROUNDS] [SECONDS]      (defaults 5 rounds, 5 s per run)
#
# The wrk side-by-side setup (Debian's nginx on 127.0.0.1, 1 worker, `return 200`; 1 thread,
# 50 keep-alive connections), plus PostgreSQL and Redis started by scripts/lib/servers.sh.  In
# interleaved rounds: wrk, vitals load, and vitals load --observe postgres=... --observe
# redis=... --observe host (every 1 s).  CPU = user + sys of the generator's process
# (/usr/bin/time), so observation threads are included.  Prints CPU per request per round and
# the medians of the ratios observed/plain and plain/wrk, and the queries the samplers sent per
# interval (pg_stat_statements is not needed: the sampler sends one statement per reading, the
# Redis sampler one INFO; both are counted from the servers' own statistics).
# Traffic goes only to 127.0.0.1 and every run stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS_DEFAULT=5 SECS_DEFAULT=5
source bench/lib.sh
bench_init "$@"
bench_need wrk "wrk missing: scripts/setup"
start_nginx
start_postgres
start_redis
URL="$VITALS_TEST_NGINX_URL"
PG="$VITALS_TEST_PG_DSN"
REDIS="$VITALS_TEST_REDIS_URL"
echo "nginx at $URL; $ROUNDS rounds x $SECS s; $(nproc) cores; load: $(uptime | sed 's/.*load average: //')"


: >"$OUT/ratios"
for r in $(seq "$ROUNDS"); do
  read -r wq wc _ < <(measure "wrk-$r" wrk -t1 -c50 -d"${SECS}s" "$URL")
  read -r vq vc _ < <(measure "plain-$r" "$VITALS" load "$URL" -t 1 -c 50 -d "${SECS}s" -q --no-store)
  read -r oq oc _ < <(measure "observed-$r" "$VITALS" load "$URL" -t 1 -c 50 -d "${SECS}s" -q --no-store \
    --observe "postgres=$PG" --observe "redis=$REDIS" --observe host)
  awk -v wq="$wq" -v wc="$wc" -v vq="$vq" -v vc="$vc" -v oq="$oq" -v oc="$oc" -v r="$r" 'BEGIN {
    w = wc*1e6/wq; v = vc*1e6/vq; o = oc*1e6/oq;
    printf "round %d  us/req: wrk %.3f  vitals %.3f  vitals --observe %.3f\n", r, w, v, o;
    printf "%.4f %.4f\n", o/v, v/w > "/dev/stderr" }' 2>>"$OUT/ratios"
  grep -E "^  (postgres|redis|host) " "$OUT/observed-$r.log" | sed 's/^/    /' || true
done
awk '{print $1}' "$OUT/ratios" | median >"$OUT/m1"
awk '{print $2}' "$OUT/ratios" | median >"$OUT/m2"
echo "medians: observed/plain CPU per request $(cat "$OUT/m1")x; plain/wrk $(cat "$OUT/m2")x"
