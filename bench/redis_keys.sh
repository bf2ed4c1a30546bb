#!/usr/bin/env bash
# bench/redis_keys.sh: how long `vitals check --redis` takes to walk a keyspace
# (SCAN + pipelined MEMORY USAGE and PTTL per key) and whether it finishes
# within its default 2 s budget.
#
#   bench/redis_keys.sh [KEYS] [ROUNDS]      (defaults 1000000 keys, 3 rounds)
#
# Starts Debian's Redis on 127.0.0.1 in a temp dir, loads KEYS keys under ten
# prefixes (a tenth with a TTL, 64-byte values) with redis-cli --pipe, then
# runs `vitals check --redis URL --window 10ms --redis-key-budget 30s` ROUNDS
# times and prints the walk's own time (redis.keyspace scan_s) and its median,
# plus `redis-cli --bigkeys` on the same data as the peer (it samples types,
# not memory).  Traffic goes only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
KEYS="${1:-1000000}"
ROUNDS="${2:-3}"
VITALS="${VITALS_BUILD:-build/release}/vitals"
[ -x "$VITALS" ] || { echo "build first: scripts/build release" >&2; exit 2; }
source scripts/lib/servers.sh
trap stop_servers EXIT
start_redis
port="${VITALS_TEST_REDIS_URL##*:}"
echo "loading $KEYS keys into redis on port $port ..." >&2
awk -v n="$KEYS" 'BEGIN {
  v = sprintf("%064d", 0);
  for (i = 0; i < n; i++) {
    k = "p" (i % 10) ":" i;
    if (i % 10 == 0) printf "*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$64\r\n%s\r\n$2\r\nEX\r\n$4\r\n3600\r\n", length(k), k, v;
    else printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$64\r\n%s\r\n", length(k), k, v;
  }
}' | redis-cli -p "$port" --pipe >/dev/null
echo "dbsize: $(redis-cli -p "$port" dbsize)"
times=()
for r in $(seq "$ROUNDS"); do
  out="$("$VITALS" check --redis "$VITALS_TEST_REDIS_URL" --window 10ms --redis-key-budget 30s \
        --format json 2>/dev/null || true)"
  s="$(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for f in d.get("observed", []):
    if f.get("kind") == "redis.keyspace":
        n = f["num"]
        print("%.3f %d %d" % (n["scan_s"], n["scanned"], n["complete"]))
')"
  echo "round $r: walk ${s% * *} s, scanned $(echo "$s" | cut -d" " -f2), complete $(echo "$s" | cut -d" " -f3)"
  times+=("${s%% *}")
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "median walk: " a[int((NR+1)/2)] " s for '"$KEYS"' keys (budget 2 s by default)"}'
start=$(date +%s.%N)
redis-cli -p "$port" --bigkeys >/dev/null
echo "redis-cli --bigkeys on the same data: $(echo "$(date +%s.%N) - $start" | bc) s"
