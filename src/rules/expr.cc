#include "rules/expr.h"

#include <fmt/format.h>

#include "rules/expr_lexer.h"

namespace vitals {
namespace {

using Op = RuleExpr::Node::Op;
using Type = RuleExpr::Type;
using detail::Tok;
using detail::Token;

std::string Describe(const Token& t) { return detail::DescribeToken(t); }

const char* TypeName(Type t) {
  switch (t) {
    case Type::kBool:
      return "a condition";
    case Type::kNumber:
      return "a number";
    case Type::kText:
      return "a string";
    case Type::kField:
      return "a field";
  }
  return "?";
}

}  // namespace

// Recursive-descent parser producing the flat node array of a RuleExpr.
class RuleExprParser {
 public:
  static constexpr int kMaxDepth = 64;

  RuleExprParser(std::vector<Token> toks, RuleExpr* out) : toks_(std::move(toks)), out_(out) {}

  Status Run() {
    Type type;
    int root;
    VITALS_RETURN_IF_ERROR(Or(&root, &type));
    if (Peek().tok != Tok::kEnd) {
      return Error(Peek(), "an operator ('and', 'or', a comparison or arithmetic)");
    }
    out_->root_ = root;
    out_->type_ = type;
    return Status::Ok();
  }

 private:
  const Token& Peek() const { return toks_[pos_]; }
  const Token& Next() { return toks_[pos_ < toks_.size() - 1 ? pos_++ : pos_]; }

  static Status Error(const Token& at, std::string_view expected) {
    return Status::InvalidArgument(
        fmt::format("column {}: expected {}, found {}", at.column, expected, Describe(at)));
  }

  int Add(Op op, int lhs = -1, int rhs = -1) {
    RuleExpr::Node n;
    n.op = op;
    n.lhs = lhs;
    n.rhs = rhs;
    out_->nodes_.push_back(std::move(n));
    return static_cast<int>(out_->nodes_.size()) - 1;
  }

  // Operands of and/or/not must be conditions.
  static Status NeedCondition(const Token& at, Type t, std::string_view op) {
    if (t == Type::kBool) return Status::Ok();
    return Status::InvalidArgument(fmt::format(
        "column {}: '{}' needs a condition (a comparison such as x > 1, has(x), true or false), "
        "found {}",
        at.column, op, TypeName(t)));
  }

  Status Or(int* node, Type* type) {
    const Token& first = Peek();
    VITALS_RETURN_IF_ERROR(And(node, type));
    while (Peek().tok == Tok::kOr) {
      Token op = Next();
      VITALS_RETURN_IF_ERROR(NeedCondition(first, *type, "or"));
      int rhs;
      Type rt;
      const Token& right = Peek();
      VITALS_RETURN_IF_ERROR(And(&rhs, &rt));
      VITALS_RETURN_IF_ERROR(NeedCondition(right, rt, "or"));
      *node = Add(Op::kOr, *node, rhs);
      *type = Type::kBool;
    }
    return Status::Ok();
  }

  Status And(int* node, Type* type) {
    const Token& first = Peek();
    VITALS_RETURN_IF_ERROR(Not(node, type));
    while (Peek().tok == Tok::kAnd) {
      Next();
      VITALS_RETURN_IF_ERROR(NeedCondition(first, *type, "and"));
      int rhs;
      Type rt;
      const Token& right = Peek();
      VITALS_RETURN_IF_ERROR(Not(&rhs, &rt));
      VITALS_RETURN_IF_ERROR(NeedCondition(right, rt, "and"));
      *node = Add(Op::kAnd, *node, rhs);
      *type = Type::kBool;
    }
    return Status::Ok();
  }

  Status Not(int* node, Type* type) {
    if (Peek().tok != Tok::kNot) return Compare(node, type);
    Next();
    if (++depth_ > kMaxDepth) return TooDeep();
    const Token& operand = Peek();
    int child;
    Type ct;
    VITALS_RETURN_IF_ERROR(Not(&child, &ct));
    --depth_;
    VITALS_RETURN_IF_ERROR(NeedCondition(operand, ct, "not"));
    *node = Add(Op::kNot, child);
    *type = Type::kBool;
    return Status::Ok();
  }

