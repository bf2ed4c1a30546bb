// Fuzz target for ParseScenario.
// Asserts: no crash and no exception escapes; an error names the file; a parsed scenario keeps
// the documented invariants (requests and phases present, weights and durations > 0, a valid
// load plan, buildable requests, thresholds that parse again).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "load/scenario.h"

namespace {
void Check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  vitals::Result<vitals::Scenario> s = vitals::ParseScenario(text, "fuzz.yaml");
  if (!s.ok()) {
    Check(s.status().message().rfind("fuzz.yaml", 0) == 0);
    return 0;
  }
  Check(!s->requests.empty());
  Check(!s->phases.empty());
  for (const vitals::ScenarioRequest& r : s->requests) {
    Check(r.weight > 0);
    Check(r.timeout_ns > 0);
    Check(!r.name.empty());
    Check(vitals::BuildRequest(r.url, r.spec).ok());
  }
  for (const vitals::ScenarioPhase& p : s->phases) {
    Check(p.duration_ns > 0);
    Check(p.start >= 0 && p.end >= 0 && (p.start > 0 || p.end > 0));
  }
  Check(vitals::LoadPlan::Validate(s->Stages()).ok());
  Check(s->TotalNs() > 0);
  for (const vitals::Threshold& t : s->thresholds) Check(vitals::ParseThreshold(t.expr).ok());
  return 0;
}
