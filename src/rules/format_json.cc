#include <cmath>
#include <nlohmann/json.hpp>

#include "core/redact.h"
#include "rules/format.h"

namespace vitals {
namespace {

nlohmann::json NotesJson(const std::vector<CheckNote>& notes, const char* key) {
  auto arr = nlohmann::json::array();
  for (const auto& n : notes) {
    arr.push_back({{"component", n.component}, {key, RedactSecrets(n.message)}});
  }
  return arr;
}

}  // namespace

std::string FormatReportJson(const CheckReport& r) {
  using nlohmann::json;
  json findings = json::array();
  int critical = 0;
  json by_priority = {{"P0", 0}, {"P1", 0}, {"P2", 0}, {"P3", 0}};
  for (const auto& f : r.findings) {
    critical += f.level == Level::kCritical;
    by_priority[PriorityName(f.priority)] = by_priority.value(PriorityName(f.priority), 0) + 1;
    json value = f.value ? json(*f.value) : json(nullptr);
    findings.push_back({{"id", f.id},
                        {"component", f.component},
                        {"level", LevelName(f.level)},
                        {"priority", PriorityName(f.priority)},
                        {"title", f.title},
                        {"subject", f.subject},
                        {"value", value},
                        {"evidence", f.evidence},
                        {"action", f.action},
                        {"runbook", f.runbook},
                        {"source", f.source}});
  }
  json checked = json::array(), failed = json::array();
  for (const auto& c : r.components) {
    bool bad = false;
    for (const auto& e : r.errors) bad = bad || e.component == c;
    (bad ? failed : checked).push_back(c);
  }
  int n = static_cast<int>(r.findings.size());
  json summary = {
      {"findings", n},
      {"critical", critical},
      {"warning", n - critical},
      {"by_priority", by_priority},
      {"worst", critical > 0 ? "critical"
                : n > 0      ? "warning"
                             : "none"},
      {"components", r.components},
      {"checked", checked},
      {"failed", failed},
      {"limited", r.limited.size()},
      {"errors", r.errors.size()},
      {"rules", r.rules},
      {"facts", r.facts},
      {"window_s", r.window_s},
  };
  json observed = json::array();
  for (const Fact& f : r.observed) {
    json num = json::object();
    for (const auto& [k, v] : f.num) {
      if (std::isfinite(v)) num[k] = v;
    }
    observed.push_back({{"component", f.component},
                        {"kind", f.kind},
                        {"subject", f.subject},
                        {"num", num},
                        {"text", [&] {
                           json t = json::object();
                           for (const auto& [k, v] : f.text) t[k] = RedactSecrets(v);
                           return t;
                         }()}});
  }
  json doc = {{"findings", findings},
              {"limited", NotesJson(r.limited, "reason")},
              {"errors", NotesJson(r.errors, "message")},
              {"summary", summary},
              {"observed", observed}};
  // Fact texts come from outside (SQL, names); never let bad UTF-8 throw.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace vitals
