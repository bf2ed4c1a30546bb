// The results of PromQL evaluation: scalar, string, instant vector, range
// vector (matrix).  Values; thread-safe as any std::vector.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "promql/ast.h"
#include "promql/labels.h"

namespace vitals::promql {

struct Sample {
  Labels labels;
  Point point;
};
using Vector = std::vector<Sample>;

struct Series {
  Labels labels;
  std::vector<Point> points;  // increasing t_ms, no staleness markers
};
using Matrix = std::vector<Series>;

struct Scalar {
  Point point;
};
struct String {
  int64_t t_ms = 0;
  std::string value;
};

using Value = std::variant<Scalar, String, Vector, Matrix>;

ValueType TypeOf(const Value& v);

}  // namespace vitals::promql
