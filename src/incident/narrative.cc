#include "incident/narrative.h"

#include <fmt/format.h>

#include <cstring>
#include <ctime>

#include "core/units.h"

namespace vitals::detail {
namespace {

const Prompt kPrompts[] = {
    {"summary", "What happened, in two or three sentences, for readers who were not there."},
    {"root_cause",
     "The root cause as confirmed (the candidates above are what vitals saw, not a verdict), "
     "and the contributing factors."},
    {"trigger", "What set it off: a deploy, a config change, a traffic pattern, a dependency."},
    {"detection",
     "How people learned of it (page, alert, customer report) and how detection could be "
     "faster."},
    {"resolution", "What was done to end it, by whom, and what is still temporary."},
    {"lessons", "What went well, what went wrong, where we got lucky."},
};

std::string TimeOfDay(int64_t ms) {
  std::string t = FormatUtcTimeMs(ms);  // "YYYY-MM-DD HH:MM:SS UTC"
  return t.size() > 11 ? t.substr(11) : t;
}

}  // namespace

std::string SignedSeconds(double s) {
  return fmt::format("{}{:.1f}s", s < 0 ? "-" : "+", s < 0 ? -s : s);
}

std::string IncidentSummary(const IncidentRecord& r) {
  const IncidentImpact& im = r.impact;
  if (!im.degraded) return r.NoIncidentMessage();
  std::string s = fmt::format(
      "Between {} and {} ({:.0f} s), {} requests met a degraded service: {} failed ({:.2f}%), "
      "worst p95 {}, worst p99 {}, worst error rate {:.2f}%.",
      FormatUtcTimeMs(im.start_unix_ms), TimeOfDay(im.end_unix_ms), im.duration_s, im.requests,
      im.failed, im.failed_share * 100, FormatDurationUs(im.worst_p95_us),
      FormatDurationUs(im.worst_p99_us), im.worst_error_rate * 100);
  s += im.severity.empty() ? " No severity level was reached."
                           : fmt::format(" Severity {}: {}.", im.severity, im.severity_basis);
  if (r.causes.empty()) {
    s += " No finding was recorded around it (run `vitals check --record` during load tests "
         "and incidents to get cause candidates).";
  } else {
    const IncidentCause& c = r.causes.front();
    s += fmt::format(" {} cause candidate(s); the first: {} ({}).", r.causes.size(), c.title,
                     c.level);
  }
  return s;
}

std::string IncidentDetection(const IncidentRecord& r) {
  if (!r.impact.degraded) return "";
  for (const IncidentEvent& e : r.timeline) {
    if (e.unix_ms < r.impact.start_unix_ms) continue;
    if (e.kind == "breach_began" || e.kind == "finding" || e.kind == "alert_firing") {
      return fmt::format("First signal vitals recorded: {} ({}) at {}, {} after the onset.", e.text,
                         e.source, TimeOfDay(e.unix_ms),
                         SignedSeconds(double(e.unix_ms - r.impact.start_unix_ms) / 1000));
    }
  }
  return "vitals recorded no signal (threshold, finding) after the onset.";
}

std::string IncidentResolution(const IncidentRecord& r) {
  if (!r.impact.degraded) return "";
  return fmt::format("The degradation ended at {} after {:.0f} s ({} degraded interval(s)).",
                     FormatUtcTimeMs(r.impact.end_unix_ms), r.impact.duration_s,
                     r.impact.degraded_slots);
}

std::vector<IncidentEvent> TriggerHints(const IncidentRecord& r) {
  std::vector<IncidentEvent> out;
  if (!r.impact.degraded) return out;
  for (auto it = r.timeline.rbegin(); it != r.timeline.rend() && out.size() < 3; ++it) {
    if (it->unix_ms >= r.impact.start_unix_ms) continue;
    if (it->kind == "run_end") continue;
    out.insert(out.begin(), *it);
  }
  return out;
}

const char* PromptFor(const std::string& section) {
  for (const Prompt& p : kPrompts) {
    if (section == p.section) return p.text;
  }
  return "";
}

}  // namespace vitals::detail

namespace vitals {

std::string LocalZoneName() {
  const time_t now = time(nullptr);
  tm t{};
  localtime_r(&now, &t);
  char buf[32] = {0};
  std::strftime(buf, sizeof buf, "%Z", &t);
  return buf[0] != 0 ? buf : "local";
}

}  // namespace vitals
