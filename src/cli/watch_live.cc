#include "cli/watch_live.h"

#include <fmt/format.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "alerting/alertmanager.h"
#include "alerting/go_format.h"
#include "alerting/rule_file.h"
#include "alerting/watcher.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/metrics_listener.h"
#include "cli/rule_source.h"
#include "core/redact.h"
#include "core/units.h"

namespace vitals::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Clock(int64_t t_ms) {
  time_t s = time_t(t_ms / 1000);
  struct tm tm {};
  gmtime_r(&s, &tm);
  return fmt::format("{:02d}:{:02d}:{:02d}", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string ShownLabels(const promql::Labels& l) {
  promql::Labels copy = l;
  copy.Remove("alertname");
  return copy.ToString();
}

nlohmann::ordered_json TransitionJson(const alerting::AlertTransition& t) {
  nlohmann::ordered_json labels = nlohmann::ordered_json::object();
  for (const auto& l : t.labels.items()) labels[l.name] = l.value;
  nlohmann::ordered_json ann = nlohmann::ordered_json::object();
  for (const auto& l : t.annotations) ann[l.name] = l.value;
  nlohmann::ordered_json j;
  j["time"] = alerting::Rfc3339Ms(t.t_ms);
  j["alert"] = t.rule;
  j["from"] = std::string(alerting::AlertStateName(t.from));
  j["to"] = std::string(alerting::AlertStateName(t.to));
  j["labels"] = labels;
  j["annotations"] = ann;
  j["value"] = std::isfinite(t.value) ? nlohmann::ordered_json(t.value) : nlohmann::ordered_json();
  j["active_since"] = alerting::Rfc3339Ms(t.active_at_ms);
  return j;
}

struct FiringSpan {
  std::string alert, labels;
  int64_t from_ms = 0, to_ms = 0;  // to 0 = still firing
};

}  // namespace

void AddWatchLiveFlags(CLI::App& app, WatchLiveFlags* f) {
  app.add_option("--rules", f->rules, "Rule files to evaluate live")->type_name("FILE");
  app.add_option("--prometheus", f->prometheus,
                 "A Prometheus server, or /metrics endpoints vitals scrapes itself")
      ->type_name("URL");
  app.add_option("--alertmanager", f->alertmanager,
                 "Alertmanager to notify (POST /api/v2/alerts) of firing and resolved alerts")
      ->type_name("URL");
  app.add_option("--listen", f->listen,
                 "Serve /metrics here: ALERTS, ALERTS_FOR_STATE, prometheus_rule_* counters")
      ->type_name("ADDR");
  app.add_option("--json", f->json, "Write one JSON line per alert state change")
      ->type_name("FILE");
  app.add_option("--duration", f->duration, "Stop after this long (default: until Ctrl-C)")
      ->type_name("DURATION");
  app.add_option("--eval-interval", f->eval_interval,
                 "Evaluation interval of groups without their own 'interval' (default 1m)")
      ->type_name("DURATION");
  app.add_option("--resend-delay", f->resend_delay,
                 "Resend firing alerts to Alertmanager this often (default 1m, as Prometheus)")
      ->type_name("DURATION");
  app.add_option("--external-label", f->external_labels,
                 "NAME=VALUE added to alerts sent to Alertmanager ($externalLabels)")
      ->type_name("NAME=VALUE");
  app.add_option("--external-url", f->external_url, "$externalURL and the alerts' generatorURL")
      ->type_name("URL");
  AddPromFlags(app, &f->prom);
}

int RunWatchLive(const WatchLiveFlags& f) {
  auto usage = [](const std::string& msg) {
    std::fprintf(stderr, "vitals watch: %s\n(see vitals watch --help)\n", msg.c_str());
    return kExitUsage;
  };
  if (f.prometheus.empty())
    return usage("--rules needs --prometheus URL (a server or /metrics endpoints)");
  auto dur = [&](const std::string& text, const char* flag, int64_t min_ms) -> Result<int64_t> {
    auto d = ParseDurationNs(text);
    if (!d.ok() || *d / 1'000'000 < min_ms) {
      return Status::InvalidArgument(
          fmt::format("{} {}: expected a duration of at least {}, e.g. 30s", flag, text,
                      alerting::PromDurationString(min_ms)));
    }
    return *d / 1'000'000;
  };
  auto eval_ms = dur(f.eval_interval, "--eval-interval", 100);
  if (!eval_ms.ok()) return usage(eval_ms.status().message());
  auto resend_ms = dur(f.resend_delay, "--resend-delay", 100);
  if (!resend_ms.ok()) return usage(resend_ms.status().message());
  int64_t duration_ms = 0;
  if (!f.duration.empty()) {
    auto d = dur(f.duration, "--duration", 1);
    if (!d.ok()) return usage(d.status().message());
    duration_ms = *d;
  }
  alerting::WatchOptions wopts;
  wopts.default_interval_ms = *eval_ms;
  wopts.external_url = f.external_url;
  std::vector<promql::Label> ext;
  for (const auto& kv : f.external_labels) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || !alerting::IsValidLabelName(kv.substr(0, eq))) {
      return usage("--external-label " + kv + ": expected NAME=VALUE, e.g. cluster=eu-1");
    }
    ext.push_back({kv.substr(0, eq), kv.substr(eq + 1)});
  }
  wopts.external_labels = promql::Labels(std::move(ext));

  std::vector<alerting::RuleFile> files;
  bool bad = false;
  for (const auto& path : f.rules) {
    auto rf = alerting::LoadRuleFile(path);
    if (!rf.ok()) {
      std::fprintf(stderr, "%s\n", rf.status().message().c_str());
      bad = true;
      continue;
    }
    files.push_back(std::move(*rf));
  }
  if (bad) return usage("fix the rule files above (vitals watch --check FILE lists every problem)");

  int64_t scrape_ns = 0;
  auto popts = ResolvePromFlags(f.prom, &scrape_ns);
  if (!popts.ok()) return usage(popts.status().message());
  int64_t scrape_ms = scrape_ns / 1'000'000;

  auto source_or = RuleSource::Open(f.prometheus, *popts, scrape_ms);
  if (!source_or.ok()) {
    if (source_or.status().code() == Status::Code::kInvalidArgument) {
      return usage(source_or.status().message());
    }
    return ReportError("vitals watch", source_or.status());
  }
  RuleSource& source = **source_or;
  alerting::EvalHooks& hooks = source.hooks();
  hooks.external_labels = wopts.external_labels;
  hooks.external_url = wopts.external_url;

  std::unique_ptr<std::ofstream> json;
  if (!f.json.empty()) {
    json = std::make_unique<std::ofstream>(f.json, std::ios::trunc);
    if (!*json) return usage("--json " + f.json + ": cannot be written");
  }
  alerting::RuleWatcher watcher(std::move(files), wopts);
  std::unique_ptr<MetricsListener> listener;
  if (!f.listen.empty()) {
    auto l = MetricsListener::Start(f.listen);
    if (!l.ok()) return usage("--listen " + f.listen + ": " + l.status().message());
    listener = std::move(*l);
    listener->Publish(watcher.MetricsText());
    std::fprintf(stderr, "vitals watch: serving %s\n", listener->url().c_str());
  }

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  bool tty = isatty(STDOUT_FILENO) == 1;
  std::string source_name = source.Describe();
  std::fprintf(stderr, "vitals watch: %zu rules in %zu groups against %s%s\n", watcher.rule_count(),
               watcher.stats().size(), RedactSecrets(source_name).c_str(),
               duration_ms > 0
                   ? fmt::format(" for {}", alerting::PromDurationString(duration_ms)).c_str()
                   : " until Ctrl-C");
  std::fflush(stderr);

  int64_t start = NowMs();
  int64_t end = duration_ms > 0 ? start + duration_ms : INT64_MAX;
  if (Status st = source.ScrapeIfDue(start); !st.ok()) return ReportError("vitals watch", st);
  watcher.Start(NowMs());
  std::vector<FiringSpan> spans;
  std::map<std::string, size_t> open_span;  // alert labels key -> index in spans
  std::deque<std::string> recent;
  uint64_t notify_errors = 0;
  while (!g_stop) {
    int64_t now = NowMs();
    if (now >= end) break;
    if (now >= source.next_scrape_ms()) {
      Status st = source.ScrapeIfDue(now);
      if (!st.ok()) std::fprintf(stderr, "vitals watch: %s\n", RedactSecrets(st.message()).c_str());
      continue;
    }
    if (now >= watcher.NextDueMs()) {
      std::vector<std::string> errors;
      auto changes = watcher.RunDue(now, hooks, &errors);
      for (const auto& e : errors)
        std::fprintf(stderr, "vitals watch: %s\n", RedactSecrets(e).c_str());
      for (const auto& t : changes) {
        std::string line = fmt::format(
            "{} {} {} -> {} {} value={}", Clock(t.t_ms), t.rule, alerting::AlertStateName(t.from),
            alerting::AlertStateName(t.to), ShownLabels(t.labels), alerting::GoFloat(t.value));
        if (!tty) std::printf("%s\n", line.c_str());
        recent.push_back(line);
        if (recent.size() > 10) recent.pop_front();
        if (json) *json << TransitionJson(t).dump() << "\n" << std::flush;
        std::string key = t.rule + t.labels.Key();
        if (t.to == alerting::AlertState::kFiring) {
          open_span[key] = spans.size();
          spans.push_back({t.rule, ShownLabels(t.labels), t.t_ms, 0});
        } else if (t.from == alerting::AlertState::kFiring) {
          if (auto it = open_span.find(key); it != open_span.end()) {
            spans[it->second].to_ms = t.t_ms;
            open_span.erase(it);
          }
        }
      }
      if (!tty) std::fflush(stdout);
      if (tty) {
        std::string screen = "\033[H\033[J";
        screen += fmt::format("vitals watch  {}  {}  ({} rules)\n\n", Clock(now),
                              RedactSecrets(source_name), watcher.rule_count());
        auto active = watcher.ActiveAlerts();
        screen += fmt::format("{:<8} {:<24} {:<12} {:<10} {}\n", "STATE", "ALERT", "VALUE", "SINCE",
                              "LABELS");
        for (const auto& a : active) {
          screen +=
              fmt::format("{:<8} {:<24} {:<12} {:<10} {}\n", alerting::AlertStateName(a.state),
                          std::string(a.labels.Get("alertname")), alerting::GoFloat(a.value),
                          Clock(a.active_at_ms), ShownLabels(a.labels));
        }
        if (active.empty()) screen += "(no pending or firing alerts)\n";
        screen += "\nrecent changes:\n";
        for (const auto& r : recent) screen += "  " + r + "\n";
        std::fwrite(screen.data(), 1, screen.size(), stdout);
        std::fflush(stdout);
      }
      if (!f.alertmanager.empty()) {
        auto to_send = watcher.TakeAlertsToSend(now, *resend_ms);
        const std::string& gen = f.external_url;
        for (const auto& am : f.alertmanager) {
          Status st = alerting::NotifyAlertmanager(am, to_send, gen, popts->timeout_ms);
          if (!st.ok()) {
            ++notify_errors;
            std::fprintf(stderr, "vitals watch: %s\n", RedactSecrets(st.message()).c_str());
          }
        }
      }
      if (listener) listener->Publish(watcher.MetricsText());
      continue;
    }
    int64_t wake = std::min({watcher.NextDueMs(), end, source.next_scrape_ms()});
    int64_t sleep_ms = std::clamp<int64_t>(wake - NowMs(), 1, 100);
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
  }

  // Summary.
  int64_t stop = NowMs();
  uint64_t iterations = 0, failures = 0, evals = 0;
  for (const auto& s : watcher.stats()) {
    iterations += s.iterations;
    failures += s.rule_failures;
    evals += s.rule_evaluations;
  }
  std::printf(
      "\nvitals watch: %s%llu group evaluations (%llu rule evaluations, %llu failed) over %s\n",
      g_stop ? "interrupted; " : "", static_cast<unsigned long long>(iterations),
      static_cast<unsigned long long>(evals), static_cast<unsigned long long>(failures),
      alerting::GoDuration((stop - start) / 1000 * 1000).c_str());
  if (spans.empty()) {
    std::printf("no alert fired\n");
  } else {
    std::printf("alerts that fired:\n");
    for (const auto& s : spans) {
      std::printf("  %-24s %s  fired %s, %s\n", s.alert.c_str(), s.labels.c_str(),
                  Clock(s.from_ms).c_str(),
                  s.to_ms ? fmt::format("resolved {} ({})", Clock(s.to_ms),
                                        alerting::GoDuration(s.to_ms - s.from_ms))
                                .c_str()
                          : "still firing");
    }
  }
  if (notify_errors > 0) {
    std::printf("%llu Alertmanager notifications failed (see above)\n",
                static_cast<unsigned long long>(notify_errors));
  }
  return kExitOk;
}

}  // namespace vitals::cli
