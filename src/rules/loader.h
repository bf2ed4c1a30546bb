// Loading the rule catalog from YAML (format: docs/rules.md).
//
// The shipped rules (rules/*.yaml) are embedded in the binary; `--rules DIR`
// adds every DIR/*.yaml: a rule whose id is already shipped replaces the
// shipped one, a new id extends the catalog.
//
// Errors are InvalidArgument and read
//   "<file>:<line>: rule '<id>': <field>: <what was expected>"
// (the id part is omitted when the error is outside a rule or the id is
// unknown), so a user can go straight to the line to fix.  yaml-cpp
// exceptions never escape.
//
// Thread-safety: pure functions of their arguments (and of the files read).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "rules/rule.h"

namespace vitals::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& RulesYaml();
}  // namespace vitals::embedded

namespace vitals {

// Parses one rule file.  `file` names it in messages.  Rejects unknown keys,
// duplicate ids within the file, bad expressions, templates and priorities.
Result<RuleSet> ParseRuleFile(std::string_view file, std::string_view yaml);

// The shipped rules (embedded rules/*.yaml), ids unique across files.
Result<std::vector<RuleSet>> LoadShippedRules();

// Every DIR/*.yaml (sorted by name; other files are ignored).  NotFound when
// DIR does not exist; ids must be unique across the files of DIR.
Result<std::vector<RuleSet>> LoadRuleDir(const std::string& dir);

// `base` with `extra` applied: a rule of `extra` whose id exists in `base`
// replaces it (it is removed from its base set); new ids are added.
std::vector<RuleSet> MergeRuleSets(std::vector<RuleSet> base, std::vector<RuleSet> extra);

// The catalog `vitals check` uses: shipped rules, then `dir` if not empty.
Result<std::vector<RuleSet>> LoadRuleCatalog(const std::string& dir);

}  // namespace vitals
