// vitals runs list|show|delete: read the run store (src/store/store.h).
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "core/units.h"
#include "report/load_summary.h"
#include "store/store.h"

namespace vitals::cli {
namespace {

constexpr const char* kFooter = R"(
Naming a run: its id or a unique prefix of it (as `vitals runs list` shows), `latest` (the
newest completed run), `latest~N` (the N-th completed run before it), `baseline:NAME`.
A run whose process died or is still going is listed as `incomplete`; it is never `latest`.

Store: --store PATH, else $VITALS_STORE, else ./.vitals/vitals.db.

Examples:
  vitals runs list
  vitals runs list --tag commit=abc123 --limit 5 --format json
  vitals runs show latest
  vitals runs show latest~1 --format json > previous.json
  vitals runs show 20240501T120003
  vitals runs delete 20240501T120003-9f2c

Exit codes: 0 ok, 1 runtime failure (store unreadable), 2 bad run name or flags.
)";

// A bad name (NotFound) is a usage error for this command: exit 2 like a bad flag.
int Fail(const std::string& cmd, const Status& st) {
  std::fprintf(stderr, "%s: error: %s\n", cmd.c_str(), st.message().c_str());
  return st.code() == Status::Code::kInvalidArgument || st.code() == Status::Code::kNotFound
             ? kExitUsage
             : kExitFailure;
}

std::string Iso8601Utc(int64_t unix_ms) {
  const time_t secs = time_t(unix_ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &t);
  return buf;
}

std::string Clip(const std::string& s, size_t width) {
  if (s.size() <= width) return s;
  return s.substr(0, width - 3) + "...";
}

Result<std::pair<std::string, std::string>> ParseTag(const std::string& t) {
  const size_t eq = t.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Status::InvalidArgument("--tag '" + t + "': expected key=value, e.g. commit=abc123");
  }
  return std::make_pair(t.substr(0, eq), t.substr(eq + 1));
}

nlohmann::json RunInfoJson(const RunInfo& r) {
  nlohmann::json tags = nlohmann::json::object();
  for (const auto& [k, v] : r.tags) tags[k] = v;
  nlohmann::json j = {
      {"id", r.id},
      {"status", r.DisplayStatus()},
      {"started_unix_ms", r.started_unix_ms},
      {"started", Iso8601Utc(r.started_unix_ms)},
      {"finished_unix_ms", r.finished_unix_ms},
      {"target", r.target},
      {"method", r.method},
      {"model", r.model},
      {"duration_s", r.duration_s},
      {"requests", r.requests},
      {"errors", r.errors},
      {"error_rate", r.error_rate},
      {"rate", {{"asked", r.rate_asked}, {"achieved", r.rate_achieved}}},
      {"verdict", r.verdict},
      {"tags", tags},
      {"env",
       {{"host", r.env.host},
        {"cores", r.env.cores},
        {"kernel", r.env.kernel},
        {"vitals_version", r.env.vitals_version}}},
  };
  if (r.has_latency) {
    j["latency_us"] = {{"p50", r.p50_us}, {"p95", r.p95_us}, {"p99", r.p99_us}};
  } else {
    j["latency_us"] = nullptr;
  }
  if (!r.failure_reason.empty()) j["failure_reason"] = r.failure_reason;
  return j;
}

std::string FormatList(const std::vector<RunInfo>& runs) {
  std::string out = fmt::format(
      "{:<20} {:<19} {:<11} {:<36} {:<6} {:>9} {:>9} {:>8} {:>8} {:>14}\n", "ID", "STARTED",
      "STATUS", "TARGET", "MODEL", "REQUESTS", "RATE", "P95", "P99", "ERRORS");
  for (const RunInfo& r : runs) {
    const std::string p95 = r.has_latency ? FormatDurationUs(r.p95_us) : "-";
    const std::string p99 = r.has_latency ? FormatDurationUs(r.p99_us) : "-";
    const std::string errors = fmt::format("{} ({:.2f}%)", r.errors, r.error_rate * 100);
    out += fmt::format("{:<20} {:<19} {:<11} {:<36} {:<6} {:>9} {:>9} {:>8} {:>8} {:>14}\n", r.id,
                       FormatLocalTimeMs(r.started_unix_ms), r.DisplayStatus(), Clip(r.target, 36),
                       r.model.empty() ? "-" : r.model, r.requests,
                       fmt::format("{:.1f}/s", r.rate_achieved), p95, p99, errors);
  }
  return out;
}

// The lines `runs show` adds under the load summary: what only the store knows.
std::string FormatStoredFooter(const StoredRun& run) {
  const RunInfo& r = run.info;
  std::string out = "\n";
  out += fmt::format("  stored: {}  started {}  finished {}\n", r.DisplayStatus(),
                     FormatLocalTimeMs(r.started_unix_ms), FormatLocalTimeMs(r.finished_unix_ms));
  out += fmt::format("  host {} ({} cores, {}), vitals {}\n", r.env.host, r.env.cores, r.env.kernel,
                     r.env.vitals_version);
  if (!r.tags.empty()) {
    out += "  tags:";
    for (const auto& [k, v] : r.tags) out += fmt::format(" {}={}", k, v);
    out += "\n";
  }
  if (!r.verdict.empty()) out += fmt::format("  thresholds verdict: {}\n", r.verdict);
  if (!r.failure_reason.empty()) out += fmt::format("  failed: {}\n", r.failure_reason);
  out += fmt::format("  intervals stored: {}\n", run.interval_summaries.size());
  if (!run.segments.empty()) {
    out += fmt::format("  segments ({}):\n", run.segments.size());
    for (const SegmentProvenance& p : run.segments) {
      out += fmt::format("    {}/{}  {:<24} {:<11} {} requests, {} errors", p.index + 1, p.count,
                         Clip(p.host.empty() ? "-" : p.host, 24), p.status, p.requests, p.errors);
      if (p.joined_unix_ms) out += fmt::format(", joined {}", FormatLocalTimeMs(p.joined_unix_ms));
      if (p.left_unix_ms) out += fmt::format(", left {}", FormatLocalTimeMs(p.left_unix_ms));
      if (p.lost) out += fmt::format("; LOST at {:.1f} s: {}", p.lost_at_s, p.lost_reason);
      out += "\n";
    }
  }
  return out;
}

