#include "cli/load_watch.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>

#include "alerting/go_format.h"
#include "alerting/rule_file.h"

namespace vitals::cli {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ShownLabels(const promql::Labels& l) {
  promql::Labels copy = l;
  copy.Remove("alertname");
  return copy.ToString();
}

}  // namespace

Result<std::unique_ptr<LoadWatch>> LoadWatch::Start(const LoadWatchOptions& options,
                                                    const PromSourceOptions& prom,
                                                    int64_t scrape_interval_ms) {
  std::vector<alerting::RuleFile> files;
  std::string problems;
  for (const auto& path : options.rule_files) {
    auto rf = alerting::LoadRuleFile(path);
    if (!rf.ok()) {
      problems += (problems.empty() ? "" : "\n") + rf.status().message();
      continue;
    }
    files.push_back(std::move(*rf));
  }
  if (!problems.empty()) {
    return Status::InvalidArgument("--watch-rules:\n" + problems +
                                   "\n(vitals watch --check FILE lists every problem)");
  }
  std::unique_ptr<LoadWatch> w(new LoadWatch());
  auto source = RuleSource::Open(options.prometheus, prom, scrape_interval_ms);
  if (!source.ok()) return source.status();
  w->source_ = std::move(*source);
  w->description_ = w->source_->Describe();
  alerting::WatchOptions wo;
  wo.default_interval_ms = options.eval_interval_ms;
  w->watcher_ = std::make_unique<alerting::RuleWatcher>(std::move(files), wo);
  Status first = w->source_->ScrapeIfDue(NowMs());
  if (!first.ok()) return first;
  w->watcher_->Start(NowMs());
  w->thread_ = std::thread([p = w.get()] { p->Loop(); });
  return w;
}

LoadWatch::~LoadWatch() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void LoadWatch::Loop() {
  while (!stop_) {
    int64_t now = NowMs();
    if (now >= source_->next_scrape_ms()) {
      Status st = source_->ScrapeIfDue(now);
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        if (errors_.size() < 5) errors_.push_back(st.message());
      }
      continue;
    }
    if (now >= watcher_->NextDueMs()) {
      std::vector<std::string> errs;
      auto changes = watcher_->RunDue(now, source_->hooks(), &errs);
      std::lock_guard<std::mutex> lock(mu_);
      transitions_.insert(transitions_.end(), changes.begin(), changes.end());
      for (auto& e : errs) {
        if (errors_.size() < 5) errors_.push_back(std::move(e));
      }
      continue;
    }
    int64_t wake = std::min(watcher_->NextDueMs(), source_->next_scrape_ms());
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::clamp<int64_t>(wake - NowMs(), 1, 50)));
  }
}

std::vector<alerting::AlertTransition> LoadWatch::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  return transitions_;
}

std::vector<std::string> LoadWatch::errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return errors_;
}

uint64_t CountFired(const std::vector<alerting::AlertTransition>& transitions) {
  std::set<std::string> fired;
  for (const auto& t : transitions) {
    if (t.to == alerting::AlertState::kFiring) fired.insert(t.rule + t.labels.Key());
  }
  return fired.size();
}

std::vector<StoredAlert> ToStoredAlerts(const std::vector<alerting::AlertTransition>& transitions) {
  std::vector<StoredAlert> out;
  for (const auto& t : transitions) {
    nlohmann::ordered_json labels = nlohmann::ordered_json::object();
    for (const auto& l : t.labels.items()) labels[l.name] = l.value;
    nlohmann::ordered_json ann = nlohmann::ordered_json::object();
    for (const auto& a : t.annotations) ann[a.name] = a.value;
    StoredAlert s;
    s.t_unix_ms = t.t_ms;
    s.alert = t.rule;
    s.from = std::string(alerting::AlertStateName(t.from));
    s.to = std::string(alerting::AlertStateName(t.to));
    s.labels_json = labels.dump();
    s.annotations_json = ann.dump();
    s.value = t.value;
    out.push_back(std::move(s));
  }
  return out;
}

std::string FormatRunAlerts(const std::vector<alerting::AlertTransition>& transitions,
                            int64_t run_start_ms) {
  if (transitions.empty()) return "";
  std::string out = "\nAlerts during the run (time from the start):\n";
  for (const auto& t : transitions) {
    out += fmt::format("  {:>7.1f}s  {:<24} {:>8} -> {:<8} {} value={}\n",
                       double(t.t_ms - run_start_ms) / 1000.0, t.rule,
                       alerting::AlertStateName(t.from), alerting::AlertStateName(t.to),
                       ShownLabels(t.labels), alerting::GoFloat(t.value));
  }
  return out;
}

}  // namespace vitals::cli
