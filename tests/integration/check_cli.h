// Runs `vitals check ... --format json` for end-to-end tests and reads the
// findings back from its JSON output.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "integration/child_process.h"

namespace vitals::testing {

struct CliResult {
  int exit_code = -1;
  std::string out, err;
  nlohmann::json doc;  // parsed stdout (discarded on a parse error)
};

// Runs `vitals check ARGS --format json`, parses stdout.
inline CliResult RunCheck(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"check"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--format");
  argv.push_back("json");
  CliResult r;
  r.exit_code = RunVitals(argv, &r.out, &r.err);
  r.doc = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  return r;
}

// The findings with rule id `id`.
inline std::vector<nlohmann::json> JsonFindings(const CliResult& r, const std::string& id) {
  std::vector<nlohmann::json> out;
  if (!r.doc.is_object() || !r.doc.contains("findings")) return out;
  for (const auto& f : r.doc["findings"]) {
    if (f.value("id", "") == id) out.push_back(f);
  }
  return out;
}

}  // namespace vitals::testing
