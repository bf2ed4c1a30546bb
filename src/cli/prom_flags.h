// The flags every command that talks to Prometheus shares (check, query):
// credentials, timeouts, scraping and the series cap.  Credentials never come
// from a plain flag value that `ps` would show: the user name may, the
// password and token come from a file or the environment.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "collect/prom_source.h"
#include "core/status.h"

namespace vitals::cli {

struct PromFlags {
  std::string user;           // --prometheus-user (or VITALS_PROMETHEUS_USER)
  std::string password_file;  // --prometheus-password-file (or VITALS_PROMETHEUS_PASSWORD)
  std::string token_file;     // --prometheus-token-file (or VITALS_PROMETHEUS_TOKEN)
  std::string scrape_interval = "1s";
  std::string timeout = "5s";
  size_t max_series = 100'000;
};

// Registers the flags above on `app`.
void AddPromFlags(CLI::App& app, PromFlags* flags);

// The source options the flags and the environment give.  Errors name the
// flag (an unreadable file, a bad duration); messages never hold a secret.
Result<PromSourceOptions> ResolvePromFlags(const PromFlags& flags, int64_t* scrape_interval_ns);

}  // namespace vitals::cli
