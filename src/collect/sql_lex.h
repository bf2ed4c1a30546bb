// A small SQL lexer for the PostgreSQL collector: it splits statement text (from
// pg_stat_statements or a user) into words, quoted identifiers, $n parameters, operators and
// punctuation, and replaces every string literal and number by a placeholder token, so the
// callers that find filtered columns (postgres_logic.cc) and decide which statements may be
// EXPLAINed (postgres_plan.cc) never mistake text inside a literal or a comment for SQL.
//
// It is not a parser: it knows PostgreSQL's lexical rules (-- and /* */ comments, '' and E''
// strings, $tag$ dollar quotes, "" inside quoted identifiers) and nothing about grammar.
// Malformed input (an unterminated literal or comment) ends the token list; it never fails.
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vitals::detail {

struct SqlToken {
  enum Kind {
    kWord,         // keyword or unquoted identifier, lower-cased
    kQuotedIdent,  // "Name" as written, with "" unescaped
    kParam,        // $n: text is the digits
    kLiteral,      // a string literal ('', E'', $$..$$): text is "?"
    kNumber,       // text as written
    kOp,           // a run of operator characters: "=", "<>", "~~*"
    kPunct,        // one other character: ( ) , ; . [ ] and so on
  } kind;
  std::string text;

  // A name either way (kWord or kQuotedIdent).
  bool IsIdent() const { return kind == kWord || kind == kQuotedIdent; }
  bool Is(Kind k, std::string_view t) const { return kind == k && text == t; }
};

std::vector<SqlToken> LexSql(std::string_view sql);

// The lexical rules themselves, for code that rewrites SQL text in place (MaskSql):
// a character that may continue an unquoted identifier; the length of a dollar-quote tag
// ("$$" or "$tag$") starting at s[i], or 0; the end (exclusive) of the string literal whose
// opening quote is at s[i] (backslash escapes for E'' strings).
bool SqlIdentChar(char c);
size_t SqlDollarTagLength(std::string_view s, size_t i);
size_t SqlLiteralEnd(std::string_view s, size_t i, bool backslash_escapes);

}  // namespace vitals::detail
