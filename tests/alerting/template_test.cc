#include "alerting/template.h"

#include <gtest/gtest.h>

namespace vitals::alerting {
namespace {

TemplateData Data(double value) {
  TemplateData d;
  d.labels = promql::Labels(
      std::vector<promql::Label>{{"instance", "web-1:8080"}, {"job", "api"}, {"status", "500"}});
  d.value = value;
  d.external_labels = promql::Labels(std::vector<promql::Label>{{"cluster", "eu-1"}});
  d.external_url = "http://prom.example";
  return d;
}

std::string Expand(const std::string& text, double value = 0, const TemplateQuery& q = {}) {
  auto r = ExpandTemplate(text, "__alert_T", Data(value), q);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().message();
  return r.ok() ? *r : "<error>";
}

std::string ParseError(const std::string& text) {
  auto t = Template::Parse(text, "__alert_T");
  EXPECT_FALSE(t.ok()) << text;
  return t.ok() ? "" : t.status().message();
}

TEST(Template, ValueUsesGoNumberFormatting) {
  EXPECT_EQ(Expand("P95 is {{ $value }}s", 1e6), "P95 is 1e+06s");
  EXPECT_EQ(Expand("{{ $value }}", 2.5), "2.5");
  EXPECT_EQ(Expand("{{ .Value }}", 123456), "123456");
}

TEST(Template, LabelsAndExternalLabels) {
  EXPECT_EQ(Expand("{{ $labels.instance }} ({{ .Labels.job }})"), "web-1:8080 (api)");
  EXPECT_EQ(Expand("{{ $labels.missing }}|"), "|");  // missingkey=zero
  EXPECT_EQ(Expand("{{ $externalLabels.cluster }} {{ $externalURL }}"), "eu-1 http://prom.example");
  EXPECT_EQ(Expand("{{ index $labels \"status\" }}"), "500");
}

TEST(Template, HumanizeFamilyMatchesPrometheus) {
  EXPECT_EQ(Expand("{{ humanize 1234567.0 }}"), "1.235M");
  EXPECT_EQ(Expand("{{ humanize 0.0012 }}"), "1.2m");
  EXPECT_EQ(Expand("{{ humanize 0 }}"), "0");
  EXPECT_EQ(Expand("{{ $value | humanize }}", 2048), "2.048k");
  EXPECT_EQ(Expand("{{ humanize1024 1024.0 }}"), "1ki");
  EXPECT_EQ(Expand("{{ humanize1024 1073741824.0 }}"), "1Gi");
  EXPECT_EQ(Expand("{{ humanizeDuration 3600 }}"), "1h 0m 0s");
  EXPECT_EQ(Expand("{{ humanizeDuration 90 }}"), "1m 30s");
  EXPECT_EQ(Expand("{{ humanizeDuration 93784.0 }}"), "1d 2h 3m 4s");
  EXPECT_EQ(Expand("{{ humanizeDuration 1.5 }}"), "1.5s");
  EXPECT_EQ(Expand("{{ humanizeDuration 0.25 }}"), "250ms");
  EXPECT_EQ(Expand("{{ humanizePercentage 0.1234 }}"), "12.34%");
  EXPECT_EQ(Expand("{{ humanize \"1500\" }}"), "1.5k");  // strings convert as in Prometheus
}

TEST(Template, StringFunctionsAndPrintf) {
  EXPECT_EQ(Expand("{{ printf \"%.2f\" $value }}", 0.98765), "0.99");
  EXPECT_EQ(Expand("{{ printf \"%s=%d\" \"n\" 3 }}"), "n=3");
  EXPECT_EQ(Expand("{{ printf \"%v\" $value }}", 1e6), "1e+06");
  EXPECT_EQ(Expand("{{ printf \"%d\" $value }}", 1.5), "%!d(float64=1.5)");
  EXPECT_EQ(Expand("{{ $labels.job | toUpper }} {{ \"ABC\" | toLower }}"), "API abc");
  EXPECT_EQ(Expand("{{ title \"high error rate\" }}"), "High Error Rate");
  EXPECT_EQ(Expand("{{ reReplaceAll \":[0-9]+$\" \"\" $labels.instance }}"), "web-1");
  EXPECT_EQ(Expand("{{ reReplaceAll \"(.*)-(.*)\" \"$2/${1}\" \"a-b\" }}"), "b/a");
}

TEST(Template, ControlFlowAndTrimming) {
  EXPECT_EQ(Expand("{{ if gt $value 2.0 }}slow{{ else }}ok{{ end }}", 3), "slow");
  EXPECT_EQ(
      Expand("{{ if gt $value 2.0 }}slow{{ else if gt $value 1.0 }}meh{{ else }}ok{{ end }}", 1.5),
      "meh");
  EXPECT_EQ(Expand("a  {{- \" b \" -}}  c"), "a b c");
  EXPECT_EQ(Expand("{{/* a comment */}}x"), "x");
  EXPECT_EQ(Expand("{{ $x := humanize $value }}[{{ $x }}]", 1500), "[1.5k]");
}

TEST(Template, QueryFirstValueLabel) {
  TemplateQuery q = [](const std::string& expr) -> Result<std::vector<TemplateSample>> {
    EXPECT_EQ(expr, "up");
    return std::vector<TemplateSample>{
        {promql::Labels(std::vector<promql::Label>{{"instance", "a"}}), 1},
        {promql::Labels(std::vector<promql::Label>{{"instance", "b"}}), 0}};
  };
  EXPECT_EQ(Expand("{{ query \"up\" | first | value }}", 0, q), "1");
  EXPECT_EQ(Expand("{{ with query \"up\" }}{{ . | first | label \"instance\" }}{{ end }}", 0, q),
            "a");
  EXPECT_EQ(Expand("{{ range query \"up\" }}{{ .Labels.instance }}={{ .Value }} {{ end }}", 0, q),
            "a=1 b=0 ");
  TemplateQuery empty = [](const std::string&) -> Result<std::vector<TemplateSample>> {
    return std::vector<TemplateSample>{};
  };
  auto r = ExpandTemplate("{{ query \"up\" | first | value }}", "__alert_T", Data(0), empty);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("first() called on vector with no elements"),
            std::string::npos)
      << r.status().message();
}

TEST(Template, UnknownAndUnsupportedFunctionsFailAtParse) {
  EXPECT_EQ(ParseError("{{ $value | nosuch }}"),
            "template: __alert_T:1: function \"nosuch\" not defined");
  EXPECT_EQ(ParseError("{{ humanizeTimestamp $value }}"),
            "template: __alert_T:1: function \"humanizeTimestamp\" is not supported by vitals");
  EXPECT_EQ(ParseError("x\n{{ .Foo "), "template: __alert_T:2: unclosed action");
  EXPECT_EQ(ParseError("{{ if $value }}x"), "template: __alert_T:1: unexpected EOF in if");
  EXPECT_EQ(ParseError("{{ $nope }}"), "template: __alert_T:1: undefined variable \"$nope\"");
  EXPECT_EQ(ParseError("{{ end }}"), "template: __alert_T:1: unexpected {{end}}");
}

TEST(Template, WrongArgumentIsAnExecutionError) {
  auto r = ExpandTemplate("{{ humanize $labels }}", "__alert_T", Data(0));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("can't convert map[string]string to float"),
            std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace vitals::alerting
