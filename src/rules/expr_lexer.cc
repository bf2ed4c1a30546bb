#include "rules/expr_lexer.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace vitals::detail {
namespace {

struct Unit {
  const char* suffix;
  double factor;
};
// Longest suffixes first so that "ms" wins over "s" and "min" over "m..." typos.
constexpr Unit kUnits[] = {
    {"min", 60},
    {"us", 1e-6},
    {"ms", 1e-3},
    {"KB", 1024.0},
    {"MB", 1048576.0},
    {"GB", 1073741824.0},
    {"TB", 1099511627776.0},
    {"s", 1},
    {"h", 3600},
    {"%", 0.01},
    {"B", 1},
};
constexpr const char* kUnitList = "us, ms, s, min, h, %, B, KB, MB, GB, TB";

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

std::string DescribeImpl(const Token& t) {
  switch (t.tok) {
    case Tok::kEnd:
      return "the end of the expression";
    case Tok::kString:
      return fmt::format("string '{}'", t.text);
    case Tok::kNumber:
      return fmt::format("number '{}'", t.text);
    case Tok::kIdent:
      return fmt::format("field '{}'", t.text);
    default:
      return fmt::format("'{}'", t.text);
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Status Run(std::vector<Token>* out) {
    while (true) {
      while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      Token t;
      t.column = static_cast<int>(pos_) + 1;
      if (pos_ >= s_.size()) {
        out->push_back(t);
        return Status::Ok();
      }
      char c = s_[pos_];
      if (std::isdigit(static_cast<unsigned char>(c)) ||
          (c == '.' && pos_ + 1 < s_.size() &&
           std::isdigit(static_cast<unsigned char>(s_[pos_ + 1])))) {
        VITALS_RETURN_IF_ERROR(Number(&t));
      } else if (c == '\'' || c == '"') {
        VITALS_RETURN_IF_ERROR(String(&t));
      } else if (IsIdentStart(c)) {
        size_t start = pos_;
        while (pos_ < s_.size() && IsIdentChar(s_[pos_])) ++pos_;
        t.text = std::string(s_.substr(start, pos_ - start));
        t.tok = Keyword(t.text);
      } else {
        VITALS_RETURN_IF_ERROR(Operator(&t));
      }
      out->push_back(std::move(t));
    }
  }

 private:
  static Tok Keyword(const std::string& w) {
    if (w == "and") return Tok::kAnd;
    if (w == "or") return Tok::kOr;
    if (w == "not") return Tok::kNot;
    if (w == "true") return Tok::kTrue;
    if (w == "false") return Tok::kFalse;
    if (w == "has") return Tok::kHas;
    return Tok::kIdent;
  }

  Status Number(Token* t) {
    size_t start = pos_;
    auto digits = [&] {
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    };
    digits();
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      digits();
    }
    // An exponent only when digits follow, so that "5e" is reported as a unit.
    if (pos_ + 1 < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      size_t p = pos_ + 1;
      if (p < s_.size() && (s_[p] == '+' || s_[p] == '-')) ++p;
      if (p < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p]))) {
        pos_ = p;
        digits();
      }
    }
    std::string literal(s_.substr(start, pos_ - start));
    double v = std::strtod(literal.c_str(), nullptr);
    size_t unit_start = pos_;
    while (pos_ < s_.size() &&
           (std::isalpha(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '%')) {
      ++pos_;
    }
    std::string_view unit = s_.substr(unit_start, pos_ - unit_start);
    if (!unit.empty()) {
      const Unit* found = nullptr;
      for (const auto& u : kUnits) {
        if (unit == u.suffix) found = &u;
      }
      if (found == nullptr) {
        return Status::InvalidArgument(fmt::format(
            "column {}: unknown unit '{}' after number {}; expected one of {} (no space before "
            "the unit)",
            unit_start + 1, unit, literal, kUnitList));
      }
      v *= found->factor;
    }
    if (!std::isfinite(v)) {
      return Status::InvalidArgument(fmt::format("column {}: number '{}' is out of range",
                                                 start + 1, s_.substr(start, pos_ - start)));
    }
    t->tok = Tok::kNumber;
    t->num = v;
    t->text = std::string(s_.substr(start, pos_ - start));
    return Status::Ok();
  }

  Status String(Token* t) {
    char quote = s_[pos_];
    size_t start = pos_++;
    while (pos_ < s_.size() && s_[pos_] != quote) ++pos_;
    if (pos_ >= s_.size()) {
      return Status::InvalidArgument(
          fmt::format("column {}: string starting here is not closed; expected a closing {}",
                      start + 1, quote));
    }
    t->tok = Tok::kString;
    t->text = std::string(s_.substr(start + 1, pos_ - start - 1));
    ++pos_;
    return Status::Ok();
  }

  Status Operator(Token* t) {
    char c = s_[pos_];
    char n = pos_ + 1 < s_.size() ? s_[pos_ + 1] : '\0';
    auto one = [&](Tok k) {
      t->tok = k;
      t->text = std::string(1, c);
      ++pos_;
      return Status::Ok();
    };
    auto two = [&](Tok k) {
      t->tok = k;
      t->text = std::string(s_.substr(pos_, 2));
      pos_ += 2;
      return Status::Ok();
    };
    switch (c) {
      case '+':
        return one(Tok::kPlus);
      case '-':
        return one(Tok::kMinus);
      case '*':
        return one(Tok::kStar);
      case '/':
        return one(Tok::kSlash);
      case '(':
        return one(Tok::kLParen);
      case ')':
        return one(Tok::kRParen);
      case '<':
        return n == '=' ? two(Tok::kLe) : one(Tok::kLt);
      case '>':
        return n == '=' ? two(Tok::kGe) : one(Tok::kGt);
      case '=':
        if (n == '=') return two(Tok::kEq);
        return Status::InvalidArgument(
            fmt::format("column {}: found '='; expected '==' to compare", pos_ + 1));
      case '!':
        if (n == '=') return two(Tok::kNe);
        return Status::InvalidArgument(
            fmt::format("column {}: found '!'; expected 'not' (or '!=' to compare)", pos_ + 1));
      case '&':
        return Status::InvalidArgument(
            fmt::format("column {}: found '&'; expected 'and'", pos_ + 1));
      case '|':
        return Status::InvalidArgument(
            fmt::format("column {}: found '|'; expected 'or'", pos_ + 1));
      default:
        break;
    }
    return Status::InvalidArgument(fmt::format(
        "column {}: unexpected character '{}'; expected a number, a field name, an operator or "
        "a parenthesis",
        pos_ + 1,
        std::isprint(static_cast<unsigned char>(c)) ? std::string(1, c)
                                                    : fmt::format("\\x{:02x}", c & 0xff)));
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Status LexRuleExpr(std::string_view text, std::vector<Token>* out) { return Lexer(text).Run(out); }

std::string DescribeToken(const Token& t) { return DescribeImpl(t); }

}  // namespace vitals::detail
