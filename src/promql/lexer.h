// Tokeniser for PromQL query text.
//
// Produces the whole token list up front; the parser walks it.  Durations
// ("5m", "1h30m", "250ms") are their own token kind because PromQL only
// allows them inside [] and after offset.  Errors: kInvalidArgument with
// "col N: <what>", e.g. col 7: unterminated string.
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vitals::promql {

enum class Tok {
  kEnd,
  kIdent,     // metric, label, function or keyword name
  kNumber,    // value in `number`
  kDuration,  // value in `duration_ms`
  kString,    // unescaped value in `text`
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kLBracket,
  kRBracket,
  kComma,
  kColon,
  kAt,
  kAssign,    // =
  kEqlRegex,  // =~
  kNeqRegex,  // !~
  kEql,
  kNeq,
  kLss,
  kGtr,
  kLte,
  kGte,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
};

struct Token {
  Tok kind = Tok::kEnd;
  int col = 1;       // 1-based column of the first character
  std::string text;  // the source text (unescaped value for kString)
  double number = 0;
  int64_t duration_ms = 0;
};

Result<std::vector<Token>> Lex(std::string_view query);

// Parses a duration like "1h30m" or "90s" (units ms s m h d w y); false when
// malformed.  Shared with the CLI's --range / --step flags.
bool ParseDuration(std::string_view text, int64_t* ms);

}  // namespace vitals::promql
