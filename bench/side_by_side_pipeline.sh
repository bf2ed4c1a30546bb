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
ROUNDS="${1:-3}"
SECS="${2:-4}"
DEPTH="${3:-16}"
BUILD="${VITALS_BUILD:-build/release}"
VITALS="$BUILD/vitals"
[ -x "$VITALS" ] || { echo "build first: scripts/build release" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk missing: scripts/setup" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing: scripts/setup" >&2; exit 2; }

source scripts/lib/servers.sh
trap stop_servers EXIT
start_nginx
URL="$VITALS_TEST_NGINX_URL"
OUT="$(mktemp -d)"
cat >"$OUT/pipeline.lua" <<LUA
init = function(args)
  local r = {}
  for i = 1, $DEPTH do r[i] = wrk.format(nil, "/") end
  req = table.concat(r)
end
request = function() return req end
LUA
echo "nginx at $URL; $ROUNDS rounds x $SECS s; depth $DEPTH; $(nproc) cores; $(uptime)"

measure() {  # NAME CMD...: prints "requests cpu_s"
  local name="$1"; shift
  /usr/bin/time -f "%U %S" -o "$OUT/$name.time" "$@" >"$OUT/$name.log" 2>&1
  local reqs
  case "$name" in
    wrk*) reqs=$(awk '/requests in/ {print $1}' "$OUT/$name.log") ;;
    vitals*) reqs=$(awk '/requests [0-9]+ +achieved/ {for (i=1;i<=NF;i++) if ($i=="requests") print $(i+1)}' "$OUT/$name.log") ;;
  esac
  read -r u s <"$OUT/$name.time"
  echo "$reqs $(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.3f", u+s}')"
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.4f\n", (a[NR/2]+a[NR/2+1])/2}'; }

: >"$OUT/ratios"
for r in $(seq "$ROUNDS"); do
  read -r wq wc < <(measure "wrk-$r" wrk -t1 -c50 -d"${SECS}s" -s "$OUT/pipeline.lua" "$URL")
  read -r vq vc < <(measure "vitals-$r" "$VITALS" load "$URL" -t 1 -c 50 --pipeline "$DEPTH" \
                      -d "${SECS}s" -q --no-store)
  awk -v wq="$wq" -v wc="$wc" -v vq="$vq" -v vc="$vc" -v r="$r" -v S="$SECS" 'BEGIN {
    w = wc*1e6/wq; v = vc*1e6/vq;
    printf "round %d  us/req: wrk %.3f  vitals %.3f | req/s: wrk %.0f vitals %.0f\n", r, w, v, wq/S, vq/S;
    printf "%.4f %.4f\n", v/w, vq/wq > "/dev/stderr" }' 2>>"$OUT/ratios"
done
echo "medians: vitals/wrk CPU per request $(awk '{print $1}' "$OUT/ratios" | median)x;" \
     "req/s vitals/wrk $(awk '{print $2}' "$OUT/ratios" | median)x"
rm -rf "$OUT"