  static bool IsCompare(Tok t) {
    return t == Tok::kLt || t == Tok::kLe || t == Tok::kGt || t == Tok::kGe || t == Tok::kEq ||
           t == Tok::kNe;
  }

  Status Compare(int* node, Type* type) {
    const Token& left_tok = Peek();
    VITALS_RETURN_IF_ERROR(Sum(node, type));
    if (!IsCompare(Peek().tok)) return Status::Ok();
    Token op = Next();
    const Token& right_tok = Peek();
    int rhs;
    Type rt;
    VITALS_RETURN_IF_ERROR(Sum(&rhs, &rt));
    for (auto [t, at] : {std::pair{*type, &left_tok}, std::pair{rt, &right_tok}}) {
      if (t == Type::kBool) {
        return Status::InvalidArgument(fmt::format(
            "column {}: '{}' compares values, found a condition; use 'and'/'or' to combine "
            "conditions",
            at->column, op.text));
      }
    }
    bool text_side = *type == Type::kText || rt == Type::kText;
    if (text_side) {
      if (op.tok != Tok::kEq && op.tok != Tok::kNe) {
        return Status::InvalidArgument(
            fmt::format("column {}: strings can only be compared with == or !=, found '{}'",
                        op.column, op.text));
      }
      if (*type == Type::kNumber || rt == Type::kNumber) {
        return Status::InvalidArgument(fmt::format(
            "column {}: '{}' compares a string with a number; expected both sides of the same "
            "kind",
            op.column, op.text));
      }
    }
    if (IsCompare(Peek().tok)) {
      return Status::InvalidArgument(fmt::format(
          "column {}: comparisons do not chain; expected 'and' between them (a < b and b < c)",
          Peek().column));
    }
    Op o = Op::kLt;
    switch (op.tok) {
      case Tok::kLt:
        o = Op::kLt;
        break;
      case Tok::kLe:
        o = Op::kLe;
        break;
      case Tok::kGt:
        o = Op::kGt;
        break;
      case Tok::kGe:
        o = Op::kGe;
        break;
      case Tok::kEq:
        o = Op::kEq;
        break;
      default:
        o = Op::kNe;
        break;
    }
    *node = Add(o, *node, rhs);
    *type = Type::kBool;
    return Status::Ok();
  }

  static Status NeedValue(const Token& at, Type t, std::string_view op) {
    if (t == Type::kNumber || t == Type::kField) return Status::Ok();
    return Status::InvalidArgument(fmt::format(
        "column {}: '{}' needs a number or a numeric field, found {}", at.column, op, TypeName(t)));
  }

  Status Sum(int* node, Type* type) {
    const Token& first = Peek();
    VITALS_RETURN_IF_ERROR(Product(node, type));
    while (Peek().tok == Tok::kPlus || Peek().tok == Tok::kMinus) {
      Token op = Next();
      VITALS_RETURN_IF_ERROR(NeedValue(first, *type, op.text));
      const Token& right = Peek();
      int rhs;
      Type rt;
      VITALS_RETURN_IF_ERROR(Product(&rhs, &rt));
      VITALS_RETURN_IF_ERROR(NeedValue(right, rt, op.text));
      *node = Add(op.tok == Tok::kPlus ? Op::kAdd : Op::kSub, *node, rhs);
      *type = Type::kNumber;
    }
    return Status::Ok();
  }

  Status Product(int* node, Type* type) {
    const Token& first = Peek();
    VITALS_RETURN_IF_ERROR(Unary(node, type));
    while (Peek().tok == Tok::kStar || Peek().tok == Tok::kSlash) {
      Token op = Next();
      VITALS_RETURN_IF_ERROR(NeedValue(first, *type, op.text));
      const Token& right = Peek();
      int rhs;
      Type rt;
      VITALS_RETURN_IF_ERROR(Unary(&rhs, &rt));
      VITALS_RETURN_IF_ERROR(NeedValue(right, rt, op.text));
      *node = Add(op.tok == Tok::kStar ? Op::kMul : Op::kDiv, *node, rhs);
      *type = Type::kNumber;
    }
    return Status::Ok();
  }

