// Parser for the Prometheus text exposition format (version 0.0.4), the body
// of every `/metrics` page that client_golang, client_java, client_python,
// Micrometer and the exporters serve.
//
// Grammar (one item per line, lines end with '\n'; a trailing "\r" is
// tolerated; blank lines are ignored; tokens are separated by blanks/tabs):
//   # HELP <metric_name> <docstring>       docstring escapes: \\ and \n
//   # TYPE <metric_name> <type>             counter|gauge|histogram|summary|untyped
//   # <anything else>                       a comment, ignored
//   <metric_name>[{<label>="<value>",...}] <value> [<timestamp_ms>]
// metric_name := [a-zA-Z_:][a-zA-Z0-9_:]*, label := [a-zA-Z_][a-zA-Z0-9_]*
// (names starting with "__" are reserved), label values escape \\ \" \n,
// value is a float (also NaN, +Inf, -Inf), timestamp an int64 in ms.
//
// Samples are grouped into families the way Prometheus' expfmt does: a
// sample belongs to the family of its exact name, or, for a histogram family
// F, to F when named F_bucket / F_sum / F_count (summary: F_sum / F_count and
// F{quantile=...}).  A sample with no TYPE line before it starts an untyped
// family of its own name.
//
// Strictness follows Prometheus: bad label quoting or escapes, bad floats,
// bad timestamps, invalid or reserved names, duplicate label names, a second
// TYPE or HELP line for a family, a TYPE line after the family's samples,
// truncated lines, a histogram bucket without a numeric "le", a summary
// quantile without a numeric "quantile" and a repeated series all give a
// kParse Status naming the line, e.g.
//   line 12: bad label value for "path": missing closing quote
//
// Cost: one pass, O(size of the page) time and memory (hash maps for the
// family and series lookups); a 5 MB page takes about 0.1 s of CPU.
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vitals {

enum class MetricType { kUntyped, kCounter, kGauge, kHistogram, kSummary };

// "counter", "gauge", "histogram", "summary", "untyped".
std::string_view MetricTypeName(MetricType type);

struct PromLabel {
  std::string name;
  std::string value;  // unescaped
  bool operator==(const PromLabel&) const = default;
};

struct PromSample {
  std::string name;               // full sample name, e.g. "x_bucket"
  std::vector<PromLabel> labels;  // sorted by name, names unique
  double value = 0;
  std::optional<int64_t> timestamp_ms;
  int line = 0;  // 1-based line in the page, for messages

  // Value of label `name`, or nullptr when the sample has no such label.
  const std::string* Label(std::string_view name) const;
};

struct MetricFamily {
  std::string name;
  MetricType type = MetricType::kUntyped;
  std::string help;                 // unescaped
  std::vector<PromSample> samples;  // in page order
};

// Parses a whole exposition page.  Families come back in order of first
// appearance (a TYPE/HELP line or a first sample).  Errors: kParse with
// "line N: <what was wrong>".
Result<std::vector<MetricFamily>> ParsePromText(std::string_view text);

// A sample value as the exposition format writes it (Go's ParseFloat without
// hex floats): "1", "-2.5e-3", "NaN", "+Inf", "-Inf", "Inf".  The whole text
// must be used.  Also used for "le" and "quantile" label values.
bool ParsePromFloat(std::string_view text, double* out);

// True when `name` matches [a-zA-Z_:][a-zA-Z0-9_:]*.
bool IsValidMetricName(std::string_view name);

}  // namespace vitals
