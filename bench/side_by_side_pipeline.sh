#!/usr/bin/env bash
# bench/side_by_side_pipeline.sh: vitals --pipeline vs wrk's pipeline script, same nginx, same run.
#
#   bench/side_by_side_pipeline.sh [ROUNDS] [SECONDS] [DEPTH]   (defaults 3 rounds, 4 s, 16)
#
# Plain HTTP against Debian's nginx (start_nginx), 50 connections, 1 thread, DEPTH requests
# written back to back per connection: wrk with the pipeline Lua script from its examples
# (init() concatenates DEPTH requests, request() returns them), vitals with --pipeline DEPTH.
# CPU is user+sys of the generator process (/usr/bin/time); ratios per round, median printed.
# Traffic goes only to 127.0.0.1; every run stops by itself.
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
  read -r vq vc _ < <(measure "vitals-$r" "$VITALS" load "$URL" -t 1 -c 50 --pipeline "$DEPTH" \
                      -d "${SECS}s" -q --no-store)
  awk -v wq="$wq" -v wc="$wc" -v vq="$vq" -v vc="$vc" -v r="$r" -v S="$SECS" 'BEGIN {
    w = wc*1e6/wq; v = vc*1e6/vq;
    printf "round %d  us/req: wrk %.3f  vitals %.3f | req/s: wrk %.0f vitals %.0f\n", r, w, v, wq/S, vq/S;
    printf "%.4f %.4f\n", v/w, vq/wq > "/dev/stderr" }' 2>>"$OUT/ratios"
done
echo "medians: vitals/wrk CPU per request $(awk '{print $1}' "$OUT/ratios" | median)x;" \
     "req/s vitals/wrk $(awk '{print $2}' "$OUT/ratios" | median)x"
