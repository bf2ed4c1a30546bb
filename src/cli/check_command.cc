// vitals check: collect facts from the components named on the command line
// (concurrently, over the same window), evaluate the rule catalog, print
// findings.  Read-only: collectors only read.
//
// Adding a component: write its collector in src/collect/ and add one block
// in BuildJobs below (its flag is already defined in RunCheck).  A component
// that was asked for but has no job reports "could not check" (exit 1).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/check_record.h"
#include "cli/commands.h"
#include "cli/prom_flags.h"
#include "collect/fact.h"
#include "collect/host.h"
#include "collect/http_hygiene.h"
#include "collect/pgbouncer.h"
#include "collect/postgres.h"
#include "collect/prometheus.h"
#include "collect/redis.h"
#include "core/redact.h"
#include "core/status.h"
#include "core/units.h"
#include "net/url.h"
#include "rules/evaluate.h"
#include "rules/format.h"
#include "rules/loader.h"

namespace vitals::cli {
namespace {

struct CheckFlags {
  bool host = false;
  std::string proc_root;
  std::vector<std::string> prometheus;  // URLs
  std::string postgres;                 // DSN
  int explain_statements = 10;          // --explain-statements
  bool explain_analyze = false;         // --explain-analyze
  std::string redis;                    // URL
  std::string pgbouncer;                // DSN of the admin console
  std::vector<std::string> http;        // --http URLs
  std::string http_cacert;
  int64_t redis_key_budget_ns = 2'000'000'000;
  int64_t window_ns = 5'000'000'000;
  bool window_given = false;
  PromSourceOptions prom;  // credentials, timeouts, series cap
  int64_t scrape_interval_ns = 1'000'000'000;
  std::string prom_match, latency_metric, requests_metric;
  std::string rules_dir;
  OutputFormat format = OutputFormat::kText;
  std::string output_file;
  std::string fail_on;  // "", "warning" or "critical"
  bool list_rules = false;
  bool record = false;     // --record: store the findings with the time (vitals incident)
  std::string run;         // --run: attach the recorded check to this run
  std::string store_flag;  // --store
};

// One component to check.  `target` is shown in messages and must already be
// masked (RedactSecrets).  `collect` runs on its own thread.
struct ComponentJob {
  std::string component;
  std::string target;
  std::function<Result<Collection>()> collect;
};

std::vector<ComponentJob> BuildJobs(const CheckFlags& f) {
  std::vector<ComponentJob> jobs;

  // --- host ---
  if (f.host || !f.proc_root.empty()) {
    HostOptions o;
    if (!f.proc_root.empty()) o.proc_root = f.proc_root;
    o.window_ns = f.window_ns;
    jobs.push_back({"host", o.proc_root, [o] { return CollectHost(o); }});
  }

  // --- prometheus ---
  for (const auto& url : f.prometheus) {
    PrometheusOptions o;
    o.url = url;
    o.window_ns = f.window_ns;
    // Against a server the window is the PromQL range; the runbooks' 5m
    // unless --window says otherwise.
    if (f.window_given) o.server_window_ns = f.window_ns;
    o.scrape_interval_ns = f.scrape_interval_ns;
    o.auth = f.prom.auth;
    o.timeout_ms = f.prom.timeout_ms;
    o.max_series = f.prom.max_series;
    o.selector = f.prom_match;
    o.latency_metric = f.latency_metric;
    o.requests_metric = f.requests_metric;
    jobs.push_back({"prometheus", RedactSecrets(url), [o] { return CollectPrometheus(o); }});
  }

  // --- postgres ---
  if (!f.postgres.empty()) {
    PostgresOptions o;
    o.dsn = f.postgres;
    o.window_ns = f.window_ns;
    o.explain_statements = f.explain_statements;
    o.explain_analyze = f.explain_analyze;
    jobs.push_back({"postgres", RedactSecrets(f.postgres), [o] { return CollectPostgres(o); }});
  }

  // --- pgbouncer ---
  if (!f.pgbouncer.empty()) {
    PgBouncerOptions o;
    o.dsn = f.pgbouncer;
    jobs.push_back({"pgbouncer", RedactSecrets(f.pgbouncer), [o] { return CollectPgBouncer(o); }});
  }

  // --- http ---
  if (!f.http.empty()) {
    HttpHygieneOptions o;
    o.urls = f.http;
    o.cacert = f.http_cacert;
    std::string shown;
    for (const auto& u : f.http) shown += (shown.empty() ? "" : ", ") + RedactSecrets(u);
    jobs.push_back({"http", shown, [o] { return CollectHttp(o); }});
  }

  // --- redis ---
  if (!f.redis.empty()) {
    RedisOptions o;
    o.url = f.redis;
    o.key_budget_ns = f.redis_key_budget_ns;
    o.window_ns = f.window_ns;
    jobs.push_back({"redis", RedactSecrets(f.redis), [o] { return CollectRedis(o); }});
  }

  return jobs;
}

// Components the flags ask for, in display order.
std::vector<std::string> Requested(const CheckFlags& f) {
  std::vector<std::string> out;
  if (f.host || !f.proc_root.empty()) out.push_back("host");
  if (!f.prometheus.empty()) out.push_back("prometheus");
  if (!f.postgres.empty()) out.push_back("postgres");
  if (!f.pgbouncer.empty()) out.push_back("pgbouncer");
  if (!f.redis.empty()) out.push_back("redis");
  if (!f.http.empty()) out.push_back("http");
  return out;
}

// Runs every job on its own thread so that all components are sampled over
// the same window; a collector that throws is reported, never propagated.
std::vector<Result<Collection>> RunJobs(const std::vector<ComponentJob>& jobs) {
  std::vector<std::optional<Result<Collection>>> slots(jobs.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < jobs.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        slots[i] = jobs[i].collect();
      } catch (const std::exception& e) {
        slots[i] =
            Result<Collection>(Status::Internal(std::string("collector failed: ") + e.what()));
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<Result<Collection>> out;
  for (auto& s : slots) out.push_back(std::move(*s));
  return out;
}

Status WriteOutput(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return Status::Ok();
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::Io(fmt::format("-o {}: cannot write the report", path));
  return Status::Ok();
}

int Usage(const std::string& msg) {
  std::fprintf(stderr, "vitals check: %s\n(see vitals check --help)\n", msg.c_str());
  return kExitUsage;
}

constexpr const char* kExamples = R"(
Examples:
  vitals check --host                          # this machine, 5 s window
  vitals check --host --window 10s --fail-on critical
  vitals check --proc-root ./capture           # a captured /proc tree (t0/ and t1/)
  vitals check --host --prometheus http://127.0.0.1:9090 --redis redis://127.0.0.1:6379
  vitals check --prometheus http://127.0.0.1:9090 --prometheus-match 'job="api"' --window 10m
  vitals check --prometheus http://127.0.0.1:8080/metrics --window 30s  # scrapes every 1s
  vitals check --postgres 'postgres://app@127.0.0.1/app' --format markdown -o check.md
  vitals check --postgres 'postgres://app@127.0.0.1/app' --explain-analyze --record
  vitals check --pgbouncer 'postgresql://pgbouncer@127.0.0.1:6432/pgbouncer' --postgres ...
  vitals check --http https://shop.example/app.js --http https://shop.example/healthz
  vitals check --list-rules --rules ./my-rules # shipped rules plus/overridden by ./my-rules
  vitals check --prometheus http://127.0.0.1:8080/metrics --record  # kept for vitals incident

Exit codes: 0 no finding at the --fail-on level (or no --fail-on) and every component checked;
1 a component could not be checked; 2 usage or rule error; 99 a finding at the --fail-on level.
Rule format: docs/rules.md. Passwords in DSNs and URLs are never printed.)";

}  // namespace

int RunCheck(int argc, char** argv) {
  CheckFlags f;
  std::string window = "5s";
  std::string format = "text";
  CLI::App app{
      "Diagnose a live system: read host, Prometheus, PostgreSQL and Redis signals and "
      "report what is wrong and what to do (read-only)",
      "vitals check"};
  app.footer(kExamples);
  app.add_flag("--host", f.host, "Check this machine (CPU, memory, disks, network) from /proc");
  app.add_option("--proc-root", f.proc_root,
                 "Read /proc from DIR instead (a mounted host /proc, or a capture with t0/ and "
                 "t1/ samples); implies --host")
      ->type_name("DIR");
  app.add_option("--prometheus", f.prometheus,
                 "Prometheus server or /metrics endpoint (repeatable)")
      ->type_name("URL")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--postgres", f.postgres, "PostgreSQL connection string")->type_name("DSN");
  app.add_option("--explain-statements", f.explain_statements,
                 "EXPLAIN this many of the statements with the most total time in "
                 "pg_stat_statements (generic plans, nothing executed); 0 skips plans")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(0, 100))
      ->group("PostgreSQL");
  app.add_flag("--explain-analyze", f.explain_analyze,
               "Also EXPLAIN (ANALYZE, BUFFERS) the plain parameterless SELECTs among them: "
               "runs them inside BEGIN READ ONLY with a 5 s statement_timeout, then ROLLBACK")
      ->group("PostgreSQL");
  app.add_option("--http", f.http,
                 "HTTP endpoint to check for hygiene: compression, caching headers, keep-alive, "
                 "HTTP/2, timing breakdown (repeatable; GET only)")
      ->type_name("URL")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--http-cacert", f.http_cacert, "Extra CA bundle for --http https:// URLs")
      ->type_name("FILE");
  app.add_option("--pgbouncer", f.pgbouncer,
                 "PgBouncer admin console: postgresql://USER@HOST:6432/pgbouncer (SHOW only)")
      ->type_name("DSN");
  app.add_option("--redis", f.redis, "Redis URL (redis://[:password@]host:port)")->type_name("URL");
  std::string key_budget = "2s";
  app.add_option("--redis-key-budget", key_budget,
                 "Time for walking the keyspace with SCAN + MEMORY USAGE (biggest keys, "
                 "prefixes, keys without TTL); 0 skips it")
      ->type_name("DURATION")
      ->capture_default_str();
  app.add_option("--window", window,
                 "Sampling window for rates (default 5s); against a Prometheus server, the "
                 "range of its queries (default 5m)")
      ->type_name("DURATION");
  app.add_option("--prometheus-match", f.prom_match,
                 "Label matchers added to every Prometheus selector, e.g. 'job=\"api\"' (one "
                 "service on a shared server)")
      ->type_name("MATCHERS")
      ->group("Prometheus");
  app.add_option("--latency-metric", f.latency_metric,
                 "Name of your HTTP latency histogram/summary (default: the common names)")
      ->type_name("NAME")
      ->group("Prometheus");
  app.add_option("--requests-metric", f.requests_metric,
                 "Name of your HTTP requests counter (default: http_requests_total)")
      ->type_name("NAME")
      ->group("Prometheus");
  PromFlags prom_flags;
  AddPromFlags(app, &prom_flags);
  app.add_option("--rules", f.rules_dir,
                 "Directory of extra rule files (*.yaml); a rule with a shipped id replaces it")
      ->type_name("DIR");
  app.add_option("--format", format, "Output format: text, markdown or json")
      ->check(CLI::IsMember({"text", "markdown", "json"}));
  app.add_option("-o,--output", f.output_file, "Write the report to FILE instead of stdout")
      ->type_name("FILE");
  app.add_option("--fail-on", f.fail_on,
                 "Exit 99 when a finding of this level or worse exists: warning or critical")
      ->check(CLI::IsMember({"warning", "critical"}));
  app.add_flag("--list-rules", f.list_rules, "Print the rule catalog and exit");
  app.add_flag("--record", f.record,
               "Store the findings with the time they were seen, for `vitals incident`")
      ->group("Store");
  app.add_option("--run", f.run, "With --record: attach the check to this run (id, latest, ...)")
      ->type_name("RUN")
      ->group("Store");
  app.add_option("--store", f.store_flag,
                 "With --record: the run store (default $VITALS_STORE or ./.vitals/vitals.db)")
      ->type_name("PATH")
      ->group("Store");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  auto window_ns = ParseDurationNs(window);
  if (!window_ns.ok()) return Usage("--window: " + window_ns.status().message());
  if (*window_ns <= 0 || *window_ns > 3'600'000'000'000) {
    return Usage(fmt::format("--window {}: expected a duration between 1ms and 1h", window));
  }
  f.window_ns = *window_ns;
  auto budget_ns = ParseDurationNs(key_budget);
  if (!budget_ns.ok() || *budget_ns < 0) {
    return Usage(
        fmt::format("--redis-key-budget '{}': expected a duration such as 2s, or 0", key_budget));
  }
  f.redis_key_budget_ns = *budget_ns;
  f.window_given = app.count("--window") > 0;
  auto prom = ResolvePromFlags(prom_flags, &f.scrape_interval_ns);
  if (!prom.ok()) return Usage(prom.status().message());
  f.prom = *prom;
  // 'job="api"' or '{job="api"}'.
  if (f.prom_match.size() >= 2 && f.prom_match.front() == '{' && f.prom_match.back() == '}') {
    f.prom_match = f.prom_match.substr(1, f.prom_match.size() - 2);
  }
  f.format = format == "json"       ? OutputFormat::kJson
             : format == "markdown" ? OutputFormat::kMarkdown
                                    : OutputFormat::kText;

