#include "collect/prom_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "collect/prom_test_util.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using vitals::testing::ReadPromFixture;

const MetricFamily* Find(const std::vector<MetricFamily>& fams, const std::string& name) {
  for (const auto& f : fams) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::vector<MetricFamily> MustParse(std::string_view text) {
  auto r = ParsePromText(text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : std::vector<MetricFamily>{};
}

TEST(PromText, GoClientPageGroupsHistogramAndSummarySamples) {
  std::string page = ReadPromFixture("go_client_t0.prom");
  ASSERT_FALSE(page.empty());
  auto fams = MustParse(page);
  const MetricFamily* gc = Find(fams, "go_gc_duration_seconds");
  ASSERT_NE(gc, nullptr);
  EXPECT_EQ(gc->type, MetricType::kSummary);
  EXPECT_EQ(gc->help, "A summary of the pause duration of garbage collection cycles.");
  ASSERT_EQ(gc->samples.size(), 7u);  // 5 quantiles + _sum + _count
  EXPECT_EQ(gc->samples[4].name, "go_gc_duration_seconds");
  EXPECT_EQ(*gc->samples[4].Label("quantile"), "1");
  EXPECT_DOUBLE_EQ(gc->samples[4].value, 0.2);
  EXPECT_EQ(gc->samples[6].name, "go_gc_duration_seconds_count");
  EXPECT_DOUBLE_EQ(gc->samples[6].value, 1000);

  const MetricFamily* hist = Find(fams, "http_request_duration_seconds");
  ASSERT_NE(hist, nullptr);
  EXPECT_EQ(hist->type, MetricType::kHistogram);
  ASSERT_EQ(hist->samples.size(), 28u);  // 2 handlers x (12 buckets + sum + count)
  const PromSample& inf = hist->samples[11];
  EXPECT_EQ(inf.name, "http_request_duration_seconds_bucket");
  // Labels come back sorted by name.
  ASSERT_EQ(inf.labels.size(), 3u);
  EXPECT_EQ(inf.labels[0], (PromLabel{"handler", "/api/orders"}));
  EXPECT_EQ(inf.labels[1], (PromLabel{"le", "+Inf"}));
  EXPECT_EQ(inf.labels[2], (PromLabel{"method", "get"}));
  EXPECT_DOUBLE_EQ(inf.value, 1000);
  EXPECT_FALSE(inf.timestamp_ms.has_value());

  const MetricFamily* rss = Find(fams, "process_resident_memory_bytes");
  ASSERT_NE(rss, nullptr);
  EXPECT_EQ(rss->type, MetricType::kGauge);
  EXPECT_DOUBLE_EQ(rss->samples.at(0).value, 5.2318208e+07);
  EXPECT_EQ(Find(fams, "http_request_duration_seconds_bucket"), nullptr);
  EXPECT_EQ(Find(fams, "go_gc_duration_seconds_sum"), nullptr);
}

TEST(PromText, NodeExporterEscapesNaNAndHashInsideLabelValues) {
  std::string page = ReadPromFixture("node_exporter.prom");
  ASSERT_FALSE(page.empty());
  auto fams = MustParse(page);
  const MetricFamily* cpu = Find(fams, "node_cpu_seconds_total");
  ASSERT_NE(cpu, nullptr);
  EXPECT_EQ(cpu->type, MetricType::kCounter);
  EXPECT_EQ(cpu->samples.size(), 8u);
  const MetricFamily* temp = Find(fams, "node_hwmon_temp_celsius");
  ASSERT_NE(temp, nullptr);
  EXPECT_TRUE(std::isnan(temp->samples.at(1).value));
  const MetricFamily* unit = Find(fams, "node_systemd_unit_state");
  ASSERT_NE(unit, nullptr);
  EXPECT_EQ(*unit->samples.at(0).Label("name"), "dev-disk-by\\x2duuid-0a1b.device");
  const MetricFamily* uname = Find(fams, "node_uname_info");
  ASSERT_NE(uname, nullptr);
  EXPECT_EQ(*uname->samples.at(0).Label("version"),
            "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)");
  const MetricFamily* backup = Find(fams, "backup_last_success_timestamp_seconds");
  ASSERT_NE(backup, nullptr);
  EXPECT_EQ(backup->type, MetricType::kUntyped);
  EXPECT_DOUBLE_EQ(backup->samples.at(0).value, 1.7076e+09);
}

TEST(PromText, PythonClientHelpAndLabelEscapes) {
  std::string page = ReadPromFixture("python_client_t0.prom");
  ASSERT_FALSE(page.empty());
  auto fams = MustParse(page);
  const MetricFamily* build = Find(fams, "app_build_info");
  ASSERT_NE(build, nullptr);
  EXPECT_EQ(build->help, "Build information, with a \\ backslash and a\nsecond line");
  EXPECT_EQ(*build->samples.at(0).Label("message"), "fix \"quoted\" path C:\\tmp\nsecond line");
  // client_python's _created series are separate gauge families.
  const MetricFamily* created = Find(fams, "http_requests_created");
  ASSERT_NE(created, nullptr);
  EXPECT_EQ(created->type, MetricType::kGauge);
  const MetricFamily* hist = Find(fams, "request_duration_seconds");
  ASSERT_NE(hist, nullptr);
  EXPECT_EQ(hist->samples.size(), 17u);
  EXPECT_EQ(*hist->samples.at(0).Label("le"), "0.005");
}

TEST(PromText, MicrometerTrailingCommaInLabels) {
  std::string page = ReadPromFixture("spring_micrometer_t1.prom");
  ASSERT_FALSE(page.empty());
  auto fams = MustParse(page);
  const MetricFamily* http = Find(fams, "http_server_requests_seconds");
  ASSERT_NE(http, nullptr);
  EXPECT_EQ(http->type, MetricType::kHistogram);
  EXPECT_EQ(*http->samples.at(0).Label("outcome"), "SUCCESS");
  const MetricFamily* max = Find(fams, "http_server_requests_seconds_max");
  ASSERT_NE(max, nullptr);
  EXPECT_EQ(max->type, MetricType::kGauge);
  EXPECT_EQ(max->help, "");
}

TEST(PromText, ValuesTimestampsAndWhitespace) {
  auto fams = MustParse(
      "# a plain comment\n"
      "\n"
      "#   TYPE  t   counter  \n"
      "t{a=\"1\"} 1.5 1707654321000\n"
      "t{a=\"2\"}\t-2\t-5\n"
      "t { a = \"3\" , } +Inf\n"
      "t{a=\"4\"} -Inf\r\n"
      "t{a=\"5\"} NaN\n"
      "t{a=\"6\"} 1e-3\n"
      "t{} 7\n"
      "   untyped_thing 42\n"
      "# HELP t help after the samples is allowed\n"
      "last 1");  // no final newline
  ASSERT_EQ(fams.size(), 3u);
  const MetricFamily& t = fams[0];
  EXPECT_EQ(t.type, MetricType::kCounter);
  EXPECT_EQ(t.help, "help after the samples is allowed");
  ASSERT_EQ(t.samples.size(), 7u);
  EXPECT_DOUBLE_EQ(t.samples[0].value, 1.5);
  EXPECT_EQ(t.samples[0].timestamp_ms, 1707654321000);
  EXPECT_EQ(t.samples[0].line, 4);
  EXPECT_DOUBLE_EQ(t.samples[1].value, -2);
  EXPECT_EQ(t.samples[1].timestamp_ms, -5);
  EXPECT_EQ(*t.samples[2].Label("a"), "3");
  EXPECT_TRUE(std::isinf(t.samples[2].value) && t.samples[2].value > 0);
  EXPECT_TRUE(std::isinf(t.samples[3].value) && t.samples[3].value < 0);
  EXPECT_TRUE(std::isnan(t.samples[4].value));
  EXPECT_DOUBLE_EQ(t.samples[5].value, 0.001);
  EXPECT_TRUE(t.samples[6].labels.empty());
  EXPECT_EQ(fams[1].name, "untyped_thing");
  EXPECT_EQ(fams[1].type, MetricType::kUntyped);
  EXPECT_EQ(fams[2].name, "last");
  EXPECT_DOUBLE_EQ(fams[2].samples.at(0).value, 1);
}

TEST(PromText, TypeKeywordIsCaseInsensitiveAndSummaryGroupsSumCount) {
  auto fams = MustParse(
      "# TYPE rpc SUMMARY\n"
      "rpc{quantile=\"0.99\"} 0.3\n"
      "rpc_sum 10\n"
      "rpc_count 40\n"
      "rpc_bucket 3\n");  // summaries have no buckets: its own family
  ASSERT_EQ(fams.size(), 2u);
  EXPECT_EQ(fams[0].type, MetricType::kSummary);
  EXPECT_EQ(fams[0].samples.size(), 3u);
  EXPECT_EQ(fams[1].name, "rpc_bucket");
}

TEST(PromText, EmptyPageHasNoFamilies) {
  auto fams = MustParse("");
  EXPECT_TRUE(fams.empty());
  EXPECT_TRUE(MustParse("\n\n# only a comment\n").empty());
}

struct BadCase {
  const char* text;
  const char* message;
};

class PromTextErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(PromTextErrors, NamesLineAndProblem) {
  auto r = ParsePromText(GetParam().text);
  ASSERT_FALSE(r.ok()) << "accepted: " << GetParam().text;
  EXPECT_EQ(r.status().code(), Status::Code::kParse);
  EXPECT_EQ(r.status().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, PromTextErrors,
    ::testing::Values(
        BadCase{"a 1\nb 2\n# c\n\nd 3\ne 4\nf 5\ng 6\nh 7\ni 8\nj 9\nreq{path=\"/a} 1\n",
                "line 12: bad label value for \"path\": missing closing quote"},
        BadCase{"x{path=/a} 1\n",
                "line 1: bad label value for \"path\": expected an opening quote"},
        BadCase{"x{p=\"a\\tb\"} 1\n",
                "line 1: bad label value for \"p\": invalid escape sequence \"\\t\" (only \\\\, "
                "\\\" and \\n are allowed)"},
        BadCase{"x{a=\"b\"\n", "line 1: truncated line: missing '}' after the labels of \"x\""},
        BadCase{"x{a=\"b\" c=\"d\"} 1\n",
                "line 1: expected ',' or '}' after label \"a\" in \"x\", found \"c=\\\"d\\\"} 1\""},
        BadCase{"x{a} 1\n", "line 1: expected '=' after label name \"a\" in \"x\""},
        BadCase{"x\n", "line 1: truncated line: missing value for \"x\""},
        BadCase{"x{a=\"b\"}\n", "line 1: truncated line: missing value for \"x\""},
        BadCase{"x 1.2.3\n",
                "line 1: bad value \"1.2.3\" for \"x\": expected a float such as 1, 2.5e3, NaN, "
                "+Inf or -Inf"},
        BadCase{"x 1e400\n",
                "line 1: bad value \"1e400\" for \"x\": expected a float such as 1, 2.5e3, NaN, "
                "+Inf or -Inf"},
        BadCase{"x +-1\n",
                "line 1: bad value \"+-1\" for \"x\": expected a float such as 1, 2.5e3, NaN, "
                "+Inf or -Inf"},
        BadCase{"x 1 12.5\n",
                "line 1: bad timestamp \"12.5\" for \"x\": expected an integer number of "
                "milliseconds since the epoch"},
        BadCase{"x 1 100 extra\n",
                "line 1: unexpected text \"extra\" after the timestamp of \"x\""},
        BadCase{"1x 1\n",
                "line 1: invalid metric name \"1x\": names match [a-zA-Z_:][a-zA-Z0-9_:]*"},
        BadCase{"x-y 1\n",
                "line 1: invalid metric name \"x-y\": names match [a-zA-Z_:][a-zA-Z0-9_:]*"},
        BadCase{"x{1a=\"b\"} 1\n",
                "line 1: invalid label name \"1a\" in \"x\": label names match "
                "[a-zA-Z_][a-zA-Z0-9_]*"},
        BadCase{"x{__name__=\"y\"} 1\n",
                "line 1: label name \"__name__\" in \"x\" is reserved (names starting with \"__\" "
                "are for Prometheus itself)"},
        BadCase{"x{a=\"1\",a=\"2\"} 1\n", "line 1: duplicate label \"a\" in \"x\""},
        BadCase{"# TYPE x counter\n# TYPE x gauge\n",
                "line 2: second TYPE line for \"x\" (first on line 1)"},
        BadCase{"x 1\n# TYPE x counter\n",
                "line 2: TYPE line for \"x\" comes after its samples (first sample on line 1); "
                "TYPE must precede the samples"},
        BadCase{"# TYPE x countr\n",
                "line 1: unknown metric type \"countr\" for \"x\" (expected counter, gauge, "
                "histogram, summary or untyped)"},
        BadCase{"# TYPE x\n", "line 1: truncated # TYPE line: missing type for \"x\""},
        BadCase{"# TYPE\n", "line 1: truncated # TYPE line: missing metric name"},
        BadCase{"# TYPE x counter extra\n",
                "line 1: unexpected text \"extra\" after the type in # TYPE line for \"x\""},
        BadCase{"# HELP x one\n# HELP x two\n",
                "line 2: second HELP line for \"x\" (first on line 1)"},
        BadCase{"# HELP x bad \\q escape\n",
                "line 1: bad HELP text for \"x\": invalid escape sequence \"\\q\" (only \\\\ and "
                "\\n are allowed)"},
        BadCase{"# HELP 9x help\n",
                "line 1: invalid metric name \"9x\" in # HELP line: names match "
                "[a-zA-Z_:][a-zA-Z0-9_:]*"},
        BadCase{"# TYPE h histogram\nh_bucket{le=\"fast\"} 1\n",
                "line 2: bad \"le\" label value \"fast\" for \"h_bucket\": expected a number or "
                "+Inf"},
        BadCase{"# TYPE h histogram\nh_bucket 1\n",
                "line 2: histogram bucket \"h_bucket\" has no \"le\" label"},
        BadCase{"# TYPE h histogram\nh 1\n",
                "line 2: sample \"h\" does not belong to histogram \"h\": expected h_bucket, h_sum "
                "or h_count"},
        BadCase{"# TYPE s summary\ns 1\n",
                "line 2: summary sample \"s\" has no \"quantile\" label"},
        BadCase{"x{a=\"1\"} 1\nx{a=\"1\"} 2\n",
                "line 2: duplicate series x{a=\"1\"} (first on line 1)"}));

TEST(PromText, LongTokensAreShortenedInMessages) {
  std::string text = "x " + std::string(10000, '7') + "z\n";
  auto r = ParsePromText(text);
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.status().message().size(), 200u);
  EXPECT_THAT(r.status().message(), HasSubstr("...\""));
}

TEST(PromText, FiveMegabytePageParsesInOnePass) {
  // 60k series of a histogram-heavy page, about 5 MB: a quadratic parser
  // would take minutes here.
  std::string page = "# HELP req_seconds Request latency.\n# TYPE req_seconds histogram\n";
  const char* les[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "+Inf"};
  int series = 0;
  for (int route = 0; page.size() < 5 * 1024 * 1024; ++route) {
    for (const char* le : les) {
      page += "req_seconds_bucket{route=\"/api/v1/resource/" + std::to_string(route) +
              "\",method=\"GET\",le=\"" + le + "\"} " + std::to_string(route * 7) + "\n";
      ++series;
    }
  }
  auto r = ParsePromText(page);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(r->at(0).samples.size(), size_t(series));
}

}  // namespace
}  // namespace vitals
