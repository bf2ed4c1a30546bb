// `vitals load --watch-rules`: the users' alert rules evaluated while the load runs, against a
// target that stalls: the alert's state changes are printed in the summary and stored with
// the run, the HTML report draws the firing span, and `alerts_firing==0` fails the run (99).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "integration/child_process.h"
#include "integration/proc.h"
#include "store/store.h"

namespace vitals {
namespace {

using testing::FreeLoopbackPort;
using ::testing::HasSubstr;
using testing::Proc;
using testing::Ready;
using testing::RunVitals;
using testing::WaitFor;
namespace fs = std::filesystem;

constexpr const char* kRules = R"(groups:
  - name: stalls
    interval: 1s
    rules:
      - alert: TargetStalls
        expr: histogram_quantile(0.99, rate(http_request_duration_seconds_bucket[3s])) > 0.5
        for: 1s
        labels:
          severity: page
        annotations:
          summary: "p99 is {{ $value | humanizeDuration }}"
)";

TEST(LoadWatch, StallingTargetFiresTheAlertStoresItAndFailsTheThreshold) {
  fs::path dir = fs::temp_directory_path() / ("vitals-load-watch-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "rules.yaml") << kRules;
  std::string target = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
  // A 1.5 s server-wide stall every 3 s.
  Proc t({VITALS_BIN, "target", "--listen", target, "--latency", "2ms", "--stall", "1500ms",
          "--stall-every", "3s"},
         dir / "t.out", dir / "t.err");
  ASSERT_TRUE(t.started());
  ASSERT_TRUE(WaitFor(10'000, [&] { return Ready("http://" + target + "/metrics"); }));
  std::string store = (dir / "v.db").string();
  std::string out, err;
  int code = RunVitals({"load", "http://" + target + "/", "--rate", "40", "--duration", "10s",
                        "--quiet", "--store", store, "--watch-rules", (dir / "rules.yaml").string(),
                        "--prometheus", "http://" + target + "/metrics", "--scrape-interval",
                        "500ms", "--threshold", "alerts_firing==0"},
                       &out, &err);
  EXPECT_EQ(code, 99) << out << err;
  EXPECT_THAT(out, HasSubstr("Alerts during the run"));
  EXPECT_THAT(out, HasSubstr("TargetStalls"));
  EXPECT_THAT(out, HasSubstr("pending -> firing"));
  EXPECT_THAT(out, HasSubstr("alerts_firing"));

  auto s = Store::Open(store);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto run = s->GetRun("latest");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  bool fired = false;
  for (const auto& a : run->alerts) {
    fired = fired || (a.alert == "TargetStalls" && a.to == "firing");
    EXPECT_THAT(a.labels_json, HasSubstr("\"severity\":\"page\""));
  }
  EXPECT_TRUE(fired) << run->alerts.size() << " stored changes";

  std::string html;
  ASSERT_EQ(RunVitals({"report", "latest", "--store", store, "--format", "html"}, &html, &err), 0)
      << err;
  EXPECT_THAT(html, HasSubstr("class=\"band alert\""));
  EXPECT_THAT(html, HasSubstr("firing: TargetStalls"));
  EXPECT_THAT(html, HasSubstr("<h2>Alerts during the run</h2>"));
  std::string md;
  ASSERT_EQ(RunVitals({"report", "latest", "--store", store, "--format", "markdown"}, &md, &err), 0)
      << err;
  EXPECT_THAT(md, HasSubstr("### Alerts during the run ("));
  EXPECT_THAT(md, HasSubstr("- **TargetStalls** `{code=\"200\""));
  EXPECT_THAT(md, HasSubstr("severity=\"page\"}` fired at "));
  fs::remove_all(dir);
}

TEST(LoadWatch, QuietTargetPassesAndWrongFlagsAreUsageErrors) {
  fs::path dir = fs::temp_directory_path() / ("vitals-load-watch-ok-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "rules.yaml") << kRules;
  std::string target = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
  Proc t({VITALS_BIN, "target", "--listen", target, "--latency", "2ms"}, dir / "t.out",
         dir / "t.err");
  ASSERT_TRUE(t.started());
  ASSERT_TRUE(WaitFor(10'000, [&] { return Ready("http://" + target + "/metrics"); }));
  std::string out, err;
  int code = RunVitals({"load", "http://" + target + "/", "--rate", "40", "--duration", "4s",
                        "--quiet", "--no-store", "--watch-rules", (dir / "rules.yaml").string(),
                        "--prometheus", "http://" + target + "/metrics", "--scrape-interval",
                        "500ms", "--threshold", "alerts_firing==0"},
                       &out, &err);
  EXPECT_EQ(code, 0) << out << err;
  EXPECT_THAT(out, HasSubstr("Alerts during the run: none"));

  code = RunVitals({"load", "http://" + target + "/", "--duration", "1s", "--no-store",
                    "--threshold", "alerts_firing==0"},
                   &out, &err);
  EXPECT_EQ(code, 2);
  EXPECT_THAT(err, HasSubstr("alerts_firing needs --watch-rules FILE --prometheus URL"));
  std::ofstream(dir / "bad.yaml") << "groups:\n- name: g\n  rules:\n  - alert: X\n";
  code = RunVitals(
      {"load", "http://" + target + "/", "--duration", "1s", "--no-store", "--watch-rules",
       (dir / "bad.yaml").string(), "--prometheus", "http://" + target + "/metrics"},
      &out, &err);
  EXPECT_EQ(code, 2);
  EXPECT_THAT(err, HasSubstr("field 'expr' must be set in rule"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vitals
