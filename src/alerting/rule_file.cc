// Reading and validating Prometheus rule files (rule_file.h).  The checks
// and their wording follow Prometheus' model/rulefmt, in its order, so a
// user sees the message they know from promtool, plus where it is.
#include "alerting/rule_file.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "promql/lexer.h"
#include "promql/parser.h"

namespace vitals::alerting {
namespace {

class FileParser {
 public:
  explicit FileParser(std::string path) : path_(std::move(path)) {}

  Result<RuleFile> Run(const std::string& text) {
    RuleFile file;
    file.path = path_;
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      return Status::InvalidArgument(
          fmt::format("{}:{}:{}: yaml: {}", path_, e.mark.line + 1, e.mark.column + 1, e.msg));
    }
    if (root.IsNull()) return file;  // an empty file has no groups, as in Prometheus
    if (!root.IsMap()) {
      Add(root,
          "yaml: cannot unmarshal into rulefmt.RuleGroups (expected a mapping with 'groups')");
      return Finish(std::move(file));
    }
    CheckFields(root, {"groups"}, "rulefmt.RuleGroups");
    YAML::Node groups = root["groups"];
    if (groups && !groups.IsNull()) {
      if (!groups.IsSequence()) {
        Add(groups, "'groups' must be a list of groups");
      } else {
        std::set<std::string> seen;
        for (const YAML::Node& g : groups) {
          auto group = ParseGroup(g);
          if (!group.name.empty() && !seen.insert(group.name).second) {
            Add(g, fmt::format("groupname: \"{}\" is repeated in the same file", group.name));
          }
          file.groups.push_back(std::move(group));
        }
      }
    }
    return Finish(std::move(file));
  }

 private:
  Result<RuleFile> Finish(RuleFile file) {
    if (errors_.empty()) return file;
    std::string msg;
    for (const auto& e : errors_) msg += (msg.empty() ? "" : "\n") + e;
    return Status::InvalidArgument(msg);
  }

  SourcePos Pos(const YAML::Node& n) const {
    YAML::Mark m = n.Mark();
    return SourcePos{path_, m.line + 1, m.column + 1};
  }

  void Add(const YAML::Node& n, const std::string& msg) {
    errors_.push_back(Pos(n).ToString() + ": " + msg);
  }

