// Entry points of the subcommands.  Each takes the arguments after the
// subcommand name (argv[0] is "vitals <command>") and returns the process
// exit code:
//   0 ok; 1 runtime failure; 2 usage or configuration error (the message says
//   what and where); 99 thresholds or gate failed; 130 interrupted by Ctrl-C
//   or SIGTERM (128 + SIGINT, as shells report it).
// Exceptions (CLI11's, std::bad_alloc) stop here and never escape main().
#pragma once

namespace vitals::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitThresholds = 99;
constexpr int kExitInterrupted = 130;

int RunLoad(int argc, char** argv);
int RunTarget(int argc, char** argv);
int RunCheck(int argc, char** argv);
int RunDemo(int argc, char** argv);
int RunRuns(int argc, char** argv);
int RunReport(int argc, char** argv);
int RunBaseline(int argc, char** argv);
int RunCompare(int argc, char** argv);
int RunGate(int argc, char** argv);
int RunHistory(int argc, char** argv);
int RunQuery(int argc, char** argv);
int RunIncident(int argc, char** argv);
int RunWatch(int argc, char** argv);
int RunMerge(int argc, char** argv);
int RunCoordinate(int argc, char** argv);
int RunK8s(int argc, char** argv);
int RunTune(int argc, char** argv);

}  // namespace vitals::cli