int List(const std::string& store_flag, const std::vector<std::string>& tag_flags, int limit,
         const std::string& format) {
  const std::string cmd = "vitals runs list";
  RunFilter filter;
  filter.limit = limit;
  for (const auto& t : tag_flags) {
    auto kv = ParseTag(t);
    if (!kv.ok()) return Fail(cmd, kv.status());
    filter.tags.push_back(*kv);
  }
  const std::string path = ResolveStorePath(store_flag);
  auto store = Store::Open(path, Store::OpenMode::kExisting);
  std::vector<RunInfo> runs;
  if (!store.ok() && store.status().code() != Status::Code::kNotFound) {
    return Fail(cmd, store.status());
  }
  if (store.ok()) {
    auto listed = store->ListRuns(filter);
    if (!listed.ok()) return Fail(cmd, listed.status());
    runs = std::move(listed).value();
  }
  if (format == "json") {
    nlohmann::json arr = nlohmann::json::array();
    for (const RunInfo& r : runs) arr.push_back(RunInfoJson(r));
    std::fputs((arr.dump(2) + "\n").c_str(), stdout);
    return kExitOk;
  }
  if (runs.empty()) {
    std::fprintf(stderr, "no runs%s in store '%s' yet: `vitals load URL` stores each run\n",
                 filter.tags.empty() ? "" : " with these tags", path.c_str());
    return kExitOk;
  }
  std::fputs(FormatList(runs).c_str(), stdout);
  return kExitOk;
}

int Show(const std::string& store_flag, const std::string& name, const std::string& format) {
  const std::string cmd = "vitals runs show";
  auto store = Store::Open(ResolveStorePath(store_flag), Store::OpenMode::kExisting);
  if (!store.ok()) return Fail(cmd, store.status());
  auto run = store->GetRun(name);
  if (!run.ok()) return Fail(cmd, run.status());
  if (format == "json") {
    if (run->info.has_result) {
      std::fputs((run->result_json + "\n").c_str(), stdout);
      return kExitOk;
    }
    // No result document was written: the numbers its intervals hold, marked as such.
    nlohmann::json j = nlohmann::json::parse(ToJson(RebuildLoadResult(*run)), nullptr, false);
    j["status"] = run->info.DisplayStatus();
    if (!run->info.failure_reason.empty()) j["failure_reason"] = run->info.failure_reason;
    std::fputs((j.dump(2) + "\n").c_str(), stdout);
    return kExitOk;
  }
  std::string out;
  if (run->partial) {
    out += fmt::format("run {} is {}: {}; the numbers below come from its {} stored intervals\n\n",
                       run->info.id, run->info.DisplayStatus(),
                       run->info.incomplete()
                           ? "it never completed (its process died or is still running)"
                           : "it failed",
                       run->interval_summaries.size());
  }
  out += FormatLoadSummary(RebuildLoadResult(*run));
  out += FormatStoredFooter(*run);
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

int Delete(const std::string& store_flag, const std::string& name) {
  const std::string cmd = "vitals runs delete";
  auto store = Store::Open(ResolveStorePath(store_flag), Store::OpenMode::kExisting);
  if (!store.ok()) return Fail(cmd, store.status());
  auto id = store->DeleteRun(name);
  if (!id.ok()) return Fail(cmd, id.status());
  std::printf("deleted run %s\n", id->c_str());
  return kExitOk;
}

}  // namespace

int RunRuns(int argc, char** argv) {
  CLI::App app{"List, show and delete the runs in the run store.", "vitals runs"};
  app.footer(kFooter);
  app.require_subcommand(1, 1);
  std::string store_flag, format = "text", name;
  std::vector<std::string> tags;
  int limit = 20;
  const char* kStoreHelp = "run store file (default: $VITALS_STORE, else ./.vitals/vitals.db)";

  CLI::App* list = app.add_subcommand("list", "list stored runs, newest first");
  list->add_option("--store", store_flag, kStoreHelp);
  list->add_option("--tag", tags, "only runs with this tag, k=v (repeatable: all must match)");
  list->add_option("--limit", limit, "at most N runs (0: all)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  list->add_option("--format", format, "text or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));

  CLI::App* show = app.add_subcommand("show", "print one run's summary (or its result JSON)");
  show->add_option("run", name, "run id, id prefix, latest, latest~N or baseline:NAME")->required();
  show->add_option("--store", store_flag, kStoreHelp);
  show->add_option("--format", format, "text or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));

  CLI::App* del = app.add_subcommand("delete", "delete one run and everything stored with it");
  del->add_option("run", name, "run id, id prefix, latest or latest~N")->required();
  del->add_option("--store", store_flag, kStoreHelp);

  if (int rc = ParseOrExit(app, argc, argv); rc >= 0) return rc;
  if (list->parsed()) return List(store_flag, tags, limit, format);
  if (show->parsed()) return Show(store_flag, name, format);
  return Delete(store_flag, name);
}

}  // namespace vitals::cli
