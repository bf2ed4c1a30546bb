#include "cli/cli_util.h"

#include <cerrno>
#include <cstdio>
#include <fstream>

#include "cli/commands.h"

namespace vitals::cli {

int ParseOrExit(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    std::fputs(app.help("", CLI::AppFormatMode::All).c_str(), stdout);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s: error: %s\nRun '%s --help' for the options and examples.\n",
                 app.get_name().c_str(), e.what(), app.get_name().c_str());
    return kExitUsage;
  }
  return -1;
}

Status WriteTextFile(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return Status::Ok();
  }
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::FromErrno("cannot write '" + path + "'", errno);
    out << text;
    if (!out.flush()) return Status::FromErrno("cannot write '" + path + "'", errno);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::FromErrno("cannot write '" + path + "'", errno);
  }
  return Status::Ok();
}

int ReportError(const std::string& cmd, const Status& status) {
  std::fprintf(stderr, "%s: error: %s\n", cmd.c_str(), status.message().c_str());
  return status.code() == Status::Code::kInvalidArgument ? kExitUsage : kExitFailure;
}

}  // namespace vitals::cli
