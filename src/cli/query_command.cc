// `vitals query 'EXPR' --prometheus URL`: ad-hoc PromQL against a Prometheus
// server, or over /metrics endpoints vitals scrapes itself (as long as the
// query's ranges need), with the same output either way.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/prom_flags.h"
#include "collect/prom_source.h"
#include "core/clock.h"
#include "core/redact.h"
#include "core/units.h"
#include "promql/parser.h"

namespace vitals::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

constexpr const char* kFooter = R"(
The URL is a Prometheus server (http://host:9090; detected through /api/v1/status/buildinfo)
or a /metrics endpoint (http://host:8080/metrics). Against a server the query is sent to
/api/v1/query or /api/v1/query_range. Against endpoints vitals scrapes them every
--scrape-interval for as long as the query's ranges need (rate(x[30s]) scrapes for 30 s;
--scrape-for overrides it) and evaluates the query itself (the subset of docs/promql.md).

Examples:
  vitals query 'sum by (code) (rate(http_requests_total[1m]))' --prometheus http://127.0.0.1:9090
  vitals query 'histogram_quantile(0.95, sum by (le, handler) (rate(http_request_duration_seconds_bucket[10s])))' \
      --prometheus http://127.0.0.1:8080/metrics
  vitals query 'up' --prometheus http://127.0.0.1:9090 --range 10m --step 15s --format json
  vitals query 'go_goroutines' --prometheus http://127.0.0.1:9090 --at 2026-12-04T10:00:00Z

Output: --format table (default) prints one row per series; json prints what Prometheus'
/api/v1/query answers under "data" ({"resultType": ..., "result": [...]}).
Exit codes: 0 ok; 1 the source failed or refused the query; 2 usage error.)";

// Prometheus' text form of a sample value.
std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

nlohmann::ordered_json MetricJson(const promql::Labels& l) {
  nlohmann::ordered_json m = nlohmann::ordered_json::object();
  for (const auto& item : l.items()) m[item.name] = item.value;
  return m;
}

nlohmann::ordered_json PointJson(const promql::Point& p) {
  return nlohmann::ordered_json::array({double(p.t_ms) / 1000.0, FormatValue(p.v)});
}

nlohmann::ordered_json ValueJson(const promql::Value& v) {
  nlohmann::ordered_json out;
  if (auto* s = std::get_if<promql::Scalar>(&v)) {
    out["resultType"] = "scalar";
    out["result"] = PointJson(s->point);
  } else if (auto* str = std::get_if<promql::String>(&v)) {
    out["resultType"] = "string";
    out["result"] = nlohmann::ordered_json::array({double(str->t_ms) / 1000.0, str->value});
  } else if (auto* vec = std::get_if<promql::Vector>(&v)) {
    out["resultType"] = "vector";
    out["result"] = nlohmann::ordered_json::array();
    for (const auto& s : *vec) {
      out["result"].push_back({{"metric", MetricJson(s.labels)}, {"value", PointJson(s.point)}});
    }
  } else {
    out["resultType"] = "matrix";
    out["result"] = nlohmann::ordered_json::array();
    for (const auto& s : std::get<promql::Matrix>(v)) {
      nlohmann::ordered_json values = nlohmann::ordered_json::array();
      for (const auto& p : s.points) values.push_back(PointJson(p));
      out["result"].push_back({{"metric", MetricJson(s.labels)}, {"values", values}});
    }
  }
  return out;
}

