// What `vitals load TARGET` and `vitals tune --validate TARGET` share: telling a scenario file
// from a URL, and turning a scenario into LoadOptions.
#pragma once

#include <string>

#include "load/engine.h"
#include "load/scenario.h"

namespace vitals::cli {

// A .yaml/.yml path, or an existing readable file without "://".
bool LooksLikeScenario(const std::string& target);

// Scenario -> LoadOptions (requests, phases, model, timeouts, thresholds).
void ApplyScenario(const Scenario& sc, LoadOptions* o);

}  // namespace vitals::cli
