// `vitals report` on a real store file: formats chosen by flag or extension, output to a file
// or stdout, and clear errors for bad names, formats and stores.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "integration/child_process.h"
#include "report/report_test_util.h"
#include "store/store.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using testing::RunVitals;
using ::testing::StartsWith;
using testing::TempDir;

class ReportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = dir_.File("vitals.db");
    auto store = Store::Open(store_);
    ASSERT_TRUE(store.ok());
    id_ = testing::StoreCompletedRun(*store, testing::MakeSyntheticResult({}),
                                     testing::MakeStart(1'700'000'000'000),
                                     testing::SampleThresholdsJson(), "fail");
    ASSERT_FALSE(id_.empty());
  }
  int Run(std::vector<std::string> args, std::string* out, std::string* err) {
    args.insert(args.begin(), "report");
    args.push_back("--store");
    args.push_back(store_);
    return RunVitals(args, out, err, 60'000);
  }
  TempDir dir_;
  std::string store_, id_;
};

TEST_F(ReportCli, FormatFollowsTheExtension) {
  std::string out, err;
  const std::string md = dir_.File("baseline.md");
  ASSERT_EQ(Run({"latest", "-o", md}, &out, &err), 0) << err;
  EXPECT_THAT(err, HasSubstr("wrote markdown report of run " + id_));
  EXPECT_THAT(testing::ReadFileBytes(md), StartsWith("## vitals run `" + id_ + "`"));
  const std::string json = dir_.File("run.json");
  ASSERT_EQ(Run({id_, "-o", json}, &out, &err), 0) << err;
  EXPECT_EQ(nlohmann::json::parse(testing::ReadFileBytes(json))["run_id"], id_);
  const std::string html = dir_.File("r.HTML");
  ASSERT_EQ(Run({"latest", "-o", html}, &out, &err), 0) << err;
  EXPECT_THAT(testing::ReadFileBytes(html), StartsWith("<!DOCTYPE html>"));
}

TEST_F(ReportCli, FlagWinsAndStdoutByDefault) {
  std::string out, err;
  ASSERT_EQ(Run({"latest"}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("THRESHOLD"));  // text
  ASSERT_EQ(Run({"latest", "--format", "markdown"}, &out, &err), 0) << err;
  EXPECT_THAT(out, StartsWith("## vitals run"));
  const std::string file = dir_.File("x.txt");
  ASSERT_EQ(Run({"latest", "--format", "html", "-o", file}, &out, &err), 0) << err;
  EXPECT_THAT(testing::ReadFileBytes(file), StartsWith("<!DOCTYPE html>"));
}

TEST_F(ReportCli, ClearErrors) {
  std::string out, err;
  EXPECT_EQ(Run({"nope"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("no run named 'nope'"));
  EXPECT_EQ(Run({"latest", "--format", "pdf"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("--format 'pdf': expected one of html, markdown, json, text"));
  EXPECT_EQ(RunVitals({"report", "latest", "--store", dir_.File("missing.db")}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("no run store at"));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("missing.db")));
  EXPECT_EQ(Run({"latest", "-o", dir_.File("no/such/dir/r.html")}, &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("cannot write"));
  EXPECT_EQ(RunVitals({"report", "--help"}, &out, &err), 0);
  EXPECT_THAT(out, HasSubstr("vitals report latest -o report.html"));
}

}  // namespace
}  // namespace vitals
