#include "rules/loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/units.h"

namespace vitals {
namespace {

constexpr const char* kKnownKeys[] = {"id",     "component", "fact",     "title",    "when",
                                      "value",  "warning",   "critical", "priority", "evidence",
                                      "action", "runbook",   "source",   "for"};

// Builds "<file>:<line>: rule '<id>': <msg>".
class Where {
 public:
  Where(std::string_view file, std::string id) : file_(file), id_(std::move(id)) {}
  Status Err(const YAML::Node& at, const std::string& msg) const { return Err(Line(at), msg); }
  Status Err(int line, const std::string& msg) const {
    std::string head = line > 0 ? fmt::format("{}:{}: ", file_, line) : fmt::format("{}: ", file_);
    if (!id_.empty()) head += fmt::format("rule '{}': ", id_);
    return Status::InvalidArgument(head + msg);
  }
  static int Line(const YAML::Node& n) {
    // yaml-cpp marks are 0-based; a null node has no mark.
    return n.IsDefined() && n.Mark().line >= 0 ? n.Mark().line + 1 : 0;
  }

 private:
  std::string_view file_;
  std::string id_;
};

Result<std::string> Scalar(const Where& w, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) {
    return w.Err(n, fmt::format("{}: expected a string, found a {}", key,
                                n.IsMap()        ? "mapping"
                                : n.IsSequence() ? "list"
                                                 : "null value"));
  }
  return n.Scalar();
}

Result<int> ParsePriority(const Where& w, const YAML::Node& n, const std::string& what) {
  const std::string& s = n.IsScalar() ? n.Scalar() : std::string();
  if (s.size() == 2 && (s[0] == 'P' || s[0] == 'p') && s[1] >= '0' && s[1] <= '3')
    return s[1] - '0';
  return w.Err(n, fmt::format("priority.{}: expected P0, P1, P2 or P3 (P0 most urgent), found '{}'",
                              what, s));
}

Status ParseExpr(const Where& w, const YAML::Node& n, const std::string& key, bool condition,
                 std::optional<RuleExpr>* out) {
  auto text = Scalar(w, n, key);
  if (!text.ok()) return text.status();
  auto e = RuleExpr::Parse(*text);
  if (!e.ok()) {
    return w.Err(n, fmt::format("{}: {} in \"{}\"", key, e.status().message(), *text));
  }
  if (condition && !e->IsCondition()) {
    return w.Err(n, fmt::format("{}: expected a condition (e.g. \"busy_ratio > 0.85\"), found a "
                                "value in \"{}\"",
                                key, *text));
  }
  if (!condition && !e->IsNumeric()) {
    return w.Err(n, fmt::format("{}: expected a numeric expression (e.g. \"busy_ratio\"), found "
                                "{} in \"{}\"",
                                key, e->IsCondition() ? "a condition" : "a string", *text));
  }
  *out = std::move(*e);
  return Status::Ok();
}

Status ParseTemplate(const Where& w, const YAML::Node& n, const std::string& key,
                     RuleTemplate* out) {
  auto text = Scalar(w, n, key);
  if (!text.ok()) return text.status();
  auto t = RuleTemplate::Parse(*text);
  if (!t.ok()) return w.Err(n, fmt::format("{}: {} in \"{}\"", key, t.status().message(), *text));
  *out = std::move(*t);
  return Status::Ok();
}

Result<Rule> ParseRule(std::string_view file, const YAML::Node& node, int index) {
  Where anon(file, "");
  if (!node.IsMap()) {
    return anon.Err(node, fmt::format("rules[{}]: expected a mapping with id, component, fact, "
                                      "title, warning/critical, runbook",
                                      index));
  }
  Rule r;
  r.file = std::string(file);
  r.line = Where::Line(node);
  if (node["id"] && node["id"].IsScalar()) r.id = node["id"].Scalar();
  Where w(file, r.id);
  if (r.id.empty()) return anon.Err(node, fmt::format("rules[{}]: missing 'id'", index));
  if (r.id.find_first_of(" \t\n") != std::string::npos) {
    return w.Err(node["id"], "id: expected no spaces (e.g. host.cpu.busy)");
  }
  std::set<std::string> seen;
  for (const auto& kv : node) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (std::find(std::begin(kKnownKeys), std::end(kKnownKeys), key) == std::end(kKnownKeys)) {
      return w.Err(kv.first, fmt::format("unknown key '{}'; expected one of id, component, fact, "
                                         "title, when, value, warning, critical, priority, "
                                         "evidence, action, runbook, source, for",
                                         key));
    }
    if (!seen.insert(key).second) {
      return w.Err(kv.first, fmt::format("key '{}' appears twice", key));
    }
    const YAML::Node& v = kv.second;
    if (key == "id") continue;
    if (key == "priority") {
      if (!v.IsMap()) {
        return w.Err(v, "priority: expected a mapping like {warning: P2, critical: P1}");
      }
      for (const auto& p : v) {
        std::string level = p.first.IsScalar() ? p.first.Scalar() : "?";
        if (level != "warning" && level != "critical") {
          return w.Err(
              p.first,
              fmt::format("priority: unknown level '{}'; expected warning or critical", level));
        }
        auto pr = ParsePriority(w, p.second, level);
        if (!pr.ok()) return pr.status();
        (level == "warning" ? r.warning_priority : r.critical_priority) = *pr;
      }
      continue;
    }
    if (key == "when" || key == "warning" || key == "critical" || key == "value") {
      std::optional<RuleExpr>* slot = key == "when"       ? &r.when
                                      : key == "warning"  ? &r.warning
                                      : key == "critical" ? &r.critical
                                                          : &r.value;
      VITALS_RETURN_IF_ERROR(ParseExpr(w, v, key, key != "value", slot));
      continue;
    }
    if (key == "title" || key == "evidence" || key == "action") {
      RuleTemplate* slot = key == "title" ? &r.title : key == "evidence" ? &r.evidence : &r.action;
      VITALS_RETURN_IF_ERROR(ParseTemplate(w, v, key, slot));
      continue;
    }
    auto s = Scalar(w, v, key);
    if (!s.ok()) return s.status();
    if (key == "for") {
      auto d = ParseDurationNs(*s);
      if (!d.ok() || *d < 0) {
        return w.Err(v, fmt::format("for: expected a duration such as 30s or 2m, found '{}'", *s));
      }
      r.for_ns = *d;
      continue;
    }
    if (key == "component") r.component = *s;
    if (key == "fact") r.fact = *s;
    if (key == "runbook") r.runbook = *s;
    if (key == "source") r.source = *s;
  }
  bool known_component = false;
  for (const char* c : kRuleComponents) known_component = known_component || r.component == c;
  if (r.component.empty()) {
    return w.Err(
        node, "missing 'component'; expected host, prometheus, postgres, pgbouncer, redis or http");
  }
  if (!known_component) {
    return w.Err(
        node["component"],
        fmt::format(
            "component: expected host, prometheus, postgres, pgbouncer, redis or http, found '{}'",
            r.component));
  }
  if (r.fact.empty()) return w.Err(node, "missing 'fact' (the fact kind to read, e.g. host.cpu)");
  if (r.title.empty()) return w.Err(node, "missing 'title'");
  if (!r.warning && !r.critical) {
    return w.Err(node, "expected at least one of 'warning' or 'critical' (a condition)");
  }
  if (r.runbook.empty()) {
    return w.Err(node, "missing 'runbook' (e.g. docs/runbooks/host.md#cpu-busy)");
  }
  return r;
}

}  // namespace

