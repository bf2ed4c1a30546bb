// RuleTemplate: the `{field}` text of a rule's title, evidence and action.
//
// Syntax: literal text with placeholders
//   {name}          a numeric field (printed compactly: 12, 0.853, 1234) or a text field
//   {name|pct}      a ratio printed as a percent: 0.853 -> 85.3%
//   {name|bytes}    bytes, binary multiples: 1536 -> 1.5 KiB
//   {name|dur}      seconds as a human duration: 0.25 -> 250ms, 330 -> 5m30s
//   {subject}       the fact's subject; {value} the rule's measured value
//   {{ and }}       literal braces (for JSON or shell snippets in an action)
// A name the fact does not have prints "?", so a template never fails when it
// is rendered; the syntax (unclosed brace, unknown filter) is checked when the
// rule loads.  Filters apply to numbers only; a text field prints as is.
//
// Thread-safety: immutable after Parse.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collect/fact.h"
#include "core/status.h"

namespace vitals {

class RuleTemplate {
 public:
  enum class Filter { kNone, kPct, kBytes, kDur };

  // Errors: InvalidArgument "column N: ..." (1-based) naming what was expected.
  static Result<RuleTemplate> Parse(std::string_view text);

  std::string Render(const Fact& fact, std::optional<double> value) const;
  const std::string& text() const { return text_; }
  bool empty() const { return text_.empty(); }

 private:
  struct Part {
    std::string literal;  // when name is empty
    std::string name;
    Filter filter = Filter::kNone;
  };
  std::string text_;
  std::vector<Part> parts_;
};

// Number formatting shared by templates and the output formats.
// Compact: integers without decimals, otherwise 3 significant digits
// (0.853, 12.3, 1234).
std::string FormatCompact(double v);
std::string FormatPct(double ratio);    // 0.853 -> "85.3%"
std::string FormatBytes(double bytes);  // 1536 -> "1.5 KiB"
std::string FormatSeconds(double s);    // 0.25 -> "250ms", 330 -> "5m30s"

}  // namespace vitals
