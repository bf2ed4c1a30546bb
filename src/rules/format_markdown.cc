#include <fmt/format.h>

#include "core/redact.h"
#include "rules/format.h"

namespace vitals {
namespace {

// Table cells cannot hold '|' or line breaks.
std::string Cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string FormatReportMarkdown(const CheckReport& r) {
  std::string out = "## vitals check\n\n";
  std::string comps;
  for (const auto& c : r.components) comps += (comps.empty() ? "" : ", ") + c;
  out += fmt::format("Checked: {} (window {}, {} rules over {} facts). **{}**.\n\n",
                     comps.empty() ? "nothing" : comps, FormatSeconds(r.window_s), r.rules, r.facts,
                     FindingsSummary(r.findings));
  if (!r.findings.empty()) {
    out += "| Priority | Level | Rule | Subject | Finding |\n";
    out += "|---|---|---|---|---|\n";
    for (const auto& f : r.findings) {
      out += fmt::format("| {} | {} | `{}` | {} | {} |\n", PriorityName(f.priority),
                         LevelName(f.level), f.id, Cell(f.subject), Cell(f.title));
    }
    out += "\n";
    for (const auto& f : r.findings) {
      out +=
          fmt::format("### {} {}: {}\n\n", PriorityName(f.priority), LevelName(f.level), f.title);
      out += fmt::format("- **Rule:** `{}` ({}, subject `{}`)\n", f.id, f.component, f.subject);
      if (!f.evidence.empty()) out += fmt::format("- **Evidence:** {}\n", f.evidence);
      if (!f.action.empty()) out += fmt::format("- **Action:** {}\n", f.action);
      out += fmt::format("- **Runbook:** [{}]({})\n", f.runbook, f.runbook);
      if (!f.source.empty()) out += fmt::format("- **Source:** {}\n", f.source);
      out += "\n";
    }
  }
  if (!r.limited.empty()) {
    out += "### Limited checks\n\n";
    for (const auto& n : r.limited) {
      out += fmt::format("- {}: {}\n", n.component, RedactSecrets(n.message));
    }
    out += "\n";
  }
  if (!r.errors.empty()) {
    out += "### Could not check\n\n";
    for (const auto& n : r.errors) {
      out += fmt::format("- {}: {}\n", n.component, RedactSecrets(n.message));
    }
    out += "\n";
  }
  return out;
}

}  // namespace vitals
