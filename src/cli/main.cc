// vitals: load it, watch its signals, say what is wrong, remember, gate.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "cli/commands.h"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int, char**);
};

const Command kCommands[] = {
    {"load", "generate HTTP load (open or closed model), record latency, write results",
     vitals::cli::RunLoad},
    {"target", "run the built-in HTTP test target (tunable latency, errors, stalls, /metrics)",
     vitals::cli::RunTarget},
    {"check", "diagnose PostgreSQL, Redis, the host and Prometheus targets from runbook rules",
     vitals::cli::RunCheck},
    {"query", "ask PromQL of a Prometheus server or of /metrics endpoints vitals scrapes",
     vitals::cli::RunQuery},
    {"watch", "the users' Prometheus alert rules: live (--rules), lint (--check), tests (--test)",
     vitals::cli::RunWatch},
    {"runs", "list, show and delete stored runs (the embedded store, ./.vitals/vitals.db)",
     vitals::cli::RunRuns},
    {"report", "render a stored run as HTML, Markdown, JSON or text", vitals::cli::RunReport},
    {"baseline", "name a stored run as a baseline (set, list, rm)", vitals::cli::RunBaseline},
    {"compare", "compare two runs or tagged groups: deltas with a statistical verdict",
     vitals::cli::RunCompare},
    {"gate", "fail CI (exit 99) when a run regressed against a baseline under a policy",
     vitals::cli::RunGate},
    {"history", "a metric across stored runs, with change points (slow drifts and steps)",
     vitals::cli::RunHistory},
    {"tune",
     "plan, back up, apply, validate under load and roll back PostgreSQL, Redis, host settings",
     vitals::cli::RunTune},
    {"incident", "the post-incident record of a time window: impact, timeline, causes, actions",
     vitals::cli::RunIncident},
    {"merge",
     "merge the segments of one plan (load --segment I/N) exactly; thresholds on the whole",
     vitals::cli::RunMerge},
    {"coordinate",
     "run one plan from N segment processes: live exact merge, thresholds on the whole",
     vitals::cli::RunCoordinate},
    {"k8s", "render Kubernetes manifests: a coordinator Job and an Indexed Job of segments",
     vitals::cli::RunK8s},
    {"demo", "the main job end to end: built-in target, phased load, check, store, HTML report",
     vitals::cli::RunDemo},
};

void PrintUsage(FILE* out) {
  std::fprintf(out,
               "vitals %s - the performance loop: load, watch, diagnose, remember, gate\n\n"
               "Usage: vitals <command> [options]   (vitals <command> --help for details)\n\n"
               "Commands:\n",
               VITALS_VERSION);
  for (const auto& c : kCommands) std::fprintf(out, "  %-10s %s\n", c.name, c.summary);
  std::fprintf(out,
               "\nExit codes: 0 ok, 1 runtime failure, 2 usage/config error, 99 thresholds or "
               "gate failed, 130 interrupted (Ctrl-C).\n"
               "Example: vitals target --listen 127.0.0.1:8080 &\n"
               "         vitals load http://127.0.0.1:8080/ --rate 1000 --duration 10s\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    PrintUsage(stderr);
    return vitals::cli::kExitUsage;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(stdout);
    return 0;
  }
  if (name == "--version") {
    std::printf("vitals %s\n", VITALS_VERSION);
    return 0;
  }
  for (const auto& c : kCommands) {
    if (name == c.name) {
      std::string prog = std::string("vitals ") + c.name;
      argv[1] = prog.data();
      try {
        return c.run(argc - 1, argv + 1);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "vitals %s: error: %s\n", c.name, e.what());
        return vitals::cli::kExitFailure;
      }
    }
  }
  std::fprintf(stderr, "vitals: unknown command '%s'\n\n", name.c_str());
  PrintUsage(stderr);
  return vitals::cli::kExitUsage;
}
