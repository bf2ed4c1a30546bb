#include "core/yaml_reader.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "core/closest_match.h"
#include "core/redact.h"
#include "core/units.h"

namespace vitals::detail {

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string DescribeNode(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsMap()) return "a mapping";
  if (n.IsSequence()) return "a list";
  std::string s = n.Scalar();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return fmt::format("'{}'", RedactSecrets(s));
}

Status YamlReader::Err(const YAML::Node& at, std::string_view field, std::string_view msg) const {
  const YAML::Mark m = at.Mark();
  std::string where =
      m.line >= 0 ? fmt::format("{}:{}:{}", file_, m.line + 1, m.column + 1) : file_;
  if (field.empty()) return Status::InvalidArgument(fmt::format("{}: {}", where, msg));
  return Status::InvalidArgument(fmt::format("{}: {}: {}", where, field, msg));
}

Status YamlReader::Keys(const YAML::Node& n, std::string_view field,
                        const std::vector<std::string>& allowed) const {
  if (!n.IsMap()) {
    return Err(n, field,
               fmt::format("expected a mapping with keys {}, got {}", fmt::join(allowed, ", "),
                           DescribeNode(n)));
  }
  std::set<std::string> seen;
  for (const auto& kv : n) {
    const YAML::Node& key = kv.first;
    if (!key.IsScalar()) return Err(key, field, "expected a key name, got " + DescribeNode(key));
    const std::string& k = key.Scalar();
    if (!seen.insert(k).second) {
      return Err(key, field, fmt::format("duplicate key '{}'; keep one", k));
    }
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    std::string near = ClosestMatch(k, allowed);
    return Err(key, field,
               fmt::format("unknown key '{}'{} (allowed: {})", k,
                           near.empty() ? "" : fmt::format("; did you mean '{}'?", near),
                           fmt::join(allowed, ", ")));
  }
  return Status::Ok();
}

Result<std::string> YamlReader::Str(const YAML::Node& n, std::string_view field) const {
  if (!n.IsScalar()) return Err(n, field, "expected a string, got " + DescribeNode(n));
  return n.Scalar();
}

Result<double> YamlReader::Num(const YAML::Node& n, std::string_view field,
                               std::string_view what) const {
  if (n.IsScalar()) {
    Result<double> v = ParseDouble(n.Scalar());
    if (v.ok()) return *v;
  }
  return Err(n, field, fmt::format("expected {}, got {}", what, DescribeNode(n)));
}

Result<int64_t> YamlReader::Duration(const YAML::Node& n, std::string_view field) const {
  if (n.IsScalar()) {
    Result<int64_t> ns = ParseDurationNs(n.Scalar());
    if (ns.ok() && *ns > 0) return *ns;
    if (ns.ok()) return Err(n, field, "expected a duration > 0, got " + DescribeNode(n));
  }
  return Err(n, field,
             fmt::format("expected a duration like 30s, 1m or 250ms (units ns, us, "
                         "ms, s, m, h), got {}",
                         DescribeNode(n)));
}

Result<bool> YamlReader::Bool(const YAML::Node& n, std::string_view field) const {
  if (n.IsScalar()) {
    const std::string v = AsciiLower(n.Scalar());
    if (v == "true") return true;
    if (v == "false") return false;
  }
  return Err(n, field, "expected true or false, got " + DescribeNode(n));
}

Result<std::string> YamlReader::Name(const YAML::Node& n, std::string_view field) const {
  Result<std::string> s = Str(n, field);
  if (!s.ok()) return s;
  if (s->empty() || s->find_first_of(",{}") != std::string::npos ||
      std::isspace(uint8_t(s->front())) || std::isspace(uint8_t(s->back()))) {
    return Err(n, field,
               fmt::format("expected a name without ',', '{{' or '}}' and without "
                           "leading or trailing spaces (thresholds refer to it as "
                           "{{phase:NAME}} or {{request:NAME}}), got {}",
                           DescribeNode(n)));
  }
  return s;
}

YAML::Node KeyNode(const YAML::Node& map, std::string_view key) {
  for (const auto& kv : map) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.first;
  }
  return map;
}

}  // namespace vitals::detail
