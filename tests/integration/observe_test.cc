// vitals load --observe end to end: the system under test sampled during the run, its findings
// placed in time, trends for soaks, a dead component that never holds up the load.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "integration/child_process.h"
#include "integration/require_server.h"

namespace vitals {
namespace {

namespace fs = std::filesystem;
using testing::Child;
using ::testing::HasSubstr;
using testing::RunVitals;
using json = nlohmann::json;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

class ObserveCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vitals-observe-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::error_code ec;
    fs::remove_all(dir_, ec);
    fs::create_directories(dir_);
    store_ = (dir_ / "v.db").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // The observed findings of a --json result with this id.
  static std::vector<json> FindingsWithId(const json& result, const std::string& id) {
    std::vector<json> out;
    for (const json& f : result["observe"]["findings"]) {
      if (f["id"] == id) out.push_back(f);
    }
    return out;
  }

  fs::path dir_;
  std::string store_;
};

// A component that cannot be reached is reported and the run goes on, on time.
TEST_F(ObserveCli, DeadComponentsAreReportedAndNeverDelayTheRun) {
  Child target({"target", "--listen", "127.0.0.1:0"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  const int closed = FreeLoopbackPort();
  std::string out, err;
  const auto t0 = std::chrono::steady_clock::now();
  const int code = RunVitals(
      {"load", fmt::format("http://127.0.0.1:{}/", port), "--rate", "100", "--duration", "3s",
       "--observe", fmt::format("redis=redis://:s3cret@127.0.0.1:{}", closed), "--observe",
       fmt::format("postgres=postgresql://app:s3cret@127.0.0.1:{}/shop", closed), "--observe",
       "host", "--observe-timeout", "500ms", "--json", Path("r.json"), "--store", store_,
       "--quiet"},
      &out, &err);
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(code, 0) << out << err;
  EXPECT_LT(wall_s, 8.0);  // 3 s of load; a stuck sampler would add its timeouts again and again
  EXPECT_THAT(out, HasSubstr("System under test"));
  EXPECT_THAT(out, HasSubstr("cannot connect"));
  EXPECT_EQ(out.find("s3cret"), std::string::npos) << out;
  EXPECT_EQ(err.find("s3cret"), std::string::npos) << err;
  const json r = json::parse(Slurp(Path("r.json")));
  ASSERT_TRUE(r.contains("observe"));
  int dead = 0, host_ok = 0;
  for (const json& c : r["observe"]["components"]) {
    if (c["component"] == "redis" || c["component"] == "postgres") {
      ++dead;
      EXPECT_EQ(c["samples_ok"], 0);
      EXPECT_GE(c["samples_failed"].get<int>(), 2);
    }
    if (c["component"] == "host") host_ok = c["samples_ok"].get<int>();
  }
  EXPECT_EQ(dead, 2);
  EXPECT_GE(host_ok, 2);  // the live one kept sampling
  // The requests all went out: 300 at 100 req/s.
  EXPECT_EQ(r["requests"].get<int>(), 300);
  EXPECT_EQ(Slurp(Path("r.json")).find("s3cret"), std::string::npos);
}

// The bad-input messages say what, where and how.
TEST_F(ObserveCli, BadObserveArgumentsSayWhatAndHow) {
  std::string out, err;
  EXPECT_EQ(RunVitals({"load", "http://127.0.0.1:1/", "-d", "1s", "--observe",
                       "mysql=mysql://root:s3cret@127.0.0.1/x", "--no-store"},
                      &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("expected host, postgres=DSN, redis=URL or prometheus=URL"));
  EXPECT_EQ(err.find("s3cret"), std::string::npos) << err;
  EXPECT_EQ(
      RunVitals({"load", "http://127.0.0.1:1/", "-d", "1s", "--observe", "redis", "--no-store"},
                &out, &err),
      2);
  EXPECT_THAT(err, HasSubstr("redis=redis://127.0.0.1:6379"));
  EXPECT_EQ(RunVitals({"load", "http://127.0.0.1:1/", "-d", "1s", "--observe",
                       "prometheus=ftp://127.0.0.1/metrics", "--no-store"},
                      &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("expected an http:// or https:// URL"));
}

}  // namespace
}  // namespace vitals
