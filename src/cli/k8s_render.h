// `vitals k8s render`: the Kubernetes manifests of a coordinated run (docs/distributed.md).
//   ConfigMap  <name>-scenario     the scenario file, mounted read-only at /scenario
//   PVC        <name>-store        the coordinator's run store and result JSON (/results)
//   Service    <name>-coordinator  ClusterIP, the coordinator's port
//   Job        <name>-coordinator  vitals coordinate ... --listen 0.0.0.0:PORT
//   Job        <name>-segments     Indexed (completionMode: Indexed, completions =
//                                  parallelism = N): vitals load --coordinator SVC:PORT
//                                  --segment-index $(JOB_COMPLETION_INDEX) --segments N
// Both Jobs take the token from a Secret (env VITALS_COORDINATOR_TOKEN, secretKeyRef) and
// have backoffLimit 0: a segment restarted mid-run would send its share again from the
// start (double load on the target, double counts), so a lost pod stays lost and the run is
// marked partial instead.  Segment pods prefer distinct nodes (podAntiAffinity on
// kubernetes.io/hostname).  Resource requests are sized from the plan (SegmentResources).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "load/scenario.h"

namespace vitals::cli {

struct K8sOptions {
  int segments = 0;        // >= 2
  std::string image;       // required
  std::string namespace_;  // "" : the kubectl context's namespace (no metadata.namespace)
  std::string token_secret = "vitals-coordinator-token";  // key "token"
  std::string name;                                       // "" : vitals-<scenario name>
  int port = 7070;
  std::string store_size = "1Gi";
};

// Per segment pod, from the plan: the peak open-model rate and the connections of its share.
//   cpu     = max(250m, 2 x peak rate per segment x 10 us)   (10 us of CPU per request: the
//             upper end of BENCHMARKS.md's measured 6-10 us/req, doubled for headroom)
//   memory  = 128 MiB + 64 KiB per connection of the segment's share (read buffer, TLS and
//             HTTP/2 state), limit twice that.  No CPU limit: CFS throttling would stall the
//             generator and show up as latency of the target.
struct SegmentResources {
  int cpu_millicores = 250;
  int memory_mib = 128;
  double peak_rate_per_segment = 0;
  int connections_per_segment = 0;
};
SegmentResources SizeSegment(const Scenario& sc, int segments);

// The manifests as (file name, YAML text) pairs, in apply order.  InvalidArgument for
// options out of range (segments < 2, no image, a name that is not a DNS label).
// `scenario_text` is the file as read; `scenario_file` its base name (the ConfigMap key).
Result<std::vector<std::pair<std::string, std::string>>> RenderK8s(const Scenario& sc,
                                                                   const std::string& scenario_text,
                                                                   const std::string& scenario_file,
                                                                   const K8sOptions& options);

}  // namespace vitals::cli
