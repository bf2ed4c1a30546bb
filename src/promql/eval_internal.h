// Internals of the evaluator shared by its files: engine.cc walks the tree,
// eval_functions.cc / eval_aggregations.cc / eval_binary.cc implement one
// concern each.  Not a public interface.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "promql/ast.h"
#include "promql/storage.h"
#include "promql/value.h"

namespace vitals::promql::detail {

class Evaluator {
 public:
  Evaluator(const Queryable& store, int64_t t_ms, int64_t lookback_ms)
      : store_(store), t_ms_(t_ms), lookback_ms_(lookback_ms) {}

  Result<Value> Eval(const Expr& e);
  // An instant vector selector; keep_sample_time leaves each sample's own
  // timestamp in place (for timestamp()) instead of the evaluation time.
  Vector SelectVector(const Expr& sel, bool keep_sample_time);
  Matrix SelectMatrix(const Expr& sel);
  int64_t time_ms() const { return t_ms_; }

 private:
  const Queryable& store_;
  int64_t t_ms_;
  int64_t lookback_ms_;
};

Status ErrAt(const Expr& e, const std::string& what);

// Go's strconv.FormatFloat(v, 'f', -1, 64) / %g-like shortest text, for
// count_values labels and messages.
std::string FormatValue(double v);

// Errors when two samples share a label set (after a metric name drop).
Status CheckUniqueLabels(const Expr& e, const Vector& v);

Result<Value> CallFunction(Evaluator& ev, const Expr& call);
Result<Vector> Aggregate(Evaluator& ev, const Expr& agg);
Result<Value> EvalBinary(const Expr& bin, Value lhs, Value rhs, int64_t t_ms);

// Prometheus' quantile over values (sorted here): q<0 -> -Inf, q>1 -> +Inf,
// NaN q -> NaN; rank q*(n-1) interpolated linearly.  REQUIRES: !v.empty().
double Quantile(double q, std::vector<double> v);

}  // namespace vitals::promql::detail
