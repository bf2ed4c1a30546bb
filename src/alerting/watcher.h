// Live evaluation of rule files: every group on its own interval (the
// group's `interval`, else the default), evaluation counters as Prometheus
// names them, and what Alertmanager must be sent.
//
// The caller owns time and I/O: it calls RunDue(now) when NextDueMs() has
// come, with hooks that query its PromQL source.  A group due several times
// over (a slow source) is evaluated once, at the latest due time, and its
// missed iterations are counted (prometheus_rule_group_iterations_missed_total).
//
// Thread-safety: one thread; MetricsText() may be called from another
// thread only under the caller's lock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "alerting/group_eval.h"
#include "alerting/rule_file.h"

namespace vitals::alerting {

struct WatchOptions {
  int64_t default_interval_ms = 60'000;  // Prometheus' evaluation_interval default
  promql::Labels external_labels;
  std::string external_url;
};

struct GroupStats {
  std::string file, name;
  int64_t interval_ms = 0;
  uint64_t iterations = 0, missed = 0;
  uint64_t rule_evaluations = 0, rule_failures = 0;
  double last_duration_s = 0;
  double duration_sum_s = 0;
  size_t rules = 0;
};

class RuleWatcher {
 public:
  RuleWatcher(std::vector<RuleFile> files, WatchOptions options);
  RuleWatcher(const RuleWatcher&) = delete;
  RuleWatcher& operator=(const RuleWatcher&) = delete;

  // Schedules every group's first evaluation at start_ms.
  void Start(int64_t start_ms);
  int64_t NextDueMs() const;

  // Evaluates every group due at or before now_ms.  Returns the alert
  // transitions in evaluation order; rule errors go to *errors as
  // "group "g", rule "r": message" (may be null).
  std::vector<AlertTransition> RunDue(int64_t now_ms, const EvalHooks& hooks,
                                      std::vector<std::string>* errors);

  // What Alertmanager must hear now (alert_state.h TakeAlertsToSend), with
  // the external labels added.
  std::vector<Alert> TakeAlertsToSend(int64_t now_ms, int64_t resend_delay_ms);

  // Pending and firing alerts of every rule, in file order.
  std::vector<Alert> ActiveAlerts() const;
  const std::vector<GroupStats>& stats() const { return stats_; }
  size_t rule_count() const;

  // Prometheus exposition text: ALERTS, ALERTS_FOR_STATE and the
  // prometheus_rule_* counters and gauges (rule_group="file;group").
  std::string MetricsText() const;

 private:
  struct Entry {
    std::unique_ptr<GroupEvaluator> eval;
    int64_t next_ms = 0;
  };
  std::vector<RuleFile> files_;
  WatchOptions options_;
  std::vector<Entry> groups_;
  std::vector<GroupStats> stats_;
};

}  // namespace vitals::alerting
