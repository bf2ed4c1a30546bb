// What `vitals tune` changed inside an incident's window, from its audit log in the store
// (docs/tune.md): every step becomes a timeline event ("tune"), and changes applied before the
// degradation's end and not rolled back before its onset become one cause candidate per
// backup, `tune.change`, whose action is the rollback that undoes them.  A configuration
// change just before a degradation is the first thing on-call asks about.
//
// Internal to the incident layer (BuildIncident calls it after the impact is known).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/status.h"
#include "incident/incident.h"
#include "store/store.h"

namespace vitals::detail {

// Adds the events to rec->timeline and the candidates to `causes` (keyed like findings).
// `lookback_ms`: how long before the onset a change still counts as a candidate.
Status AddTuneChanges(Store& store, int64_t lookback_ms, IncidentRecord* rec,
                      std::map<std::string, IncidentCause>* causes);

}  // namespace vitals::detail
