#include "promql/ast.h"

#include <re2/re2.h>

#include <cmath>

#include <fmt/format.h>

#include "promql/value.h"

namespace vitals::promql {

bool Matcher::Matches(std::string_view v) const {
  switch (op) {
    case MatchOp::kEqual:
      return v == value;
    case MatchOp::kNotEqual:
      return v != value;
    case MatchOp::kRegex:
      return RE2::FullMatch(v, *regex);
    case MatchOp::kNotRegex:
      return !RE2::FullMatch(v, *regex);
  }
  return false;
}

std::string_view BinaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "^";
    case BinaryOp::kEq:
      return "==";
    case BinaryOp::kNe:
      return "!=";
    case BinaryOp::kGt:
      return ">";
    case BinaryOp::kLt:
      return "<";
    case BinaryOp::kGe:
      return ">=";
    case BinaryOp::kLe:
      return "<=";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kUnless:
      return "unless";
  }
  return "?";
}

bool IsComparison(BinaryOp op) { return op >= BinaryOp::kEq && op <= BinaryOp::kLe; }
bool IsSetOp(BinaryOp op) { return op >= BinaryOp::kAnd; }

std::string_view AggOpName(AggOp op) {
  switch (op) {
    case AggOp::kSum:
      return "sum";
    case AggOp::kAvg:
      return "avg";
    case AggOp::kMin:
      return "min";
    case AggOp::kMax:
      return "max";
    case AggOp::kCount:
      return "count";
    case AggOp::kStddev:
      return "stddev";
    case AggOp::kStdvar:
      return "stdvar";
    case AggOp::kQuantile:
      return "quantile";
    case AggOp::kTopk:
      return "topk";
    case AggOp::kBottomk:
      return "bottomk";
    case AggOp::kCountValues:
      return "count_values";
  }
  return "?";
}

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kString:
      return "string";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
  }
  return "?";
}

ValueType TypeOf(const Value& v) {
  switch (v.index()) {
    case 0:
      return ValueType::kScalar;
    case 1:
      return ValueType::kString;
    case 2:
      return ValueType::kVector;
    default:
      return ValueType::kMatrix;
  }
}

namespace {

std::string FormatDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  static const std::pair<int64_t, const char*> kUnits[] = {{365 * 86'400'000LL, "y"},
                                                           {7 * 86'400'000LL, "w"},
                                                           {86'400'000, "d"},
                                                           {3'600'000, "h"},
                                                           {60'000, "m"},
                                                           {1000, "s"},
                                                           {1, "ms"}};
  for (auto [unit, name] : kUnits) {
    if (ms >= unit) {
      out += fmt::format("{}{}", ms / unit, name);
      ms %= unit;
    }
  }
  return out;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string FormatSelector(const Expr& e) {
  std::string out = e.text;
  std::string body;
  for (const Matcher& m : e.matchers) {
    if (m.name == kMetricName && m.op == MatchOp::kEqual && m.value == e.text) continue;
    if (!body.empty()) body += ", ";
    static const char* kOps[] = {"=", "!=", "=~", "!~"};
    body += m.name + kOps[static_cast<int>(m.op)] + Quote(m.value);
  }
  if (!body.empty() || out.empty()) out += "{" + body + "}";
  return out;
}

std::string JoinNames(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out;
}

}  // namespace

std::string Format(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kNumber:
      if (std::isnan(e.number)) return "NaN";
      if (std::isinf(e.number)) return e.number > 0 ? "Inf" : "-Inf";
      return fmt::format("{}", e.number);
    case ExprKind::kString:
      return Quote(e.text);
    case ExprKind::kVectorSelector:
    case ExprKind::kMatrixSelector: {
      std::string out = FormatSelector(e);
      if (e.kind == ExprKind::kMatrixSelector) out += "[" + FormatDuration(e.range_ms) + "]";
      if (e.offset_ms != 0) out += " offset " + FormatDuration(e.offset_ms);
      return out;
    }
    case ExprKind::kCall: {
      std::string out = e.text + "(";
      for (size_t i = 0; i < e.args.size(); ++i) out += (i ? ", " : "") + Format(*e.args[i]);
      return out + ")";
    }
    case ExprKind::kAggregate: {
      std::string out(AggOpName(e.agg));
      if (!e.grouping.empty() || e.without) {
        out += std::string(e.without ? " without (" : " by (") + JoinNames(e.grouping) + ") ";
      }
      out += "(";
      for (size_t i = 0; i < e.args.size(); ++i) out += (i ? ", " : "") + Format(*e.args[i]);
      return out + ")";
    }
    case ExprKind::kBinary: {
      std::string out = Format(*e.args[0]) + " " + std::string(BinaryOpName(e.op));
      if (e.return_bool) out += " bool";
      if (e.matching) {
        const VectorMatching& m = *e.matching;
        if (m.on || !m.labels.empty()) {
          out += std::string(m.on ? " on (" : " ignoring (") + JoinNames(m.labels) + ")";
        }
        if (m.card == Cardinality::kManyToOne) out += " group_left (" + JoinNames(m.include) + ")";
        if (m.card == Cardinality::kOneToMany) out += " group_right (" + JoinNames(m.include) + ")";
      }
      return out + " " + Format(*e.args[1]);
    }
    case ExprKind::kUnary:
      return std::string(e.op == BinaryOp::kSub ? "-" : "+") + Format(*e.args[0]);
    case ExprKind::kParen:
      return "(" + Format(*e.args[0]) + ")";
  }
  return "?";
}

}  // namespace vitals::promql
