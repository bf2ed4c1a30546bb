// `vitals load --metrics-listen`: the generator's own /metrics while it runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "integration/proc.h"

namespace vitals {
namespace {

using testing::FreeLoopbackPort;
using ::testing::HasSubstr;
using testing::Proc;
using testing::Ready;
using testing::Slurp;
using testing::WaitFor;
namespace fs = std::filesystem;

// The value of the first line of `page` starting with `prefix`, or -1.
double Sample(const std::string& page, const std::string& prefix) {
  size_t at = page.find("\n" + prefix);
  if (at == std::string::npos) return -1;
  size_t sp = page.find(' ', at + 1 + prefix.size());
  return std::strtod(page.c_str() + sp + 1, nullptr);
}

TEST(LoadMetrics, ServesRequestsErrorsInflightAndLatencyWhileRunning) {
  fs::path dir = fs::temp_directory_path() / ("vitals-load-metrics-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::string target = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
  Proc t({VITALS_BIN, "target", "--listen", target, "--latency", "20ms", "--error-rate", "0.5"},
         dir / "t.out", dir / "t.err");
  ASSERT_TRUE(t.started());
  ASSERT_TRUE(WaitFor(10'000, [&] { return Ready("http://" + target + "/metrics"); }));
  Proc load({VITALS_BIN, "load", "http://" + target + "/", "--rate", "50", "--duration", "20s",
             "--no-store", "--quiet", "--metrics-listen", "127.0.0.1:0"},
            dir / "l.out", dir / "l.err");
  ASSERT_TRUE(load.started());
  std::string url;
  ASSERT_TRUE(WaitFor(10'000, [&] {
    std::string err = Slurp(dir / "l.err");
    size_t at = err.find("serving http://");
    if (at == std::string::npos) return false;
    url = err.substr(at + 8, err.find('\n', at) - at - 8);
    return true;
  })) << Slurp(dir / "l.err");
  // After a few completed intervals the counters and the histogram have data.
  std::string page;
  ASSERT_TRUE(WaitFor(15'000, [&] {
    auto r = HttpGet(url, {});
    if (!r.ok() || r->status != 200) return false;
    page = r->body;
    return Sample(page, "vitals_load_request_duration_seconds_count") > 50;
  })) << page;
  EXPECT_GT(Sample(page, "vitals_load_requests_total"), 50);
  EXPECT_GT(Sample(page, "vitals_load_errors_total"), 10);  // half of the answers are 500s
  // By kind: the 500s are status_5xx, and nothing else failed.
  EXPECT_GT(Sample(page, "vitals_load_request_errors_total{kind=\"status_5xx\"}"), 10) << page;
  EXPECT_THAT(page, ::testing::Not(HasSubstr("kind=\"connect_refused\"")));
  EXPECT_GE(Sample(page, "vitals_load_inflight_requests"), 0);
  EXPECT_THAT(page, HasSubstr("# TYPE vitals_load_request_duration_seconds histogram\n"));
  // 20 ms answers: all under 250 ms.
  EXPECT_EQ(Sample(page, "vitals_load_request_duration_seconds_bucket{le=\"0.25\"}"),
            Sample(page, "vitals_load_request_duration_seconds_count"));
  auto missing = HttpGet(url.substr(0, url.size() - 8) + "/other", {});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  load.Stop(SIGINT);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vitals
