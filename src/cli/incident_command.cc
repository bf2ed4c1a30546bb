// vitals incident: the post-incident record from what the store holds for a time window
// (src/incident/incident.h), and `incident list|show` for the stored records.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "core/units.h"
#include "incident/incident.h"
#include "store/store.h"

namespace vitals::cli {
namespace {

constexpr const char* kCmd = "vitals incident";

constexpr const char* kFooter = R"(
The window (one of):
  --from TIME --to TIME      TIME: RFC 3339 (2026-12-06T01:00:00Z, or with +01:00),
                             Unix seconds, now, or now-DURATION (now-2h)
  --run RUN                  the run's own span (a run id, prefix, latest, latest~N, baseline:NAME)
  --around RUN --margin 15m  the run's span widened on both sides

What is filled from data: severity (P0 > 10s, P1 > 5s, P2 > 2s, P3 > 1s of the worst interval's
p95; --severity-levels, --severity-percentile), impact (first to last degraded interval: over a
breached threshold, at or over the P3 level, or at or over --error-limit errors), the timeline
(runs, threshold breaches, degradation, recorded checks and their findings) in UTC and local
time, root-cause candidates (findings of `vitals check --record` around the degradation, ranked)
and the action items they suggest. Summary, trigger, detection, resolution and lessons get the
computed facts plus a marked prompt for what only people can write.

A window with nothing degraded prints "no incident in this window" and stores nothing.
Records are stored (unless --no-save) and found again with `vitals incident list|show`.

Examples:
  vitals incident --around latest --margin 15m -o incident.md
  vitals incident --from 2026-12-06T01:00:00Z --to 2026-12-06T02:00:00Z -o incident.html
  vitals incident --run latest --format json
  vitals incident list
  vitals incident show latest --format html -o incident.html

Exit codes: 0 ok (also for "no incident"), 1 runtime failure, 2 bad flags, time or run name.
Store: --store PATH, else $VITALS_STORE, else ./.vitals/vitals.db. Details: docs/incident.md.)";

// A bad run or record name is a usage error here, as for `vitals runs` (exit 2).
int Fail(const Status& st) {
  if (st.code() == Status::Code::kNotFound) {
    std::fprintf(stderr, "%s: error: %s\n", kCmd, st.message().c_str());
    return kExitUsage;
  }
  return ReportError(kCmd, st);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatFor(const std::string& format, const std::string& output) {
  if (!format.empty()) return format;
  auto ends = [&](const char* suffix) {
    const std::string s = suffix;
    return output.size() >= s.size() && output.compare(output.size() - s.size(), s.size(), s) == 0;
  };
  if (ends(".html") || ends(".htm")) return "html";
  if (ends(".json")) return "json";
  return "markdown";
}

std::string Render(const IncidentRecord& r, const std::string& format) {
  if (format == "html") return RenderIncidentHtml(r);
  if (format == "json") return IncidentToJson(r);
  return RenderIncidentMarkdown(r);
}

Result<std::vector<double>> ParseLevels(const std::string& text) {
  std::vector<double> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = text.find(',', pos);
    const std::string part =
        text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    auto ns = ParseDurationNs(part);
    if (!ns.ok() || *ns <= 0) {
      return Status::InvalidArgument(fmt::format(
          "--severity-levels '{}': '{}' is not a duration; expected four durations, P0 first, "
          "e.g. 10s,5s,2s,1s",
          text, part));
    }
    out.push_back(double(*ns) / 1000.0);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (out.size() != 4) {
    return Status::InvalidArgument(fmt::format(
        "--severity-levels '{}': expected four durations (P0, P1, P2, P3), e.g. 10s,5s,2s,1s",
        text));
  }
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i] >= out[i - 1]) {
      return Status::InvalidArgument(fmt::format(
          "--severity-levels '{}': each level must be below the one before (P0 is the worst)",
          text));
    }
  }
  return out;
}

