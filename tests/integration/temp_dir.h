// A fixture for end-to-end tests that write files: each test gets its own empty directory
// under the system temp dir (named after the suite prefix, the pid and the test, so the
// release and ASan passes and parallel ctest jobs never share one), a run store path in it,
// and the directory is removed afterwards (a leftover is never a failure).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace vitals::testing {

class TempDirTest : public ::testing::Test {
 protected:
  explicit TempDirTest(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vitals-" + prefix_ + "-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    std::filesystem::create_directories(dir_);
    store_ = (dir_ / "v.db").string();
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // A file name inside the test's directory.
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  std::string prefix_;
  std::filesystem::path dir_;
  std::string store_;  // Path("v.db")
};

}  // namespace vitals::testing
