#!/usr/bin/env bash
# bench/side_by_side_tls.sh: vitals vs wrk over HTTPS, same nginx, same run.
#
#   bench/side_by_side_tls.sh [ROUNDS] [SECONDS]      (defaults 3 rounds, 4 s per run)
#
# Starts Debian's nginx with TLS on 127.0.0.1 (start_nginx_tls: 1 worker, `return 200`,
# TLS 1.2/1.3, a CA and certificate made by the script, session tickets on), then on 1 thread,
# in interleaved rounds: keep-alive with 50 and 1000 connections (the latter 4x SECONDS), and 50 connections with
# `Connection: close` on every request (one handshake per request: vitals resumes its session,
# wrk never does).  vitals verifies the certificate against the test CA (--cacert); wrk
# verifies nothing.  CPU is user+sys of the generator process (/usr/bin/time); ratios are per
# round and the median is printed.  Traffic goes only to 127.0.0.1; every run stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-3}"
SECS="${2:-4}"
BUILD="${VITALS_BUILD:-build/release}"
VITALS="$BUILD/vitals"
[ -x "$VITALS" ] || { echo "build first: scripts/build release" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk missing: scripts/setup" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing: scripts/setup" >&2; exit 2; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

source scripts/lib/servers.sh
trap stop_servers EXIT
start_nginx_tls
URL="$VITALS_TEST_NGINX_TLS_URL"
CA="$VITALS_TEST_TLS_DIR/ca.pem"
OUT="$(mktemp -d)"
echo "nginx TLS at $URL; $ROUNDS rounds x $SECS s; $(nproc) cores; $(uname -r); $(uptime)"

# measure NAME CMD...: prints "requests cpu_s"
measure() {
  local name="$1"; shift
  local log="$OUT/$name.log" tfile="$OUT/$name.time"
  /usr/bin/time -f "%U %S" -o "$tfile" "$@" >"$log" 2>&1
  local reqs
  case "$name" in
    wrk*) reqs=$(awk '/requests in/ {print $1}' "$log") ;;
    vitals*) reqs=$(awk '/requests [0-9]+ +achieved/ {for (i=1;i<=NF;i++) if ($i=="requests") print $(i+1)}' "$log") ;;
  esac
  read -r u s <"$tfile"
  echo "$reqs $(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.3f", u+s}')"
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.4f\n", (a[NR/2]+a[NR/2+1])/2}'; }

run_case() {  # LABEL CONNECTIONS SECONDS [extra header]
  local label="$1" c="$2" secs="$3" hdr="${4:-}"
  local wargs=() vargs=()
  if [ -n "$hdr" ]; then wargs=(-H "$hdr"); vargs=(-H "$hdr"); fi
  : >"$OUT/ratios-$label"
  for r in $(seq "$ROUNDS"); do
    read -r wq wc < <(measure "wrk-$label-$r" wrk -t1 -c"$c" -d"${secs}s" "${wargs[@]}" "$URL")
    read -r vq vc < <(measure "vitals-$label-$r" "$VITALS" load "$URL" --cacert "$CA" -t 1 -c "$c" \
                        -d "${secs}s" -q --no-store "${vargs[@]}")
    awk -v wq="$wq" -v wc="$wc" -v vq="$vq" -v vc="$vc" -v L="$label" -v r="$r" -v S="$secs" 'BEGIN {
      w = wc*1e6/wq; v = vc*1e6/vq;
      printf "%-10s round %d  us/req: wrk %.2f  vitals %.2f | req/s: wrk %.0f vitals %.0f\n", L, r, w, v, wq/S, vq/S;
      printf "%.4f %.4f\n", v/w, vq/wq > "/dev/stderr" }' 2>>"$OUT/ratios-$label"
  done
  awk '{print $1}' "$OUT/ratios-$label" | median >"$OUT/m1"
  awk '{print $2}' "$OUT/ratios-$label" | median >"$OUT/m2"
  echo "$label medians: vitals/wrk CPU per request $(cat "$OUT/m1")x; req/s vitals/wrk $(cat "$OUT/m2")x"
  grep -h "tls handshakes" "$OUT"/vitals-"$label"-*.log | tail -1 || true
}

run_case keepalive-50 50 "$SECS"
# 1000 full handshakes take nginx's one worker a second or two here: run 4x longer so the
# figure is about requests, not handshakes.
run_case keepalive-1000 1000 "$((SECS * 4))"
run_case close-50 50 "$SECS" "Connection: close"
rm -rf "$OUT"
