// Fuzzes Prometheus rule file reading (src/alerting/rule_file.h) and what runs on a loaded
// file: any input must load or fail with messages that each start with the file name; a
// loaded file is linted and its templates expanded without crashing.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "alerting/alert_state.h"
#include "alerting/lint.h"
#include "alerting/rule_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto file = vitals::alerting::ParseRuleFile(text, "f.yaml");
  if (!file.ok()) {
    std::istringstream lines(file.status().message());
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("f.yaml:", 0) != 0) __builtin_trap();  // every error says where
    }
    return 0;
  }
  (void)vitals::alerting::LintRules(*file);
  vitals::promql::Vector result = {
      {vitals::promql::Labels(std::vector<vitals::promql::Label>{{"__name__", "x"}, {"job", "a"}}),
       {0, 1e6}}};
  for (const auto& g : file->groups) {
    for (const auto& r : g.rules) {
      if (!r.is_alert()) continue;
      vitals::alerting::AlertingRule rule(r, g.labels);
      std::vector<vitals::alerting::AlertTransition> changes;
      (void)rule.Eval(result, 0, g.limit, {}, &changes);
      (void)rule.Eval({}, 60'000, g.limit, {}, &changes);
    }
  }
  return 0;
}
