// `vitals report --format html` opened in headless Chromium: no console errors, no script
// element or event-handler attribute in the DOM (the report has none, so any is an injection),
// every chart holding data, and a screenshot left next to the test binary for people to look
// at (test-output/report-browser/).  A negative control proves the checks can fail.
//
// Needs Debian's `chromium` (scripts/setup installs it): skipped without it, failed without it
// when VITALS_REQUIRE_SERVERS=1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "integration/child_process.h"
#include "integration/headless_chromium.h"
#include "integration/require_server.h"
#include "report/report_data.h"
#include "report/report_test_util.h"
#include "store/store.h"

namespace vitals {
namespace {

using testing::BrowserRun;
using testing::ChromiumBaseFlags;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::RunVitals;
using testing::TempDir;

#define REQUIRE_CHROMIUM(var)                      \
  const std::string var = testing::FindChromium(); \
  VITALS_REQUIRE(!var.empty(), "chromium", "scripts/setup installs it (apt-get install chromium)")

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// One browser run over `page` with a fresh, empty profile directory.
BrowserRun Browse(const std::string& chromium, const std::string& page,
                  const std::vector<std::string>& extra) {
  TempDir profile;
  std::vector<std::string> args = ChromiumBaseFlags(profile.path());
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back("file://" + page);
  return testing::RunBrowser(chromium, args, 60'000);
}

// The data paths (their d attributes) of the chart `id` in a dumped DOM.
std::vector<std::string> ChartPaths(const std::string& dom, const std::string& id) {
  const size_t start = dom.find("<figure class=\"chart\" id=\"" + id + "\"");
  if (start == std::string::npos) return {};
  return testing::DataPathsIn(dom.substr(start, dom.find("</figure>", start) - start));
}

// Points of each data path in the chart `id`.
std::vector<int> ChartPoints(const std::string& dom, const std::string& id) {
  std::vector<int> out;
  for (const std::string& d : ChartPaths(dom, id)) {
    int n = 0;
    for (char c : d) n += (c == 'M' || c == 'L');
    out.push_back(n);
  }
  return out;
}

// True when some point of the path is above the x axis (pixel y < the plot bottom, 256 in
// the 800x300 viewBox): a series of zeros lies on the axis.
bool RisesAboveAxis(const std::string& d) {
  std::vector<double> nums;
  std::string num;
  for (char c : d + " ") {
    if ((c >= '0' && c <= '9') || c == '.' || c == '-') {
      num += c;
    } else if (!num.empty()) {
      nums.push_back(std::stod(num));
      num.clear();
    }
  }
  for (size_t i = 1; i < nums.size(); i += 2) {
    if (nums[i] < 250) return true;
  }
  return false;
}

// Renders run `name` of `store` with the real binary into `html`.
void Render(const std::string& store, const std::string& name, const std::string& html) {
  std::string out, err;
  const int code = RunVitals({"report", name, "--store", store, "-o", html}, &out, &err, 60'000);
  ASSERT_EQ(code, 0) << err;
  EXPECT_THAT(err, HasSubstr("wrote html report of run"));
  ASSERT_TRUE(std::filesystem::exists(html));
}

// The checks every report page must pass in the browser; returns the dumped DOM.
std::string ExpectCleanInBrowser(const std::string& chromium, const std::string& html) {
  const BrowserRun dom = Browse(chromium, html, {"--dump-dom"});
  EXPECT_FALSE(dom.timed_out) << "chromium did not finish within 60 s";
  EXPECT_EQ(dom.exit_code, 0) << dom.err;
  EXPECT_THAT(dom.out, HasSubstr("</html>")) << "no DOM dumped; stderr:\n" << dom.err;
  EXPECT_THAT(testing::ConsoleLines(dom.err), IsEmpty()) << "console output from the page";
  EXPECT_THAT(testing::ActiveContent(dom.out), IsEmpty()) << "script in the report DOM";
  return dom.out;
}

// The screenshot, kept in test-output/report-browser/<file>; returns its size.
uintmax_t Screenshot(const std::string& chromium, const std::string& html,
                     const std::string& file) {
  const std::string png = testing::TestOutputDir("report-browser") + "/" + file;
  std::error_code ec;
  std::filesystem::remove(png, ec);
  const BrowserRun shot =
      Browse(chromium, html, {"--screenshot=" + png, "--window-size=1280,2000"});
  EXPECT_FALSE(shot.timed_out);
  EXPECT_EQ(shot.exit_code, 0) << shot.err;
  EXPECT_THAT(testing::ConsoleLines(shot.err), IsEmpty());
  if (!std::filesystem::exists(png)) {
    ADD_FAILURE() << "no screenshot at " << png << "; stderr:\n" << shot.err;
    return 0;
  }
  // The page too, so the screenshot can be compared with the source.
  const std::string page = png.substr(0, png.size() - 4) + ".html";
  std::filesystem::copy_file(html, page, std::filesystem::copy_options::overwrite_existing, ec);
  std::printf("report screenshot: %s (page: %s)\n", png.c_str(), page.c_str());
  return std::filesystem::file_size(png);
}

// ---- the negative control: the checks above catch what they claim to ----

TEST(ReportBrowser, ChecksCatchConsoleErrorsAndScripts) {
  REQUIRE_CHROMIUM(chromium);
  TempDir dir;
  const std::string page = dir.File("bad.html");
  WriteFile(page,
            "<!DOCTYPE html><html><head><title>bad</title></head><body><p>x</p>"
            "<img src=\"data:,\" onerror=\"console.log('img')\">"
            "<script>console.error('deliberate console error'); missingFunction();</script>"
            "</body></html>");
  const BrowserRun run = Browse(chromium, page, {"--dump-dom"});
  ASSERT_FALSE(run.timed_out);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto console = testing::ConsoleLines(run.err);
  EXPECT_THAT(console, ::testing::Contains(HasSubstr("deliberate console error")));
  EXPECT_THAT(console, ::testing::Contains(HasSubstr("Uncaught ReferenceError")));
  const auto active = testing::ActiveContent(run.out);
  EXPECT_THAT(active, ::testing::Contains("<script> element"));
  EXPECT_THAT(active, ::testing::Contains("onerror attribute"));
  // And a clean page passes both checks.
  const std::string good = dir.File("good.html");
  WriteFile(good,
            "<!DOCTYPE html><html><head><title>ok</title></head><body>"
            "<p>&lt;script&gt;alert(1)&lt;/script&gt; onerror=x</p></body></html>");
  const BrowserRun ok = Browse(chromium, good, {"--dump-dom"});
  EXPECT_THAT(testing::ConsoleLines(ok.err), IsEmpty());
  EXPECT_THAT(testing::ActiveContent(ok.out), IsEmpty());
}

// ---- the report ----

TEST(ReportBrowser, RunReportRendersChartsWithoutErrors) {
  REQUIRE_CHROMIUM(chromium);
  TempDir dir;
  const std::string store_path = dir.File("vitals.db");
  std::string id;
  {
    auto store = Store::Open(store_path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    testing::SyntheticSpec spec;
    spec.seconds = 30;
    spec.requests = {"login", "search"};
    id = testing::StoreCompletedRun(*store, testing::MakeSyntheticResult(spec),
                                    testing::MakeStart(1'700'000'000'000),
                                    testing::SampleThresholdsJson(), "fail");
    ASSERT_FALSE(id.empty());
    ASSERT_TRUE(store->SetFindings(id, testing::HostileFindingsJson()).ok());
  }
  const std::string html = dir.File("report.html");
  Render(store_path, "latest", html);
  const std::string dom = ExpectCleanInBrowser(chromium, html);
  // Every chart holds its series with one point per second (or many percentile steps).
  const auto latency = ChartPoints(dom, "chart-latency");
  ASSERT_EQ(latency.size(), 6u) << "p50/p95/p99 corrected and uncorrected";
  for (int n : latency) EXPECT_EQ(n, 30);
  for (const std::string& d : ChartPaths(dom, "chart-latency")) EXPECT_TRUE(RisesAboveAxis(d));
  const auto throughput = ChartPoints(dom, "chart-throughput");
  ASSERT_EQ(throughput.size(), 2u);
  for (int n : throughput) EXPECT_EQ(n, 30);
  const auto dist = ChartPoints(dom, "chart-distribution");
  ASSERT_EQ(dist.size(), 2u);
  for (int n : dist) EXPECT_GE(n, 20);
  EXPECT_THAT(dom, HasSubstr(">steady</text>"));
  EXPECT_THAT(dom, HasSubstr("1 of 3 thresholds passed"));
  EXPECT_GT(Screenshot(chromium, html, "report.png"), 30'000u);
}

TEST(ReportBrowser, HostileNamesExecuteNothing) {
  REQUIRE_CHROMIUM(chromium);
  TempDir dir;
  const std::string store_path = dir.File("vitals.db");
  std::string id;
  {
    auto store = Store::Open(store_path);
    ASSERT_TRUE(store.ok());
    id = testing::StoreCompletedRun(*store, testing::MakeSyntheticResult(testing::HostileSpec()),
                                    testing::HostileStart(1'700'000'000'000),
                                    testing::SampleThresholdsJson(), "fail");
    ASSERT_FALSE(id.empty());
    ASSERT_TRUE(store->SetFindings(id, testing::HostileFindingsJson()).ok());
  }
  const std::string html = dir.File("hostile.html");
  Render(store_path, id, html);
  const std::string dom = ExpectCleanInBrowser(chromium, html);
  // The hostile text is on the page as text.
  for (int k : {1, 2, 4, 6, 7, 10}) {
    EXPECT_THAT(dom, HasSubstr("&lt;script&gt;alert(" + std::to_string(k) + ")&lt;/script&gt;"))
        << "alert(" << k << ")";
  }
  EXPECT_THAT(dom, HasSubstr("javascript:alert(8)"));  // shown, not linked
  EXPECT_EQ(ChartPoints(dom, "chart-latency").size(), 6u);
  EXPECT_GT(Screenshot(chromium, html, "report-hostile.png"), 30'000u);
}

TEST(ReportBrowser, IncompleteRunShowsItsBanner) {
  REQUIRE_CHROMIUM(chromium);
  TempDir dir;
  const std::string store_path = dir.File("vitals.db");
  std::string id;
  {
    auto store = Store::Open(store_path);
    ASSERT_TRUE(store.ok());
    id = testing::StoreIncompleteRun(*store, testing::MakeSyntheticResult({}),
                                     testing::MakeStart(1'700'000'000'000), 7);
    ASSERT_FALSE(id.empty());
  }
  const std::string html = dir.File("incomplete.html");
  Render(store_path, id, html);
  const std::string dom = ExpectCleanInBrowser(chromium, html);
  EXPECT_THAT(dom, HasSubstr("Incomplete run."));
  const auto latency = ChartPoints(dom, "chart-latency");
  ASSERT_EQ(latency.size(), 6u);
  for (int n : latency) EXPECT_EQ(n, 7);
}

// End to end: a real `vitals load` against the built-in target (errors and stalls on), stored,
// then rendered and opened in the browser.
TEST(ReportBrowser, RealLoadRunEndToEnd) {
  REQUIRE_CHROMIUM(chromium);
  TempDir dir;
  const std::string store_path = dir.File("vitals.db");
  testing::Child target({"target", "--listen", "127.0.0.1:0", "--latency",
                         "lognormal:median=1ms,p99=8ms", "--error-rate", "3%", "--stall", "150ms",
                         "--stall-every", "1500ms", "--duration", "60s"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0) << "vitals target did not start";
  std::string out, err;
  const int load =
      RunVitals({"load", "http://127.0.0.1:" + std::to_string(port) + "/", "--stages",
                 "1s:100,2s:200,1s:300", "--rate", "1", "--threshold", "p(95)<500ms", "--threshold",
                 "error_rate<1%", "--tag", "commit=e2e", "-q", "--store", store_path},
                &out, &err, 60'000);
  ASSERT_TRUE(load == 0 || load == 99) << "exit " << load << "\n" << err;
  const std::string html = dir.File("e2e.html");
  Render(store_path, "latest", html);
  const std::string dom = ExpectCleanInBrowser(chromium, html);
  const auto latency = ChartPoints(dom, "chart-latency");
  ASSERT_EQ(latency.size(), 6u);
  for (int n : latency) EXPECT_GE(n, 3);
  for (const std::string& d : ChartPaths(dom, "chart-latency")) {
    EXPECT_TRUE(RisesAboveAxis(d)) << "a latency series of zeros: " << d;
  }
  // The timeline under the chart: every interval with requests has its latencies.
  auto store = Store::Open(store_path, Store::OpenMode::kExisting);
  ASSERT_TRUE(store.ok());
  auto data = LoadReportData(*store, "latest");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_GE(data->timeline.size(), 3u);
  for (const TimelinePoint& p : data->timeline) {
    if (p.requests == 0) continue;
    EXPECT_GT(p.p50_us, 0) << "interval at " << p.start_s << " s";
    EXPECT_GE(p.p99_us, p.p50_us);
    EXPECT_GT(p.u_p50_us, 0);
  }
  const auto throughput = ChartPoints(dom, "chart-throughput");
  ASSERT_EQ(throughput.size(), 2u);
  for (int n : throughput) EXPECT_GE(n, 3);
  const auto dist = ChartPoints(dom, "chart-distribution");
  ASSERT_EQ(dist.size(), 2u);
  for (int n : dist) EXPECT_GE(n, 10);
  EXPECT_THAT(dom, HasSubstr("<code>500</code>"));  // the injected errors
  EXPECT_THAT(dom, HasSubstr("<code>error_rate&lt;1%</code>"));
  EXPECT_THAT(dom, HasSubstr("<code>commit=e2e</code>"));
  EXPECT_GT(Screenshot(chromium, html, "report-e2e.png"), 30'000u);
}

// The whole path with hostile names: a real scenario whose scenario, request and phase names
// and tags carry markup and quotes, loaded by `vitals load`, reported by `vitals report`, opened
// in the browser: nothing executes and the names show as text.  (Response bodies never reach a
// report; the target's injected error statuses do, as numbers.)
TEST(ReportBrowser, HostileScenarioEndToEndExecutesNothing) {
  REQUIRE_CHROMIUM(chromium);
  TempDir dir;
  const std::string store_path = dir.File("vitals.db");
  testing::Child target({"target", "--listen", "127.0.0.1:0", "--latency", "1ms", "--error-rate",
                         "5%", "--duration", "60s"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0) << "vitals target did not start";
  const std::string scenario = dir.File("evil.yaml");
  WriteFile(scenario,
            "name: \"x<script>alert('s')</script>\"\n"
            "base_url: http://127.0.0.1:" +
                std::to_string(port) +
                "\n"
                "requests:\n"
                "  - name: \"<script>alert(\\\"r\\\")</script>\"\n"
                "    path: /\n"
                "  - name: \"q'\\\"<img src=x onerror=alert(1)>\"\n"
                "    path: /b\n"
                "phases:\n"
                "  - name: \"</title><script>alert(3)</script>\"\n"
                "    duration: 3s\n"
                "    model: open\n"
                "    rate: 100\n");
  std::string out, err;
  const int load = RunVitals(
      {"load", scenario, "-q", "--store", store_path, "--tag", "who=<script>alert(2)</script>",
       "--threshold", "error_rate{request:<script>alert(\"r\")</script>}<50%"},
      &out, &err, 60'000);
  ASSERT_TRUE(load == 0 || load == 99) << "exit " << load << "\n" << out << err;
  const std::string html = dir.File("evil.html");
  Render(store_path, "latest", html);
  const std::string dom = ExpectCleanInBrowser(chromium, html);
  EXPECT_THAT(dom, HasSubstr("&lt;/title&gt;&lt;script&gt;alert(3)&lt;/script&gt;"));
  EXPECT_THAT(dom, HasSubstr("who=&lt;script&gt;alert(2)&lt;/script&gt;"));
  EXPECT_GT(Screenshot(chromium, html, "report-hostile-e2e.png"), 30'000u);
}

}  // namespace
}  // namespace vitals
