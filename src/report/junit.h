// JUnit XML of threshold verdicts (`vitals load --junit FILE`), so that CI systems that read
// test reports (GitLab, Jenkins, GitHub annotations) show each threshold as a test case.
//
// Shape:
//   <?xml version="1.0" encoding="UTF-8"?>
//   <testsuites name="vitals" tests="N" failures="F">
//     <testsuite name="vitals thresholds" tests="N" failures="F" errors="0" time="...">
//       <properties><property name="run_id" value="..."/>...</properties>
//       <testcase name="p(95)&lt;500ms" classname="vitals.thresholds" time="0"/>
//       <testcase name="error_rate&lt;1%" classname="vitals.thresholds" time="0">
//         <failure message="error_rate = 2.5% (limit &lt; 1%)" type="threshold">...</failure>
//       </testcase>
//     </testsuite>
//   </testsuites>
// A threshold without data is a failure too (type="no_data").  All text is escaped for XML
// 1.0; characters XML cannot carry (controls other than tab/LF/CR) become U+FFFD.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "load/thresholds.h"

namespace vitals {

struct JUnitRunInfo {
  std::string run_id;
  std::string target;           // printed as given: pass a redacted URL
  double duration_s = 0;        // the suite's time attribute
  int64_t started_unix_ms = 0;  // 0: no timestamp attribute
};

std::string ThresholdsJUnitXml(const std::vector<ThresholdVerdict>& verdicts,
                               const JUnitRunInfo& info);

// One test case of a generic suite (`vitals gate --junit FILE`: one per gate rule).
struct JUnitCase {
  std::string name;
  std::string classname;  // e.g. "vitals.gate"
  bool ok = true;
  std::string failure_message;  // the failure's message attribute (what CI summaries show)
  std::string failure_type;     // e.g. "regression", "not_testable"
  std::string text;             // failure body, or system-out of a passing case
};

// The same document shape as ThresholdsJUnitXml with `suite_name` and arbitrary cases.
std::string JUnitXml(const std::string& suite_name, const std::vector<JUnitCase>& cases,
                     const JUnitRunInfo& info);

// Escapes text for an XML attribute value or element content.
std::string XmlEscape(std::string_view text);

}  // namespace vitals
