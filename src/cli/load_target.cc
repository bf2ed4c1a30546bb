#include "cli/load_target.h"

#include <unistd.h>

#include <cstring>

namespace vitals::cli {

bool LooksLikeScenario(const std::string& target) {
  auto ends = [&](const char* suffix) {
    const size_t n = std::strlen(suffix);
    return target.size() >= n && target.compare(target.size() - n, n, suffix) == 0;
  };
  if (ends(".yaml") || ends(".yml")) return true;
  return target.find("://") == std::string::npos && access(target.c_str(), R_OK) == 0;
}

void ApplyScenario(const Scenario& sc, LoadOptions* o) {
  o->url = sc.base ? sc.base->Redacted() : sc.requests.front().url.Redacted();
  o->timeout_ns = sc.defaults.timeout_ns;
  for (const ScenarioRequest& r : sc.requests) {
    o->requests.push_back(LoadRequest{r.name, r.url, r.spec, r.weight, r.timeout_ns});
  }
  o->stages = sc.Stages();
  o->model = sc.phases.front().model;
  o->thresholds = sc.thresholds;
}

}  // namespace vitals::cli
