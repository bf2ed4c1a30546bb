// Internals of template.h: the parsed tree and the values a template
// computes with.  Not part of the contract.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "alerting/template.h"

namespace vitals::alerting::detail {

using LabelMap = std::map<std::string, std::string>;
using SampleList = std::vector<TemplateSample>;
struct Root {
  const TemplateData* data = nullptr;
};
struct Nil {};

// A value during execution (Go's interface{} restricted to what
// Prometheus templates handle).
using TValue = std::variant<Nil, bool, int64_t, double, std::string, LabelMap, TemplateSample,
                            SampleList, Root>;

std::string TypeName(const TValue& v);    // Go's type name: "float64", "string", ...
std::string PrintValue(const TValue& v);  // what {{ x }} prints
bool Truth(const TValue& v);              // Go template truth

struct Pipeline;

struct Operand {
  enum class Kind { kLiteral, kVariable, kField, kDot, kFunction, kSub };
  Kind kind = Kind::kLiteral;
  TValue literal;
  std::string name;                 // variable ("$labels") or function name
  std::vector<std::string> fields;  // .a.b after a variable, a dot, or alone
  std::shared_ptr<Pipeline> sub;    // parenthesised pipeline
};

struct Command {
  std::vector<Operand> args;  // args[0] is the function or the value
};

struct Pipeline {
  std::string declare;  // "$x" for {{ $x := ... }}
  bool assign = false;  // "=" rather than ":="
  std::vector<Command> commands;
  int line = 1;
};

struct TemplateNode {
  enum class Kind { kText, kAction, kIf, kRange, kWith };
  Kind kind = Kind::kText;
  std::string text;
  Pipeline pipe;
  std::vector<TemplateNode> body, else_body;
};

Result<std::vector<TemplateNode>> ParseTemplate(std::string_view text, const std::string& name);

// Function table (template_funcs.cc).
bool IsKnownFunction(const std::string& name);
bool IsUnsupportedPrometheusFunction(const std::string& name);
Result<TValue> CallFunction(const std::string& name, const std::vector<TValue>& args,
                            const TemplateQuery& query);

// Go's fmt.Sprintf for the verbs v s d f F e E g G q x X t %.
std::string GoSprintf(const std::string& format, const std::vector<TValue>& args);

}  // namespace vitals::alerting::detail
