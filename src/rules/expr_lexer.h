// Tokens of the rule expression language (grammar in rules/expr.h).
// Internal to src/rules.  Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vitals::detail {

enum class Tok {
  kEnd,
  kNumber,
  kString,
  kIdent,
  kAnd,
  kOr,
  kNot,
  kTrue,
  kFalse,
  kHas,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kLParen,
  kRParen,
  kLt,
  kLe,
  kGt,
  kGe,
  kEq,
  kNe,
};

struct Token {
  Tok tok = Tok::kEnd;
  int column = 1;    // 1-based
  std::string text;  // as written (for messages), string contents for kString
  double num = 0;
};

// Splits `text` into tokens ending with a kEnd token.  Numbers carry their
// unit already applied (500ms -> 0.5).  Errors: InvalidArgument "column N: ...".
Status LexRuleExpr(std::string_view text, std::vector<Token>* out);

// "field 'x'", "number '5ms'", "the end of the expression", "'>'".
std::string DescribeToken(const Token& t);

}  // namespace vitals::detail
