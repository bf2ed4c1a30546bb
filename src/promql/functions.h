// The table of PromQL functions vitals supports: argument and return types.
// Used by the parser for type checking and by the evaluator for dispatch.
#pragma once

#include <string_view>
#include <vector>

#include "promql/ast.h"

namespace vitals::promql {

struct FunctionSpec {
  std::string_view name;
  std::vector<ValueType> args;
  int optional_args = 0;  // trailing args that may be left out
  ValueType returns = ValueType::kVector;
};

// The spec of `name`, or nullptr when vitals does not support it.
const FunctionSpec* FindFunction(std::string_view name);

}  // namespace vitals::promql
