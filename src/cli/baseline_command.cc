// vitals baseline set|list|rm: name a stored run as a baseline for `vitals gate`.
#include <ctime>
#include <string>

#include <fmt/format.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/gate_cli.h"
#include "core/units.h"
#include "store/store.h"

namespace vitals::cli {
namespace {

constexpr const char* kFooter = R"(
A baseline is a name that points at one stored run: `vitals gate --baseline NAME` compares
the newest run against it, and any command takes `baseline:NAME` as a run name.  Setting an
existing name moves it to the new run (e.g. after an accepted release).

Examples:
  vitals baseline set main latest          # the run just made becomes the reference
  vitals baseline set release-1.4 20240501T120003-9f2c
  vitals baseline list
  vitals baseline rm release-1.3
  vitals compare baseline:main latest

Names: 1..64 characters of A-Z a-z 0-9 . _ -

Exit codes: 0 ok, 1 runtime failure (store unreadable), 2 unknown run or baseline, bad name.
)";

int Set(const std::string& store_flag, const std::string& name, const std::string& run) {
  const std::string cmd = "vitals baseline set";
  auto store = OpenExistingStore(store_flag);
  if (!store.ok()) return FailWith(cmd, store.status());
  auto stored = store->GetRun(run);
  if (!stored.ok()) return FailWith(cmd, stored.status());
  if (stored->info.status != RunStatus::kCompleted &&
      stored->info.status != RunStatus::kInterrupted) {
    return FailWith(cmd, Status::InvalidArgument(
                             fmt::format("run {} is {}: only a completed run can be a baseline",
                                         stored->info.id, stored->info.DisplayStatus())));
  }
  auto id = store->SetBaseline(name, stored->info.id);
  if (!id.ok()) return FailWith(cmd, id.status());
  std::printf("baseline %s -> run %s\n", name.c_str(), id->c_str());
  return kExitOk;
}

int List(const std::string& store_flag) {
  const std::string cmd = "vitals baseline list";
  auto store = OpenExistingStore(store_flag);
  if (!store.ok()) return FailWith(cmd, store.status());
  auto list = store->ListBaselines();
  if (!list.ok()) return FailWith(cmd, list.status());
  if (list->empty()) {
    std::fprintf(stderr, "no baselines in '%s' yet: `vitals baseline set NAME RUN` names one\n",
                 store->path().c_str());
    return kExitOk;
  }
  std::string out = fmt::format("{:<24} {:<24} {:<19} {}\n", "NAME", "RUN", "SET", "TARGET");
  for (const Baseline& b : *list) {
    auto run = store->GetRun(b.run_id);
    const std::string target = run.ok() ? run->info.target : "?";
    out += fmt::format("{:<24} {:<24} {:<19} {}\n", b.name, b.run_id,
                       FormatLocalTimeMs(b.set_unix_ms), target);
  }
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

int Remove(const std::string& store_flag, const std::string& name) {
  const std::string cmd = "vitals baseline rm";
  auto store = OpenExistingStore(store_flag);
  if (!store.ok()) return FailWith(cmd, store.status());
  if (Status st = store->RemoveBaseline(name); !st.ok()) return FailWith(cmd, st);
  std::printf("removed baseline %s (the run itself is kept)\n", name.c_str());
  return kExitOk;
}

}  // namespace

int RunBaseline(int argc, char** argv) {
  CLI::App app{"Name stored runs as baselines for `vitals gate` and `vitals compare`.",
               "vitals baseline"};
  app.footer(std::string("\n") + kRunNamingText + kFooter);
  app.require_subcommand(1, 1);
  std::string store_flag, name, run;
  CLI::App* set = app.add_subcommand("set", "point NAME at a run (moves an existing NAME)");
  set->add_option("name", name, "baseline name")->required();
  set->add_option("run", run, "run id, id prefix, latest, latest~N or baseline:OTHER")->required();
  set->add_option("--store", store_flag, kStoreFlagHelp);
  CLI::App* list = app.add_subcommand("list", "list the baselines and their runs");
  list->add_option("--store", store_flag, kStoreFlagHelp);
  CLI::App* rm = app.add_subcommand("rm", "remove a baseline name (the run stays)");
  rm->add_option("name", name, "baseline name")->required();
  rm->add_option("--store", store_flag, kStoreFlagHelp);

  if (int rc = ParseOrExit(app, argc, argv); rc >= 0) return rc;
  if (set->parsed()) return Set(store_flag, name, run);
  if (list->parsed()) return List(store_flag);
  return Remove(store_flag, name);
}

}  // namespace vitals::cli