  Status Unary(int* node, Type* type) {
    if (Peek().tok != Tok::kMinus) return Primary(node, type);
    Token op = Next();
    if (++depth_ > kMaxDepth) return TooDeep();
    const Token& operand = Peek();
    int child;
    Type ct;
    VITALS_RETURN_IF_ERROR(Unary(&child, &ct));
    --depth_;
    VITALS_RETURN_IF_ERROR(NeedValue(operand, ct, "-"));
    *node = Add(Op::kNeg, child);
    *type = Type::kNumber;
    return Status::Ok();
  }

  Status Primary(int* node, Type* type) {
    const Token& t = Peek();
    switch (t.tok) {
      case Tok::kNumber: {
        Next();
        *node = Add(Op::kNum);
        out_->nodes_[*node].num = t.num;
        *type = Type::kNumber;
        return Status::Ok();
      }
      case Tok::kString: {
        Next();
        *node = Add(Op::kStr);
        out_->nodes_[*node].str = t.text;
        *type = Type::kText;
        return Status::Ok();
      }
      case Tok::kTrue:
      case Tok::kFalse: {
        Next();
        *node = Add(Op::kBool);
        out_->nodes_[*node].num = t.tok == Tok::kTrue ? 1 : 0;
        *type = Type::kBool;
        return Status::Ok();
      }
      case Tok::kIdent: {
        Next();
        if (Peek().tok == Tok::kLParen) {
          return Status::InvalidArgument(
              fmt::format("column {}: unknown function '{}'; the only function is has(field)",
                          t.column, t.text));
        }
        *node = Add(Op::kField);
        out_->nodes_[*node].str = t.text;
        *type = Type::kField;
        return Status::Ok();
      }
      case Tok::kHas: {
        Next();
        if (Peek().tok != Tok::kLParen) return Error(Peek(), "'(' after has");
        Next();
        const Token& name = Peek();
        if (name.tok != Tok::kIdent) return Error(name, "a field name inside has(...)");
        Next();
        if (Peek().tok != Tok::kRParen) return Error(Peek(), "')' to close has(");
        Next();
        *node = Add(Op::kHas);
        out_->nodes_[*node].str = name.text;
        *type = Type::kBool;
        return Status::Ok();
      }
      case Tok::kLParen: {
        Next();
        if (++depth_ > kMaxDepth) return TooDeep();
        VITALS_RETURN_IF_ERROR(Or(node, type));
        --depth_;
        if (Peek().tok != Tok::kRParen)
          return Error(Peek(), "')' to close the '(' at column " + std::to_string(t.column));
        Next();
        return Status::Ok();
      }
      default:
        return Error(t, "a number, a field name, has(...), 'not' or '('");
    }
  }

  Status TooDeep() const {
    return Status::InvalidArgument(fmt::format(
        "column {}: expression nested more than {} levels deep; expected a simpler expression",
        Peek().column, kMaxDepth));
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
  RuleExpr* out_;
};

Result<RuleExpr> RuleExpr::Parse(std::string_view text) {
  // Bounds the evaluator's recursion (left-nested chains like a+a+a...).
  constexpr size_t kMaxLength = 4096;
  if (text.size() > kMaxLength) {
    return Status::InvalidArgument(
        fmt::format("column {}: expression is {} characters long; expected at most {}",
                    kMaxLength + 1, text.size(), kMaxLength));
  }
  std::vector<Token> toks;
  VITALS_RETURN_IF_ERROR(detail::LexRuleExpr(text, &toks));
  if (toks.size() == 1) {
    return Status::InvalidArgument("column 1: expected an expression, found nothing");
  }
  RuleExpr e;
  e.text_ = std::string(text);
  RuleExprParser parser(std::move(toks), &e);
  VITALS_RETURN_IF_ERROR(parser.Run());
  return e;
}

}  // namespace vitals
