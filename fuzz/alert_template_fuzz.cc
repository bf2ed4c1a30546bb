// Fuzzes alert templates (src/alerting/template.h): any text must parse or fail with a
// "template: " message, and a parsed template must expand (or fail the same way) without
// crashing, with labels, a value and a query that answers two samples.
#include <cstddef>
#include <cstdint>
#include <string>

#include "alerting/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto t = vitals::alerting::Template::Parse(text, "__alert_F");
  if (!t.ok()) {
    if (t.status().message().rfind("template: __alert_F:", 0) != 0) __builtin_trap();
    return 0;
  }
  vitals::alerting::TemplateData d;
  d.labels = vitals::promql::Labels(
      std::vector<vitals::promql::Label>{{"instance", "web-1:8080"}, {"job", "api"}});
  d.value = 1234.5;
  vitals::alerting::TemplateQuery q =
      [](const std::string&) -> vitals::Result<std::vector<vitals::alerting::TemplateSample>> {
    return std::vector<vitals::alerting::TemplateSample>{
        {vitals::promql::Labels(std::vector<vitals::promql::Label>{{"instance", "a"}}), 1},
        {vitals::promql::Labels(std::vector<vitals::promql::Label>{{"instance", "b"}}), 0}};
  };
  auto out = t->Execute(d, q);
  if (!out.ok() && out.status().message().rfind("template: __alert_F:", 0) != 0) {
    __builtin_trap();
  }
  return 0;
}
