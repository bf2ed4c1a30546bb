// The text under `vitals load --help`: the models, scenarios, thresholds, HTTPS, HTTP/2,
// segments and the coordinator, with examples.
#include "cli/load_help.h"

namespace vitals::cli {

const char* const kLoadFooter = R"(
Models:
  closed (default)  each of --connections sends its next request when the previous answer
                    arrives (like wrk).  Latency is measured from the actual send.
  open (--rate R)   requests leave on one global schedule, request k at start + k/R,
                    whatever the answers do.  A request that cannot go out on time (all
                    connections busy) is sent late and its latency still counts from the
                    intended time: the "corrected" row.  The "uncorrected" row counts from
                    the actual send.  Late sends and dropped requests (no free connection
                    within --timeout) are counted, never hidden, and nothing is discarded
                    as warm-up.

Pipelining (--pipeline N, closed model): each connection writes N requests in one batch
and matches the answers in order; the next batch leaves when the last answer arrives (as
wrk's pipeline script does).  Refused with --rate: an open-model request leaves at its own
due time, and one queued behind another's answer would have no honest send time.
Every answer's latency counts from its batch's send.  --pipeline-timing answer (default)
stops the clock when the answer arrives: a server that writes answers one by one wakes
vitals several times per batch.  --pipeline-timing batch (plain http://) asks the kernel
to wake it once the whole batch is in (SO_RCVLOWAT, from the smallest answers seen per
request) and stops every answer's clock (and the first-byte row's) then, as wrk records
one latency per batch at its end: far less CPU per request, later times for a batch's
early answers (against nginx, 16 deep: p50 about 1.5x).  Batches sent before a request's
answer size is known, and batches that outlast a grace period, are read on arrival.
  vitals load http://127.0.0.1:8080/ -c 50 --pipeline 16 --pipeline-timing batch -d 30s

HTTP/2 (--http2): ALPN h2 over https://, prior knowledge (h2c) over http://.  Each
connection carries --streams N requests at once (default: the server's limit, at most 100):
closed model, -c C keeps C x N in flight; open model, a due request takes any connection
with a free stream, and every stream keeps its own intended and actual send time.  A reset
stream counts as h2_rst_stream (with its code); requests a GOAWAY left unprocessed are sent
once more on a new connection and counted ("streams retried").
  vitals load https://127.0.0.1:8443/ --http2 -c 10 --streams 100 -d 30s --cacert ca.pem

Scenario files (docs/scenario.md, examples/scenarios/): weighted requests, phases with
their own model and a ramp from start to end level, thresholds with abort_on_fail.
  vitals load examples/scenarios/ramp.yaml

Thresholds (k6-like; repeat --threshold, or list them in the scenario):
  p(95)<500ms   p(99.9)<2s   error_rate<1%   rate>=950   status_5xx==0
  p(99)<800ms over 10s        (every sliding 10 s window)
  p(95){phase:steady}<300ms   error_rate{request:login}<0.5%
A breached threshold prints FAILED in the verdict table and exits 99.

The store: every run is recorded in ./.vitals/vitals.db (--store or VITALS_STORE to move it,
--no-store to skip): config, tags, environment, phases, 1 s intervals, merged histograms,
verdicts.  `vitals runs list` shows them; a run killed halfway is listed as incomplete, a
run stopped with Ctrl-C as interrupted (neither is ever `latest`).

A target that is not there: when no request has succeeded 5 s after the start and requests
keep failing (connection refused, every answer an error), the run stops, says why, is stored
as failed and exits 1.  --keep-going runs the whole plan anyway.

Examples:
  vitals load http://127.0.0.1:8080/ -c 50 -d 30s
  vitals load http://127.0.0.1:8080/api --rate 1000 --duration 1m --max-connections 200
  vitals load http://127.0.0.1:8080/ --stages 30s:100,1m:100,10s:500 --rate 1
  vitals load http://127.0.0.1:8080/items -X POST -H 'Content-Type: application/json' \
              --body @item.json --requests 10000 --json result.json
  vitals load http://127.0.0.1:8080/ --rate 500 -d 1m --threshold 'p(99)<50ms' \
              --tag commit=$(git rev-parse --short HEAD) --csv series.csv --hlog run.hlog
  vitals load https://staging.example.test/ --resolve staging.example.test:443:127.0.0.1 \
              --cacert ca.pem -c 100 -d 30s

HTTPS: certificates are verified against the system CA store (or --cacert FILE); the URL's
host is sent as SNI and must be named by the certificate.  Each worker resumes its last TLS
session when it reconnects (--no-tls-resume measures full handshakes).  The summary shows
a "tls handshake" row and counts full and resumed handshakes; a failed handshake is counted
as tls_handshake with OpenSSL's reason.  OpenSSL makes the handshake and checks the
certificate; on TLS 1.3 (AES-GCM, ChaCha20-Poly1305) vitals then seals and opens the records
itself with OpenSSL's ciphers, one write and one read per request (--openssl-records keeps
OpenSSL's record layer, e.g. to compare the two).  TLS 1.3 suites are offered in the browsers'
order, AES-128-GCM first (--tls13-ciphers LIST to change it; OpenSSL's own order starts with
AES-256-GCM-SHA384, which costs both sides more per handshake).

Many generators (docs/distributed.md): each runs an exact share of one global plan.
  --segment I/N        1-based: segment I of N (2/4 is the second of four)
  --segment-index I --segments N
                       the same with a 0-based I, e.g. a Kubernetes Indexed Job's
                       $JOB_COMPLETION_INDEX
Open model: segment I sends the requests k of the global schedule with k mod N == I-1, each
at its own intended time, so the N segments together are the single-process run.  Closed
model: each segment keeps its share of the connections (and of every stage's level); the
remainders go to the first segments so the shares add up.  --start-at TIME (RFC 3339 or
Unix seconds) gives separately started segments one time zero; a segment started late
sends its backlog at once and counts it as late sends.  Merge the segments' --json files
with `vitals merge`; the whole run's thresholds are evaluated there.
  vitals load http://10.0.0.5:8080/ --rate 4000 -d 1m --segment 1/4 \
              --start-at 2026-12-06T05:00:00Z --json seg1.json
With a coordinator (`vitals coordinate ... --segments N --listen ADDR`), a segment needs no
plan of its own: it joins, gets the plan and the start time, streams its intervals and
stops when the coordinator says so (abort_on_fail on the merged run) or when the
coordinator goes silent for 5 s (exit 1).  It keeps trying to reach the coordinator for
--coordinator-timeout (default 30s), then exits 1.  The token (VITALS_COORDINATOR_TOKEN or
--token-file) is never sent: the segment answers a challenge with an HMAC of it.
  vitals load --coordinator 10.0.0.9:7070 --segment-index $JOB_COMPLETION_INDEX --segments 4

Exit codes: 0 ok, 1 runtime failure (including no request succeeding), 2 usage error,
99 a threshold failed, 130 interrupted (Ctrl-C / SIGTERM; the run is stored as interrupted).
)";

}  // namespace vitals::cli
