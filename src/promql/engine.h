// The PromQL evaluator: instant and range queries over a Queryable.
//
// Semantics are Prometheus 3's (docs/promql.md lists them and where 2.x
// differs): an instant selector takes each series' newest sample in
// (t - lookback, t] unless that sample is a staleness marker; a range
// selector x[r] takes the samples in (t - r, t]; offset shifts both; the
// metric name is dropped by arithmetic, by comparisons with bool and by
// functions that change values; every result timestamp is the evaluation
// time.  Errors (kInvalidArgument, with the column of the offending node):
// duplicate label sets, many-to-one matches without group_left/right,
// series caps of the store are reported by the store itself.
//
// Thread-safety: pure over a const Queryable; concurrent queries are safe
// when the Queryable's Select is.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "promql/ast.h"
#include "promql/storage.h"
#include "promql/value.h"

namespace vitals::promql {

struct EvalOptions {
  int64_t lookback_ms = 5 * 60 * 1000;  // Prometheus' --query.lookback-delta default
};

// Evaluates `expr` at `t_ms`.  A string expression gives a String; a range
// selector on its own gives a Matrix (as Prometheus' /api/v1/query does).
Result<Value> EvalInstant(const Expr& expr, const Queryable& store, int64_t t_ms,
                          const EvalOptions& opts = {});

// Evaluates `expr` at start, start+step, ... <= end; scalars become one
// series with no labels.  REQUIRES: step_ms > 0, end >= start.  Errors also
// when expr is not a scalar or instant vector, or when there would be more
// than 11,000 steps (Prometheus' limit).
Result<Matrix> EvalRange(const Expr& expr, const Queryable& store, int64_t start_ms, int64_t end_ms,
                         int64_t step_ms, const EvalOptions& opts = {});

}  // namespace vitals::promql
