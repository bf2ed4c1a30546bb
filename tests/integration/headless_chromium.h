// Headless Chromium for HTML report tests: find the browser, run it with a hard timeout, and
// read what it says.  Debian's `chromium` package; scripts/setup installs it.
//
// What the browser prints (found by trying pages with known errors, Chromium 156): with
// --enable-logging=stderr every console message of the page, errors and uncaught exceptions
// included, is one stderr line of the form
//   [pid:tid:MMDD/HHMMSS.micros:INFO:CONSOLE:1] "Uncaught ReferenceError: f is not defined",
//       source: file:///tmp/x.html (1)
// (older versions print "CONSOLE(1)]").  The report has no scripts, so ANY console line from
// the page is a failure.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace vitals::testing {

// The flags the issue asks for: no sandbox (containers), no GPU, no network chatter.
inline std::vector<std::string> ChromiumBaseFlags(const std::string& user_data_dir) {
  return {"--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
          "--user-data-dir=" + user_data_dir,
          "--enable-logging=stderr",
          "--v=0"};
}

// Path of the Chromium binary, or "" when none is installed.
inline std::string FindChromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    size_t start = 0;
    while (start <= dirs.size()) {
      size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      const std::string candidate = dirs.substr(start, end - start) + "/" + name;
      if (end > start && access(candidate.c_str(), X_OK) == 0) return candidate;
      start = end + 1;
    }
  }
  return "";
}

struct BrowserRun {
  int exit_code = -1;  // -1: killed (timeout) or did not start
  bool timed_out = false;
  std::string out, err;
};

// Runs `binary args...` in its own process group with stdout/stderr captured; the whole group
// is killed after timeout_ms (Chromium starts helper processes).
inline BrowserRun RunBrowser(const std::string& binary, const std::vector<std::string>& args,
                             int timeout_ms = 60'000) {
  BrowserRun r;
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return r;
  const pid_t pid = fork();
  if (pid < 0) return r;
  if (pid == 0) {
    setpgid(0, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    std::string bin = binary;
    argv.push_back(bin.data());
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  setpgid(pid, pid);  // also from the parent: no race with the kill below
  close(out[1]);
  close(err[1]);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    const int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(
                             deadline - std::chrono::steady_clock::now())
                             .count());
    if (left <= 0) {
      r.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    pollfd fds[2] = {{out_open ? out[0] : -1, POLLIN, 0}, {err_open ? err[0] : -1, POLLIN, 0}};
    if (poll(fds, 2, std::min(left, 500)) < 0) continue;
    char buf[8192];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? r.out : r.err).append(buf, size_t(n));
      } else {
        (i == 0 ? out_open : err_open) = false;
      }
    }
  }
  close(out[0]);
  close(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  kill(-pid, SIGKILL);  // helpers left behind by a crashed browser
  if (!r.timed_out && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

// The console lines Chromium logged (see the top of this file).
inline std::vector<std::string> ConsoleLines(const std::string& stderr_text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < stderr_text.size()) {
    size_t end = stderr_text.find('\n', start);
    if (end == std::string::npos) end = stderr_text.size();
    const std::string line = stderr_text.substr(start, end - start);
    if (line.find(":CONSOLE:") != std::string::npos ||
        line.find(":CONSOLE(") != std::string::npos) {
      out.push_back(line);
    }
    start = end + 1;
  }
  return out;
}

inline std::string LowerAscii(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Elements and attributes that could run code, in a serialized DOM (--dump-dom).  In the
// serialization every '<' of text is "&lt;", so each raw '<' starts a tag.  Returns
// descriptions like "<script> element", "onerror attribute", "javascript: URL".
inline std::vector<std::string> ActiveContent(const std::string& dom) {
  std::vector<std::string> found;
  const std::string lower = LowerAscii(dom);
  for (size_t at = lower.find('<'); at != std::string::npos; at = lower.find('<', at + 1)) {
    size_t i = at + 1;
    if (i >= lower.size() || !std::isalpha(static_cast<unsigned char>(lower[i]))) continue;
    size_t name_end = i;
    while (name_end < lower.size() && std::isalnum(static_cast<unsigned char>(lower[name_end]))) {
      ++name_end;
    }
    const std::string name = lower.substr(i, name_end - i);
    if (name == "script" || name == "iframe" || name == "object" || name == "embed") {
      found.push_back("<" + name + "> element");
    }
    // Attributes up to the end of the tag, quotes respected.
    char quote = 0;
    size_t j = name_end;
    std::string attr;
    for (; j < lower.size(); ++j) {
      const char c = lower[j];
      if (quote) {
        if (c == quote) quote = 0;
        continue;
      }
      if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        break;
      } else if (std::isspace(static_cast<unsigned char>(c)) || c == '/') {
        attr.clear();
      } else if (c == '=') {
        if (attr.size() > 2 && attr.rfind("on", 0) == 0) found.push_back(attr + " attribute");
        if ((attr == "href" || attr == "src" || attr == "xlink:href" || attr == "action") &&
            lower.compare(j + 1, 12, "\"javascript:") == 0) {
          found.push_back("javascript: URL");
        }
        attr.clear();
      } else {
        attr += c;
      }
    }
    at = j;
  }
  return found;
}

// A directory for files a test leaves behind for people to look at: next to the test binary
// (the build directory), test-output/<name>/.
inline std::string TestOutputDir(const std::string& name) {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::filesystem::path dir =
      (ec ? std::filesystem::current_path() : exe.parent_path()) / "test-output" / name;
  std::filesystem::create_directories(dir, ec);
  return dir.string();
}

}  // namespace vitals::testing
