#!/usr/bin/env bash
# bench/redis_keys.sh: how long `vitals check --redis` takes to walk a keyspace
# (SCAN of every key + pipelined MEMORY USAGE and PTTL of a sample: every key up
# to 100,000, else every k-th) and whether it finishes within its default 2 s
# budget.
#
#   bench/redis_keys.sh [KEYS] [ROUNDS]      (defaults 1000000 keys, 3 rounds)
#
# Starts Debian's Redis on 127.0.0.1 in a temp dir, loads KEYS keys under ten
# prefixes (a tenth with a TTL, 64-byte values) with redis-cli --pipe, then
# runs `vitals check --redis URL --window 10ms` ROUNDS times (the default 2 s
# budget, which also sets the sample) and prints the walk's own time
# (redis.keyspace scan_s), the keys scanned and measured, and the median,
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
server=()
for r in $(seq "$ROUNDS"); do
  redis-cli -p "$port" config resetstat >/dev/null
  out="$("$VITALS" check --redis "$VITALS_TEST_REDIS_URL" --window 10ms \
        --format json 2>/dev/null || true)"
  s="$(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for f in d.get("observed", []):
    if f.get("kind") == "redis.keyspace":
        n = f["num"]
        print("%.3f %d %d %d" % (n["scan_s"], n["scanned"], n["complete"], n.get("sampled", n["scanned"])))
')"
  echo "round $r: walk $(echo "$s" | cut -d" " -f1) s, scanned $(echo "$s" | cut -d" " -f2), complete $(echo "$s" | cut -d" " -f3), memory measured on $(echo "$s" | cut -d" " -f4) keys"
  times+=("${s%% *}")
  # The server's own CPU for the commands of this walk (INFO commandstats), scaled to the whole
  # keyspace: on a busy machine the walk waits for a starved server, this does not.
  us="$(redis-cli -p "$port" info commandstats | tr -d '\r' | awk -F'[=,]' '
    /^cmdstat_(scan|pttl|memory\|usage):/ {s += $4} END {print s}')"
  scanned="$(echo "$s" | cut -d" " -f2)"
  est="$(echo "scale=3; $us * $KEYS / $scanned / 1000000" | bc)"
  echo "  server CPU: ${us} us for these keys, ${est} s scaled to $KEYS keys"
  server+=("$est")
done
printf '%s\n' "${server[@]}" | sort -n | awk '{a[NR]=$1} END {print "median server CPU for a whole walk: " a[int((NR+1)/2)] " s"}'
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "median walk: " a[int((NR+1)/2)] " s for '"$KEYS"' keys (budget 2 s by default)"}'
start=$(date +%s.%N)
redis-cli -p "$port" --bigkeys >/dev/null
echo "redis-cli --bigkeys on the same data: $(echo "$(date +%s.%N) - $start" | bc) s"
