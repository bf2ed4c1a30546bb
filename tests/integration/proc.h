// Helpers for end-to-end tests that run several processes at once (servers,
// `vitals target`, `vitals load`, the command under test): a process with
// stdout and stderr in files, polling with a deadline, a free loopback port,
// a readiness probe.  Processes are stopped by their pid, never by name.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "collect/http_get.h"

extern char** environ;

namespace vitals::testing {

namespace fs = std::filesystem;

inline std::string Slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A process we started, its stdout and stderr in files; SIGTERM (by pid)
// and reaped on scope exit.
class Proc {
 public:
  Proc(std::vector<std::string> args, const fs::path& out, const fs::path& err) : out_(out) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    if (posix_spawnp(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~Proc() { Stop(SIGTERM); }
  bool started() const { return pid_ > 0; }
  int Stop(int sig) {
    if (pid_ <= 0 || reaped_) return status_;
    kill(pid_, sig);
    int st = 0;
    waitpid(pid_, &st, 0);
    reaped_ = true;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return status_;
  }
  std::string Out() const { return Slurp(out_); }

 private:
  pid_t pid_ = -1;
  fs::path out_;
  bool reaped_ = false;
  int status_ = -1;
};

inline bool WaitFor(int timeout_ms, const std::function<bool()>& ok) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return ok();
}

inline int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

inline bool Ready(const std::string& url) {
  auto r = HttpGet(url, {});
  return r.ok() && r->status == 200;
}

}  // namespace vitals::testing
