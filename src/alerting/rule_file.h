// Prometheus rule files, read exactly as Prometheus reads them.
//
//   groups:
//     - name: api                  # required, unique in the file
//       interval: 30s              # optional (default: the caller's)
//       limit: 10                  # optional: max alerts / series per rule
//       labels: {team: web}        # optional: added to every rule's output
//       rules:
//         - alert: HighErrorRate   # or record: job:errors:rate5m
//           expr: rate(errors_total[5m]) > 0.01
//           for: 2m                # alerting only
//           keep_firing_for: 5m    # alerting only
//           labels: {severity: page}
//           annotations: {summary: "{{ $labels.instance }} fails"}
//
// Validation gives Prometheus' own messages (rulefmt), each prefixed with
// file:line:col of the offending node, e.g.
//   rules.yaml:5:9: group "api", rule 1, "X": only one of 'record' and 'alert' must be set
//   rules.yaml:9:5: groupname: "api" is repeated in the same file
//   rules.yaml:3:5: field foo not found in type rulefmt.RuleGroup
// and, beyond Prometheus, refuses what vitals cannot evaluate: an expression
// using a PromQL feature outside docs/promql.md ("could not parse
// expression: col 1: not supported by vitals: function holt_winters") or a
// template function vitals lacks.  Every error is reported, not just the
// first.
//
// Thread-safety: values; LoadRuleFile is a pure function of the file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "alerting/template.h"
#include "core/status.h"
#include "promql/ast.h"
#include "promql/labels.h"

namespace vitals::alerting {

struct SourcePos {
  std::string file;
  int line = 0;                  // 1-based
  int col = 0;                   // 1-based
  std::string ToString() const;  // "file:line:col"
};

// A label or annotation whose value is a template.
struct TemplatedLabel {
  std::string name;
  std::string text;
  std::shared_ptr<const Template> tmpl;
};

struct Rule {
  std::string alert;   // set for an alerting rule
  std::string record;  // set for a recording rule
  std::string expr;
  std::shared_ptr<const promql::Expr> parsed;
  int64_t for_ms = 0;
  int64_t keep_firing_for_ms = 0;
  std::vector<TemplatedLabel> labels;       // sorted by name
  std::vector<TemplatedLabel> annotations;  // sorted by name
  SourcePos pos;                            // the rule's first key
  SourcePos expr_pos;                       // the expr value

  bool is_alert() const { return !alert.empty(); }
  const std::string& name() const { return is_alert() ? alert : record; }
};

struct RuleGroup {
  std::string name;
  std::string file;
  int64_t interval_ms = 0;  // 0: not set (the evaluator's default applies)
  int limit = 0;            // 0: no limit
  std::vector<promql::Label> labels;
  std::vector<Rule> rules;
  SourcePos pos;
};

struct RuleFile {
  std::string path;
  std::vector<RuleGroup> groups;
  size_t rule_count() const;
};

// Parses and validates `yaml_text` (`path` names it in messages).  Errors:
// kInvalidArgument whose message holds every problem, one per line.
Result<RuleFile> ParseRuleFile(const std::string& yaml_text, const std::string& path);

// Reads `path` and parses it.  Errors: kNotFound / kIo for the file,
// otherwise as ParseRuleFile.
Result<RuleFile> LoadRuleFile(const std::string& path);

// Prometheus' name rules: [a-zA-Z_][a-zA-Z0-9_]* for label names and
// [a-zA-Z_:][a-zA-Z0-9_:]* for metric names.
bool IsValidLabelName(const std::string& name);
bool IsValidMetricName(const std::string& name);

// The template name Prometheus gives an alert's templates: "__alert_<name>".
std::string AlertTemplateName(const std::string& alert);

}  // namespace vitals::alerting
