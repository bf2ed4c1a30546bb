// Reading hand-written YAML files strictly (scenario files, gate policies, any later config
// file): every error names the file, line, column and field, and says what was expected.
//
// In core so that every layer that reads a config file (load/ for scenarios, gate/ for
// policies) uses the same messages without depending on another.  HTTP-specific readers
// (headers) live with their layer (load/yaml_headers.h).  Namespace detail: a helper for
// parsers, not a public API.  Nodes are borrowed.  Errors are returned as Status; like any
// yaml-cpp access these calls could still throw YAML::Exception on a broken tree, so each
// parser's entry point catches it.
// Thread-safety: YamlReader is immutable after construction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/status.h"

namespace vitals::detail {

// ASCII lower case.
std::string AsciiLower(std::string_view s);
// What a node holds, for "got ..." in messages: "nothing", "a mapping", "a list" or the
// quoted scalar (shortened, secrets redacted).
std::string DescribeNode(const YAML::Node& n);
// The key node of `key` in `map`, or `map` itself: a null value has no useful position of its
// own, its key does.
YAML::Node KeyNode(const YAML::Node& map, std::string_view key);

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  // InvalidArgument "<file>:<line>:<col>: <field>: <msg>" (no field part when `field` is "").
  Status Err(const YAML::Node& at, std::string_view field, std::string_view msg) const;
  // `n` must be a mapping whose keys are all in `allowed`, without duplicates.  Unknown keys
  // are errors with the closest allowed key as a hint.
  Status Keys(const YAML::Node& n, std::string_view field,
              const std::vector<std::string>& allowed) const;
  Result<std::string> Str(const YAML::Node& n, std::string_view field) const;
  // A finite number; `what` completes "expected ...".
  Result<double> Num(const YAML::Node& n, std::string_view field, std::string_view what) const;
  // A duration > 0 with a unit (ParseDurationNs), in nanoseconds.
  Result<int64_t> Duration(const YAML::Node& n, std::string_view field) const;
  // true / false (any case).
  Result<bool> Bool(const YAML::Node& n, std::string_view field) const;
  // A phase or request name: non-empty, no ',' '{' '}' and no surrounding spaces, so that a
  // threshold scope {phase:NAME} can refer to it.
  Result<std::string> Name(const YAML::Node& n, std::string_view field) const;

 private:
  std::string file_;
};

}  // namespace vitals::detail
