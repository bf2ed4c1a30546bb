// Helpers shared by the subcommands: CLI11 parsing with our exit codes, and
// writing output files.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/status.h"

namespace vitals::cli {

// Parses argv with `app`.  Returns -1 to continue, or the exit code to return
// now: 0 after --help, 2 (with the message on stderr) for a usage error.
int ParseOrExit(CLI::App& app, int argc, char** argv);

// Writes `text` to `path` ("-" is stdout).  Errors name the path.
Status WriteTextFile(const std::string& path, const std::string& text);

// Prints "vitals <cmd>: error: <status message>" on stderr; returns the exit
// code for the status (2 for invalid input, 1 otherwise).
int ReportError(const std::string& cmd, const Status& status);

}  // namespace vitals::cli
