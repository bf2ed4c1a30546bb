#include "alerting/alertmanager.h"

#include <fmt/format.h>
#include <time.h>

#include <nlohmann/json.hpp>

#include "collect/http_get.h"
#include "core/redact.h"

namespace vitals::alerting {

std::string Rfc3339Ms(int64_t t_ms) {
  time_t secs = time_t(t_ms / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, int(t_ms % 1000));
}

std::string AlertmanagerPayload(const std::vector<Alert>& alerts,
                                const std::string& generator_url) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const Alert& a : alerts) {
    nlohmann::ordered_json labels = nlohmann::ordered_json::object();
    for (const auto& l : a.labels.items()) labels[l.name] = l.value;
    nlohmann::ordered_json ann = nlohmann::ordered_json::object();
    for (const auto& l : a.annotations) ann[l.name] = l.value;
    int64_t ends = a.resolved_at_ms != 0 ? a.resolved_at_ms : a.valid_until_ms;
    nlohmann::ordered_json j = {
        {"labels", labels},
        {"annotations", ann},
        {"startsAt", Rfc3339Ms(a.fired_at_ms != 0 ? a.fired_at_ms : a.active_at_ms)},
        {"endsAt", Rfc3339Ms(ends)}};
    if (!generator_url.empty()) j["generatorURL"] = generator_url;
    arr.push_back(std::move(j));
  }
  return arr.dump();
}

Status NotifyAlertmanager(const std::string& base_url, const std::vector<Alert>& alerts,
                          const std::string& generator_url, int64_t timeout_ms) {
  if (alerts.empty()) return Status::Ok();
  std::string url = base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.size() < 14 || url.substr(url.size() - 14) != "/api/v2/alerts") url += "/api/v2/alerts";
  HttpGetOptions opts;
  opts.timeout_ms = timeout_ms;
  opts.max_body_bytes = 1 << 20;
  opts.headers.push_back("Content-Type: application/json");
  auto r = HttpPost(url, AlertmanagerPayload(alerts, generator_url), opts);
  if (!r.ok()) return r.status();
  if (r->status < 200 || r->status >= 300) {
    return Status::Unavailable(fmt::format("POST {}: Alertmanager answered {}: {}",
                                           RedactSecrets(url), r->status, BodySnippet(r->body)));
  }
  return Status::Ok();
}

}  // namespace vitals::alerting
