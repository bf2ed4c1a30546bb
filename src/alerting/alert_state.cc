#include "alerting/alert_state.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace vitals::alerting {
namespace {

constexpr int64_t kResolvedRetentionMs = 15 * 60 * 1000;
constexpr std::string_view kAlertNameLabel = "alertname";
constexpr std::string_view kAlertStateLabel = "alertstate";

std::string Expand(const TemplatedLabel& l, const TemplateData& data, const ExpandContext& ctx) {
  if (!l.tmpl) return l.text;
  auto out = l.tmpl->Execute(data, ctx.query);
  if (!out.ok()) return fmt::format("<error expanding template: {}>", out.status().message());
  return *out;
}

promql::Sample SeriesSample(const Alert& a, std::string_view name, double v, int64_t t_ms,
                            bool with_state) {
  promql::Labels l = a.labels;
  l.Set(promql::kMetricName, name);
  if (with_state) l.Set(kAlertStateLabel, AlertStateName(a.state));
  return promql::Sample{std::move(l), promql::Point{t_ms, v}};
}

}  // namespace

std::string_view AlertStateName(AlertState s) {
  switch (s) {
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
    default:
      return "inactive";
  }
}

AlertingRule::AlertingRule(const Rule& rule, const std::vector<promql::Label>& group_labels)
    : rule_(rule) {
  for (const auto& g : group_labels) {
    bool overridden = false;
    for (const auto& l : rule_.labels) overridden = overridden || l.name == g.name;
    if (!overridden) rule_.labels.push_back({g.name, g.value, nullptr});
  }
}

Result<promql::Vector> AlertingRule::Eval(const promql::Vector& result, int64_t t_ms, int limit,
                                          const ExpandContext& ctx,
                                          std::vector<AlertTransition>* transitions) {
  std::map<std::string, Alert> fresh;
  for (const promql::Sample& s : result) {
    TemplateData data;
    data.labels = s.labels;
    data.value = s.point.v;
    data.external_labels = ctx.external_labels;
    data.external_url = ctx.external_url;
    promql::Labels lbs = s.labels.WithoutName();
    for (const auto& l : rule_.labels) lbs.Set(l.name, Expand(l, data, ctx));
    lbs.Set(kAlertNameLabel, rule_.alert);
    Alert a;
    for (const auto& an : rule_.annotations) {
      a.annotations.push_back({an.name, Expand(an, data, ctx)});
    }
    a.labels = std::move(lbs);
    a.value = s.point.v;
    a.state = AlertState::kPending;
    a.active_at_ms = t_ms;
    std::string key = a.labels.Key();
    if (fresh.count(key) > 0) {
      return Status::InvalidArgument(
          "vector contains metrics with the same labelset after applying alert labels");
    }
    fresh.emplace(std::move(key), std::move(a));
  }
  for (auto& [key, a] : fresh) {
    auto it = active_.find(key);
    if (it != active_.end() && it->second.state != AlertState::kInactive) {
      it->second.value = a.value;
      it->second.annotations = a.annotations;
      continue;
    }
    active_[key] = std::move(a);
  }
  std::vector<AlertTransition> changes;
  auto note = [&](const Alert& a, AlertState from) {
    changes.push_back(AlertTransition{rule_.alert, a.labels, a.annotations, from, a.state, t_ms,
                                      a.value, a.active_at_ms});
  };
  promql::Vector out;
  int active_pending = 0;
  for (auto it = active_.begin(); it != active_.end();) {
    Alert& a = it->second;
    AlertState before = a.state;
    bool is_new = before == AlertState::kPending && a.active_at_ms == t_ms &&
                  fresh.count(it->first) > 0 && a.fired_at_ms == 0;
    if (fresh.count(it->first) == 0) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && rule_.keep_firing_for_ms > 0) {
        if (a.keep_firing_since_ms == 0) a.keep_firing_since_ms = t_ms;
        if (t_ms - a.keep_firing_since_ms < rule_.keep_firing_for_ms) keep_firing = true;
      }
      bool erase = a.state == AlertState::kPending ||
                   (a.resolved_at_ms != 0 && t_ms - a.resolved_at_ms > kResolvedRetentionMs);
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at_ms = t_ms;
        note(a, before);
      }
      if (erase) {
        it = active_.erase(it);
        continue;
      }
      if (!keep_firing) {
        ++it;
        continue;
      }
    } else {
      a.keep_firing_since_ms = 0;
    }
    ++active_pending;
    if (a.state == AlertState::kPending && t_ms - a.active_at_ms >= rule_.for_ms) {
      a.state = AlertState::kFiring;
      a.fired_at_ms = t_ms;
    }
    if (is_new) {
      note(a, AlertState::kInactive);
    } else if (a.state != before) {
      note(a, before);
    }
    out.push_back(SeriesSample(a, "ALERTS", 1, t_ms, true));
    out.push_back(SeriesSample(a, "ALERTS_FOR_STATE", double(a.active_at_ms / 1000), t_ms, false));
    ++it;
  }
  if (limit > 0 && active_pending > limit) {
    active_.clear();
    return Status::InvalidArgument(
        fmt::format("exceeded limit of {} with {} alerts", limit, active_pending));
  }
  transitions->insert(transitions->end(), changes.begin(), changes.end());
  return out;
}

std::vector<Alert> AlertingRule::TakeAlertsToSend(int64_t t_ms, int64_t resend_delay_ms,
                                                  int64_t interval_ms) {
  std::vector<Alert> out;
  for (auto& [k, a] : active_) {
    if (a.state == AlertState::kPending) continue;
    bool resolved_unsent = a.resolved_at_ms != 0 && a.resolved_at_ms > a.last_sent_ms;
    if (!resolved_unsent && !(a.last_sent_ms + resend_delay_ms < t_ms) && a.last_sent_ms != 0)
      continue;
    a.last_sent_ms = t_ms;
    a.valid_until_ms = t_ms + 4 * std::max(resend_delay_ms, interval_ms);
    out.push_back(a);
  }
  return out;
}

std::vector<Alert> AlertingRule::ActiveAlerts() const {
  std::vector<Alert> out;
  for (const auto& [k, a] : active_) {
    if (a.state != AlertState::kInactive) out.push_back(a);
  }
  std::sort(out.begin(), out.end(),
            [](const Alert& x, const Alert& y) { return x.labels < y.labels; });
  return out;
}

std::vector<Alert> AlertingRule::AllAlerts() const {
  std::vector<Alert> out;
  for (const auto& [k, a] : active_) out.push_back(a);
  std::sort(out.begin(), out.end(),
            [](const Alert& x, const Alert& y) { return x.labels < y.labels; });
  return out;
}

}  // namespace vitals::alerting