std::string ValueTable(const promql::Value& v) {
  std::string out;
  if (auto* s = std::get_if<promql::Scalar>(&v)) return "scalar  " + FormatValue(s->point.v) + "\n";
  if (auto* str = std::get_if<promql::String>(&v)) return "string  " + str->value + "\n";
  if (auto* vec = std::get_if<promql::Vector>(&v)) {
    if (vec->empty()) return "(no series)\n";
    size_t width = 6;
    for (const auto& s : *vec) width = std::max(width, s.labels.ToString().size());
    out += fmt::format("{:<{}}  {}\n", "SERIES", width, "VALUE");
    for (const auto& s : *vec) {
      out += fmt::format("{:<{}}  {}\n", s.labels.ToString(), width, FormatValue(s.point.v));
    }
    return out;
  }
  const auto& m = std::get<promql::Matrix>(v);
  if (m.empty()) return "(no series)\n";
  for (const auto& s : m) {
    out += s.labels.ToString() + "\n";
    for (const auto& p : s.points) {
      out += fmt::format("  {}  {}\n", FormatUtcTimeMs(p.t_ms), FormatValue(p.v));
    }
  }
  return out;
}

// How long endpoints must be scraped for the expression: the longest range
// plus offset of its range selectors, or offset of its instant selectors
// (one scrape serves an instant selector without offset).
int64_t LongestRangeMs(const promql::Expr& e) {
  int64_t best = 0;
  if (e.kind == promql::ExprKind::kMatrixSelector)
    best = e.range_ms + std::max<int64_t>(0, e.offset_ms);
  if (e.kind == promql::ExprKind::kVectorSelector) best = std::max<int64_t>(0, e.offset_ms);
  for (const auto& a : e.args) best = std::max(best, LongestRangeMs(*a));
  return best;
}

// --at: "now", a Unix time in seconds, RFC 3339 (2026-12-04T10:00:00Z), or
// "-5m" (relative to now).
Result<int64_t> ParseAt(const std::string& text) {
  int64_t now = WallClockMs();
  if (text.empty() || text == "now") return now;
  if (text[0] == '-') {
    auto d = ParseDurationNs(text.substr(1));
    if (!d.ok()) return Status::InvalidArgument("--at " + text + ": " + d.status().message());
    return now - *d / 1'000'000;
  }
  auto secs = ParseDouble(text);
  if (secs.ok()) return static_cast<int64_t>(std::llround(*secs * 1000));
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest != nullptr && (std::string(rest) == "Z" || std::string(rest).empty())) {
    return static_cast<int64_t>(timegm(&tm)) * 1000;
  }
  return Status::InvalidArgument(
      "--at " + text +
      ": expected now, a Unix time in seconds, -DURATION (e.g. -5m) or an RFC 3339 UTC time "
      "(2026-12-04T10:00:00Z)");
}

}  // namespace

