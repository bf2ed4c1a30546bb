// RuleExpr: the small expression language of rule conditions.
//
// Why our own language and not Lua, CEL or PromQL: the rule engine *is* the
// product.  Rules are runbook thresholds that users read, copy and override,
// so the language must be tiny, total (every expression evaluates to an
// answer, never an error, whatever the fact holds), fast (parsed once when
// the rules load, evaluated many times) and must speak our units (500ms, 1%,
// 10MB).  A general-purpose engine gives none of that for free and adds a
// dependency we would have to sandbox.
//
// Grammar (whitespace between tokens is free):
//   expr       := or
//   or         := and ("or" and)*
//   and        := not ("and" not)*
//   not        := "not" not | compare
//   compare    := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
//   sum        := product (("+" | "-") product)*
//   product    := unary (("*" | "/") unary)*
//   unary      := "-" unary | primary
//   primary    := number | string | "true" | "false" | field
//               | "has" "(" field ")" | "(" expr ")"
//   number     := digits ["." digits] [("e"|"E") ["+"|"-"] digits] [unit]
//   unit       := us | ms | s | min | h | % | B | KB | MB | GB | TB   (no space before it)
//                 500ms == 0.5, 1% == 0.01, 10MB == 10485760 (binary multiples)
//   string     := '...' | "..."          (compared with == and != only)
//   field      := [A-Za-z_][A-Za-z0-9_.]*  (not a keyword)
//
// Meaning, against one Fact:
//   - a field is the fact's numeric field of that name, else its text field,
//     else "missing"; `subject` (when no field has that name) is the fact's
//     subject, so one rule can pick e.g. the "memory" pressure fact;
//   - arithmetic on a missing value, a text or a division by zero gives
//     "missing"; a comparison involving "missing" is false (so a rule whose
//     fields a collector did not report never fires), including "!=";
//   - numbers compare with all six operators; texts with == and != only;
//   - has(field) is true when the fact has that numeric or text field.
// Types are checked when parsing: `and`/`or`/`not` take conditions, arithmetic
// and comparisons take values, `a < b < c` is rejected.
//
// Errors: Parse returns InvalidArgument whose message starts with
// "column N: " (1-based) and says what was expected and what was found.
// Thread-safety: a parsed RuleExpr is immutable; evaluate from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collect/fact.h"
#include "core/status.h"

namespace vitals {

class RuleExpr {
 public:
  // Static type of the whole expression.
  enum class Type { kBool, kNumber, kText, kField };

  // Parses `text`.  Never throws; nesting deeper than 64 levels is an error.
  static Result<RuleExpr> Parse(std::string_view text);

  // True when the expression is a condition (comparison, and/or/not, has, true/false).
  bool IsCondition() const { return type_ == Type::kBool; }
  // True when the expression can yield a number (a number, arithmetic or a field).
  bool IsNumeric() const { return type_ == Type::kNumber || type_ == Type::kField; }
  Type type() const { return type_; }

  // Condition value; false when the expression is not a condition.
  bool Test(const Fact& fact) const;
  // Numeric value; nullopt when missing, text, a condition or not finite.
  std::optional<double> Number(const Fact& fact) const;

  // The source text, as written.
  const std::string& text() const { return text_; }
  // Field names the expression reads (sorted, unique); has(x) counts.
  std::vector<std::string> Fields() const;

  // Internal node; public only so that the evaluator in expr.cc can see it.
  struct Node {
    enum class Op {
      kNum,
      kStr,
      kBool,
      kField,
      kHas,
      kNeg,
      kNot,
      kAdd,
      kSub,
      kMul,
      kDiv,
      kLt,
      kLe,
      kGt,
      kGe,
      kEq,
      kNe,
      kAnd,
      kOr,
    };
    Op op = Op::kNum;
    double num = 0;   // kNum; kBool uses 0/1
    std::string str;  // kStr literal, kField/kHas name
    int lhs = -1;     // child indices into nodes_
    int rhs = -1;
  };

 private:
  friend class RuleExprParser;
  std::string text_;
  std::vector<Node> nodes_;
  int root_ = -1;
  Type type_ = Type::kBool;
};

}  // namespace vitals
