#include "promql/lexer.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace vitals::promql {
namespace {

bool IsIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool IsIdentChar(char c) { return IsIdentStart(c) || std::isdigit(static_cast<unsigned char>(c)); }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

int64_t UnitMs(std::string_view u) {
  if (u == "ms") return 1;
  if (u == "s") return 1000;
  if (u == "m") return 60'000;
  if (u == "h") return 3'600'000;
  if (u == "d") return 86'400'000;
  if (u == "w") return 7 * 86'400'000LL;
  if (u == "y") return 365 * 86'400'000LL;
  return 0;
}

// Length of a duration at s[0..], 0 when none.  Units must come in
// decreasing order as in Prometheus (y w d h m s ms), each at most once.
size_t ScanDuration(std::string_view s, int64_t* ms) {
  size_t i = 0;
  int64_t total = 0;
  int64_t last_unit = INT64_MAX;
  bool any = false;
  while (i < s.size() && IsDigit(s[i])) {
    size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    int64_t n = std::strtoll(std::string(s.substr(start, i - start)).c_str(), nullptr, 10);
    size_t ustart = i;
    if (i + 1 < s.size() && s[i] == 'm' && s[i + 1] == 's') {
      i += 2;
    } else if (i < s.size() && std::string_view("ywdhms").find(s[i]) != std::string_view::npos) {
      ++i;
    } else {
      return 0;
    }
    int64_t unit = UnitMs(s.substr(ustart, i - ustart));
    if (unit >= last_unit) return 0;
    last_unit = unit;
    total += n * unit;
    any = true;
  }
  if (!any) return 0;
  if (i < s.size() && IsIdentChar(s[i]) && s[i] != ':') return 0;
  *ms = total;
  return i;
}

}  // namespace

bool ParseDuration(std::string_view text, int64_t* ms) {
  int64_t v = 0;
  size_t n = ScanDuration(text, &v);
  if (n == 0 || n != text.size()) return false;
  *ms = v;
  return true;
}

Result<std::vector<Token>> Lex(std::string_view q) {
  std::vector<Token> out;
  size_t i = 0;
  auto err = [&](size_t at, const std::string& what) {
    return Status::InvalidArgument(fmt::format("col {}: {}", at + 1, what));
  };
  while (i < q.size()) {
    char c = q[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    if (c == '#') {  // comment to end of line
      while (i < q.size() && q[i] != '\n') ++i;
      continue;
    }
    Token t;
    t.col = static_cast<int>(i) + 1;
    size_t start = i;
    if (IsDigit(c) || (c == '.' && i + 1 < q.size() && IsDigit(q[i + 1]))) {
      int64_t ms = 0;
      size_t n = ScanDuration(q.substr(i), &ms);
      if (n > 0) {
        t.kind = Tok::kDuration;
        t.duration_ms = ms;
        i += n;
      } else {
        const char* begin = q.data() + i;
        std::string buf(q.substr(i));
        char* end = nullptr;
        double v = std::strtod(buf.c_str(), &end);
        size_t len = static_cast<size_t>(end - buf.c_str());
        // strtod accepts "inf"/"nan" and hex floats with p exponents; digits
        // come first here, so only plain decimals and 0x hex integers remain.
        (void)begin;
        if (len == 0) return err(i, "bad number");
        i += len;
        if (i < q.size() && IsIdentChar(q[i])) {
          return err(start,
                     fmt::format("bad number or duration '{}'", q.substr(start, i - start + 1)));
        }
        t.kind = Tok::kNumber;
        t.number = v;
      }
      t.text = std::string(q.substr(start, i - start));
      out.push_back(std::move(t));
      continue;
    }
    // In x[5m:1m] the ':' after a duration is the subquery colon, not a name.
    bool after_duration = !out.empty() && out.back().kind == Tok::kDuration;
    if (IsIdentStart(c) && !(c == ':' && after_duration)) {
      while (i < q.size() && IsIdentChar(q[i])) ++i;
      t.kind = Tok::kIdent;
      t.text = std::string(q.substr(start, i - start));
      out.push_back(std::move(t));
      continue;
    }
    if (c == '"' || c == '\'' || c == '`') {
      char quote = c;
      ++i;
      std::string val;
      bool closed = false;
      while (i < q.size()) {
        char d = q[i];
        if (d == quote) {
          closed = true;
          ++i;
          break;
        }
        if (d == '\\' && quote != '`') {
          if (i + 1 >= q.size()) break;
          char e = q[i + 1];
          i += 2;
          switch (e) {
            case 'n':
              val += '\n';
              break;
            case 't':
              val += '\t';
              break;
            case 'r':
              val += '\r';
              break;
            case '\\':
              val += '\\';
              break;
            case '"':
              val += '"';
              break;
            case '\'':
              val += '\'';
              break;
            case 'a':
              val += '\a';
              break;
            case 'b':
              val += '\b';
              break;
            case 'f':
              val += '\f';
              break;
            case 'v':
              val += '\v';
              break;
            default:
              return err(i - 2, fmt::format("unknown escape sequence '\\{}' in string", e));
          }
          continue;
        }
        if (d == '\n' && quote != '`') break;
        val += d;
        ++i;
      }
      if (!closed) return err(start, "unterminated string");
      t.kind = Tok::kString;
      t.text = std::move(val);
      out.push_back(std::move(t));
      continue;
    }
    auto two = [&](char a, char b) { return c == a && i + 1 < q.size() && q[i + 1] == b; };
    size_t len = 1;
    if (two('=', '=')) {
      t.kind = Tok::kEql, len = 2;
    } else if (two('!', '=')) {
      t.kind = Tok::kNeq, len = 2;
    } else if (two('=', '~')) {
      t.kind = Tok::kEqlRegex, len = 2;
    } else if (two('!', '~')) {
      t.kind = Tok::kNeqRegex, len = 2;
    } else if (two('<', '=')) {
      t.kind = Tok::kLte, len = 2;
    } else if (two('>', '=')) {
      t.kind = Tok::kGte, len = 2;
    } else {
      switch (c) {
        case '(':
          t.kind = Tok::kLParen;
          break;
        case ')':
          t.kind = Tok::kRParen;
          break;
        case '{':
          t.kind = Tok::kLBrace;
          break;
        case '}':
          t.kind = Tok::kRBrace;
          break;
        case '[':
          t.kind = Tok::kLBracket;
          break;
        case ']':
          t.kind = Tok::kRBracket;
          break;
        case ',':
          t.kind = Tok::kComma;
          break;
        case ':':
          t.kind = Tok::kColon;
          break;
        case '@':
          t.kind = Tok::kAt;
          break;
        case '=':
          t.kind = Tok::kAssign;
          break;
        case '<':
          t.kind = Tok::kLss;
          break;
        case '>':
          t.kind = Tok::kGtr;
          break;
        case '+':
          t.kind = Tok::kAdd;
          break;
        case '-':
          t.kind = Tok::kSub;
          break;
        case '*':
          t.kind = Tok::kMul;
          break;
        case '/':
          t.kind = Tok::kDiv;
          break;
        case '%':
          t.kind = Tok::kMod;
          break;
        case '^':
          t.kind = Tok::kPow;
          break;
        default:
          return err(i, fmt::format("unexpected character '{}'", c));
      }
    }
    t.text = std::string(q.substr(i, len));
    i += len;
    out.push_back(std::move(t));
  }
  Token end;
  end.kind = Tok::kEnd;
  end.col = static_cast<int>(q.size()) + 1;
  out.push_back(end);
  return out;
}

}  // namespace vitals::promql
