#include <map>

#include <fmt/format.h>

#include "core/redact.h"
#include "rules/format.h"

namespace vitals {

std::string PriorityName(int priority) { return fmt::format("P{}", priority); }

std::string FindingsSummary(const std::vector<Finding>& findings) {
  if (findings.empty()) return "no findings";
  int critical = 0;
  std::map<int, int> by_priority;
  for (const auto& f : findings) {
    critical += f.level == Level::kCritical;
    ++by_priority[f.priority];
  }
  std::string prios;
  for (const auto& [p, n] : by_priority) {
    prios += fmt::format("{}{} {}", prios.empty() ? "" : ", ", PriorityName(p), n);
  }
  return fmt::format("{} finding{}: {} critical, {} warning ({})", findings.size(),
                     findings.size() == 1 ? "" : "s", critical,
                     static_cast<int>(findings.size()) - critical, prios);
}

std::string LimitedFact(const std::string& note) {
  size_t end = note.find(": ");
  if (end == std::string::npos) end = note.find("; ");
  std::string fact = note.substr(0, end);
  if (fact.size() > 60) fact = fact.substr(0, 57) + "...";
  return fact;
}

namespace {

struct Style {
  bool on;
  std::string Wrap(std::string_view code, std::string_view text) const {
    return on ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : std::string(text);
  }
};

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

std::string FormatReportText(const CheckReport& r, bool color) {
  Style st{color};
  std::string out = fmt::format("vitals check: {} (window {}, {} rules over {} facts)\n",
                                r.components.empty() ? "nothing" : Join(r.components),
                                FormatSeconds(r.window_s), r.rules, r.facts);
  int group_priority = -1;
  Level group_level = Level::kWarning;
  for (const auto& f : r.findings) {
    if (f.priority != group_priority || f.level != group_level) {
      group_priority = f.priority;
      group_level = f.level;
      std::string head = fmt::format("{} {}", PriorityName(f.priority), LevelName(f.level));
      out += "\n" + st.Wrap(f.level == Level::kCritical ? "1;31" : "1;33", head) + "\n";
    }
    out += fmt::format("  {} {}\n", st.Wrap("1", f.title), st.Wrap("2", "[" + f.id + "]"));
    if (!f.evidence.empty()) out += fmt::format("    evidence: {}\n", f.evidence);
    if (!f.action.empty()) out += fmt::format("    action:   {}\n", f.action);
    out += fmt::format("    runbook:  {}\n", f.runbook);
  }
  if (!r.limited.empty() || !r.errors.empty()) out += "\n";
  for (const auto& n : r.limited) {
    out += fmt::format("limited: {}: {}\n", n.component, RedactSecrets(n.message));
  }
  for (const auto& n : r.errors) {
    out += st.Wrap("1;31", "could not check:") +
           fmt::format(" {}: {}\n", n.component, RedactSecrets(n.message));
  }
  std::vector<std::string> checked;
  for (const auto& c : r.components) {
    bool failed = false;
    for (const auto& e : r.errors) failed = failed || e.component == c;
    if (!failed) checked.push_back(c);
  }
  out += fmt::format("\nsummary: {}; checked {}", FindingsSummary(r.findings),
                     checked.empty() ? "nothing" : Join(checked));
  if (!r.limited.empty()) {
    // Name what was limited, not only how many: "1 limited (prometheus: http latency)".
    std::vector<std::string> what;
    for (const auto& n : r.limited) {
      what.push_back(n.component + ": " + LimitedFact(RedactSecrets(n.message)));
    }
    out += fmt::format("; {} limited ({})", r.limited.size(), Join(what));
  }
  if (!r.errors.empty()) {
    std::vector<std::string> failed;
    for (const auto& e : r.errors) failed.push_back(e.component);
    out += fmt::format("; could not check {}", Join(failed));
  }
  out += "\n";
  return out;
}

}  // namespace vitals
