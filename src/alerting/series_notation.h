// promtool's notation for test input: series labels ('up{job="api"}') and
// expanding value lists:
//
//   a+bxn   n+1 values a, a+b, ..., a+n*b   (a-bxn counts down)
//   axn     n+1 times a
//   _  _xn  one / n missing samples
//   stale   a staleness marker
//   1 2 3   plain values (Inf, -Inf, NaN too)
//
// Errors (kInvalidArgument) quote the item: `bad series value item "3y2"`.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "promql/labels.h"

namespace vitals::alerting {

// One value per interval step; nullopt where a sample is missing, StaleNaN()
// for "stale".
Result<std::vector<std::optional<double>>> ParseSeriesValues(std::string_view text);

// 'name{l="v", ...}', '{l="v"}' or '{}' (no labels) as a label set with
// __name__.  Only equality matchers are allowed.
Result<promql::Labels> ParseSeriesLabels(std::string_view text);

}  // namespace vitals::alerting