  auto catalog = LoadRuleCatalog(f.rules_dir);
  if (!catalog.ok()) {
    std::fprintf(stderr, "vitals check: %s\n", catalog.status().message().c_str());
    return catalog.status().code() == Status::Code::kInternal ? kExitFailure : kExitUsage;
  }
  if (f.list_rules) {
    Status st = WriteOutput(f.output_file, FormatCatalog(*catalog, f.format));
    if (!st.ok()) {
      std::fprintf(stderr, "vitals check: %s\n", st.message().c_str());
      return kExitFailure;
    }
    return kExitOk;
  }

  CheckReport report;
  report.components = Requested(f);
  if (report.components.empty()) {
    return Usage(
        "nothing to check; pass --host, --proc-root DIR, --prometheus URL, "
        "--postgres DSN, --pgbouncer DSN, --redis URL or --http URL");
  }
  report.window_s = static_cast<double>(f.window_ns) / 1e9;
  for (const auto& s : *catalog) report.rules += static_cast<int>(s.rules.size());

  if (!f.record && (!f.run.empty() || !f.store_flag.empty())) {
    return Usage("--run and --store go with --record (they say where to store the check)");
  }
  const int64_t started_ms = UnixNowMs();
  std::vector<ComponentJob> jobs = BuildJobs(f);
  for (const auto& c : report.components) {
    bool has_job = false;
    for (const auto& j : jobs) has_job = has_job || j.component == c;
    if (!has_job) {
      report.errors.push_back({c, fmt::format("this build of vitals has no {} collector", c)});
    }
  }
  std::vector<Result<Collection>> results = RunJobs(jobs);
  std::vector<Collection> collections;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (!results[i].ok()) {
      // Collectors usually name their target already; say it once.
      std::string target = RedactSecrets(jobs[i].target);
      std::string message = results[i].status().message();
      if (message.find(target) == std::string::npos) message = target + ": " + message;
      report.errors.push_back({jobs[i].component, message});
      continue;
    }
    Collection& c = results[i].value();
    for (const auto& l : c.limited) report.limited.push_back({jobs[i].component, l});
    report.facts += static_cast<int>(c.facts.size());
    report.observed.insert(report.observed.end(), c.facts.begin(), c.facts.end());
    collections.push_back(std::move(c));
  }
  // Plans: compare with the newest recorded check of the same server (needs the store,
  // so only with --record), and keep this check's plans with it.
  std::vector<PlanSnapshot> plans;
  const std::string plans_target = f.postgres.empty() ? "" : RedactSecrets(f.postgres);
  if (f.record) {
    for (auto& c : collections) {
      if (c.component != "postgres") continue;
      plans = PlanSnapshots(c.facts);
      if (plans.empty()) break;
      auto changes = PlanChangesSinceLastCheck(f.store_flag, plans_target, plans);
      if (!changes.ok()) {
        std::fprintf(stderr, "vitals check: --record: %s\n", changes.status().message().c_str());
        return kExitFailure;
      }
      c.facts.insert(c.facts.end(), changes->begin(), changes->end());
      report.facts += static_cast<int>(changes->size());
      report.observed.insert(report.observed.end(), changes->begin(), changes->end());
    }
  }
  report.findings = Evaluate(*catalog, collections);
  if (f.record) {
    auto id = RecordCheckRun({f.store_flag, f.run, started_ms, UnixNowMs(), report.components,
                              FormatReportJson(report), plans_target, plans});
    if (!id.ok()) {
      std::fprintf(stderr, "vitals check: --record: %s\n", id.status().message().c_str());
      return id.status().code() == Status::Code::kNotFound ? kExitUsage : kExitFailure;
    }
    std::fprintf(stderr, "vitals check: recorded as check %s\n", id->c_str());
  }

  bool to_terminal = f.output_file.empty() && isatty(STDOUT_FILENO) == 1;
  bool color = to_terminal && std::getenv("NO_COLOR") == nullptr;
  std::string text = f.format == OutputFormat::kJson       ? FormatReportJson(report)
                     : f.format == OutputFormat::kMarkdown ? FormatReportMarkdown(report)
                                                           : FormatReportText(report, color);
  // The text report already shows errors; other formats (or a file) still
  // deserve a line on stderr so that a failed component is never silent.
  if (f.format != OutputFormat::kText || !f.output_file.empty()) {
    for (const auto& e : report.errors) {
      std::fprintf(stderr, "vitals check: could not check %s: %s\n", e.component.c_str(),
                   RedactSecrets(e.message).c_str());
    }
  }
  Status st = WriteOutput(f.output_file, text);
  if (!st.ok()) {
    std::fprintf(stderr, "vitals check: %s\n", st.message().c_str());
    return kExitFailure;
  }

  if (!f.fail_on.empty()) {
    Level threshold = f.fail_on == "critical" ? Level::kCritical : Level::kWarning;
    for (const auto& finding : report.findings) {
      if (threshold == Level::kWarning || finding.level == Level::kCritical) {
        return kExitThresholds;
      }
    }
  }
  return report.errors.empty() ? kExitOk : kExitFailure;
}

}  // namespace vitals::cli
