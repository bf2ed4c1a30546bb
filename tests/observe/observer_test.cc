#include "observe/observer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/clock.h"

namespace vitals {
namespace {

// A sampler whose n-th reading fails or blocks, to check isolation.
class FakeSampler : public Sampler {
 public:
  FakeSampler(std::string name, int64_t sleep_ms, bool fail)
      : name_(std::move(name)), sleep_ms_(sleep_ms), fail_(fail) {}
  std::string component() const override { return name_; }
  std::string Describe() const override { return name_ + " fake"; }
  Result<Collection> Sample() override {
    ++calls_;
    if (sleep_ms_) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
    if (fail_) return Status::Unavailable("cannot connect to fake");
    Collection c;
    c.component = name_;
    c.facts.push_back({name_, "x", "s", {{"v", double(calls_)}}, {}});
    return c;
  }
  std::atomic<int> calls_{0};

 private:
  std::string name_;
  int64_t sleep_ms_;
  bool fail_;
};

TEST(Observer, SamplesOnAGridAndIsolatesSlowAndFailingSamplers) {
  std::vector<std::unique_ptr<Sampler>> s;
  s.push_back(std::make_unique<FakeSampler>("fast", 0, false));
  s.push_back(std::make_unique<FakeSampler>("slow", 250, false));  // 2.5 periods per reading
  s.push_back(std::make_unique<FakeSampler>("dead", 0, true));
  auto o = Observer::Start(std::move(s), 100'000'000, MonotonicNs());
  std::this_thread::sleep_for(std::chrono::milliseconds(1050));
  auto got = o->Stop();
  ASSERT_EQ(got.size(), 3u);
  // The fast one is not held back by the slow one: ~11 readings in 1.05 s (loose bounds: a
  // loaded machine may skip grid points, never add them).
  EXPECT_GE(got[0].ok, 5);
  EXPECT_LE(got[0].ok, 12);
  EXPECT_EQ(size_t(got[0].ok), got[0].samples.size());
  // The slow one skips the grid points it missed instead of bursting to catch up.
  EXPECT_GE(got[1].ok, 2);
  EXPECT_LE(got[1].ok, 5);
  EXPECT_GE(got[1].max_sample_s, 0.2);
  // The dead one failed every time, kept the first few errors, produced no samples.
  EXPECT_EQ(got[2].ok, 0);
  EXPECT_GE(got[2].failed, 5);
  EXPECT_TRUE(got[2].samples.empty());
  ASSERT_FALSE(got[2].errors.empty());
  EXPECT_LE(got[2].errors.size(), 5u);
  EXPECT_NE(got[2].errors[0].find("cannot connect to fake"), std::string::npos);
  // Samples are in time order, from the start.
  for (size_t i = 1; i < got[0].samples.size(); ++i) {
    EXPECT_GT(got[0].samples[i].t_s, got[0].samples[i - 1].t_s);
  }
}

TEST(Observer, ParsesObserveSpecs) {
  EXPECT_TRUE(ParseObserveSpec("host").ok());
  auto pg = ParseObserveSpec("postgres=postgresql://app:s3cret@127.0.0.1:5432/shop");
  ASSERT_TRUE(pg.ok());
  EXPECT_EQ(pg->component, "postgres");
  EXPECT_EQ(pg->target, "postgresql://app:s3cret@127.0.0.1:5432/shop");
  auto bad = ParseObserveSpec("mysql=mysql://root:s3cret@127.0.0.1/x");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("expected host, postgres=DSN"), std::string::npos);
  EXPECT_EQ(bad.status().message().find("s3cret"), std::string::npos) << bad.status().message();
  auto empty = ParseObserveSpec("redis");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("redis=redis://127.0.0.1:6379"), std::string::npos);
  EXPECT_FALSE(ParseObserveSpec("host=/proc").ok());
  auto url = ParseObserveSpec("redis://:s3cret@127.0.0.1:6379");
  ASSERT_FALSE(url.ok());
  EXPECT_NE(url.status().message().find("--observe redis=redis://:***@127.0.0.1:6379"),
            std::string::npos)
      << url.status().message();
  auto dsn = ParseObserveSpec("host=127.0.0.1 dbname=shop password=s3cret");
  ASSERT_FALSE(dsn.ok());
  EXPECT_NE(dsn.status().message().find("libpq DSN"), std::string::npos);
  EXPECT_EQ(dsn.status().message().find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace vitals
