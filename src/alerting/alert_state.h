// The alert state machine of one alerting rule, as Prometheus implements it
// (rules/alerting.go):
//
//   inactive --(expr returns the series)--> pending
//   pending  --(still returned `for` after it became active)--> firing
//              (for: 0 fires in the same evaluation)
//   pending  --(not returned)--> dropped at once
//   firing   --(not returned, keep_firing_for elapsed)--> inactive (resolved)
//
// An alert is identified by its labels: the result series' labels without
// __name__, plus the rule's (templated) labels, plus alertname.  Two result
// series that end up with the same labels are an error ("vector contains
// metrics with the same labelset after applying alert labels"); then no
// state changes.  More pending + firing alerts than the group's `limit`
// clears every alert and is an error ("exceeded limit of 2 with 3
// alerts").  A resolved alert is kept (inactive) for 15 minutes, as
// Prometheus keeps it so that Alertmanager hears the resolution.
//
// Each evaluation also gives the ALERTS{alertstate="pending"|"firing"} = 1
// and ALERTS_FOR_STATE = active-since (Unix seconds) series of every
// pending or firing alert.  Templates that fail to expand give
// "<error expanding template: ...>", as in Prometheus.
//
// Thread-safety: one thread per AlertingRule.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/rule_file.h"
#include "alerting/template.h"
#include "core/status.h"
#include "promql/value.h"

namespace vitals::alerting {

enum class AlertState { kInactive, kPending, kFiring };
std::string_view AlertStateName(AlertState s);  // "inactive", "pending", "firing"

struct Alert {
  promql::Labels labels;  // including alertname
  std::vector<promql::Label> annotations;
  double value = 0;
  AlertState state = AlertState::kInactive;
  int64_t active_at_ms = 0;
  int64_t fired_at_ms = 0;
  int64_t resolved_at_ms = 0;        // 0 while not resolved
  int64_t keep_firing_since_ms = 0;  // 0 while the expression still returns it
  int64_t last_sent_ms = 0;          // last time it went to Alertmanager
  int64_t valid_until_ms = 0;        // endsAt sent for a firing alert
};

// One state change of one alert.
struct AlertTransition {
  std::string rule;  // alert name
  promql::Labels labels;
  std::vector<promql::Label> annotations;
  AlertState from = AlertState::kInactive;
  AlertState to = AlertState::kInactive;
  int64_t t_ms = 0;
  double value = 0;
  int64_t active_at_ms = 0;
};

// What templates need besides the sample: external labels and URL, and the
// `query` function at the evaluation time (may be empty).
struct ExpandContext {
  promql::Labels external_labels;
  std::string external_url;
  TemplateQuery query;
};

class AlertingRule {
 public:
  // `rule` must be an alerting rule; `group_labels` are added to its labels
  // (the rule's own win).  The rule is copied.
  AlertingRule(const Rule& rule, const std::vector<promql::Label>& group_labels);

  // Applies the result of evaluating the expression at `t_ms`.  Appends the
  // state changes to *transitions and returns the ALERTS and
  // ALERTS_FOR_STATE samples.  Errors: the labelset collision and the limit
  // (see the file comment).
  Result<promql::Vector> Eval(const promql::Vector& result, int64_t t_ms, int limit,
                              const ExpandContext& ctx, std::vector<AlertTransition>* transitions);

  // The firing and resolved alerts Alertmanager must hear about at `t_ms`,
  // as Prometheus decides (rules/alerting.go sendAlerts): never pending
  // ones; a resolution not yet sent; anything last sent more than
  // `resend_delay_ms` ago.  Marks them sent; valid_until_ms becomes
  // t + 4 * max(resend delay, group interval).
  std::vector<Alert> TakeAlertsToSend(int64_t t_ms, int64_t resend_delay_ms, int64_t interval_ms);

  // Pending and firing alerts, sorted by labels.
  std::vector<Alert> ActiveAlerts() const;
  // Also the resolved ones still retained.
  std::vector<Alert> AllAlerts() const;
  const Rule& rule() const { return rule_; }

 private:
  Rule rule_;
  std::map<std::string, Alert> active_;  // by Labels::Key()
};

}  // namespace vitals::alerting
