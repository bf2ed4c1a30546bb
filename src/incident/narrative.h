// The sentences of an incident record that are computed from its data, shared by the
// markdown and HTML renderings, and the prompts left for what only a person can write.
// Internal to src/incident.  Texts are plain (not escaped): each renderer escapes them.
#pragma once

#include <string>
#include <vector>

#include "incident/incident.h"

namespace vitals::detail {

// "Between 01:02:03 and 01:02:23 UTC (20 s), 1,000 requests met a degraded service: ..."
std::string IncidentSummary(const IncidentRecord& r);
// The first signal after the onset (threshold breach, finding, check) and how long it took.
std::string IncidentDetection(const IncidentRecord& r);
// When the degradation ended and how long it lasted.
std::string IncidentResolution(const IncidentRecord& r);
// Up to three events just before the onset (what changed), for the trigger section.
std::vector<IncidentEvent> TriggerHints(const IncidentRecord& r);
// "+12.0s" / "-3.0s": a signed gap.
std::string SignedSeconds(double s);

struct Prompt {
  const char* section;
  const char* text;
};
// The sections' prompts, by section name ("summary", "root_cause", "trigger", "detection",
// "resolution", "lessons").
const char* PromptFor(const std::string& section);

}  // namespace vitals::detail
