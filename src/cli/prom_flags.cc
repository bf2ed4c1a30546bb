#include "cli/prom_flags.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "core/units.h"

namespace vitals::cli {
namespace {

// The first line of `path`, without its newline.
Result<std::string> ReadSecretFile(const std::string& flag, const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument(fmt::format("{} {}: cannot read the file", flag, path));
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.empty()) {
    return Status::InvalidArgument(fmt::format("{} {}: the file is empty", flag, path));
  }
  return line;
}

}  // namespace

void AddPromFlags(CLI::App& app, PromFlags* f) {
  app.add_option("--prometheus-user", f->user,
                 "Basic-auth user for the Prometheus URLs (or VITALS_PROMETHEUS_USER; "
                 "user:password@host in the URL works too)")
      ->type_name("USER")
      ->group("Prometheus");
  app.add_option("--prometheus-password-file", f->password_file,
                 "File whose first line is the basic-auth password (or "
                 "VITALS_PROMETHEUS_PASSWORD)")
      ->type_name("FILE")
      ->group("Prometheus");
  app.add_option("--prometheus-token-file", f->token_file,
                 "File whose first line is a bearer token (or VITALS_PROMETHEUS_TOKEN)")
      ->type_name("FILE")
      ->group("Prometheus");
  app.add_option("--scrape-interval", f->scrape_interval,
                 "Between two scrapes of a /metrics endpoint (default 1s)")
      ->type_name("DURATION")
      ->group("Prometheus");
  app.add_option("--prometheus-timeout", f->timeout, "Per request to Prometheus (default 5s)")
      ->type_name("DURATION")
      ->group("Prometheus");
  app.add_option("--max-series", f->max_series,
                 "Series vitals keeps when it scrapes endpoints itself (default 100000); a "
                 "target over the cap is an error, never silently cut")
      ->type_name("N")
      ->group("Prometheus");
}

Result<PromSourceOptions> ResolvePromFlags(const PromFlags& f, int64_t* scrape_interval_ns) {
  PromSourceOptions o;
  o.auth = PromAuthFromEnv();
  if (!f.user.empty()) o.auth.user = f.user;
  if (!f.password_file.empty()) {
    auto p = ReadSecretFile("--prometheus-password-file", f.password_file);
    if (!p.ok()) return p.status();
    o.auth.password = *p;
  }
  if (!f.token_file.empty()) {
    auto t = ReadSecretFile("--prometheus-token-file", f.token_file);
    if (!t.ok()) return t.status();
    o.auth.bearer_token = *t;
  }
  if (!o.auth.password.empty() && o.auth.user.empty()) {
    return Status::InvalidArgument(
        "a Prometheus password is set but no user: pass --prometheus-user (or "
        "VITALS_PROMETHEUS_USER)");
  }
  auto timeout = ParseDurationNs(f.timeout);
  if (!timeout.ok() || *timeout < 1'000'000) {
    return Status::InvalidArgument(fmt::format(
        "--prometheus-timeout {}: expected a duration of at least 1ms, e.g. 5s", f.timeout));
  }
  o.timeout_ms = *timeout / 1'000'000;
  auto interval = ParseDurationNs(f.scrape_interval);
  if (!interval.ok() || *interval < 10'000'000) {
    return Status::InvalidArgument(fmt::format(
        "--scrape-interval {}: expected a duration of at least 10ms, e.g. 1s", f.scrape_interval));
  }
  if (scrape_interval_ns) *scrape_interval_ns = *interval;
  if (f.max_series == 0) {
    return Status::InvalidArgument("--max-series 0: expected at least 1 series");
  }
  o.max_series = f.max_series;
  return o;
}

}  // namespace vitals::cli
