#include "promql/functions.h"

#include <array>

namespace vitals::promql {
namespace {

constexpr ValueType S = ValueType::kScalar;
constexpr ValueType V = ValueType::kVector;
constexpr ValueType M = ValueType::kMatrix;
constexpr ValueType Str = ValueType::kString;

const std::vector<FunctionSpec>& Table() {
  static const std::vector<FunctionSpec> kTable = {
      {"abs", {V}, 0, V},
      {"absent", {V}, 0, V},
      {"avg_over_time", {M}, 0, V},
      {"ceil", {V}, 0, V},
      {"clamp", {V, S, S}, 0, V},
      {"clamp_max", {V, S}, 0, V},
      {"clamp_min", {V, S}, 0, V},
      {"count_over_time", {M}, 0, V},
      {"delta", {M}, 0, V},
      {"deriv", {M}, 0, V},
      {"floor", {V}, 0, V},
      {"histogram_quantile", {S, V}, 0, V},
      {"increase", {M}, 0, V},
      {"irate", {M}, 0, V},
      {"label_replace", {V, Str, Str, Str, Str}, 0, V},
      {"last_over_time", {M}, 0, V},
      {"max_over_time", {M}, 0, V},
      {"min_over_time", {M}, 0, V},
      {"quantile_over_time", {S, M}, 0, V},
      {"rate", {M}, 0, V},
      {"round", {V, S}, 1, V},
      {"scalar", {V}, 0, S},
      {"sort", {V}, 0, V},
      {"sort_desc", {V}, 0, V},
      {"sum_over_time", {M}, 0, V},
      {"time", {}, 0, S},
      {"timestamp", {V}, 0, V},
      {"vector", {S}, 0, V},
  };
  return kTable;
}

}  // namespace

const FunctionSpec* FindFunction(std::string_view name) {
  for (const FunctionSpec& f : Table()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace vitals::promql