int RunQuery(int argc, char** argv) {
  std::string expr, url, at, range, step, scrape_for, format = "table";
  PromFlags pf;
  CLI::App app{"Ask Prometheus (a server, or /metrics endpoints vitals scrapes) a PromQL question",
               "vitals query"};
  app.footer(kFooter);
  app.add_option("expr", expr, "The PromQL expression")->required();
  app.add_option("--prometheus", url, "Prometheus server or /metrics endpoint")
      ->type_name("URL")
      ->required();
  app.add_option("--at", at, "Instant query time: now (default), -5m, Unix seconds or RFC 3339")
      ->type_name("TIME");
  app.add_option("--range", range, "Range query over the last DURATION (e.g. 10m)")
      ->type_name("DURATION");
  app.add_option("--step", step, "Range query resolution (default: range / 60, at least 1s)")
      ->type_name("DURATION");
  app.add_option("--scrape-for", scrape_for,
                 "Endpoints only: scrape this long before answering (default: what the query's "
                 "ranges need)")
      ->type_name("DURATION");
  app.add_option("--format", format, "table or json")->check(CLI::IsMember({"table", "json"}));
  AddPromFlags(app, &pf);
  if (int rc = ParseOrExit(app, argc, argv); rc >= 0) return rc;

  auto usage = [](const std::string& msg) {
    std::fprintf(stderr, "vitals query: %s\n(see vitals query --help)\n", msg.c_str());
    return kExitUsage;
  };
  int64_t interval_ns = 0;
  auto opts = ResolvePromFlags(pf, &interval_ns);
  if (!opts.ok()) return usage(opts.status().message());
  if (!at.empty() && !range.empty()) return usage("--at and --range exclude each other");
  if (!step.empty() && range.empty()) return usage("--step needs --range");
  int64_t range_ms = 0, step_ms = 0;
  if (!range.empty()) {
    auto r = ParseDurationNs(range);
    if (!r.ok() || *r < 1'000'000'000) {
      return usage("--range " + range + ": expected a duration of at least 1s, e.g. 10m");
    }
    range_ms = *r / 1'000'000;
    step_ms = std::max<int64_t>(1000, range_ms / 60);
    if (!step.empty()) {
      auto s = ParseDurationNs(step);
      if (!s.ok() || *s < 1'000'000)
        return usage("--step " + step + ": expected a duration, e.g. 15s");
      step_ms = *s / 1'000'000;
    }
    if (range_ms / step_ms > 11000) {
      return usage(
          fmt::format("--range {} / --step {} is {} points; Prometheus' limit is 11000: "
                      "raise --step",
                      range, PromDuration(step_ms), range_ms / step_ms));
    }
  }

  auto opened = OpenPromSource(url, *opts);
  if (!opened.ok()) return ReportError("vitals query", opened.status());
  PromSource& source = **opened;

  int64_t t_ms = 0;
  if (source.is_server()) {
    auto t = ParseAt(at);
    if (!t.ok()) return usage(t.status().message());
    t_ms = *t;
  } else {
    // Parse here: an unsupported feature is refused before any waiting.
    auto parsed = promql::Parse(expr);
    if (!parsed.ok()) {
      std::fprintf(stderr, "vitals query: %s\n", parsed.status().message().c_str());
      return kExitUsage;
    }
    if (!at.empty()) {
      return usage(
          "--at needs a Prometheus server: scraped endpoints have only what vitals "
          "scrapes now (use --scrape-for)");
    }
    int64_t need_ms = LongestRangeMs(**parsed) + range_ms;
    if (!scrape_for.empty()) {
      auto d = ParseDurationNs(scrape_for);
      if (!d.ok()) return usage("--scrape-for " + scrape_for + ": " + d.status().message());
      need_ms = *d / 1'000'000;
    }
    int64_t interval_ms = interval_ns / 1'000'000;
    auto& scraped = static_cast<ScrapeSource&>(source);
    std::signal(SIGINT, OnSignal);
    std::signal(SIGTERM, OnSignal);
    bool tty = isatty(STDERR_FILENO) == 1;
    if (need_ms > 0) {
      std::fprintf(stderr, "vitals query: scraping %s every %s for %s (what the query needs)%s",
                   RedactSecrets(url).c_str(), PromDuration(interval_ms).c_str(),
                   PromDuration(need_ms).c_str(), tty ? "" : "\n");
    }
    Status st = scraped.ScrapeFor(need_ms, interval_ms, &g_stop, [&](int i, int n) {
      if (tty && need_ms > 0) std::fprintf(stderr, "\r\033[Kvitals query: scrape %d/%d", i, n);
    });
    if (tty && need_ms > 0) std::fprintf(stderr, "\r\033[K");
    if (!st.ok()) return ReportError("vitals query", st);
    if (g_stop)
      std::fprintf(stderr, "vitals query: interrupted; answering from what was scraped\n");
    t_ms = scraped.last_scrape_ms();
  }

  Result<promql::Value> value = Status::Internal("no query ran");
  if (range_ms > 0) {
    auto m = source.QueryRange(expr, t_ms - range_ms, t_ms, step_ms);
    if (m.ok()) {
      value = promql::Value(std::move(*m));
    } else {
      value = m.status();
    }
  } else {
    value = source.Query(expr, t_ms);
  }
  if (!value.ok()) {
    std::fprintf(stderr, "vitals query: %s\n", RedactSecrets(value.status().message()).c_str());
    return value.status().code() == Status::Code::kInvalidArgument && !source.is_server()
               ? kExitUsage
               : kExitFailure;
  }
  std::string out = format == "json" ? ValueJson(*value).dump() + "\n" : ValueTable(*value);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace vitals::cli
