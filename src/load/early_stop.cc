#include "load/early_stop.h"

#include <fmt/format.h>

namespace vitals {

bool EarlyStopMonitor::Observe(int64_t elapsed_ns, uint64_t requests, uint64_t errors) {
  if (fired_) return true;
  if (window_ns_ <= 0 || succeeded_) return false;
  if (requests > errors) {
    succeeded_ = true;
    return false;
  }
  // Nothing finished yet (a target that accepts and never answers): wait for the timeouts,
  // which are failures too, rather than stop a run that may still succeed.
  fired_ = elapsed_ns >= window_ns_ && errors > 0;
  return fired_;
}

std::string NoSuccessMessage(int64_t window_ns,
                             const std::map<std::string, uint64_t>& errors_by_kind,
                             const std::string& address) {
  std::string kind;
  uint64_t most = 0;
  for (const auto& [k, n] : errors_by_kind) {
    if (n > most) {
      most = n;
      kind = k;
    }
  }
  std::string what, hint;
  if (kind == "connect_refused") {
    what = "connection refused by " + address;
    hint = "is the target running, and on this port?";
  } else if (kind == "unreachable") {
    what = address + " is unreachable";
    hint = "check the host and the network path";
  } else if (kind == "timeout") {
    what = "every request to " + address + " timed out";
    hint = "is the target overloaded or stalled? (a longer --timeout may help)";
  } else if (kind == "reset" || kind == "closed_mid_response") {
    what = fmt::format("{} closed the connections ({})", address, kind);
    hint = "does the target speak plain HTTP/1.1 on this port?";
  } else if (kind.rfind("status_", 0) == 0) {
    what = fmt::format("{} answered every request with HTTP {}", address, kind.substr(7));
    hint = "check the URL, method, headers and body";
  } else if (kind.rfind("parse:", 0) == 0) {
    what = fmt::format("{} sent answers that are not valid HTTP ({})", address, kind.substr(6));
    hint = "does the target speak HTTP/1.1 on this port?";
  } else {
    what = fmt::format("every request to {} failed ({})", address, kind.empty() ? "?" : kind);
    hint = "is the target healthy?";
  }
  return fmt::format("no request succeeded in {:g} s: {}; {} (--keep-going to run anyway)",
                     double(window_ns) / 1e9, what, hint);
}

}  // namespace vitals
