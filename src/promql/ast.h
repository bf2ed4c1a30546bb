// PromQL abstract syntax tree and the values expressions evaluate to.
//
// The parser (parser.h) builds an Expr tree; the engine (engine.h) walks it.
// Every node carries the 1-based column where it starts so that evaluation
// errors can point into the query text as parse errors do.
//
// Ownership: an Expr owns its children through unique_ptr; a parsed tree is
// immutable and may be evaluated from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "promql/labels.h"

namespace re2 {
class RE2;
}

namespace vitals::promql {

enum class MatchOp { kEqual, kNotEqual, kRegex, kNotRegex };

// One label matcher of a selector, e.g. status=~"5..".  Regexes are RE2,
// anchored at both ends as Prometheus anchors them.
struct Matcher {
  std::string name;
  MatchOp op = MatchOp::kEqual;
  std::string value;
  std::shared_ptr<const re2::RE2> regex;  // set for kRegex / kNotRegex

  // True when a label value `v` ("" when the series lacks the label) matches.
  bool Matches(std::string_view v) const;
};

enum class ExprKind {
  kNumber,          // 1, 2.5e3, Inf, NaN, 0x1f
  kString,          // "text"
  kVectorSelector,  // name{matchers} [offset d]
  kMatrixSelector,  // vector selector [range]
  kCall,            // func(args)
  kAggregate,       // sum by (l) (expr), topk(k, expr)
  kBinary,          // lhs op rhs
  kUnary,           // -expr, +expr
  kParen,           // (expr)
};

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEq,
  kNe,
  kGt,
  kLt,
  kGe,
  kLe,
  kAnd,
  kOr,
  kUnless,
};

// "+", "==", "and", ...
std::string_view BinaryOpName(BinaryOp op);
bool IsComparison(BinaryOp op);
bool IsSetOp(BinaryOp op);

enum class AggOp {
  kSum,
  kAvg,
  kMin,
  kMax,
  kCount,
  kStddev,
  kStdvar,
  kQuantile,
  kTopk,
  kBottomk,
  kCountValues,
};

std::string_view AggOpName(AggOp op);

// How two vectors' elements are paired: on(labels) / ignoring(labels), and
// group_left/group_right(extra labels) for many-to-one matching.
enum class Cardinality { kOneToOne, kManyToOne, kOneToMany };

struct VectorMatching {
  bool on = false;                  // on(...) given; otherwise ignoring(...)
  std::vector<std::string> labels;  // the on/ignoring list
  Cardinality card = Cardinality::kOneToOne;
  std::vector<std::string> include;  // group_left(...) / group_right(...) labels
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ValueType { kScalar, kString, kVector, kMatrix };
std::string_view ValueTypeName(ValueType t);

struct Expr {
  ExprKind kind = ExprKind::kNumber;
  int col = 1;  // 1-based start column in the query

  // kNumber
  double number = 0;
  // kString; for kCall the function name; for kVectorSelector the metric name
  std::string text;

  // kVectorSelector / kMatrixSelector (a matrix selector keeps its
  // selector's matchers here too)
  std::vector<Matcher> matchers;
  int64_t range_ms = 0;   // kMatrixSelector
  int64_t offset_ms = 0;  // offset modifier, may be negative

  // kCall, kAggregate (param first when present), kBinary (lhs, rhs),
  // kUnary / kParen (one child)
  std::vector<ExprPtr> args;

  // kAggregate
  AggOp agg = AggOp::kSum;
  bool without = false;
  std::vector<std::string> grouping;
  bool has_param = false;

  // kBinary / kUnary (kSub for negation)
  BinaryOp op = BinaryOp::kAdd;
  bool return_bool = false;
  std::optional<VectorMatching> matching;  // when either side is a vector

  // The static type of this expression (set by the parser).
  ValueType type = ValueType::kScalar;
};

// Renders the tree back as PromQL (normalised spacing); for messages/tests.
std::string Format(const Expr& e);

}  // namespace vitals::promql
