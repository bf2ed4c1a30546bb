// Alert label and annotation templates: the subset of Go's text/template
// that Prometheus rule files use, with Prometheus' functions.
//
//   {{ $value }}  {{ $labels.instance }}  {{ .Labels.job }}  {{ .Value }}
//   {{ $externalLabels.cluster }}  {{ $externalURL }}
//   {{ $value | humanize }}  {{ printf "%.2f" $value }}  {{ humanizeDuration 90 }}
//   {{ if gt $value 100.0 }}...{{ else if ... }}...{{ else }}...{{ end }}
//   {{ with query "up" }}{{ . | first | value }}{{ end }}
//   {{ range query "up" }}{{ .Labels.instance }} {{ .Value }}{{ end }}
//   {{ $x := ... }}  {{- trimming -}}  {{/* comments */}}
//
// Functions: humanize humanize1024 humanizeDuration humanizePercentage
// printf toUpper toLower title first value label reReplaceAll query, and
// Go's eq ne lt le gt ge and or not len.  Any other function is refused at
// parse time (the rule file is refused at load time), with Go's wording
// ("function \"x\" not defined") or, for Prometheus functions vitals lacks,
// "function \"x\" is not supported by vitals".  Missing map keys print ""
// (Prometheus sets missingkey=zero); {{ $value }} prints Go's %v of a
// float64 ("1e+06").
//
// Errors read as Go's: "template: <name>:<line>: <message>".
// Thread-safety: a parsed Template is immutable; Execute may run
// concurrently when the query function allows it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "promql/labels.h"

namespace vitals::alerting {

struct TemplateSample {
  promql::Labels labels;
  double value = 0;
};

// What a template sees.
struct TemplateData {
  promql::Labels labels;  // the alert's labels ($labels, .Labels)
  double value = 0;       // the sample value ($value, .Value)
  promql::Labels external_labels;
  std::string external_url;
};

// Answers {{ query "expr" }} at the evaluation time.  May be empty: query
// is then an execution error.
using TemplateQuery = std::function<Result<std::vector<TemplateSample>>(const std::string& expr)>;

namespace detail {
struct TemplateNode;
}

class Template {
 public:
  // Parses `text`; `name` is used in messages (Prometheus uses
  // "__alert_<AlertName>").  Errors: kInvalidArgument.
  static Result<Template> Parse(std::string_view text, std::string name);

  // Expands the template.  Errors: kInvalidArgument, e.g. a function given
  // the wrong kind of argument, first() of an empty result.
  Result<std::string> Execute(const TemplateData& data, const TemplateQuery& query = {}) const;

  // True when the template text has no actions (the text is the result).
  bool is_literal() const;

 private:
  std::string name_;
  std::shared_ptr<const std::vector<detail::TemplateNode>> nodes_;
};

// Parses and executes in one go (tests, one-off expansions).
Result<std::string> ExpandTemplate(std::string_view text, const std::string& name,
                                   const TemplateData& data, const TemplateQuery& query = {});

}  // namespace vitals::alerting
