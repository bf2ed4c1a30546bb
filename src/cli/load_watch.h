// `vitals load --watch-rules FILE --prometheus URL`: the users' alert rules
// evaluated on a thread of their own while the load runs (alerting/watcher.h
// over a RuleSource), so a run records which alerts its load set off.
//
// Thread-safety: Start and Stop from the owner's thread; the evaluation
// thread touches nothing else.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alerting/watcher.h"
#include "cli/prom_flags.h"
#include "cli/rule_source.h"
#include "store/store.h"

namespace vitals::cli {

struct LoadWatchOptions {
  std::vector<std::string> rule_files;
  std::vector<std::string> prometheus;  // a server, or /metrics endpoints
  int64_t eval_interval_ms = 5000;      // groups without their own interval
};

class LoadWatch {
 public:
  // Loads the rule files (errors list every problem, kInvalidArgument), opens
  // the source and starts evaluating at once.
  static Result<std::unique_ptr<LoadWatch>> Start(const LoadWatchOptions& options,
                                                  const PromSourceOptions& prom,
                                                  int64_t scrape_interval_ms);
  ~LoadWatch();
  LoadWatch(const LoadWatch&) = delete;
  LoadWatch& operator=(const LoadWatch&) = delete;

  // Evaluates once more, stops the thread and returns every state change seen.
  std::vector<alerting::AlertTransition> Stop();
  // Evaluation errors seen (first few), for the summary.
  std::vector<std::string> errors() const;
  std::string Describe() const { return description_; }

 private:
  LoadWatch() = default;
  void Loop();

  std::unique_ptr<RuleSource> source_;
  std::unique_ptr<alerting::RuleWatcher> watcher_;
  std::string description_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<alerting::AlertTransition> transitions_;
  std::vector<std::string> errors_;
};

// Distinct alerts (name + labels) that reached firing.
uint64_t CountFired(const std::vector<alerting::AlertTransition>& transitions);
// The changes as the store keeps them.
std::vector<StoredAlert> ToStoredAlerts(const std::vector<alerting::AlertTransition>& transitions);
// "Alerts during the run:" lines for the end-of-run summary ("" when none).
std::string FormatRunAlerts(const std::vector<alerting::AlertTransition>& transitions,
                            int64_t run_start_ms);

}  // namespace vitals::cli
