// vitals report RUN: re-render a stored run as text, Markdown, JSON or HTML (src/report/).
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "report/escape.h"
#include "report/report_data.h"
#include "report/run_report.h"
#include "store/store.h"

namespace vitals::cli {
namespace {

constexpr const char* kFooter = R"(
Formats:
  html      one self-contained page (works offline, no scripts): latency percentiles over
            time (corrected and uncorrected) with phase bands, throughput and errors, the
            HdrHistogram percentile plot, status codes, threshold verdicts, findings,
            environment and tags
  markdown  for a pull-request comment or a baseline snapshot (docs/perf/baselines/)
  json      the stored result document plus status, env and the stored diagnosis
  text      the summary `vitals load` printed, verdicts and findings
Without --format the format follows the -o extension (.html, .md, .json; else text).
Without -o the report goes to stdout.

Naming a run: its id or a unique prefix of it, `latest`, `latest~N` (the N-th completed run
before the latest), `baseline:NAME`.  Runs that never completed are rendered from their
stored intervals, marked incomplete.

Store: --store PATH, else $VITALS_STORE, else ./.vitals/vitals.db.

Examples:
  vitals report latest -o report.html
  vitals report latest --format markdown > pr-comment.md
  vitals report baseline:main -o docs/perf/baselines/main.md
  vitals report 20240501T120003-9f2c --format json -o run.json
  vitals report latest~1 --store ci/vitals.db

Exit codes: 0 ok, 1 runtime failure (store unreadable, output not writable), 2 bad run name
or flags.
)";

// A bad run name (NotFound) is a usage error for this command: exit 2 like a bad flag.
int Fail(const std::string& cmd, const Status& st) {
  std::fprintf(stderr, "%s: error: %s\n", cmd.c_str(), TerminalSafe(st.message()).c_str());
  return st.code() == Status::Code::kInvalidArgument || st.code() == Status::Code::kNotFound
             ? kExitUsage
             : kExitFailure;
}

}  // namespace

int RunReport(int argc, char** argv) {
  const std::string cmd = "vitals report";
  CLI::App app{"Render a stored run as HTML, Markdown, JSON or text.", cmd};
  app.footer(kFooter);
  std::string name, format_flag, output = "-", store_flag;
  app.add_option("run", name, "run id, id prefix, latest, latest~N or baseline:NAME")->required();
  app.add_option("--format,-f", format_flag,
                 "html, markdown, json or text (default: from the -o extension, else text)");
  app.add_option("-o,--output", output, "write the report to FILE ('-' is stdout)")
      ->capture_default_str();
  app.add_option("--store", store_flag,
                 "run store file (default: $VITALS_STORE, else ./.vitals/vitals.db)");
  if (int rc = ParseOrExit(app, argc, argv); rc >= 0) return rc;

  ReportFormat format = ReportFormatForPath(output == "-" ? "" : output);
  if (!format_flag.empty()) {
    auto parsed = ParseReportFormat(format_flag);
    if (!parsed.ok()) return Fail(cmd, parsed.status());
    format = *parsed;
  }
  auto store = Store::Open(ResolveStorePath(store_flag), Store::OpenMode::kExisting);
  if (!store.ok()) return Fail(cmd, store.status());
  auto data = LoadReportData(*store, name);
  if (!data.ok()) return Fail(cmd, data.status());
  const std::string text = RenderReport(*data, format);
  if (Status st = WriteTextFile(output, text); !st.ok()) return Fail(cmd, st);
  if (output != "-") {
    std::fprintf(stderr, "wrote %s report of run %s to %s\n", ReportFormatName(format),
                 data->info.id.c_str(), output.c_str());
  }
  return kExitOk;
}

}  // namespace vitals::cli
