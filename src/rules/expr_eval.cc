// Evaluation of parsed rule expressions (semantics in rules/expr.h).
#include <cmath>
#include <set>

#include "rules/expr.h"

namespace vitals {
namespace {

using Op = RuleExpr::Node::Op;

// Value during evaluation.  Texts point into the fact or the expression, both
// of which outlive the evaluation.
struct Val {
  enum class Kind { kMissing, kNum, kBool, kText } kind = Kind::kMissing;
  double num = 0;
  bool b = false;
  const std::string* text = nullptr;
};

Val Num(double v) {
  Val r;
  if (std::isfinite(v)) {
    r.kind = Val::Kind::kNum;
    r.num = v;
  }
  return r;
}
Val Bool(bool v) {
  Val r;
  r.kind = Val::Kind::kBool;
  r.b = v;
  return r;
}

Val Eval(const std::vector<RuleExpr::Node>& nodes, int i, const Fact& f) {
  const RuleExpr::Node& n = nodes[i];
  switch (n.op) {
    case Op::kNum:
      return Num(n.num);
    case Op::kBool:
      return Bool(n.num != 0);
    case Op::kStr: {
      Val r;
      r.kind = Val::Kind::kText;
      r.text = &n.str;
      return r;
    }
    case Op::kField: {
      if (auto it = f.num.find(n.str); it != f.num.end()) return Num(it->second);
      Val r;
      if (auto it = f.text.find(n.str); it != f.text.end()) {
        r.kind = Val::Kind::kText;
        r.text = &it->second;
      } else if (n.str == "subject") {
        r.kind = Val::Kind::kText;
        r.text = &f.subject;
      }
      return r;
    }
    case Op::kHas:
      return Bool(f.num.count(n.str) > 0 || f.text.count(n.str) > 0);
    case Op::kNeg: {
      Val a = Eval(nodes, n.lhs, f);
      return a.kind == Val::Kind::kNum ? Num(-a.num) : Val{};
    }
    case Op::kNot: {
      Val a = Eval(nodes, n.lhs, f);
      return Bool(!(a.kind == Val::Kind::kBool && a.b));
    }
    case Op::kAnd: {
      Val a = Eval(nodes, n.lhs, f);
      if (!(a.kind == Val::Kind::kBool && a.b)) return Bool(false);
      Val b = Eval(nodes, n.rhs, f);
      return Bool(b.kind == Val::Kind::kBool && b.b);
    }
    case Op::kOr: {
      Val a = Eval(nodes, n.lhs, f);
      if (a.kind == Val::Kind::kBool && a.b) return Bool(true);
      Val b = Eval(nodes, n.rhs, f);
      return Bool(b.kind == Val::Kind::kBool && b.b);
    }
    default:
      break;
  }
  Val a = Eval(nodes, n.lhs, f);
  Val b = Eval(nodes, n.rhs, f);
  bool nums = a.kind == Val::Kind::kNum && b.kind == Val::Kind::kNum;
  bool texts = a.kind == Val::Kind::kText && b.kind == Val::Kind::kText;
  switch (n.op) {
    case Op::kAdd:
      return nums ? Num(a.num + b.num) : Val{};
    case Op::kSub:
      return nums ? Num(a.num - b.num) : Val{};
    case Op::kMul:
      return nums ? Num(a.num * b.num) : Val{};
    case Op::kDiv:
      return nums && b.num != 0 ? Num(a.num / b.num) : Val{};
    case Op::kLt:
      return Bool(nums && a.num < b.num);
    case Op::kLe:
      return Bool(nums && a.num <= b.num);
    case Op::kGt:
      return Bool(nums && a.num > b.num);
    case Op::kGe:
      return Bool(nums && a.num >= b.num);
    case Op::kEq:
      return Bool((nums && a.num == b.num) || (texts && *a.text == *b.text));
    case Op::kNe:
      return Bool((nums && a.num != b.num) || (texts && *a.text != *b.text));
    default:
      return Val{};
  }
}

}  // namespace

bool RuleExpr::Test(const Fact& fact) const {
  if (root_ < 0 || type_ != Type::kBool) return false;
  Val v = Eval(nodes_, root_, fact);
  return v.kind == Val::Kind::kBool && v.b;
}

std::optional<double> RuleExpr::Number(const Fact& fact) const {
  if (root_ < 0 || !IsNumeric()) return std::nullopt;
  Val v = Eval(nodes_, root_, fact);
  if (v.kind != Val::Kind::kNum) return std::nullopt;
  return v.num;
}

std::vector<std::string> RuleExpr::Fields() const {
  std::set<std::string> names;
  for (const auto& n : nodes_) {
    if (n.op == Op::kField || n.op == Op::kHas) names.insert(n.str);
  }
  return {names.begin(), names.end()};
}

}  // namespace vitals
