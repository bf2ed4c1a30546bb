#!/usr/bin/env bash
# bench/side_by_side_h2.sh: vitals vs h2load (nghttp2-client) over HTTP/2 + TLS, same nginx,
# same run.
#
#   bench/side_by_side_h2.sh [ROUNDS] [SECONDS]      (defaults 3 rounds, 4 s per run)
#
# Starts Debian's nginx with `listen ... ssl http2` on 127.0.0.1 (start_nginx_h2: 1 worker,
# `return 200`, TLS 1.2/1.3, a CA and certificate made by the script), then on 1 thread, in
# interleaved rounds, 10 connections x 100 streams, keep-alive: `h2load -t1 -c10 -m100 -D S`
# and `vitals load --http2 -t 1 -c 10 --streams 100 -d S`.  vitals verifies the certificate
# against the test CA (--cacert); h2load verifies nothing.  CPU is user+sys of the generator
# process (/usr/bin/time); ratios are per round and the median is printed.  Traffic goes only
# to 127.0.0.1; every run stops by itself.
# VITALS_NGINX_WORKERS=N runs nginx with N workers (default 1; Debian's own nginx.conf says
# `worker_processes auto`: one per core).  With one worker nginx saturates first and req/s
# measures nginx; BENCHMARKS.md quotes both.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_init "$@"
bench_need h2load "h2load missing: scripts/setup (nghttp2-client)"
start_nginx_h2
URL="$VITALS_TEST_NGINX_H2_URL"
CA="$VITALS_TEST_H2_TLS_DIR/ca.pem"
echo "nginx HTTP/2 + TLS at $URL; $ROUNDS rounds x $SECS s; $(nproc) cores; $(uname -r); $(uptime)"

label="h2-10x100"
: >"$OUT/ratios"
for r in $(seq "$ROUNDS"); do
  read -r hq hc _ < <(measure "h2load-$r" h2load -t1 -c10 -m100 -D "$SECS" "$URL")
  read -r vq vc _ < <(measure "vitals-$r" "$VITALS" load "$URL" --http2 --cacert "$CA" -t 1 -c 10 \
                      --streams 100 -d "${SECS}s" -q --no-store)
  awk -v hq="$hq" -v hc="$hc" -v vq="$vq" -v vc="$vc" -v L="$label" -v r="$r" -v S="$SECS" 'BEGIN {
    h = hc*1e6/hq; v = vc*1e6/vq;
    printf "%-10s round %d  us/req: h2load %.2f  vitals %.2f | req/s: h2load %.0f vitals %.0f\n", L, r, h, v, hq/S, vq/S;
    printf "%.4f %.4f\n", v/h, vq/hq > "/dev/stderr" }' 2>>"$OUT/ratios"
done
awk '{print $1}' "$OUT/ratios" | median >"$OUT/m1"
awk '{print $2}' "$OUT/ratios" | median >"$OUT/m2"
echo "$label medians: vitals/h2load CPU per request $(cat "$OUT/m1")x; req/s vitals/h2load $(cat "$OUT/m2")x"
grep -h "errors" "$OUT"/vitals-*.log | tail -1 || true
