#!/usr/bin/env bash
# bench/gate_noise.sh: does the gate cry wolf on a noisy machine, and does it still catch a
# regression?  (Issue "a gate that does not cry wolf"; figures in BENCHMARKS.md.)
#
#   bench/gate_noise.sh [DECISIONS] [SECONDS] [DUET_SECONDS]   (defaults 20, 10 s, 20 s)
#   GATE_NOISE_SETS="same duet" bench/gate_noise.sh ...        (a subset of the sets)
#
# Three sets of DECISIONS gate decisions against real `vitals target` processes on loopback:
#   same   1 ms vs 1 ms, sequential baseline then candidate (the usual CI flow); in every
#          other decision a CPU hog (two busy loops, one per core here) runs for the middle
#          third of the candidate.  Wanted: zero FAIL (each PASS or UNSTABLE ENVIRONMENT).
#   slower 1 ms vs 1.5 ms, sequential, no hog (take it on a quiet machine).  Wanted: FAIL in
#          at least DECISIONS - 1.
#   rerun  1 ms vs 1.5 ms through `vitals gate --rerun 3 --interleave --baseline-command`:
#          the gate reruns both sides A/B/A/B until it can decide (what to do when the
#          machine's own timing wanders between runs).
#   duet   1 ms vs 1.3 ms in duet mode (both at once), the hog in every other decision.
#          Wanted: FAIL in at least DECISIONS - 1.
# Each set has its own store; baseline runs carry one tag set, so from the fourth decision on
# the gate also has repeated baselines for its floor.  Prints one line per decision (exit
# code, verdict, p95s, environment) and the counts per set.  Traffic goes only to 127.0.0.1;
# every run and every hog stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-20}"
SECS="${2:-10}"
DUET_SECS="${3:-20}"
RATE=400  # per target: enough requests per interval for a steady per-interval p95
BUILD="${VITALS_BUILD:-build/release}"
VITALS="$BUILD/vitals"
[ -x "$VITALS" ] || { echo "build first: scripts/build release" >&2; exit 2; }
OUT="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

target() {  # target LATENCY -> prints its port
  "$VITALS" target --listen 127.0.0.1:0 --latency "$1" >"$OUT/target-$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 50); do
    port=$(grep -o '127.0.0.1:[0-9]*' "$OUT/target-$1.log" | head -1 | cut -d: -f2 || true)
    [ -n "$port" ] && { echo "$port"; return; }
    sleep 0.1
  done
  echo "target $1 did not start" >&2; exit 1
}
FAST=$(target 1ms); MID=$(target 1.3ms); SLOW=$(target 1.5ms)

# hog AFTER_S FOR_S: two busy loops that start after AFTER_S and end after FOR_S.
HOG=""
hog() {
  (sleep "$1"; for _ in 1 2; do timeout "$2" sh -c 'while :; do :; done' & done; wait) &
  HOG=$!
}
wait_hog() { [ -n "$HOG" ] && wait "$HOG" 2>/dev/null || true; HOG=""; }

load() {  # load STORE PORT TAG... (extra args)
  local store="$1" port="$2"; shift 2
  "$VITALS" load "http://127.0.0.1:$port/" --rate "$RATE" -d "${SECS}s" -t 1 --quiet \
    --store "$store" "$@" >/dev/null
}

verdict_line() {  # verdict_line SET I RC FILE
  local rc="$3" f="$4" v
  v=$(head -1 "$f" | sed 's/vitals gate: //')
  local p95 env
  p95=$(grep -m1 '^p95 up' "$f" | awk '{print $(NF-6) " -> " $(NF-5)}' || true)
  env=$(grep '^environment B' "$f" | sed 's/environment B: //' | cut -c1-60 || true)
  printf '%-6s %2d  exit %-2s %-45s p95 %-20s B: %s\n' "$1" "$2" "$rc" "$v" "$p95" "$env"
}

declare -A FAILS PASSES UNSTABLE
DETECTED=0
run_set() {  # run_set NAME
  local name="$1" store="$OUT/$1.db" rc i
  FAILS[$name]=0; PASSES[$name]=0; UNSTABLE[$name]=0
  for i in $(seq 1 "$N"); do
    local hogged=$((i % 2 == 0))
    case "$name" in
      same|slower)
        load "$store" "$FAST" --tag role=base
        local cand_port=$FAST; [ "$name" = slower ] && cand_port=$SLOW
        [ "$name" = same ] && [ "$hogged" = 1 ] && hog $((SECS / 3)) $((SECS / 3))
        load "$store" "$cand_port" --tag role=cand
        wait_hog
        local base_id
        base_id=$("$VITALS" runs list --store "$store" --tag role=base --limit 1 --format json |
                  grep -o '"id": *"[^"]*"' | head -1 | sed 's/.*"\([^"]*\)"$/\1/')
        "$VITALS" baseline set main "$base_id" --store "$store" >/dev/null
        set +e; "$VITALS" gate --baseline main --store "$store" >"$OUT/g.txt" 2>&1; rc=$?; set -e
        ;;
      rerun)
        set +e
        "$VITALS" gate --store "$store" --rerun 3 --interleave --baseline-command \
          "$VITALS load http://127.0.0.1:$FAST/ --rate $RATE -d ${SECS}s -t 1 --quiet" -- \
          "$VITALS" load "http://127.0.0.1:$SLOW/" --rate "$RATE" -d "${SECS}s" -t 1 --quiet \
          >"$OUT/g.txt" 2>"$OUT/g.err"; rc=$?
        set -e
        echo "        tries: $(grep -c 'candidate:' "$OUT/g.err")"
        ;;
      duet)
        [ "$hogged" = 1 ] && hog $((DUET_SECS / 3)) $((DUET_SECS / 3))
        "$VITALS" load "http://127.0.0.1:$FAST/" --duet "http://127.0.0.1:$MID/" --rate "$RATE" \
          -d "${DUET_SECS}s" -t 1 --quiet --store "$store" >/dev/null
        wait_hog
        set +e; "$VITALS" gate --duet --store "$store" >"$OUT/g.txt" 2>&1; rc=$?; set -e
        # Detection by the paired test itself, whatever the policy's 20 % limit says: p95's
        # verdict in the comparison.
        "$VITALS" compare --duet --store "$store" --json "$OUT/c.json" >/dev/null
        if python3 -c 'import json,sys; m=[x for x in json.load(open(sys.argv[1]))["metrics"]
                         if x["metric"]=="p95" and x["phase"] is None][0]
sys.exit(0 if m["verdict"]=="regression" else 1)' "$OUT/c.json"; then
          DETECTED=$((DETECTED + 1))
        fi
        ;;
    esac
    verdict_line "$name" "$i" "$rc" "$OUT/g.txt"
    case "$rc" in
      0) PASSES[$name]=$((PASSES[$name] + 1)) ;;
      99) FAILS[$name]=$((FAILS[$name] + 1)) ;;
      *) UNSTABLE[$name]=$((UNSTABLE[$name] + 1)) ;;
    esac
  done
  echo "== $name: $N decisions: FAIL ${FAILS[$name]}, PASS ${PASSES[$name]}, cannot decide ${UNSTABLE[$name]}"
  [ "$name" = duet ] && echo "== duet: p95 regression found by the paired test in $DETECTED of $N"
  return 0
}

echo "gate_noise: $N decisions per set, ${SECS} s runs (duet ${DUET_SECS} s) at $RATE req/s per target; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
for set in ${GATE_NOISE_SETS:-same slower rerun duet}; do run_set "$set"; done
