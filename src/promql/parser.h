// PromQL parser: query text -> Expr tree (ast.h), type-checked.
//
// Grammar and precedence follow Prometheus (lowest first): or; and unless;
// == != < > <= >=; + -; * / %; unary - +; ^ (right-associative).
// Supported: the subset listed in docs/promql.md.  Everything else PromQL
// has (subqueries, @, other functions and aggregations, native histograms)
// is rejected with "not supported by vitals: <feature>", never guessed.
//
// Errors: kInvalidArgument, always with a column, e.g.
//   col 11: unexpected ')' after 'rate(x[5m]'
//   col 1: not supported by vitals: function holt_winters
// Thread-safety: pure function.
#pragma once

#include <string_view>

#include "core/status.h"
#include "promql/ast.h"

namespace vitals::promql {

Result<ExprPtr> Parse(std::string_view query);

}  // namespace vitals::promql
