#include "collect/sql_lex.h"

#include <algorithm>
#include <cctype>

namespace vitals::detail {
namespace {

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool IsIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

constexpr std::string_view kOperatorChars = "+-*/<>=~!@#%^&|`?";

}  // namespace

bool SqlIdentChar(char c) { return IsIdentStart(c) || IsDigit(c) || c == '$'; }

size_t SqlDollarTagLength(std::string_view s, size_t i) {
  if (s[i] != '$') return 0;
  size_t j = i + 1;
  while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
  if (j < s.size() && s[j] == '$' && !(j > i + 1 && IsDigit(s[i + 1]))) return j - i + 1;
  return 0;
}

size_t SqlLiteralEnd(std::string_view s, size_t i, bool backslash_escapes) {
  size_t j = i + 1;
  while (j < s.size()) {
    if (backslash_escapes && s[j] == '\\') {
      j += 2;
      continue;
    }
    if (s[j] == '\'') {
      if (j + 1 < s.size() && s[j + 1] == '\'') {
        j += 2;
        continue;
      }
      return j + 1;
    }
    ++j;
  }
  return s.size();
}

std::vector<SqlToken> LexSql(std::string_view s) {
  std::vector<SqlToken> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      const size_t end = s.find("*/", i + 2);
      i = end == std::string_view::npos ? s.size() : end + 2;
    } else if (c == '\'') {
      i = SqlLiteralEnd(s, i, false);
      out.push_back({SqlToken::kLiteral, "?"});
    } else if (const size_t tag = SqlDollarTagLength(s, i); tag > 0) {
      const size_t end = s.find(s.substr(i, tag), i + tag);
      i = end == std::string_view::npos ? s.size() : end + tag;
      out.push_back({SqlToken::kLiteral, "?"});
    } else if (c == '$' && i + 1 < s.size() && IsDigit(s[i + 1])) {
      size_t j = i + 1;
      while (j < s.size() && IsDigit(s[j])) ++j;
      out.push_back({SqlToken::kParam, std::string(s.substr(i + 1, j - i - 1))});
      i = j;
    } else if (c == '"') {
      std::string name;
      size_t j = i + 1;
      while (j < s.size()) {
        if (s[j] == '"') {
          if (j + 1 < s.size() && s[j + 1] == '"') {
            name.push_back('"');
            j += 2;
            continue;
          }
          break;
        }
        name.push_back(s[j++]);
      }
      i = std::min(j + 1, s.size());
      out.push_back({SqlToken::kQuotedIdent, std::move(name)});
    } else if (IsIdentStart(c)) {
      size_t j = i;
      while (j < s.size() && SqlIdentChar(s[j])) ++j;
      if ((c == 'e' || c == 'E') && j == i + 1 && j < s.size() && s[j] == '\'') {
        i = SqlLiteralEnd(s, j, true);
        out.push_back({SqlToken::kLiteral, "?"});
        continue;
      }
      std::string word(s.substr(i, j - i));
      for (char& ch : word) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      out.push_back({SqlToken::kWord, std::move(word)});
      i = j;
    } else if (IsDigit(c)) {
      size_t j = i + 1;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
      out.push_back({SqlToken::kNumber, std::string(s.substr(i, j - i))});
      i = j;
    } else if (kOperatorChars.find(c) != std::string_view::npos) {
      size_t j = i;
      while (j < s.size() && kOperatorChars.find(s[j]) != std::string_view::npos) ++j;
      out.push_back({SqlToken::kOp, std::string(s.substr(i, j - i))});
      i = j;
    } else {
      out.push_back({SqlToken::kPunct, std::string(1, c)});
      ++i;
    }
  }
  return out;
}

}  // namespace vitals::detail
