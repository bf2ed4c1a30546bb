// Run store: two processes writing runs to one store at the same time both land (WAL, write
// transactions that wait on the busy timeout instead of failing).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "store/store.h"
#include "store/store_test_util.h"

namespace vitals {
namespace {

using testing::MakeResult;
using testing::MakeStart;
using testing::TempDir;

constexpr int kRunsPerWriter = 12;

// Child body: waits for the start byte, then writes kRunsPerWriter full runs, streaming each
// interval separately so the two writers' transactions interleave.  Exit code 0 on success,
// else the number of the step that failed (the error goes to stderr).
int WriteRuns(const std::string& path, int start_fd, const std::string& writer) {
  char go;
  if (read(start_fd, &go, 1) != 1) return 10;
  auto store = Store::Open(path);
  if (!store.ok()) {
    std::fprintf(stderr, "%s open: %s\n", writer.c_str(), store.status().ToString().c_str());
    return 11;
  }
  const LoadResult result = MakeResult(4, 100, 800);
  for (int i = 0; i < kRunsPerWriter; ++i) {
    RunStart start = MakeStart(1'700'000'000'000 + i);
    start.tags = {{"writer", writer}};
    auto id = store->BeginRun(start);
    if (!id.ok()) {
      std::fprintf(stderr, "%s begin: %s\n", writer.c_str(), id.status().ToString().c_str());
      return 12;
    }
    for (const IntervalSample& s : result.intervals) {
      Status st = store->AppendIntervals(*id, {s});
      if (!st.ok()) {
        std::fprintf(stderr, "%s append: %s\n", writer.c_str(), st.ToString().c_str());
        return 13;
      }
    }
    Status st = store->CompleteRun(*id, result, "", "pass");
    if (!st.ok()) {
      std::fprintf(stderr, "%s complete: %s\n", writer.c_str(), st.ToString().c_str());
      return 14;
    }
  }
  return 0;
}

TEST(StoreConcurrency, TwoProcessesWritingAtOnceBothLand) {
  TempDir dir;
  // The store does not exist yet: both children also race to create and migrate it.
  const std::string path = dir.File("shared/vitals.db");
  int start_pipe[2];
  ASSERT_EQ(pipe(start_pipe), 0);
  std::vector<pid_t> children;
  for (const char* writer : {"a", "b"}) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(start_pipe[1]);
      _exit(WriteRuns(path, start_pipe[0], writer));
    }
    children.push_back(pid);
  }
  close(start_pipe[0]);
  ASSERT_EQ(write(start_pipe[1], "gg", 2), 2);  // release both at once
  close(start_pipe[1]);
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "a writer failed (see its stderr above)";
  }

  auto store = Store::Open(path, Store::OpenMode::kExisting);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE(store->CheckIntegrity().ok());
  for (const char* writer : {"a", "b"}) {
    auto runs = store->ListRuns({.tags = {{"writer", writer}}});
    ASSERT_TRUE(runs.ok());
    ASSERT_EQ(runs->size(), size_t(kRunsPerWriter)) << "writer " << writer;
    for (const RunInfo& r : *runs) {
      EXPECT_EQ(r.status, RunStatus::kCompleted) << r.id;
      auto run = store->GetRun(r.id);
      ASSERT_TRUE(run.ok());
      // Each run holds exactly its own 4 intervals, none lost or doubled.
      EXPECT_EQ(run->interval_summaries.size(), 4u) << r.id;
      EXPECT_EQ(run->latency_corrected.TotalCount(), 400) << r.id;
    }
  }
  std::set<std::string> ids;
  auto all = store->ListRuns();
  ASSERT_TRUE(all.ok());
  for (const RunInfo& r : *all) ids.insert(r.id);
  EXPECT_EQ(ids.size(), size_t(2 * kRunsPerWriter));
}

}  // namespace
}  // namespace vitals
