#!/usr/bin/env bash
# bench/side_by_side_tls.sh: vitals vs wrk over HTTPS, same nginx, same run.
#
#   bench/side_by_side_tls.sh [ROUNDS] [SECONDS]      (defaults 3 rounds, 4 s per run)
#
# Starts Debian's nginx with TLS on 127.0.0.1 (start_nginx_tls: 1 worker, `return 200`,
# TLS 1.2/1.3, a CA and certificate made by the script, session tickets on), then on 1 thread,
# in interleaved rounds: keep-alive with 50 and 1000 connections (the latter 4x SECONDS), and
# 50 connections with `Connection: close` on every request (one TLS 1.3 handshake per request;
# both resume: vitals from a copy of its newest session per connection, wrk because SSL_clear
# keeps a connection's session, which nginx's $ssl_session_reused confirms).  vitals verifies
# the certificate against the test CA (--cacert); wrk verifies nothing.  CPU is user+sys of the
# generator process (/usr/bin/time); ratios are per round and the median is printed.  vitals
# offers TLS 1.3 suites in the browsers' order (AES-128-GCM first), wrk in OpenSSL's
# (AES-256-GCM-SHA384 first); a third run per round gives vitals wrk's suite, so both figures
# are printed.  Traffic goes only to 127.0.0.1; every run stops by itself.
# VITALS_NGINX_WORKERS=N runs nginx with N workers (default 1; Debian's own nginx.conf says
# `worker_processes auto`: one per core).  With one worker nginx saturates first and req/s
# measures nginx; BENCHMARKS.md quotes both.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_init "$@"
bench_need wrk "wrk missing: scripts/setup"
start_nginx_tls
URL="$VITALS_TEST_NGINX_TLS_URL"
CA="$VITALS_TEST_TLS_DIR/ca.pem"
echo "nginx TLS at $URL; $ROUNDS rounds x $SECS s; $(nproc) cores; $(uname -r); $(uptime)"

run_case() {  # LABEL CONNECTIONS SECONDS [extra header]
  local label="$1" c="$2" secs="$3" hdr="${4:-}"
  local wargs=() vargs=()
  if [ -n "$hdr" ]; then wargs=(-H "$hdr"); vargs=(-H "$hdr"); fi
  : >"$OUT/ratios-$label"
  for r in $(seq "$ROUNDS"); do
    read -r wq wc _ < <(measure "wrk-$label-$r" wrk -t1 -c"$c" -d"${secs}s" "${wargs[@]}" "$URL")
    read -r vq vc _ < <(measure "vitals-$label-$r" "$VITALS" load "$URL" --cacert "$CA" -t 1 -c "$c" \
                        -d "${secs}s" -q --no-store "${vargs[@]}")
    # The same with wrk's TLS 1.3 suite (OpenSSL's default order), to show what the suite is worth.
    read -r sq sc _ < <(measure "vitals256-$label-$r" "$VITALS" load "$URL" --cacert "$CA" -t 1 \
                        -c "$c" -d "${secs}s" -q --no-store --tls13-ciphers TLS_AES_256_GCM_SHA384 \
                        "${vargs[@]}")
    awk -v wq="$wq" -v wc="$wc" -v vq="$vq" -v vc="$vc" -v sq="$sq" -v sc="$sc" -v L="$label" -v r="$r" -v S="$secs" 'BEGIN {
      w = wc*1e6/wq; v = vc*1e6/vq; s = sc*1e6/sq;
      printf "%-10s round %d  us/req: wrk %.2f  vitals %.2f  vitals-aes256 %.2f | req/s: wrk %.0f vitals %.0f vitals-aes256 %.0f\n", L, r, w, v, s, wq/S, vq/S, sq/S;
      printf "%.4f %.4f %.4f %.4f\n", v/w, vq/wq, s/w, sq/wq > "/dev/stderr" }' 2>>"$OUT/ratios-$label"
  done
  for k in 1 2 3 4; do awk -v k="$k" '{print $k}' "$OUT/ratios-$label" | median >"$OUT/m$k"; done
  echo "$label medians: vitals/wrk CPU per request $(cat "$OUT/m1")x; req/s vitals/wrk $(cat "$OUT/m2")x"
  echo "$label medians, vitals with wrk's suite (AES-256-GCM-SHA384): CPU per request $(cat "$OUT/m3")x; req/s $(cat "$OUT/m4")x"
  grep -h "tls handshakes" "$OUT"/vitals-"$label"-*.log | tail -1 || true
}

run_case keepalive-50 50 "$SECS"
# 1000 full handshakes take nginx's one worker a second or two here: run 4x longer so the
# figure is about requests, not handshakes.
run_case keepalive-1000 1000 "$((SECS * 4))"
run_case close-50 50 "$SECS" "Connection: close"
