#include "cli/rerun.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>

#include <fmt/format.h>

namespace vitals::cli {

std::string LoadCommand::Describe() const {
  if (!shell.empty()) return shell;
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

Rerunner::Rerunner(Store& store, std::string store_path)
    : store_(store), store_path_(std::move(store_path)) {
  std::random_device rd;
  id_ = fmt::format("{:08x}", uint32_t(rd()));
}

namespace {

// fork + exec with the environment set; waits.  Returns the exit status or an error.
Result<int> Spawn(const LoadCommand& cmd, const std::string& store_path, const std::string& tags) {
  // This binary's directory goes first on PATH, so "vitals" in a shell command is this vitals.
  char self[4096];
  const ssize_t self_len = readlink("/proc/self/exe", self, sizeof(self) - 1);
  const std::string self_path = self_len > 0 ? std::string(self, size_t(self_len)) : "";
  std::string path_env = self_path.empty() ? "" : self_path.substr(0, self_path.rfind('/'));
  if (const char* p = std::getenv("PATH"); p && *p) path_env += ":" + std::string(p);
  std::vector<std::string> args;
  if (!cmd.shell.empty()) {
    args = {"/bin/sh", "-c", cmd.shell};
  } else {
    args = cmd.argv;
    // "vitals ..." means this binary, whatever PATH holds.
    if (args[0] == "vitals" && !self_path.empty()) args[0] = self_path;
  }
  std::vector<char*> cargs;
  for (std::string& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) return Status::FromErrno("fork", errno);
  if (pid == 0) {
    setenv("VITALS_STORE", store_path.c_str(), 1);
    setenv("VITALS_TAGS", tags.c_str(), 1);
    if (!path_env.empty()) setenv("PATH", path_env.c_str(), 1);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    execvp(cargs[0], cargs.data());
    std::fprintf(stderr, "cannot run '%s': %s\n", cargs[0], std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Status::FromErrno("waitpid", errno);
  }
  if (WIFSIGNALED(status)) {
    return Status::Io(
        fmt::format("'{}' was killed by signal {}", cmd.Describe(), WTERMSIG(status)));
  }
  return WEXITSTATUS(status);
}

}  // namespace

Result<gate::RunData> Rerunner::Run(const LoadCommand& cmd, const char* side, int attempt) {
  const std::vector<std::pair<std::string, std::string>> tags = {
      {"vitals_rerun", id_}, {"vitals_side", side}, {"vitals_try", std::to_string(attempt)}};
  std::string tag_text;
  for (const auto& [k, v] : tags) tag_text += (tag_text.empty() ? "" : ",") + k + "=" + v;
  auto rc = Spawn(cmd, store_path_, tag_text);
  if (!rc.ok()) return rc.status();
  if (*rc != 0 && *rc != 99) {
    return Status::Io(
        fmt::format("side {} try {}: '{}' exited with {}{}", side, attempt, cmd.Describe(), *rc,
                    *rc == 127 ? " (command not found)" : " (its output above says why)"));
  }
  RunFilter filter;
  filter.tags = tags;
  auto found = store_.ListRuns(filter);
  if (!found.ok()) return found.status();
  for (const RunInfo& info : *found) {
    if (info.status != RunStatus::kCompleted) continue;
    auto run = store_.GetRun(info.id);
    if (!run.ok()) return run.status();
    return gate::FromStoredRun(*run, fmt::format("{} try {} (run {})", side, attempt, info.id));
  }
  return Status::InvalidArgument(fmt::format(
      "side {} try {}: '{}' stored no completed run in '{}': the command must be a `vitals "
      "load` that uses the default store (no --store, no --no-store)",
      side, attempt, cmd.Describe(), store_path_));
}

}  // namespace vitals::cli
