// The incident record as markdown, for a pull request or a wiki page.
#include <fmt/format.h>

#include "core/units.h"
#include "incident/incident.h"
#include "incident/narrative.h"
#include "report/escape.h"

namespace vitals {
namespace {

using detail::PromptFor;

void Prompt(std::string& out, const char* section) {
  out += fmt::format("> **To fill in:** {}\n\n", PromptFor(section));
}

std::string Pct(double fraction) { return fmt::format("{:.2f}%", fraction * 100); }

}  // namespace

std::string RenderIncidentMarkdown(const IncidentRecord& r) {
  std::string out;
  if (r.no_incident()) {
    out += "# No incident\n\n" + MarkdownText(r.NoIncidentMessage()) + "\n";
    return out;
  }
  const IncidentImpact& im = r.impact;
  out += fmt::format("# Incident record: {}\n\n", MarkdownText(r.title));
  out += "| | |\n|---|---|\n";
  out +=
      fmt::format("| Severity | {} |\n", MarkdownCell(im.severity.empty() ? "none" : im.severity) +
                                             " - " + MarkdownCell(im.severity_basis));
  out += fmt::format("| Degradation | {} to {} ({:.0f} s) |\n", FormatUtcTimeMs(im.start_unix_ms),
                     FormatUtcTimeMs(im.end_unix_ms), im.duration_s);
  out += fmt::format("| Window examined | {} to {} |\n", FormatUtcTimeMs(r.from_unix_ms),
                     FormatUtcTimeMs(r.to_unix_ms));
  out += fmt::format("| Record | {} written {} by vitals {} |\n\n",
                     r.id.empty() ? "(not stored)" : MarkdownCode(r.id),
                     FormatUtcTimeMs(r.created_unix_ms), MarkdownCell(r.vitals_version));

  out += "## Summary\n\n" + MarkdownText(detail::IncidentSummary(r)) + "\n\n";
  Prompt(out, "summary");

  out += "## Impact\n\n| Measure | Value |\n|---|---|\n";
  out += fmt::format("| Start | {} |\n| End | {} |\n| Duration | {:.0f} s |\n",
                     FormatUtcTimeMs(im.start_unix_ms), FormatUtcTimeMs(im.end_unix_ms),
                     im.duration_s);
  out += fmt::format("| Seen by clients (answers) | {} to {} |\n",
                     FormatUtcTimeMs(im.seen_start_unix_ms), FormatUtcTimeMs(im.seen_end_unix_ms));
  out += fmt::format("| Requests during the degradation | {} |\n", im.requests);
  out += fmt::format("| Failed requests | {} ({}) |\n", im.failed, Pct(im.failed_share));
  out += fmt::format("| Worst p95 / p99 of an interval | {} / {} |\n",
                     FormatDurationUs(im.worst_p95_us), FormatDurationUs(im.worst_p99_us));
  out += fmt::format("| Worst error rate of an interval | {} |\n", Pct(im.worst_error_rate));
  out += fmt::format("| Degraded intervals | {} |\n\n", im.degraded_slots);

  out += fmt::format(
      "## Timeline\n\n| Time (UTC) | Local ({}) | Source | Event |\n|---|---|---|---|\n",
      MarkdownCell(LocalZoneName()));
  for (const IncidentEvent& e : r.timeline) {
    out += fmt::format("| {} | {} | {} | {} |\n", FormatUtcTimeMs(e.unix_ms),
                       FormatLocalTimeMs(e.unix_ms), MarkdownCell(e.source), MarkdownCell(e.text));
  }
  out += "\n## Root-cause candidates\n\n";
  if (r.causes.empty()) {
    out +=
        "No finding was recorded around the degradation. Record checks while you load or "
        "operate the service (`vitals check ... --record`) to get candidates here.\n\n";
  } else {
    out += "Ranked: " + MarkdownText(r.ranking) + ".\n\n";
    for (const IncidentCause& c : r.causes) {
      out +=
          fmt::format("{}. **{}** ({} {}, {})", c.rank, MarkdownText(c.title),
                      MarkdownCell(c.level), MarkdownCell(c.priority), MarkdownCode(c.id, false));
      if (!c.subject.empty()) out += " - " + MarkdownText(c.subject);
      out += "\n";
      out += fmt::format("   - Evidence: {}\n", MarkdownText(c.evidence, 5));
      out +=
          fmt::format("   - First seen {} ({} from the onset) in {}; seen {} time(s)\n",
                      FormatUtcTimeMs(c.first_seen_unix_ms), detail::SignedSeconds(c.onset_gap_s),
                      MarkdownCell(c.seen_in), c.times_seen);
      out += fmt::format("   - Action: {}\n", MarkdownText(c.action, 5));
      if (!c.runbook.empty())
        out += fmt::format("   - Runbook: {}\n", MarkdownCode(c.runbook, false));
    }
    out += "\n";
  }
  Prompt(out, "root_cause");

  out += "## Trigger\n\n";
  auto hints = detail::TriggerHints(r);
  if (hints.empty()) {
    out += "vitals recorded no event before the onset in this window.\n\n";
  } else {
    out += "Events just before the onset:\n\n";
    for (const IncidentEvent& e : hints) {
      out += fmt::format("- {} - {} ({})\n", FormatUtcTimeMs(e.unix_ms), MarkdownText(e.text, 2),
                         MarkdownCell(e.source));
    }
    out += "\n";
  }
  Prompt(out, "trigger");
  out += "## Detection\n\n" + MarkdownText(detail::IncidentDetection(r)) + "\n\n";
  Prompt(out, "detection");
  out += "## Resolution\n\n" + MarkdownText(detail::IncidentResolution(r)) + "\n\n";
  Prompt(out, "resolution");

  out +=
      "## Action items\n\n| # | Action | From | Priority | Owner | Due "
      "|\n|---|---|---|---|---|---|\n";
  int n = 0;
  for (const IncidentCause& c : r.causes) {
    out += fmt::format("| {} | {} | {} | {} | _to fill_ | _to fill_ |\n", ++n,
                       MarkdownCell(c.action), MarkdownCode(c.id), MarkdownCell(c.priority));
  }
  out +=
      fmt::format("| {} | _to fill: an action of your own_ | | | _to fill_ | _to fill_ |\n\n", ++n);
  out += "## Lessons learned\n\n";
  Prompt(out, "lessons");

  out +=
      "## Runs in the window\n\n| Run | Target | Status | Requests | Errors | p95 | p99 | "
      "Thresholds |\n|---|---|---|---|---|---|---|---|\n";
  for (const IncidentRun& x : r.runs) {
    std::string thresholds = x.verdict.empty() ? "-" : x.verdict;
    for (const auto& b : x.breached) thresholds += "; failed " + b;
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", MarkdownCode(x.id),
                       MarkdownCode(x.target), MarkdownCell(x.status), x.requests, x.errors,
                       x.has_latency ? FormatDurationUs(x.p95_us) : "-",
                       x.has_latency ? FormatDurationUs(x.p99_us) : "-", MarkdownCell(thresholds));
  }
  out += fmt::format("\n{} recorded check(s) in the window.\n", r.checks);
  if (!r.warnings.empty()) {
    out += "\n## Notes\n\n";
    for (const auto& w : r.warnings) out += "- " + MarkdownText(w, 2) + "\n";
  }
  return out;
}

}  // namespace vitals
