#!/usr/bin/env bash
# bench/side_by_side.sh: vitals vs wrk vs the floor loop, same nginx, same run.
#
#   bench/side_by_side.sh [ROUNDS] [SECONDS]      (defaults 3 rounds, 4 s per run)
#
# Starts Debian's nginx on 127.0.0.1 (1 worker, `return 200`, keep-alive never
# recycled), then for 50 and 1000 keep-alive connections on 1 thread runs, in
# interleaved rounds: wrk, vitals load (closed model, parsing every response
# and recording every latency) and bench/floor_loop (epoll and io_uring: write
# + read, nothing else).  CPU is user+sys of the load generator's process
# (from /usr/bin/time), so CPU per request is comparable even on a noisy
# shared machine; ratios are computed per round and the median is printed.
# vitals runs twice per round, recording into a run store (--store, the default
# behaviour) and with --no-store, so the store's CPU per request is measured
# in the same conditions.  Then: RSS with 10,000 connections (wrk vs vitals),
# and the open model at 20k req/s for 10 s (achieved rate and send-lag p99).
# Traffic goes only to 127.0.0.1 and every run stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_init "$@"
bench_need wrk "wrk missing: scripts/setup"
FLOOR="$BUILD/bench/floor_loop"
[ -x "$FLOOR" ] || { echo "build first: scripts/build release" >&2; exit 2; }
start_nginx
URL="$VITALS_TEST_NGINX_URL"
PORT="${URL##*:}"; PORT="${PORT%/}"
echo "nginx at $URL; $ROUNDS rounds x $SECS s; $(nproc) cores; $(uname -r)"

for C in 50 1000; do
  : >"$OUT/ratios-$C"
  for r in $(seq "$ROUNDS"); do
    read -r wq wc _ < <(measure "wrk-$C-$r" wrk -t1 -c"$C" -d"${SECS}s" "$URL")
    read -r vq vc _ < <(measure "vitals-$C-$r" "$VITALS" load "$URL" -t 1 -c "$C" -d "${SECS}s" -q --store "$OUT/v.db")
    read -r nq nc _ < <(measure "vitalsn-$C-$r" "$VITALS" load "$URL" -t 1 -c "$C" -d "${SECS}s" -q --no-store)
    read -r fq fc _ < <(measure "floor-$C-$r" "$FLOOR" 127.0.0.1 "$PORT" "$C" "$SECS" epoll)
    read -r uq uc _ < <(measure "flooru-$C-$r" "$FLOOR" 127.0.0.1 "$PORT" "$C" "$SECS" uring)
    awk -v wq="$wq" -v wc="$wc" -v vq="$vq" -v vc="$vc" -v nq="$nq" -v nc="$nc" -v fq="$fq" -v fc="$fc" -v uq="$uq" -v uc="$uc" -v C="$C" -v r="$r" 'BEGIN {
      w = wc*1e6/wq; v = vc*1e6/vq; n = nc*1e6/nq; f = fc*1e6/fq; u = uc*1e6/uq;
      printf "c=%-5d round %d  us/req: wrk %.2f  vitals %.2f (no store %.2f)  floor-epoll %.2f  floor-uring %.2f | req/s: wrk %.0f vitals %.0f floor %.0f\n", C, r, w, v, n, f, u, wq/'"$SECS"', vq/'"$SECS"', fq/'"$SECS"';
      printf "%.4f %.4f %.4f %.4f %.4f %.4f %.4f\n", v/w, v/f, f/w, u/w, vq/wq, fq/wq, v/n > "/dev/stderr" }' 2>>"$OUT/ratios-$C"
  done
  for col in 1 2 3 4 5 6 7; do
    awk -v c="$col" '{print $c}' "$OUT/ratios-$C" | median >"$OUT/m$col"
  done
  echo "c=$C medians: vitals/wrk CPU per request $(cat "$OUT/m1")x; vitals/floor $(cat "$OUT/m2")x;" \
       "floor-epoll/wrk $(cat "$OUT/m3")x; floor-uring/wrk $(cat "$OUT/m4")x;" \
       "req/s vitals/wrk $(cat "$OUT/m5")x; floor/wrk $(cat "$OUT/m6")x;" \
       "store/no-store CPU per request $(cat "$OUT/m7")x"
done

echo "== 10,000 connections, RSS (max resident set, KB)"
read -r wq wc wm < <(measure "wrk-10k" wrk -t1 -c10000 -d"${SECS}s" "$URL")
read -r vq vc vm < <(measure "vitals-10k" "$VITALS" load "$URL" -t 1 -c 10000 -d "${SECS}s" -q --store "$OUT/v.db")
echo "wrk: $wm KB ($wq requests)   vitals: $vm KB ($vq requests)   ratio $(awk -v a="$vm" -v b="$wm" 'BEGIN{printf "%.2f", a/b}')x"
grep -E "errors|connections opened" "$OUT/vitals-10k.log" || true

echo "== open model, 20,000 req/s for 10 s"
"$VITALS" load "$URL" --rate 20000 -d 10s -t 1 -c 100 --max-connections 1000 -q --store "$OUT/v.db" >"$OUT/open.log"
grep -E "achieved|late sends|send lag|corrected" "$OUT/open.log"
# One table line from the store (sqlite3 is in scripts/setup), not the result JSON's interval series.
sqlite3 "$OUT/v.db" "SELECT printf('open model: asked %.0f req/s, achieved %.1f req/s, send lag p99 %s us', \
  rate_asked, rate_achieved, COALESCE(json_extract(result_json, '\$.timing_us.send_lag.p99'), '-')) \
  FROM runs ORDER BY started_unix_ms DESC, rowid DESC LIMIT 1"
