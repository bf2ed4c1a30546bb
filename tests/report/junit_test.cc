#include "report/junit.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vitals {
namespace {

// A small XML 1.0 well-formedness check: balanced tags, quoted attributes, only the five
// predefined entities or numeric references, no raw '<' or '&' in text, no C0 controls other
// than tab/LF/CR.  Returns "" when well formed, else what is wrong and where.
std::string WellFormed(const std::string& x) {
  std::vector<std::string> stack;
  size_t i = 0;
  auto entity = [&](size_t at) -> size_t {  // returns the length of a valid reference, or 0
    static const char* kNames[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (const char* n : kNames) {
      if (x.compare(at, std::char_traits<char>::length(n), n) == 0) {
        return std::char_traits<char>::length(n);
      }
    }
    if (x.compare(at, 2, "&#") == 0) {
      size_t j = at + 2;
      while (j < x.size() && std::isdigit(static_cast<unsigned char>(x[j]))) ++j;
      if (j > at + 2 && j < x.size() && x[j] == ';') return j + 1 - at;
    }
    return 0;
  };
  auto text_ok = [&](size_t from, size_t to) -> std::string {
    for (size_t j = from; j < to; ++j) {
      const auto c = static_cast<unsigned char>(x[j]);
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
        return "control char at " + std::to_string(j);
      if (c == '<') return "raw '<' at " + std::to_string(j);
      if (c == '&') {
        size_t n = entity(j);
        if (n == 0) return "bad reference at " + std::to_string(j);
        j += n - 1;
      }
    }
    return "";
  };
  if (x.rfind("<?xml ", 0) == 0) i = x.find("?>") + 2;
  while (i < x.size()) {
    size_t lt = x.find('<', i);
    if (lt == std::string::npos) lt = x.size();
    if (std::string e = text_ok(i, lt); !e.empty()) return e;
    if (lt == x.size()) break;
    size_t gt = lt + 1;
    char quote = 0;
    for (; gt < x.size(); ++gt) {
      if (quote != 0) {
        if (x[gt] == quote)
          quote = 0;
        else if (x[gt] == '<')
          return "raw '<' in attribute at " + std::to_string(gt);
      } else if (x[gt] == '"' || x[gt] == '\'') {
        quote = x[gt];
      } else if (x[gt] == '>') {
        break;
      }
    }
    if (gt >= x.size()) return "unterminated tag at " + std::to_string(lt);
    std::string tag = x.substr(lt + 1, gt - lt - 1);
    if (std::string e = text_ok(lt + 1, gt); !e.empty() && e.find("raw '<'") == std::string::npos) {
      // Attribute values must obey the same reference rules as text.
      return "in tag: " + e;
    }
    const bool closing = !tag.empty() && tag[0] == '/';
    const bool self = !tag.empty() && tag.back() == '/';
    std::string name = tag.substr(closing ? 1 : 0);
    name = name.substr(0, name.find_first_of(" /\t\n"));
    if (name.empty()) return "empty tag name at " + std::to_string(lt);
    if (closing) {
      if (stack.empty() || stack.back() != name) return "unbalanced </" + name + ">";
      stack.pop_back();
    } else if (!self) {
      stack.push_back(name);
    }
    i = gt + 1;
  }
  if (!stack.empty()) return "unclosed <" + stack.back() + ">";
  return "";
}

ThresholdVerdict Verdict(std::string expr, bool ok, std::string value_text, std::string message) {
  ThresholdVerdict v;
  v.expr = std::move(expr);
  v.ok = ok;
  v.has_value = value_text != "-";
  v.value_text = std::move(value_text);
  v.message = std::move(message);
  return v;
}

TEST(XmlEscape, EscapesMarkupAndControls) {
  EXPECT_EQ(XmlEscape("p(95)<500ms & \"q\" 'a' >"),
            "p(95)&lt;500ms &amp; &quot;q&quot; &apos;a&apos; &gt;");
  EXPECT_EQ(XmlEscape("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
  EXPECT_EQ(XmlEscape(std::string("x\x01y\x7fz", 5)), "x\xEF\xBF\xBDy\xEF\xBF\xBDz");
  EXPECT_EQ(XmlEscape("µs"), "µs");  // UTF-8 passes through
}

TEST(JUnit, OneTestcasePerThresholdWithFailures) {
  std::vector<ThresholdVerdict> vs = {
      Verdict("p(95)<500ms", true, "312ms", "p(95) = 312ms (limit < 500ms)"),
      Verdict("error_rate<1%", false, "2.5%", "error_rate = 2.5% (limit < 1%)"),
      Verdict("p(95){phase:soak}<1s", false, "-", "no data: no phase named 'soak'"),
  };
  JUnitRunInfo info;
  info.run_id = "r-<1>";
  info.target = "http://127.0.0.1:8080/?a=1&b=2";
  info.duration_s = 12.5;
  info.started_unix_ms = 1'700'000'000'000;
  const std::string x = ThresholdsJUnitXml(vs, info);
  EXPECT_EQ(WellFormed(x), "") << x;
  EXPECT_EQ(x.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u);
  EXPECT_NE(x.find("<testsuites name=\"vitals\" tests=\"3\" failures=\"2\">"), std::string::npos)
      << x;
  EXPECT_NE(x.find("<testsuite name=\"vitals thresholds\" tests=\"3\" failures=\"2\" errors=\"0\" "
                   "skipped=\"0\" time=\"12.500\" timestamp=\"2023-11-14T22:13:20\">"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("<property name=\"run_id\" value=\"r-&lt;1&gt;\"/>"), std::string::npos) << x;
  EXPECT_NE(x.find("value=\"http://127.0.0.1:8080/?a=1&amp;b=2\""), std::string::npos) << x;
  EXPECT_NE(x.find("<testcase name=\"p(95)&lt;500ms\" classname=\"vitals.thresholds\" "
                   "time=\"0\">\n      <system-out>p(95) = 312ms (limit &lt; 500ms)</system-out>"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("<failure message=\"error_rate&lt;1% = 2.5%\" type=\"threshold\">error_rate = "
                   "2.5% (limit &lt; 1%)</failure>"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("<failure message=\"no data: no phase named &apos;soak&apos;\" "
                   "type=\"no_data\">"),
            std::string::npos)
      << x;
  // Every testcase element is closed.
  size_t open = 0, close = 0;
  for (size_t p = 0; (p = x.find("<testcase ", p)) != std::string::npos; ++p) ++open;
  for (size_t p = 0; (p = x.find("</testcase>", p)) != std::string::npos; ++p) ++close;
  EXPECT_EQ(open, 3u);
  EXPECT_EQ(close, 3u);
}

TEST(JUnit, HostileTextStaysWellFormed) {
  std::vector<ThresholdVerdict> vs = {
      Verdict("p(95){request:]]></x><y a=\"&}<1s", false, "1.00s",
              std::string("bad") + '\x02' + " <![CDATA[ & \"x\" \n'y'"),
  };
  const std::string x = ThresholdsJUnitXml(vs, JUnitRunInfo{});
  EXPECT_EQ(WellFormed(x), "") << x;
  EXPECT_EQ(x.find("<y "), std::string::npos);
  EXPECT_EQ(x.find("<![CDATA["), std::string::npos);
  EXPECT_EQ(x.find("<properties>"), std::string::npos);  // nothing to say
  EXPECT_EQ(x.find("timestamp="), std::string::npos);
}

TEST(JUnit, NoThresholdsIsAnEmptySuite) {
  const std::string x = ThresholdsJUnitXml({}, JUnitRunInfo{});
  EXPECT_EQ(WellFormed(x), "") << x;
  EXPECT_NE(x.find("tests=\"0\" failures=\"0\""), std::string::npos);
  EXPECT_EQ(x.find("<testcase"), std::string::npos);
}

TEST(WellFormedChecker, CatchesBrokenXml) {
  // The checker above must itself be able to fail.
  EXPECT_NE(WellFormed("<a><b></a></b>"), "");
  EXPECT_NE(WellFormed("<a>x < y</a>"), "");
  EXPECT_NE(WellFormed("<a>&nope;</a>"), "");
  EXPECT_NE(WellFormed("<a>"), "");
  EXPECT_EQ(WellFormed("<a x=\"1&amp;2\"><b/>t&#10;</a>"), "");
}

}  // namespace
}  // namespace vitals
