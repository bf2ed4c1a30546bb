// Degraded slots, the impact window, the severity and the ranking of cause candidates.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/units.h"
#include "incident/incident.h"

namespace vitals {

std::string SeverityFor(double value_us, const std::vector<double>& levels_us) {
  for (size_t i = 0; i < levels_us.size(); ++i) {
    if (value_us > levels_us[i]) return fmt::format("P{}", i);
  }
  return "";
}

IncidentImpact ComputeImpact(std::vector<IncidentSlot>& slots, const IncidentOptions& options) {
  IncidentImpact im;
  const double lowest_level =
      options.severity_levels_us.empty() ? 0 : options.severity_levels_us.back();
  for (IncidentSlot& s : slots) {
    if (s.requests == 0) continue;
    const double error_rate = double(s.errors) / double(s.requests);
    if (lowest_level > 0 && s.severity_us > lowest_level) {
      s.reasons.push_back(fmt::format("p{:g} {} > {} (lowest severity level)",
                                      options.severity_percentile, FormatDurationUs(s.severity_us),
                                      FormatDurationUs(lowest_level)));
    }
    if (options.error_limit > 0 && error_rate >= options.error_limit) {
      s.reasons.push_back(
          fmt::format("error rate {:.1f}% >= {:g}%", error_rate * 100, options.error_limit * 100));
    }
    s.degraded = !s.reasons.empty();
  }
  const IncidentSlot* first = nullptr;
  const IncidentSlot* last = nullptr;
  for (const IncidentSlot& s : slots) {
    if (!s.degraded) continue;
    if (first == nullptr || s.start_unix_ms < first->start_unix_ms) first = &s;
    if (last == nullptr || s.end_unix_ms > last->end_unix_ms) last = &s;
    ++im.degraded_slots;
  }
  im.degraded = first != nullptr;
  if (im.degraded) {
    im.seen_start_unix_ms = first->start_unix_ms;
    im.seen_end_unix_ms = last->end_unix_ms;
    // Moved back by the interval's severity percentile: the latency of the slow answers that
    // made it degraded, even when they are a minority of it (the last slow answers share
    // their interval with fast ones).
    im.start_unix_ms = first->start_unix_ms - int64_t(first->severity_us / 1000);
    im.end_unix_ms =
        std::max(im.start_unix_ms, last->end_unix_ms - int64_t(last->severity_us / 1000));
  }
  if (!im.degraded) return im;
  double worst_severity = 0;
  for (const IncidentSlot& s : slots) {
    // Every slot that lies in the span counts towards the requests, degraded or not: the
    // impact is what users met while the service was degraded.
    const int64_t mid = s.start_unix_ms + (s.end_unix_ms - s.start_unix_ms) / 2;
    if (mid < im.seen_start_unix_ms || mid >= im.seen_end_unix_ms) continue;
    im.requests += s.requests;
    im.failed += s.errors;
    if (!s.degraded || s.requests == 0) continue;
    im.worst_p95_us = std::max(im.worst_p95_us, s.p95_us);
    im.worst_p99_us = std::max(im.worst_p99_us, s.p99_us);
    im.worst_error_rate = std::max(im.worst_error_rate, double(s.errors) / double(s.requests));
    worst_severity = std::max(worst_severity, s.severity_us);
  }
  im.duration_s = double(im.end_unix_ms - im.start_unix_ms) / 1000.0;
  im.failed_share = im.requests > 0 ? double(im.failed) / double(im.requests) : 0;
  im.severity = SeverityFor(worst_severity, options.severity_levels_us);
  if (im.severity.empty()) {
    im.severity_basis = fmt::format("worst p{:g} {} is below every severity level (P3 > {})",
                                    options.severity_percentile, FormatDurationUs(worst_severity),
                                    FormatDurationUs(lowest_level));
  } else {
    const size_t level = size_t(im.severity[1] - '0');
    im.severity_basis = fmt::format(
        "worst p{:g} {} > {} ({})", options.severity_percentile, FormatDurationUs(worst_severity),
        FormatDurationUs(options.severity_levels_us[level]), im.severity);
  }
  return im;
}

namespace {

int LevelRank(const std::string& level) {
  return level == "critical" ? 0 : level == "warning" ? 1 : 2;
}

int PriorityRank(const std::string& priority) {
  if (priority.size() == 2 && priority[0] == 'P' && priority[1] >= '0' && priority[1] <= '9') {
    return priority[1] - '0';
  }
  return 10;
}

}  // namespace

std::string RankCauses(std::vector<IncidentCause>& causes, const IncidentImpact& impact) {
  for (IncidentCause& c : causes) {
    c.onset_gap_s = double(c.first_seen_unix_ms - impact.start_unix_ms) / 1000.0;
  }
  std::stable_sort(causes.begin(), causes.end(), [](const auto& a, const auto& b) {
    if (LevelRank(a.level) != LevelRank(b.level)) return LevelRank(a.level) < LevelRank(b.level);
    if (PriorityRank(a.priority) != PriorityRank(b.priority)) {
      return PriorityRank(a.priority) < PriorityRank(b.priority);
    }
    // Seen at or before the onset first (a cause precedes its effect), then the closest.
    const bool a_before = a.onset_gap_s <= 0, b_before = b.onset_gap_s <= 0;
    if (a_before != b_before) return a_before;
    if (std::fabs(a.onset_gap_s) != std::fabs(b.onset_gap_s)) {
      return std::fabs(a.onset_gap_s) < std::fabs(b.onset_gap_s);
    }
    return a.id + a.subject < b.id + b.subject;
  });
  for (size_t i = 0; i < causes.size(); ++i) causes[i].rank = int(i) + 1;
  return "findings (and vitals tune changes) seen from 15 min before the degradation began "
         "until it ended, ranked by "
         "level (critical first), then priority (P0 first), then by when each was first seen "
         "relative to the onset: at or before the onset first, then the smallest gap";
}

}  // namespace vitals
