# bench/lib.sh: what the side-by-side scripts share.  Source it after `cd` to the repository:
#
#   source bench/lib.sh
#   bench_init "$@"                  # ROUNDS ($1, default 3), SECS ($2, default 4), VITALS, OUT
#   bench_need wrk "wrk missing: scripts/setup"
#   read -r reqs cpu_s maxrss_kb < <(measure wrk-1 wrk -t1 -c50 -d4s "$URL")
#   ... | median
#
# measure NAME CMD... runs CMD under /usr/bin/time, keeps its output in $OUT/NAME.log and
# prints "requests cpu_s maxrss_kb": requests read from the output of the tool NAME starts
# with (wrk*, h2load*, floor*; anything else is a `vitals load` summary), cpu_s = user + sys
# of the process.  CPU per request compares generators even on a noisy machine, because it is
# the generator's own CPU; ratios are taken per round and the median of the rounds is quoted.

# bench_init [ROUNDS] [SECS]: sets ROUNDS, SECS, BUILD, VITALS and a fresh OUT directory
# (removed on exit together with the servers scripts/lib/servers.sh started).
bench_init() {
  ROUNDS="${1:-${ROUNDS_DEFAULT:-3}}"
  SECS="${2:-${SECS_DEFAULT:-4}}"
  BUILD="${VITALS_BUILD:-build/release}"
  VITALS="$BUILD/vitals"
  [ -x "$VITALS" ] || { echo "build first: scripts/build release" >&2; exit 2; }
  [ -x /usr/bin/time ] || { echo "/usr/bin/time missing: scripts/setup" >&2; exit 2; }
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  OUT="$(mktemp -d)"
  source scripts/lib/servers.sh
  trap 'stop_servers; rm -rf "$OUT"' EXIT
}

# bench_need COMMAND MESSAGE: exit 2 with MESSAGE when COMMAND is not installed.
bench_need() { command -v "$1" >/dev/null || { echo "$2" >&2; exit 2; }; }

measure() {
  local name="$1"; shift
  local log="$OUT/$name.log" tfile="$OUT/$name.time"
  /usr/bin/time -f "%U %S %M" -o "$tfile" "$@" >"$log" 2>&1
  local reqs
  case "$name" in
    wrk*) reqs=$(awk '/requests in/ {print $1}' "$log") ;;
    h2load*) reqs=$(awk '/^requests:/ {print $8}' "$log") ;;  # "requests: N total, N started, N done, N succeeded"
    floor*) reqs=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' "$log") ;;
    *) reqs=$(awk '/requests [0-9]+ +achieved/ {for (i=1;i<=NF;i++) if ($i=="requests") print $(i+1)}' "$log") ;;
  esac
  local u s m
  read -r u s m <"$tfile"
  echo "$reqs $(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.3f", u+s}') $m"
}

# median: the median of the numbers on standard input, one per line.
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.4f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# json_p50 FILE: the corrected p50 latency (us) of a vitals result JSON.
json_p50() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["latency_us"]["p50"])' "$1"; }
