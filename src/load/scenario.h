// Scenario files for `vitals load scenario.yaml`: what to request, in which phases, and which
// thresholds decide pass/fail.  Format reference: docs/scenario.md; examples in
// examples/scenarios/.
//
//   base_url: http://127.0.0.1:8080
//   defaults: {timeout: 5s, headers: {Accept: application/json}}
//   requests:
//     - {name: home, method: GET, path: /, weight: 8}
//     - {name: login, method: POST, path: /login, body: '{"u":"a"}', weight: 2}
//   phases:
//     - {name: smoke, duration: 10s, model: closed, connections: 2}
//     - {name: ramp, duration: 30s, model: open, rate: {from: 10, to: 200}}
//   thresholds:
//     - p(95)<500ms
//     - {expr: "error_rate<1%", abort_on_fail: true}
//
// Strictness: unknown keys are errors (with a did-you-mean hint), because a misspelt key that
// is silently ignored (`wieght: 5`) runs a different test than the one the user wrote.  Every
// error is InvalidArgument and reads "<file>:<line>:<column>: <field>: <what was expected>",
// e.g. "scenario.yaml:7:15: phases[1].rate: expected a number or {from, to}, got 'fast'".
//
// Models: each phase has its own model (open: `rate` in req/s; closed: `connections`).  The
// engine runs the phases back to back in file order; see docs/scenario.md ("Mixing models").
//
// Thread-safety: plain values and free functions.  LoadScenario reads one file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "load/http_request.h"
#include "load/schedule.h"
#include "load/thresholds.h"
#include "load/worker.h"
#include "net/url.h"

namespace vitals {

struct ScenarioRequest {
  std::string name;        // unique in the scenario; defaults to the path
  std::string path;        // as written, "" when the request gave an absolute `url`
  Url url;                 // base_url + path, or the request's own url
  RequestSpec spec;        // method, headers (defaults merged in, request wins), body
  double weight = 1;       // > 0; share of requests = weight / sum of weights
  int64_t timeout_ns = 0;  // > 0; the request's timeout or defaults.timeout
};

struct ScenarioPhase {
  std::string name;  // unique; defaults to "phase N"
  LoadModel model = LoadModel::kOpen;
  int64_t duration_ns = 0;  // > 0
  // Level at the start and end of the phase, ramped linearly: req/s (open) or connections
  // (closed, whole numbers).  A constant level has start == end.
  double start = 0;
  double end = 0;
};

struct ScenarioDefaults {
  int64_t timeout_ns = 10'000'000'000;  // `vitals load`'s default --timeout
  std::vector<HttpHeader> headers;
};

struct Scenario {
  std::string file;         // as passed to ParseScenario / LoadScenario (used in messages)
  std::string name;         // `name:`, or the file name without directory and extension
  std::string description;  // `description:`, free text
  std::string base_url;     // as written; may hold a password: print base->Redacted()
  std::optional<Url> base;  // parsed base_url (absent when every request has its own url)
  ScenarioDefaults defaults;
  std::vector<ScenarioRequest> requests;  // at least one
  std::vector<ScenarioPhase> phases;      // at least one
  std::vector<Threshold> thresholds;      // scopes checked against phase and request names
  // `observe:` - what `vitals load` samples on the system under test during the run, in the
  // --observe syntax ("host", "postgres=DSN", "redis=URL", "prometheus=URL").
  std::vector<std::string> observe;

  // The phases as load-plan stages (same order, names and levels).
  std::vector<Stage> Stages() const;
  int64_t TotalNs() const;
};

// Parses a scenario.  `file` names the source in error messages ("scenario.yaml").
Result<Scenario> ParseScenario(std::string_view text, std::string file);

// Reads and parses `path`.  NotFound / Io errors name the path; files above kMaxScenarioBytes
// are refused (a scenario is a hand-written file, not data).
constexpr size_t kMaxScenarioBytes = 4u << 20;
Result<Scenario> LoadScenario(const std::string& path);

}  // namespace vitals
