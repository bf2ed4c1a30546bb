#include "promql/engine.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "promql/eval_internal.h"

namespace vitals::promql {
namespace detail {

Status ErrAt(const Expr& e, const std::string& what) {
  return Status::InvalidArgument(fmt::format("col {}: {}", e.col, what));
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

Status CheckUniqueLabels(const Expr& e, const Vector& v) {
  std::unordered_map<std::string, int> seen;
  for (const Sample& s : v) {
    if (++seen[s.labels.Key()] > 1) {
      return ErrAt(e, fmt::format("vector cannot contain metrics with the same labelset {}",
                                  s.labels.ToString()));
    }
  }
  return Status::Ok();
}

double Quantile(double q, std::vector<double> v) {
  if (std::isnan(q)) return NAN;
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  std::sort(v.begin(), v.end());
  double rank = q * static_cast<double>(v.size() - 1);
  size_t lower = static_cast<size_t>(std::max(0.0, std::floor(rank)));
  size_t upper = std::min(v.size() - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return v[lower] * (1 - weight) + v[upper] * weight;
}

Vector Evaluator::SelectVector(const Expr& sel, bool keep_sample_time) {
  int64_t ref = t_ms_ - sel.offset_ms;
  Vector out;
  for (StoredSeries& s : store_.Select(sel.matchers, ref - lookback_ms_, ref)) {
    // Newest sample in (ref - lookback, ref]; a staleness marker there ends the series.
    const Point* newest = nullptr;
    for (const Point& p : s.points) {
      if (p.t_ms > ref - lookback_ms_ && p.t_ms <= ref) newest = &p;
    }
    if (newest == nullptr || IsStaleNaN(newest->v)) continue;
    out.push_back(Sample{*s.labels, Point{keep_sample_time ? newest->t_ms : t_ms_, newest->v}});
  }
  return out;
}

Matrix Evaluator::SelectMatrix(const Expr& sel) {
  int64_t ref = t_ms_ - sel.offset_ms;
  int64_t from = ref - sel.range_ms;  // left-open: (from, ref]
  Matrix out;
  for (StoredSeries& s : store_.Select(sel.matchers, from, ref)) {
    Series series{*s.labels, {}};
    for (const Point& p : s.points) {
      if (p.t_ms > from && p.t_ms <= ref && !IsStaleNaN(p.v)) series.points.push_back(p);
    }
    if (!series.points.empty()) out.push_back(std::move(series));
  }
  return out;
}

Result<Value> Evaluator::Eval(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kNumber:
      return Value(Scalar{Point{t_ms_, e.number}});
    case ExprKind::kString:
      return Value(String{t_ms_, e.text});
    case ExprKind::kVectorSelector:
      return Value(SelectVector(e, false));
    case ExprKind::kMatrixSelector:
      return Value(SelectMatrix(e));
    case ExprKind::kParen:
      return Eval(*e.args[0]);
    case ExprKind::kCall:
      return CallFunction(*this, e);
    case ExprKind::kAggregate: {
      Result<Vector> v = Aggregate(*this, e);
      if (!v.ok()) return v.status();
      return Value(std::move(v.value()));
    }
    case ExprKind::kUnary: {
      Result<Value> inner = Eval(*e.args[0]);
      if (!inner.ok() || e.op == BinaryOp::kAdd) return inner;
      if (auto* s = std::get_if<Scalar>(&inner.value())) {
        s->point.v = -s->point.v;
        return inner;
      }
      Vector& v = std::get<Vector>(inner.value());
      for (Sample& s : v) {
        s.point.v = -s.point.v;
        s.labels.Remove(kMetricName);
      }
      if (Status st = CheckUniqueLabels(e, v); !st.ok()) return st;
      return inner;
    }
    case ExprKind::kBinary: {
      Result<Value> lhs = Eval(*e.args[0]);
      if (!lhs.ok()) return lhs;
      Result<Value> rhs = Eval(*e.args[1]);
      if (!rhs.ok()) return rhs;
      return EvalBinary(e, std::move(lhs.value()), std::move(rhs.value()), t_ms_);
    }
  }
  return ErrAt(e, "internal error: unknown expression kind");
}

}  // namespace detail

Result<Value> EvalInstant(const Expr& expr, const Queryable& store, int64_t t_ms,
                          const EvalOptions& opts) {
  detail::Evaluator ev(store, t_ms, opts.lookback_ms);
  return ev.Eval(expr);
}

Result<Matrix> EvalRange(const Expr& expr, const Queryable& store, int64_t start_ms, int64_t end_ms,
                         int64_t step_ms, const EvalOptions& opts) {
  if (step_ms <= 0) return Status::InvalidArgument("range query step must be > 0, e.g. --step 15s");
  if (end_ms < start_ms) return Status::InvalidArgument("range query end is before its start");
  if ((end_ms - start_ms) / step_ms > 11'000) {
    return Status::InvalidArgument(
        "range query would have more than 11,000 steps; use a larger --step or a shorter --range");
  }
  if (expr.type != ValueType::kScalar && expr.type != ValueType::kVector) {
    return Status::InvalidArgument(
        fmt::format("range queries need a scalar or instant vector expression, got {}",
                    ValueTypeName(expr.type)));
  }
  std::map<Labels, size_t> index;
  Matrix out;
  for (int64_t t = start_ms; t <= end_ms; t += step_ms) {
    Result<Value> v = EvalInstant(expr, store, t, opts);
    if (!v.ok()) return v.status();
    Vector samples;
    if (auto* s = std::get_if<Scalar>(&v.value())) {
      samples.push_back(Sample{Labels(), s->point});
    } else {
      samples = std::move(std::get<Vector>(v.value()));
    }
    for (Sample& s : samples) {
      auto [it, inserted] = index.try_emplace(s.labels, out.size());
      if (inserted) out.push_back(Series{s.labels, {}});
      out[it->second].points.push_back(Point{t, s.point.v});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Series& a, const Series& b) { return a.labels < b.labels; });
  return out;
}

}  // namespace vitals::promql
