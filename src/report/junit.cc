#include "report/junit.h"

#include <ctime>

#include <fmt/format.h>

namespace vitals {

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      // Tab, LF and CR are legal but attribute normalization would turn them into spaces.
      case '\t':
        out += "&#9;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        // XML 1.0 cannot carry other C0 controls, not even as character references.
        if (c < 0x20 || c == 0x7f) {
          out += "\xEF\xBF\xBD";
        } else {
          out += ch;
        }
    }
  }
  return out;
}

namespace {

std::string IsoTime(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

}  // namespace

std::string JUnitXml(const std::string& suite_name, const std::vector<JUnitCase>& cases,
                     const JUnitRunInfo& info) {
  int failures = 0;
  for (const JUnitCase& c : cases) failures += c.ok ? 0 : 1;
  const size_t n = cases.size();
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += fmt::format("<testsuites name=\"vitals\" tests=\"{}\" failures=\"{}\">\n", n, failures);
  x += fmt::format(
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" "
      "errors=\"0\" skipped=\"0\" time=\"{:.3f}\"",
      XmlEscape(suite_name), n, failures, info.duration_s);
  if (info.started_unix_ms > 0)
    x += fmt::format(" timestamp=\"{}\"", IsoTime(info.started_unix_ms));
  x += ">\n";
  if (!info.run_id.empty() || !info.target.empty()) {
    x += "    <properties>\n";
    if (!info.run_id.empty()) {
      x += fmt::format("      <property name=\"run_id\" value=\"{}\"/>\n", XmlEscape(info.run_id));
    }
    if (!info.target.empty()) {
      x += fmt::format("      <property name=\"target\" value=\"{}\"/>\n", XmlEscape(info.target));
    }
    x += "    </properties>\n";
  }
  for (const JUnitCase& c : cases) {
    x += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"0\"", XmlEscape(c.name),
                     XmlEscape(c.classname));
    if (c.ok) {
      x +=
          fmt::format(">\n      <system-out>{}</system-out>\n    </testcase>\n", XmlEscape(c.text));
      continue;
    }
    x += fmt::format(">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                     XmlEscape(c.failure_message), XmlEscape(c.failure_type), XmlEscape(c.text));
  }
  x += "  </testsuite>\n</testsuites>\n";
  return x;
}

std::string ThresholdsJUnitXml(const std::vector<ThresholdVerdict>& verdicts,
                               const JUnitRunInfo& info) {
  std::vector<JUnitCase> cases;
  cases.reserve(verdicts.size());
  for (const ThresholdVerdict& v : verdicts) {
    JUnitCase c;
    c.name = v.expr;
    c.classname = "vitals.thresholds";
    c.ok = v.ok;
    c.text = v.message;
    // The message attribute is what CI summaries show: lead with the value.
    c.failure_message = v.has_value ? fmt::format("{} = {}", v.expr, v.value_text) : v.message;
    c.failure_type = v.has_value ? "threshold" : "no_data";
    cases.push_back(std::move(c));
  }
  return JUnitXml("vitals thresholds", cases, info);
}

}  // namespace vitals