int List(Store& store, const std::string& format) {
  auto list = store.ListIncidents();
  if (!list.ok()) return Fail(list.status());
  if (format == "json") {
    nlohmann::json arr = nlohmann::json::array();
    for (const IncidentInfo& i : *list) {
      arr.push_back({{"id", i.id},
                     {"created_unix_ms", i.created_unix_ms},
                     {"from_unix_ms", i.from_unix_ms},
                     {"to_unix_ms", i.to_unix_ms},
                     {"severity", i.severity},
                     {"title", i.title}});
    }
    std::printf("%s\n", arr.dump(2).c_str());
    return kExitOk;
  }
  if (list->empty()) {
    std::printf("no incident records in %s (write one with: vitals incident --around RUN)\n",
                store.path().c_str());
    return kExitOk;
  }
  std::printf("%-20s  %-23s  %-8s  %s\n", "ID", "CREATED", "SEVERITY", "TITLE");
  for (const IncidentInfo& i : *list) {
    std::printf("%-20s  %-23s  %-8s  %s\n", i.id.c_str(),
                FormatUtcTimeMs(i.created_unix_ms).c_str(),
                i.severity.empty() ? "-" : i.severity.c_str(), i.title.c_str());
  }
  return kExitOk;
}

}  // namespace

int RunIncident(int argc, char** argv) {
  CLI::App app{
      "The post-incident record (summary, impact, timeline, root-cause candidates, action "
      "items) written from the runs, thresholds and checks the store holds for a time window",
      kCmd};
  app.footer(kFooter);
  std::string from, to, run, around, margin = "15m", format, output, store_flag, title;
  std::string levels = "10s,5s,2s,1s", error_limit = "5%";
  double percentile = 95;
  bool no_save = false;
  app.add_option("--from", from, "Start of the window (TIME)")->type_name("TIME");
  app.add_option("--to", to, "End of the window (TIME; default now with --from)")
      ->type_name("TIME");
  app.add_option("--run", run, "The window is this run's span")->type_name("RUN");
  app.add_option("--around", around, "The window is this run's span +- --margin")->type_name("RUN");
  app.add_option("--margin", margin, "With --around: widen the run's span by D on each side")
      ->type_name("D")
      ->capture_default_str();
  app.add_option("--format", format,
                 "markdown (default), html or json (default from -o's extension)")
      ->check(CLI::IsMember({"markdown", "html", "json"}));
  app.add_option("-o,--output", output, "Write the record to FILE (default stdout)")
      ->type_name("FILE");
  app.add_option("--title", title, "Title of the record (default: made from the impact)");
  app.add_option("--severity-levels", levels,
                 "P0,P1,P2,P3 levels of the severity percentile, worst first")
      ->capture_default_str();
  app.add_option("--severity-percentile", percentile,
                 "Per-interval percentile compared with the levels: 50, 95 or 99")
      ->check(CLI::IsMember({50.0, 95.0, 99.0}))
      ->capture_default_str();
  app.add_option("--error-limit", error_limit,
                 "An interval with at least this error rate is degraded (percent or fraction)")
      ->capture_default_str();
  app.add_flag("--no-save", no_save, "Do not store the record");
  app.add_option("--store", store_flag, "Run store (default $VITALS_STORE or ./.vitals/vitals.db)")
      ->type_name("PATH");

  CLI::App* list = app.add_subcommand("list", "List the stored incident records, newest first");
  std::string list_format = "text";
  list->add_option("--format", list_format, "text or json")->check(CLI::IsMember({"text", "json"}));
  CLI::App* show = app.add_subcommand("show", "Render a stored record again");
  std::string show_name;
  show->add_option("ID", show_name, "Record id, unique prefix, or latest")->required();
  show->add_option("--format", format, "markdown (default), html or json")
      ->check(CLI::IsMember({"markdown", "html", "json"}));
  show->add_option("-o,--output", output, "Write to FILE (default stdout)")->type_name("FILE");
  list->fallthrough();  // --store may come after the subcommand
  show->fallthrough();
  app.require_subcommand(0, 1);
  if (int rc = ParseOrExit(app, argc, argv); rc >= 0) return rc;

  const std::string path = ResolveStorePath(store_flag);
  auto store = Store::Open(path, Store::OpenMode::kExisting);
  if (!store.ok()) return Fail(store.status());
  if (list->parsed()) return List(*store, list_format);
  if (show->parsed()) {
    auto stored = store->GetIncident(show_name);
    if (!stored.ok()) return Fail(stored.status());
    auto rec = IncidentFromJson(stored->record_json);
    if (!rec.ok()) return Fail(rec.status());
    rec->id = stored->info.id;
    Status st =
        WriteTextFile(output.empty() ? "-" : output, Render(*rec, FormatFor(format, output)));
    return st.ok() ? kExitOk : Fail(st);
  }

  IncidentOptions o;
  const int64_t now = NowMs();
  const int ways = int(!from.empty() || !to.empty()) + int(!run.empty()) + int(!around.empty());
  if (ways != 1) {
    return Fail(
        Status::InvalidArgument("give the window one way: --from TIME [--to TIME], --run RUN, "
                                "or --around RUN [--margin 15m]"));
  }
  if (!from.empty() || !to.empty()) {
    if (from.empty()) {
      return Fail(Status::InvalidArgument("--to needs --from (the window's start)"));
    }
    auto f = ParseTimeMs(from, now);
    if (!f.ok()) return Fail(Status::InvalidArgument("--from: " + f.status().message()));
    auto t = ParseTimeMs(to.empty() ? "now" : to, now);
    if (!t.ok()) return Fail(Status::InvalidArgument("--to: " + t.status().message()));
    if (*t <= *f) {
      return Fail(Status::InvalidArgument(
          fmt::format("--from {} is not before --to {}: the window would be empty",
                      FormatUtcTimeMs(*f), FormatUtcTimeMs(*t))));
    }
    o.from_unix_ms = *f;
    o.to_unix_ms = *t;
  } else {
    auto r = store->GetRun(run.empty() ? around : run);
    if (!r.ok()) return Fail(r.status());
    int64_t margin_ms = 0;
    if (!around.empty()) {
      auto m = ParseDurationNs(margin);
      if (!m.ok() || *m < 0) {
        return Fail(Status::InvalidArgument(
            fmt::format("--margin '{}': expected a duration such as 15m", margin)));
      }
      margin_ms = *m / 1'000'000;
    }
    const RunInfo& info = r->info;
    const int64_t end = info.finished_unix_ms > 0
                            ? info.finished_unix_ms
                            : info.started_unix_ms + int64_t(info.duration_s * 1000) + 1000;
    o.from_unix_ms = info.started_unix_ms - margin_ms;
    o.to_unix_ms = end + margin_ms;
  }
  auto lv = ParseLevels(levels);
  if (!lv.ok()) return Fail(lv.status());
  o.severity_levels_us = *lv;
  o.severity_percentile = percentile;
  auto el = ParseFraction(error_limit);
  if (!el.ok() || *el <= 0 || *el > 1) {
    return Fail(Status::InvalidArgument(
        fmt::format("--error-limit '{}': expected a percent or fraction in (0, 100%], "
                    "e.g. 5% or 0.05",
                    error_limit)));
  }
  o.error_limit = *el;
  o.title = title;

  auto rec = BuildIncident(*store, o);
  if (!rec.ok()) return Fail(rec.status());
  rec->created_unix_ms = now;
  const std::string fmt_name = FormatFor(format, output);
  if (rec->no_incident()) {
    std::fprintf(stderr, "%s: %s\n", kCmd, rec->NoIncidentMessage().c_str());
    if (!output.empty() || fmt_name == "json") {
      Status st = WriteTextFile(output.empty() ? "-" : output, Render(*rec, fmt_name));
      if (!st.ok()) return Fail(st);
    }
    return kExitOk;
  }
  if (!no_save) {
    IncidentInfo info{"", now, o.from_unix_ms, o.to_unix_ms, rec->impact.severity, rec->title};
    auto id = store->SaveIncident(info, IncidentToJson(*rec));
    if (!id.ok()) return Fail(id.status());
    rec->id = *id;  // `show` sets it from the row: the stored JSON need not carry it
  }
  Status st = WriteTextFile(output.empty() ? "-" : output, Render(*rec, fmt_name));
  if (!st.ok()) return Fail(st);
  std::fprintf(stderr, "%s: %s, %s%s\n", kCmd, rec->title.c_str(),
               rec->id.empty() ? "not stored" : ("stored as " + rec->id).c_str(),
               output.empty() ? "" : (", written to " + output).c_str());
  return kExitOk;
}

}  // namespace vitals::cli
