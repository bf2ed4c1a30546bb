#include "load/yaml_headers.h"

#include <set>
#include <string>

#include <fmt/format.h>

namespace vitals::detail {

Result<std::vector<HttpHeader>> YamlHeaders(const YamlReader& r, const YAML::Node& n,
                                            std::string_view field) {
  std::vector<HttpHeader> out;
  if (!n.IsMap()) {
    return r.Err(n, field,
                 "expected a mapping of header names to values, e.g. {Accept: "
                 "application/json}, got " +
                     DescribeNode(n));
  }
  std::set<std::string> seen;
  for (const auto& kv : n) {
    if (!kv.first.IsScalar()) return r.Err(kv.first, field, "expected a header name");
    const std::string& name = kv.first.Scalar();
    const std::string sub = fmt::format("{}.{}", field, name);
    if (!seen.insert(AsciiLower(name)).second) {
      return r.Err(kv.first, sub, "header given twice; keep one");
    }
    if (!kv.second.IsScalar() && !kv.second.IsNull()) {
      return r.Err(kv.second, sub,
                   "expected a header value (a string), got " + DescribeNode(kv.second));
    }
    const std::string value = kv.second.IsScalar() ? kv.second.Scalar() : "";
    Result<HttpHeader> h = name.find(':') != std::string::npos
                               ? Result<HttpHeader>(Status::InvalidArgument("':' in the name"))
                               : ParseHeaderFlag(name + ": " + value);
    if (!h.ok()) {
      return r.Err(kv.first, sub, fmt::format("invalid header: {}", h.status().message()));
    }
    out.push_back(std::move(*h));
  }
  return out;
}

}  // namespace vitals::detail
