#include "alerting/watcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "alerting/go_format.h"

namespace vitals::alerting {
namespace {

std::string Escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string LabelText(const promql::Labels& l) {
  std::string out;
  for (const auto& item : l.items()) {
    if (item.name == promql::kMetricName) continue;
    out += (out.empty() ? "" : ",") + item.name + "=\"" + Escape(item.value) + "\"";
  }
  return out;
}

}  // namespace

RuleWatcher::RuleWatcher(std::vector<RuleFile> files, WatchOptions options)
    : files_(std::move(files)), options_(std::move(options)) {
  for (const RuleFile& f : files_) {
    for (const RuleGroup& g : f.groups) {
      Entry e;
      e.eval = std::make_unique<GroupEvaluator>(g);
      groups_.push_back(std::move(e));
      GroupStats s;
      s.file = f.path;
      s.name = g.name;
      s.interval_ms = g.interval_ms > 0 ? g.interval_ms : options_.default_interval_ms;
      s.rules = g.rules.size();
      stats_.push_back(std::move(s));
    }
  }
}

void RuleWatcher::Start(int64_t start_ms) {
  for (auto& e : groups_) e.next_ms = start_ms;
}

int64_t RuleWatcher::NextDueMs() const {
  int64_t next = std::numeric_limits<int64_t>::max();
  for (const auto& e : groups_) next = std::min(next, e.next_ms);
  return next;
}

size_t RuleWatcher::rule_count() const {
  size_t n = 0;
  for (const auto& f : files_) n += f.rule_count();
  return n;
}

std::vector<AlertTransition> RuleWatcher::RunDue(int64_t now_ms, const EvalHooks& hooks,
                                                 std::vector<std::string>* errors) {
  std::vector<AlertTransition> out;
  for (size_t i = 0; i < groups_.size(); ++i) {
    Entry& e = groups_[i];
    GroupStats& s = stats_[i];
    if (e.next_ms > now_ms) continue;
    // The latest due time not after now; the ones skipped are missed.
    int64_t behind = (now_ms - e.next_ms) / s.interval_ms;
    int64_t t = e.next_ms + behind * s.interval_ms;
    s.missed += uint64_t(behind);
    std::vector<RuleOutcome> outcomes;
    e.eval->Eval(t, hooks, &out, &outcomes);
    double total_s = 0;
    for (const auto& o : outcomes) {
      ++s.rule_evaluations;
      total_s += double(o.duration_ns) / 1e9;
      if (!o.status.ok()) {
        ++s.rule_failures;
        if (errors != nullptr) {
          errors->push_back(fmt::format("group \"{}\", rule \"{}\": {}", s.name, o.rule->name(),
                                        o.status.message()));
        }
      }
    }
    ++s.iterations;
    s.last_duration_s = total_s;
    s.duration_sum_s += total_s;
    e.next_ms = t + s.interval_ms;
  }
  return out;
}

std::vector<Alert> RuleWatcher::TakeAlertsToSend(int64_t now_ms, int64_t resend_delay_ms) {
  std::vector<Alert> out;
  for (size_t i = 0; i < groups_.size(); ++i) {
    for (const auto& ar : groups_[i].eval->alerting()) {
      if (!ar) continue;
      for (Alert& a : ar->TakeAlertsToSend(now_ms, resend_delay_ms, stats_[i].interval_ms)) {
        for (const auto& l : options_.external_labels.items()) {
          if (!a.labels.Has(l.name)) a.labels.Set(l.name, l.value);
        }
        out.push_back(std::move(a));
      }
    }
  }
  return out;
}

std::vector<Alert> RuleWatcher::ActiveAlerts() const {
  std::vector<Alert> out;
  for (const auto& e : groups_) {
    for (const auto& ar : e.eval->alerting()) {
      if (!ar) continue;
      auto a = ar->ActiveAlerts();
      out.insert(out.end(), a.begin(), a.end());
    }
  }
  return out;
}

std::string RuleWatcher::MetricsText() const {
  std::string out;
  out += "# HELP ALERTS Pending and firing alerts of the watched rules.\n# TYPE ALERTS gauge\n";
  std::string for_state =
      "# HELP ALERTS_FOR_STATE Since when (Unix seconds) each alert is active.\n"
      "# TYPE ALERTS_FOR_STATE gauge\n";
  for (const Alert& a : ActiveAlerts()) {
    std::string l = LabelText(a.labels);
    out += fmt::format("ALERTS{{{}{}alertstate=\"{}\"}} 1\n", l, l.empty() ? "" : ",",
                       AlertStateName(a.state));
    for_state += fmt::format("ALERTS_FOR_STATE{{{}}} {}\n", l, a.active_at_ms / 1000);
  }
  out += for_state;
  struct Metric {
    const char* name;
    const char* type;
    const char* help;
    std::string (*value)(const GroupStats&);
  };
  static const Metric kMetrics[] = {
      {"prometheus_rule_evaluations_total", "counter", "The total number of rule evaluations.",
       [](const GroupStats& s) { return std::to_string(s.rule_evaluations); }},
      {"prometheus_rule_evaluation_failures_total", "counter",
       "The total number of rule evaluation failures.",
       [](const GroupStats& s) { return std::to_string(s.rule_failures); }},
      {"prometheus_rule_group_iterations_total", "counter",
       "The total number of scheduled rule group evaluations.",
       [](const GroupStats& s) { return std::to_string(s.iterations + s.missed); }},
      {"prometheus_rule_group_iterations_missed_total", "counter",
       "The total number of rule group evaluations missed due to slow rule group evaluation.",
       [](const GroupStats& s) { return std::to_string(s.missed); }},
      {"prometheus_rule_group_last_duration_seconds", "gauge",
       "The duration of the last rule group evaluation.",
       [](const GroupStats& s) { return GoFloat(s.last_duration_s); }},
      {"prometheus_rule_group_duration_seconds_sum", "counter",
       "The total time spent evaluating the rule group.",
       [](const GroupStats& s) { return GoFloat(s.duration_sum_s); }},
      {"prometheus_rule_group_interval_seconds", "gauge", "The interval of a rule group.",
       [](const GroupStats& s) { return GoFloat(double(s.interval_ms) / 1000); }},
      {"prometheus_rule_group_rules", "gauge", "The number of rules.",
       [](const GroupStats& s) { return std::to_string(s.rules); }},
  };
  for (const Metric& m : kMetrics) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", m.name, m.help, m.name, m.type);
    for (const GroupStats& s : stats_) {
      out += fmt::format("{}{{rule_group=\"{}\"}} {}\n", m.name, Escape(s.file + ";" + s.name),
                         m.value(s));
    }
  }
  return out;
}

}  // namespace vitals::alerting
