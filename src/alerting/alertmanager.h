// Notifying Alertmanager through its v2 API, as Prometheus does:
// POST <url>/api/v2/alerts with a JSON array of
//   {"labels": {...}, "annotations": {...}, "startsAt": <fired at>,
//    "endsAt": <resolved at, or valid-until while firing>, "generatorURL": ...}
// Times are RFC 3339 in UTC with milliseconds.
//
// Thread-safety: pure functions / one blocking request.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alerting/alert_state.h"
#include "core/status.h"

namespace vitals::alerting {

// "2026-12-06T01:30:00.000Z".
std::string Rfc3339Ms(int64_t t_ms);

// The JSON body for `alerts` (see the file comment); generatorURL is left
// out when `generator_url` is empty.
std::string AlertmanagerPayload(const std::vector<Alert>& alerts, const std::string& generator_url);

// POSTs the alerts to `base_url` + "/api/v2/alerts" (a URL already ending in
// /api/v2/alerts is used as is).  Errors: kUnavailable when Alertmanager
// cannot be reached or answers other than 2xx (the message has its answer;
// URLs have passwords masked).
Status NotifyAlertmanager(const std::string& base_url, const std::vector<Alert>& alerts,
                          const std::string& generator_url, int64_t timeout_ms);

}  // namespace vitals::alerting
