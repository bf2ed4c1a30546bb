// Runs the built `vitals` binary (VITALS_BIN) as a child process for
// end-to-end tests: stdout and stderr on pipes, line reads with timeouts,
// signals, exit codes.  The child is killed if the test ends first.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace vitals::testing {

// A child process running VITALS_BIN with stdout and stderr on pipes.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      dup2(err[1], 2);
      std::vector<char*> argv;
      std::string bin = VITALS_BIN;
      argv.push_back(bin.data());
      std::vector<std::string> copy = args;
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }
  ~Child() {
    if (pid_ > 0 && status_ < 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
    if (err_ >= 0) close(err_);
  }

  // The next stdout line, or "" after timeout_ms / EOF.
  std::string ReadLine(int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      if (size_t nl = out_buf_.find('\n'); nl != std::string::npos) {
        std::string line = out_buf_.substr(0, nl);
        out_buf_.erase(0, nl + 1);
        return line;
      }
      int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(
                         deadline - std::chrono::steady_clock::now())
                         .count());
      pollfd p{out_, POLLIN, 0};
      if (left <= 0 || poll(&p, 1, left) <= 0) return "";
      char buf[4096];
      ssize_t n = read(out_, buf, sizeof buf);
      if (n <= 0) return "";
      out_buf_.append(buf, size_t(n));
    }
  }

  // Reads the `vitals target` ready line and returns the port (0 if it never came).
  int ReadyPort(std::string* line_out = nullptr) {
    std::string line = ReadLine();
    if (line_out) *line_out = line;
    std::smatch m;
    static const std::regex kReady(R"(^vitals target listening on https?://127\.0\.0\.1:(\d+)/$)");
    return std::regex_match(line, m, kReady) ? std::stoi(m[1]) : 0;
  }

  void Signal(int sig) { kill(pid_, sig); }

  // Exit code, or -1 if still running after timeout_ms (or killed by a
  // signal).  Keeps draining both pipes so a chatty child never blocks.
  int Wait(int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      Drain(out_, &out_buf_);
      Drain(err_, &err_buf_);
      int st;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        status_ = st;
        Drain(out_, &out_buf_);
        Drain(err_, &err_buf_);
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
      }
      usleep(5000);
    }
    return -1;
  }

  // Whatever stdout / stderr held that was not read yet; call after Wait().
  std::string Stdout() { return std::exchange(out_buf_, std::string()); }
  std::string Stderr() {
    Drain(err_, &err_buf_);
    return std::exchange(err_buf_, std::string());
  }

 private:
  static void Drain(int fd, std::string* buf) {
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (fd < 0 || poll(&p, 1, 0) <= 0) return;
      char tmp[4096];
      ssize_t n = read(fd, tmp, sizeof tmp);
      if (n <= 0) return;
      buf->append(tmp, size_t(n));
    }
  }

  pid_t pid_ = -1;
  int status_ = -1;
  int out_ = -1, err_ = -1;
  std::string out_buf_, err_buf_;
};

// Runs VITALS_BIN with args to completion; returns the exit code (or -1) and
// fills stdout/stderr.
inline int RunVitals(const std::vector<std::string>& args, std::string* out, std::string* err,
                     int timeout_ms = 120000) {
  Child c(args);
  int code = c.Wait(timeout_ms);
  if (out) *out = c.Stdout();
  if (err) *err = c.Stderr();
  return code;
}

}  // namespace vitals::testing
