#!/usr/bin/env bash
# bench/side_by_side_pipeline.sh: vitals --pipeline vs wrk's pipeline script, same nginx, same run.
#
#   bench/side_by_side_pipeline.sh [ROUNDS] [SECONDS] [DEPTH]   (defaults 3 rounds, 4 s, 16)
#
# Plain HTTP against Debian's nginx (start_nginx), 50 connections, 1 thread, DEPTH requests
# written back to back per connection: wrk with the pipeline Lua script from its examples
# (init() concatenates DEPTH requests, request() returns them), vitals with --pipeline DEPTH
# twice: per-answer timing (the default) and --pipeline-timing batch (each answer timed when
# its batch completes, which is what wrk records: one latency per batch).
# CPU is user+sys of the generator process (/usr/bin/time); ratios per round, median printed.
# Traffic goes only to 127.0.0.1; every run stops by itself.
# VITALS_NGINX_WORKERS=N runs nginx with N workers (default 1; Debian's own nginx.conf says
# `worker_processes auto`: one per core).  With one worker nginx saturates first and req/s
# measures nginx; BENCHMARKS.md quotes both.
set -euo pipefail
cd "$(dirname "$0")/.."
DEPTH="${3:-16}"
source bench/lib.sh
bench_init "${1:-}" "${2:-}"
bench_need wrk "wrk missing: scripts/setup"
start_nginx
URL="$VITALS_TEST_NGINX_URL"
cat >"$OUT/pipeline.lua" <<LUA
init = function(args)
  local r = {}
  for i = 1, $DEPTH do r[i] = wrk.format(nil, "/") end
  req = table.concat(r)
end
request = function() return req end
LUA
echo "nginx at $URL; $ROUNDS rounds x $SECS s; depth $DEPTH; $(nproc) cores; $(uptime)"

: >"$OUT/ratios"
for r in $(seq "$ROUNDS"); do
  read -r wq wc _ < <(measure "wrk-$r" wrk -t1 -c50 -d"${SECS}s" -s "$OUT/pipeline.lua" "$URL")
  read -r aq ac _ < <(measure "vitals-answer-$r" "$VITALS" load "$URL" -t 1 -c 50 \
                      --pipeline "$DEPTH" -d "${SECS}s" -q --no-store --json "$OUT/answer-$r.json")
  read -r bq bc _ < <(measure "vitals-batch-$r" "$VITALS" load "$URL" -t 1 -c 50 \
                      --pipeline "$DEPTH" --pipeline-timing batch -d "${SECS}s" -q --no-store \
                      --json "$OUT/batch-$r.json")
  ap50=$(json_p50 "$OUT/answer-$r.json"); bp50=$(json_p50 "$OUT/batch-$r.json")
  awk -v wq="$wq" -v wc="$wc" -v aq="$aq" -v ac="$ac" -v bq="$bq" -v bc="$bc" -v r="$r" \
      -v S="$SECS" -v ap="$ap50" -v bp="$bp50" 'BEGIN {
    w = wc*1e6/wq; a = ac*1e6/aq; b = bc*1e6/bq;
    printf "round %d  us/req: wrk %.3f  vitals answer %.3f  batch %.3f | req/s: wrk %.0f answer %.0f batch %.0f | p50 us: answer %s batch %s\n", r, w, a, b, wq/S, aq/S, bq/S, ap, bp;
    printf "%.4f %.4f %.4f %.4f %.4f\n", a/w, aq/wq, b/w, bq/wq, bp/ap > "/dev/stderr" }' 2>>"$OUT/ratios"
done
col() { awk -v c="$1" '{print $c}' "$OUT/ratios" | median; }
echo "medians, --pipeline-timing answer (default): vitals/wrk CPU per request $(col 1)x; req/s $(col 2)x"
echo "medians, --pipeline-timing batch (wrk's timing): vitals/wrk CPU per request $(col 3)x;" \
     "req/s $(col 4)x; vitals p50 batch/answer $(col 5)x"