  // Unknown and repeated keys (Prometheus decodes strictly).
  void CheckFields(const YAML::Node& map, std::initializer_list<const char*> allowed,
                   const char* type) {
    std::map<std::string, int> seen;
    for (const auto& kv : map) {
      std::string key = kv.first.Scalar();
      bool ok =
          std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; });
      if (!ok) Add(kv.first, fmt::format("field {} not found in type {}", key, type));
      auto [it, fresh] = seen.emplace(key, kv.first.Mark().line + 1);
      if (!fresh) {
        Add(kv.first,
            fmt::format("mapping key \"{}\" already defined at line {}", key, it->second));
      }
    }
  }

  std::string Scalar(const YAML::Node& n, const char* what) {
    if (!n || n.IsNull()) return "";
    if (!n.IsScalar()) {
      Add(n, fmt::format("'{}' must be a string", what));
      return "";
    }
    return n.Scalar();
  }

  int64_t Duration(const YAML::Node& n, const char* what) {
    std::string s = Scalar(n, what);
    if (s.empty() || s == "0") return 0;
    int64_t ms = 0;
    if (!promql::ParseDuration(s, &ms)) {
      Add(n, fmt::format("not a valid duration string: \"{}\" (in '{}'; e.g. 30s, 5m, 1h30m)", s,
                         what));
      return 0;
    }
    return ms;
  }

  std::vector<promql::Label> LabelMap(const YAML::Node& n, const char* what) {
    std::vector<promql::Label> out;
    if (!n || n.IsNull()) return out;
    if (!n.IsMap()) {
      Add(n, fmt::format("'{}' must be a mapping of names to values", what));
      return out;
    }
    std::set<std::string> seen;
    for (const auto& kv : n) {
      if (!kv.second.IsScalar() && !kv.second.IsNull()) {
        Add(kv.second,
            fmt::format("the value of {} \"{}\" must be a string", what, kv.first.Scalar()));
        continue;
      }
      if (!seen.insert(kv.first.Scalar()).second) {
        Add(kv.first, fmt::format("mapping key \"{}\" already defined", kv.first.Scalar()));
        continue;
      }
      out.push_back({kv.first.Scalar(), kv.second.IsNull() ? "" : kv.second.Scalar()});
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  RuleGroup ParseGroup(const YAML::Node& g) {
    RuleGroup group;
    group.file = path_;
    group.pos = Pos(g);
    if (!g.IsMap()) {
      Add(g, "a group must be a mapping with 'name' and 'rules'");
      return group;
    }
    CheckFields(g, {"name", "interval", "limit", "labels", "rules"}, "rulefmt.RuleGroup");
    group.name = Scalar(g["name"], "name");
    if (group.name.empty()) Add(g, "Groupname must not be empty");
    group.interval_ms = Duration(g["interval"], "interval");
    if (YAML::Node l = g["limit"]; l && !l.IsNull()) {
      try {
        group.limit = l.as<int>();
      } catch (const YAML::Exception&) {
        Add(l, fmt::format("cannot unmarshal \"{}\" into 'limit' (an integer)", l.Scalar()));
      }
    }
    group.labels = LabelMap(g["labels"], "label");
    for (const auto& l : group.labels) {
      if (!IsValidLabelName(l.name) || l.name == promql::kMetricName) {
        Add(g["labels"], fmt::format("group \"{}\": invalid label name: {}", group.name, l.name));
      }
    }
    YAML::Node rules = g["rules"];
    if (rules && !rules.IsNull()) {
      if (!rules.IsSequence()) {
        Add(rules, "'rules' must be a list of rules");
      } else {
        int index = 0;
        for (const YAML::Node& r : rules) group.rules.push_back(ParseRule(group.name, ++index, r));
      }
    }
    return group;
  }

  Rule ParseRule(const std::string& group, int index, const YAML::Node& r) {
    Rule rule;
    rule.pos = Pos(r);
    if (!r.IsMap()) {
      Add(r, fmt::format("group \"{}\", rule {}: a rule must be a mapping", group, index));
      return rule;
    }
    CheckFields(r, {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"},
                "rulefmt.RuleNode");
    rule.alert = Scalar(r["alert"], "alert");
    rule.record = Scalar(r["record"], "record");
    rule.expr = Scalar(r["expr"], "expr");
    rule.for_ms = Duration(r["for"], "for");
    rule.keep_firing_for_ms = Duration(r["keep_firing_for"], "keep_firing_for");
    std::string name = rule.alert.empty() ? rule.record : rule.alert;
    auto err = [&](const YAML::Node& at, const std::string& msg) {
      Add(at, fmt::format("group \"{}\", rule {}, \"{}\": {}", group, index, name, msg));
    };
    if (!rule.record.empty() && !rule.alert.empty()) {
      err(r["record"], "only one of 'record' and 'alert' must be set");
    }
    if (rule.record.empty() && rule.alert.empty()) {
      err(r, "one of 'record' or 'alert' must be set");
    }
    if (YAML::Node e = r["expr"]; rule.expr.empty()) {
      err(r, "field 'expr' must be set in rule");
    } else {
      rule.expr_pos = Pos(e);
      auto parsed = promql::Parse(rule.expr);
      if (!parsed.ok()) {
        err(e, "could not parse expression: " + parsed.status().message());
      } else {
        rule.parsed = std::shared_ptr<const promql::Expr>(std::move(*parsed));
        if (rule.parsed->type != promql::ValueType::kVector &&
            rule.parsed->type != promql::ValueType::kScalar) {
          err(e, fmt::format("invalid expression type \"{}\" for rule; expected vector or scalar",
                             promql::ValueTypeName(rule.parsed->type)));
        }
      }
    }
    if (!rule.record.empty()) {
      if (r["annotations"] && r["annotations"].size() > 0) {
        err(r["record"], "invalid field 'annotations' in recording rule");
      }
      if (rule.for_ms != 0) err(r["record"], "invalid field 'for' in recording rule");
      if (rule.keep_firing_for_ms != 0) {
        err(r["record"], "invalid field 'keep_firing_for' in recording rule");
      }
      if (!IsValidMetricName(rule.record)) {
        err(r["record"], fmt::format("invalid recording rule name: {}", rule.record));
      }
    }
    YAML::Node labels_node = r["labels"];
    for (auto& l : LabelMap(labels_node, "label")) {
      if (!IsValidLabelName(l.name) || l.name == promql::kMetricName) {
        err(labels_node, fmt::format("invalid label name: {}", l.name));
      }
      rule.labels.push_back({l.name, l.value, nullptr});
    }
    YAML::Node ann_node = r["annotations"];
    for (auto& a : LabelMap(ann_node, "annotation")) {
      if (!IsValidLabelName(a.name))
        err(ann_node, fmt::format("invalid annotation name: {}", a.name));
      rule.annotations.push_back({a.name, a.value, nullptr});
    }
    // Templates are parsed now (Prometheus only checks them for alerting
    // rules; recording rules' labels are never expanded).
    if (rule.is_alert()) {
      std::string tname = AlertTemplateName(rule.alert);
      auto compile = [&](std::vector<TemplatedLabel>* list, const char* kind,
                         const YAML::Node& at) {
        for (auto& l : *list) {
          auto t = Template::Parse(l.text, tname);
          if (!t.ok()) {
            err(at, fmt::format("{} \"{}\": {}", kind, l.name, t.status().message()));
          } else {
            l.tmpl = std::make_shared<const Template>(std::move(*t));
          }
        }
      };
      compile(&rule.labels, "label", labels_node);
      compile(&rule.annotations, "annotation", ann_node);
    }
    return rule;
  }

  std::string path_;
  std::vector<std::string> errors_;
};

}  // namespace

std::string SourcePos::ToString() const { return fmt::format("{}:{}:{}", file, line, col); }

size_t RuleFile::rule_count() const {
  size_t n = 0;
  for (const auto& g : groups) n += g.rules.size();
  return n;
}

Result<RuleFile> ParseRuleFile(const std::string& yaml_text, const std::string& path) {
  return FileParser(path).Run(yaml_text);
}

Result<RuleFile> LoadRuleFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::NotFound(fmt::format("rule file {} cannot be read (does it exist?)", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseRuleFile(ss.str(), path);
}

bool IsValidLabelName(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool IsValidMetricName(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string AlertTemplateName(const std::string& alert) { return "__alert_" + alert; }

}  // namespace vitals::alerting