Result<RuleSet> ParseRuleFile(std::string_view file, std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(fmt::format("{}:{}:{}: not valid YAML: {}", file,
                                               e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  Where anon(file, "");
  RuleSet set;
  set.file = std::string(file);
  try {
    if (!root.IsDefined() || root.IsNull()) return set;  // empty file: no rules
    if (!root.IsMap()) return anon.Err(root, "expected a mapping with a 'rules:' list at the top");
    for (const auto& kv : root) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      if (key != "rules") {
        return anon.Err(kv.first, fmt::format("unknown top-level key '{}'; expected 'rules'", key));
      }
    }
    YAML::Node list = root["rules"];
    if (list.IsNull()) return set;
    if (!list.IsSequence()) return anon.Err(list, "rules: expected a list of rules ('- id: ...')");
    std::map<std::string, int> ids;
    int index = 0;
    for (const auto& item : list) {
      auto r = ParseRule(file, item, index++);
      if (!r.ok()) return r.status();
      auto [it, fresh] = ids.emplace(r->id, r->line);
      if (!fresh) {
        return Where(file, r->id)
            .Err(r->line, fmt::format("duplicate id; first defined at line {}", it->second));
      }
      set.rules.push_back(std::move(*r));
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(
        fmt::format("{}:{}: unexpected YAML structure: {}", file, e.mark.line + 1, e.msg));
  }
  return set;
}

namespace {
// Ids must be unique across one layer (shipped files, or the files of one dir).
Status CheckUniqueIds(const std::vector<RuleSet>& sets) {
  std::map<std::string, const Rule*> ids;
  for (const auto& s : sets) {
    for (const auto& r : s.rules) {
      auto [it, fresh] = ids.emplace(r.id, &r);
      if (!fresh) {
        return Status::InvalidArgument(
            fmt::format("{}:{}: rule '{}': duplicate id; already defined at {}:{}", r.file, r.line,
                        r.id, it->second->file, it->second->line));
      }
    }
  }
  return Status::Ok();
}
}  // namespace

Result<std::vector<RuleSet>> LoadShippedRules() {
  std::vector<RuleSet> sets;
  for (const auto& [name, text] : embedded::RulesYaml()) {
    auto s = ParseRuleFile(name, text);
    if (!s.ok()) return Status::Internal("shipped rules: " + s.status().message());
    sets.push_back(std::move(*s));
  }
  Status st = CheckUniqueIds(sets);
  if (!st.ok()) return Status::Internal("shipped rules: " + st.message());
  return sets;
}

Result<std::vector<RuleSet>> LoadRuleDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::NotFound(
        fmt::format("--rules {}: not a directory; expected a directory of *.yaml rule files", dir));
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".yaml" && it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (ec) return Status::Io(fmt::format("--rules {}: cannot list: {}", dir, ec.message()));
  std::sort(files.begin(), files.end());
  std::vector<RuleSet> sets;
  for (const auto& p : files) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return Status::Io(fmt::format("{}: cannot read", p.string()));
    std::stringstream buf;
    buf << in.rdbuf();
    auto s = ParseRuleFile(p.string(), buf.str());
    if (!s.ok()) return s.status();
    sets.push_back(std::move(*s));
  }
  VITALS_RETURN_IF_ERROR(CheckUniqueIds(sets));
  return sets;
}

std::vector<RuleSet> MergeRuleSets(std::vector<RuleSet> base, std::vector<RuleSet> extra) {
  std::set<std::string> replaced;
  for (const auto& s : extra) {
    for (const auto& r : s.rules) replaced.insert(r.id);
  }
  for (auto& s : base) {
    std::erase_if(s.rules, [&](const Rule& r) { return replaced.count(r.id) > 0; });
  }
  for (auto& s : extra) base.push_back(std::move(s));
  return base;
}

Result<std::vector<RuleSet>> LoadRuleCatalog(const std::string& dir) {
  auto shipped = LoadShippedRules();
  if (!shipped.ok() || dir.empty()) return shipped;
  auto extra = LoadRuleDir(dir);
  if (!extra.ok()) return extra.status();
  return MergeRuleSets(std::move(*shipped), std::move(*extra));
}

}  // namespace vitals
