#include <algorithm>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "rules/format.h"

namespace vitals {
namespace {

struct Row {
  const Rule* rule;
  const std::string* file;
};

std::vector<Row> SortedRows(const std::vector<RuleSet>& sets) {
  std::vector<Row> rows;
  for (const auto& s : sets) {
    for (const auto& r : s.rules) rows.push_back({&r, &s.file});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.rule->component, a.rule->id) < std::tie(b.rule->component, b.rule->id);
  });
  return rows;
}

std::string ExprText(const std::optional<RuleExpr>& e) { return e ? e->text() : std::string(); }

std::string Levels(const Rule& r) {
  std::string out;
  if (r.warning)
    out += fmt::format("warning {} if {}", PriorityName(r.warning_priority), r.warning->text());
  if (r.critical) {
    out += fmt::format("{}critical {} if {}", out.empty() ? "" : "; ",
                       PriorityName(r.critical_priority), r.critical->text());
  }
  return out;
}

}  // namespace

std::string FormatCatalog(const std::vector<RuleSet>& sets, OutputFormat format) {
  auto rows = SortedRows(sets);
  if (format == OutputFormat::kJson) {
    auto arr = nlohmann::json::array();
    for (const auto& row : rows) {
      const Rule& r = *row.rule;
      nlohmann::json j = {{"id", r.id},
                          {"component", r.component},
                          {"fact", r.fact},
                          {"title", r.title.text()},
                          {"when", ExprText(r.when)},
                          {"value", ExprText(r.value)},
                          {"warning", ExprText(r.warning)},
                          {"critical", ExprText(r.critical)},
                          {"priority",
                           {{"warning", PriorityName(r.warning_priority)},
                            {"critical", PriorityName(r.critical_priority)}}},
                          {"runbook", r.runbook},
                          {"source", r.source},
                          {"file", *row.file},
                          {"line", r.line}};
      arr.push_back(std::move(j));
    }
    return nlohmann::json({{"rules", arr}})
               .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
           "\n";
  }
  std::string out;
  if (format == OutputFormat::kMarkdown) {
    out += "| Rule | Component | Fact | Levels | Runbook |\n|---|---|---|---|---|\n";
    for (const auto& row : rows) {
      const Rule& r = *row.rule;
      std::string levels = Levels(r);
      std::string escaped;
      for (char c : levels) escaped += c == '|' ? std::string("\\|") : std::string(1, c);
      out += fmt::format("| `{}` | {} | `{}` | {} | [{}]({}) |\n", r.id, r.component, r.fact,
                         escaped, r.runbook, r.runbook);
    }
    return out;
  }
  std::string component;
  for (const auto& row : rows) {
    const Rule& r = *row.rule;
    if (r.component != component) {
      component = r.component;
      out += fmt::format("{}{}\n", out.empty() ? "" : "\n", component);
    }
    out += fmt::format("  {:<32} {} (fact {})\n", r.id, r.title.text(), r.fact);
    if (r.when) out += fmt::format("  {:<32} when {}\n", "", r.when->text());
    out += fmt::format("  {:<32} {}\n", "", Levels(r));
    out += fmt::format("  {:<32} runbook {}  [{}:{}]\n", "", r.runbook, *row.file, r.line);
  }
  if (rows.empty()) out = "no rules\n";
  out += fmt::format("\n{} rules\n", rows.size());
  return out;
}

}  // namespace vitals
