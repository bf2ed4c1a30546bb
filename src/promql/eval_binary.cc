// Binary operators: arithmetic, comparisons (filtering or with bool), and
// the set operators, with one-to-one and many-to-one vector matching.
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "promql/eval_internal.h"

namespace vitals::promql::detail {
namespace {

// The value of `l op r`, and for comparisons whether the pair is kept
// (the value then being l, as Prometheus' vectorElemBinop).
double ElemOp(BinaryOp op, double l, double r, bool* keep) {
  *keep = true;
  switch (op) {
    case BinaryOp::kAdd:
      return l + r;
    case BinaryOp::kSub:
      return l - r;
    case BinaryOp::kMul:
      return l * r;
    case BinaryOp::kDiv:
      return l / r;
    case BinaryOp::kMod:
      return std::fmod(l, r);
    case BinaryOp::kPow:
      return std::pow(l, r);
    case BinaryOp::kEq:
      *keep = l == r;
      return l;
    case BinaryOp::kNe:
      *keep = l != r;
      return l;
    case BinaryOp::kGt:
      *keep = l > r;
      return l;
    case BinaryOp::kLt:
      *keep = l < r;
      return l;
    case BinaryOp::kGe:
      *keep = l >= r;
      return l;
    case BinaryOp::kLe:
      *keep = l <= r;
      return l;
    default:
      *keep = false;
      return 0;
  }
}

bool DropsName(BinaryOp op) { return !IsComparison(op) && !IsSetOp(op); }

Labels Signature(const VectorMatching& m, const Labels& l) {
  if (m.on) return l.Filter(m.labels, true);
  std::vector<std::string> drop = m.labels;
  drop.emplace_back(kMetricName);
  return l.Filter(drop, false);
}

Result<Value> SetOp(const Expr& bin, Vector lhs, Vector rhs) {
  const VectorMatching& m = *bin.matching;
  Vector out;
  if (bin.op == BinaryOp::kOr) {
    std::unordered_set<std::string> left_sigs;
    for (Sample& s : lhs) {
      left_sigs.insert(Signature(m, s.labels).Key());
      out.push_back(std::move(s));
    }
    for (Sample& s : rhs) {
      if (!left_sigs.count(Signature(m, s.labels).Key())) out.push_back(std::move(s));
    }
    return Value(std::move(out));
  }
  std::unordered_set<std::string> right_sigs;
  for (const Sample& s : rhs) right_sigs.insert(Signature(m, s.labels).Key());
  bool want = bin.op == BinaryOp::kAnd;
  for (Sample& s : lhs) {
    if (right_sigs.count(Signature(m, s.labels).Key()) == (want ? 1u : 0u))
      out.push_back(std::move(s));
  }
  return Value(std::move(out));
}

Result<Value> VectorVector(const Expr& bin, Vector lhs, Vector rhs, int64_t t) {
  if (IsSetOp(bin.op)) return SetOp(bin, std::move(lhs), std::move(rhs));
  const VectorMatching& m = *bin.matching;
  bool one_to_many = m.card == Cardinality::kOneToMany;
  // "many" is the side whose every element gets a result; "one" is looked up.
  Vector& many = one_to_many ? rhs : lhs;
  Vector& one = one_to_many ? lhs : rhs;
  std::unordered_map<std::string, const Sample*> one_by_sig;
  for (const Sample& s : one) {
    Labels sig = Signature(m, s.labels);
    if (!one_by_sig.emplace(sig.Key(), &s).second) {
      return ErrAt(
          bin, fmt::format("found duplicate series for the match group {} on the {} hand-side of "
                           "the operation: many-to-many matching not allowed: matching labels "
                           "must be unique on one side",
                           sig.ToString(), one_to_many ? "left" : "right"));
    }
  }
  Vector out;
  std::unordered_set<std::string> matched_sigs;  // one-to-one: each signature once on "many" side
  std::unordered_set<std::string> result_keys;
  for (const Sample& s : many) {
    Labels sig = Signature(m, s.labels);
    std::string key = sig.Key();
    auto it = one_by_sig.find(key);
    if (it == one_by_sig.end()) continue;
    const Sample& o = *it->second;
    if (m.card == Cardinality::kOneToOne && !matched_sigs.insert(key).second) {
      return ErrAt(
          bin, fmt::format("multiple matches for labels {}: many-to-one matching must be explicit "
                           "(group_left/group_right)",
                           sig.ToString()));
    }
    double l = one_to_many ? o.point.v : s.point.v;
    double r = one_to_many ? s.point.v : o.point.v;
    bool keep = true;
    double v = ElemOp(bin.op, l, r, &keep);
    if (bin.return_bool) {
      v = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    Labels res = s.labels;
    if (DropsName(bin.op) || bin.return_bool) res.Remove(kMetricName);
    if (m.card == Cardinality::kOneToOne) {
      res = m.on ? res.Filter(m.labels, true) : res.Filter(m.labels, false);
    }
    for (const std::string& inc : m.include) res.Set(inc, o.labels.Get(inc));
    if (!result_keys.insert(res.Key()).second) {
      return ErrAt(bin,
                   fmt::format("multiple matches for labels {}: grouping labels must ensure unique "
                               "matches",
                               res.ToString()));
    }
    out.push_back(Sample{std::move(res), Point{t, v}});
  }
  return Value(std::move(out));
}

}  // namespace

Result<Value> EvalBinary(const Expr& bin, Value lhs, Value rhs, int64_t t) {
  auto* ls = std::get_if<Scalar>(&lhs);
  auto* rs = std::get_if<Scalar>(&rhs);
  if (ls && rs) {
    bool keep = true;
    double v = ElemOp(bin.op, ls->point.v, rs->point.v, &keep);
    if (bin.return_bool) v = keep ? 1 : 0;
    return Value(Scalar{Point{t, v}});
  }
  if (!ls && !rs)
    return VectorVector(bin, std::move(std::get<Vector>(lhs)), std::move(std::get<Vector>(rhs)), t);
  bool swap = ls != nullptr;  // scalar on the left
  Vector v = std::move(std::get<Vector>(swap ? rhs : lhs));
  double scalar = (swap ? ls : rs)->point.v;
  Vector out;
  for (Sample& s : v) {
    double l = swap ? scalar : s.point.v, r = swap ? s.point.v : scalar;
    bool keep = true;
    double value = ElemOp(bin.op, l, r, &keep);
    if (IsComparison(bin.op) && swap) value = s.point.v;  // keep the vector element's value
    if (bin.return_bool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    s.point.v = value;
    s.point.t_ms = t;
    if (DropsName(bin.op) || bin.return_bool) s.labels.Remove(kMetricName);
    out.push_back(std::move(s));
  }
  if (Status st = CheckUniqueLabels(bin, out); !st.ok()) return st;
  return Value(std::move(out));
}

}  // namespace vitals::promql::detail
