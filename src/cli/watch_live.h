// `vitals watch --rules FILE... --prometheus URL...`: the rule files
// evaluated live (alerting/watcher.h) against a Prometheus server or
// /metrics endpoints vitals scrapes itself, with state changes printed as
// they happen, JSON lines, a /metrics endpoint of its own and Alertmanager
// notifications.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/prom_flags.h"

namespace vitals::cli {

struct WatchLiveFlags {
  std::vector<std::string> rules;
  std::vector<std::string> prometheus;
  std::vector<std::string> alertmanager;
  std::vector<std::string> external_labels;  // NAME=VALUE
  std::string external_url;
  std::string listen;
  std::string json;
  std::string duration;
  std::string eval_interval = "1m";
  std::string resend_delay = "1m";
  PromFlags prom;
};

// Registers the live-mode flags (and the Prometheus flags) on `app`.
void AddWatchLiveFlags(CLI::App& app, WatchLiveFlags* flags);

// Runs the live mode; returns the exit code (0 ok, 1 the source failed, 2
// usage or rule file errors).
int RunWatchLive(const WatchLiveFlags& flags);

}  // namespace vitals::cli
