// The load layer's YAML reader on top of core/yaml_reader.h: a mapping of HTTP headers, for
// scenario files.  Namespace detail, like YamlReader.
#pragma once

#include <string_view>
#include <vector>

#include "core/yaml_reader.h"
#include "load/http_request.h"

namespace vitals::detail {

// A mapping of header names to values, each checked with ParseHeaderFlag; errors through
// r.Err (file, line, column, field).
Result<std::vector<HttpHeader>> YamlHeaders(const YamlReader& r, const YAML::Node& n,
                                            std::string_view field);

}  // namespace vitals::detail
