#include "collect/postgres_plan.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "collect/postgres_logic.h"
#include "collect/sql_lex.h"

namespace vitals::detail {
namespace {

using nlohmann::json;

using Token = SqlToken;

std::string FirstKeyword(const std::vector<Token>& t) {
  for (const Token& tok : t) {
    if (tok.kind == Token::kPunct && tok.text == "(") continue;
    return tok.kind == Token::kWord ? tok.text : "";
  }
  return "";
}

// Words that may stand before "(" without being a function call, and
// built-in functions that neither write nor wait nor reach outside the
// database.  Anything else followed by "(" is treated as an unknown function.
const std::set<std::string>& ParenWordsAllowed() {
  static const std::set<std::string> k = {
      // syntax
      "select", "from", "where", "and", "or", "not", "in", "exists", "any", "all", "some", "values",
      "as", "over", "filter", "on", "using", "join", "then", "else", "when", "case", "by",
      "lateral", "within", "array", "row", "is", "distinct", "between", "like", "ilike", "having",
      "union", "intersect", "except", "limit", "offset", "with", "recursive", "end", "group",
      "order", "partition", "asc", "desc", "nulls", "first", "last", "left", "right", "inner",
      "outer", "full", "cross", "natural", "ordinality", "interval", "numeric", "decimal",
      "varchar", "char", "character", "timestamp", "time", "bit", "rows", "range", "preceding",
      "following", "unbounded", "current",
      // side-effect-free built-ins
      "count", "sum", "avg", "min", "max", "coalesce", "nullif", "greatest", "least", "lower",
      "upper", "length", "char_length", "abs", "round", "floor", "ceil", "ceiling", "trunc",
      "date_trunc", "date_part", "extract", "substring", "substr", "trim", "btrim", "ltrim",
      "rtrim", "position", "replace", "concat", "concat_ws", "string_agg", "array_agg", "bool_and",
      "bool_or", "every", "stddev", "variance", "percentile_cont", "percentile_disc", "mode",
      "row_number", "rank", "dense_rank", "lag", "lead", "first_value", "last_value", "ntile",
      "cast", "now", "left", "right", "split_part", "to_char", "to_date", "to_timestamp", "age",
      "md5", "jsonb_build_object", "json_build_object", "jsonb_agg", "json_agg", "array_length",
      "cardinality", "unnest", "generate_series", "make_interval", "date", "mod", "power", "sqrt",
      "exp", "ln", "log", "sign", "starts_with", "regexp_replace", "regexp_match",
      "jsonb_extract_path_text", "json_extract_path_text", "jsonb_array_elements", "jsonb_each",
      "to_jsonb", "to_json", "int4", "int8", "float8", "text"};
  return k;
}

const std::set<std::string>& WritingWords() {
  static const std::set<std::string> k = {
      "insert",  "update",  "delete",  "merge",    "into",    "for",      "lock",    "copy",
      "call",    "do",      "create",  "drop",     "alter",   "truncate", "grant",   "revoke",
      "set",     "execute", "prepare", "listen",   "notify",  "vacuum",   "analyze", "cluster",
      "reindex", "refresh", "comment", "security", "discard", "reset",    "load"};
  return k;
}

double NumOr(const json& j, const char* key, double dflt = 0) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : dflt;
}
std::string TextOr(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void Flatten(const json& node, int depth, int parent, PlanSummary* out) {
  PlanNode n;
  n.type = TextOr(node, "Node Type");
  std::string rel = TextOr(node, "Relation Name");
  if (!rel.empty()) {
    std::string schema = TextOr(node, "Schema");
    n.relation = schema.empty() ? rel : schema + "." + rel;
  }
  n.index = TextOr(node, "Index Name");
  n.filter = TextOr(node, "Filter");
  n.depth = depth;
  n.parent = parent;
  n.total_cost = NumOr(node, "Total Cost");
  n.plan_rows = NumOr(node, "Plan Rows");
  n.plan_width = NumOr(node, "Plan Width");
  n.analyzed = node.contains("Actual Loops");
  n.loops = NumOr(node, "Actual Loops");
  n.actual_rows = NumOr(node, "Actual Rows");
  n.removed_by_filter = NumOr(node, "Rows Removed by Filter");
  n.sort_method = TextOr(node, "Sort Method");
  n.sort_space_kb = NumOr(node, "Sort Space Used");
  n.sort_space_type = TextOr(node, "Sort Space Type");
  n.hash_batches = NumOr(node, "Hash Batches");
  double total_time = NumOr(node, "Actual Total Time") * n.loops;
  int self = static_cast<int>(out->nodes.size());
  out->nodes.push_back(n);
  double child_cost = 0, child_time = 0;
  auto plans = node.find("Plans");
  if (plans != node.end() && plans->is_array()) {
    for (const json& child : *plans) {
      if (!child.is_object()) continue;
      child_cost += NumOr(child, "Total Cost");
      child_time += NumOr(child, "Actual Total Time") * NumOr(child, "Actual Loops");
      Flatten(child, depth + 1, self, out);
    }
  }
  PlanNode& me = out->nodes[self];
  me.self_cost = std::max(0.0, me.total_cost - child_cost);
  me.self_time_ms = std::max(0.0, total_time - child_time);
  me.total_time_ms = total_time;
}

std::string FingerprintOf(const PlanSummary& p) {
  // Children follow their parent in pre-order; close groups by depth.
  std::string out;
  std::vector<int> open;  // depths with an open "("
  for (size_t i = 0; i < p.nodes.size(); ++i) {
    const PlanNode& n = p.nodes[i];
    while (!open.empty() && open.back() >= n.depth) {
      out += ")";
      open.pop_back();
    }
    if (i > 0 && out.back() != '(') out += ",";
    out += n.type;
    if (!n.relation.empty()) out += " " + n.relation;
    if (!n.index.empty()) out += " " + n.index;
    bool has_children = i + 1 < p.nodes.size() && p.nodes[i + 1].depth > n.depth;
    if (has_children) {
      out += "(";
      open.push_back(n.depth);
    }
  }
  while (!open.empty()) {
    out += ")";
    open.pop_back();
  }
  return out;
}

std::string Cut(std::string s, size_t n) {
  if (s.size() > n) s = s.substr(0, n) + "...";
  return s;
}

}  // namespace

bool IsExplainable(std::string_view sql) {
  static const std::set<std::string> k = {"select", "with",   "insert", "update",
                                          "delete", "values", "table"};
  return k.count(FirstKeyword(LexSql(sql))) > 0;
}

int CountParams(std::string_view sql) {
  int n = 0;
  for (const Token& t : LexSql(sql)) {
    if (t.kind == Token::kParam && t.text.size() < 6) n = std::max(n, std::stoi(t.text));
  }
  return n;
}

bool IsSafeToAnalyze(std::string_view sql, std::string* why) {
  auto say = [&](std::string reason) {
    if (why != nullptr) *why = std::move(reason);
    return false;
  };
  std::vector<Token> t = LexSql(sql);
  std::string first = FirstKeyword(t);
  if (first != "select" && first != "with") return say("not a SELECT");
  for (size_t i = 0; i < t.size(); ++i) {
    const Token& tok = t[i];
    if (tok.kind == Token::kParam) return say("has parameters ($" + tok.text + ")");
    if (tok.kind == Token::kPunct && tok.text == ";") return say("more than one statement");
    if (tok.kind != Token::kWord) continue;
    if (WritingWords().count(tok.text) > 0) return say("contains " + tok.text);
    bool call = i + 1 < t.size() && t[i + 1].kind == Token::kPunct && t[i + 1].text == "(";
    bool qualified = i > 0 && t[i - 1].kind == Token::kPunct && t[i - 1].text == ".";
    if (call && (qualified || ParenWordsAllowed().count(tok.text) == 0)) {
      // A qualified call (pg_catalog.count) is allowed only for pg_catalog's own list.
      bool catalog = qualified && i >= 2 && t[i - 2].kind == Token::kWord &&
                     t[i - 2].text == "pg_catalog" && ParenWordsAllowed().count(tok.text) > 0;
      if (!catalog) return say("calls " + tok.text + "()");
    }
  }
  return true;
}

Result<PlanSummary> ParsePlanJson(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::Parse("EXPLAIN output is not JSON");
  if (doc.is_array() && !doc.empty()) doc = doc[0];
  if (!doc.is_object() || !doc.contains("Plan") || !doc["Plan"].is_object()) {
    return Status::Parse("EXPLAIN output has no \"Plan\" object");
  }
  PlanSummary p;
  Flatten(doc["Plan"], 0, -1, &p);
  p.total_cost = p.nodes.empty() ? 0 : p.nodes[0].total_cost;
  p.analyzed = !p.nodes.empty() && p.nodes[0].analyzed;
  p.execution_ms = NumOr(doc, "Execution Time");
  double total = 0, best = -1;
  for (size_t i = 0; i < p.nodes.size(); ++i) {
    double v = p.analyzed ? p.nodes[i].self_time_ms : p.nodes[i].self_cost;
    total += v;
    if (v > best) best = v, p.hottest = static_cast<int>(i);
  }
  p.hottest_share = total > 0 ? best / total : 0;
  p.fingerprint = FingerprintOf(p);
  return p;
}

std::string DescribeNode(const PlanNode& n) {
  std::string out = n.type;
  if (!n.index.empty()) out += " using " + n.index;
  if (!n.relation.empty()) out += " on " + n.relation;
  return out;
}

std::map<std::string, std::string> AccessPaths(std::string_view fingerprint) {
  // Entries are "Type relation [index]" separated by ',', '(' or ')'.
  std::map<std::string, std::string> out;
  std::string cur;
  auto flush = [&] {
    // "Index Scan public.orders orders_pkey": the relation is the first token
    // with a '.'; the type is before it, the index after it.
    size_t dot = cur.find('.');
    if (dot != std::string::npos) {
      size_t rel_start = cur.rfind(' ', dot);
      size_t rel_end = cur.find(' ', dot);
      if (rel_start != std::string::npos) {
        std::string type = cur.substr(0, rel_start);
        std::string rel =
            cur.substr(rel_start + 1,
                       rel_end == std::string::npos ? std::string::npos : rel_end - rel_start - 1);
        std::string index = rel_end == std::string::npos ? "" : cur.substr(rel_end + 1);
        // ModifyTable names its target, not how the rows are found.
        if (type != "ModifyTable" && !out.count(rel)) {
          out[rel] = index.empty() ? type : type + " using " + index;
        }
      }
    }
    cur.clear();
  };
  for (char c : fingerprint) {
    if (c == ',' || c == '(' || c == ')') {
      flush();
    } else {
      cur += c;
    }
  }
  flush();
  return out;
}

std::string DescribePlanChange(std::string_view before, std::string_view after) {
  auto a = AccessPaths(before), b = AccessPaths(after);
  std::string out;
  for (const auto& [rel, how] : b) {
    auto it = a.find(rel);
    if (it == a.end() || it->second == how) continue;
    out += (out.empty() ? "" : "; ") + fmt::format("{} -> {} on {}", it->second, how, rel);
  }
  if (!out.empty()) return out;
  return fmt::format("plan shape changed: {} -> {}", Cut(std::string(before), 200),
                     Cut(std::string(after), 200));
}

void AppendPlanFacts(const PlanSummary& plan, const PlanContext& ctx, std::vector<Fact>* out) {
  if (plan.nodes.empty()) return;
  const std::string hottest = DescribeNode(plan.nodes[plan.hottest]);
  const std::string mode = plan.analyzed ? "EXPLAIN ANALYZE (read-only, rolled back)"
                                         : "EXPLAIN (estimates, not executed)";
  double total = 0;
  for (const PlanNode& n : plan.nodes) total += plan.analyzed ? n.self_time_ms : n.self_cost;
  auto add = [&](std::string kind, const PlanNode& n) -> Fact& {
    Fact& f = out->emplace_back();
    f.component = "postgres";
    f.kind = std::move(kind);
    f.subject = fmt::format("{} (queryid {})", DescribeNode(n), ctx.queryid);
    f.text["queryid"] = ctx.queryid;
    f.text["query"] = ctx.query;
    f.text["node"] = DescribeNode(n);
    f.text["hottest_node"] = hottest;
    f.text["plan_mode"] = mode;
    f.num["calls"] = ctx.calls;
    f.num["mean_time_s"] = ctx.mean_time_s;
    f.num["analyzed"] = plan.analyzed ? 1 : 0;
    double v = plan.analyzed ? n.self_time_ms : n.self_cost;
    f.num["cost_share"] = total > 0 ? v / total : 0;
    return f;
  };

  {
    Fact& f = out->emplace_back();
    f.component = "postgres";
    f.kind = "pg.plan";
    f.subject = fmt::format("queryid {}", ctx.queryid);
    f.text["queryid"] = ctx.queryid;
    f.text["query"] = ctx.query;
    f.text["fingerprint"] = plan.fingerprint;
    f.text["hottest_node"] = hottest;
    f.text["plan_mode"] = mode;
    f.num["calls"] = ctx.calls;
    f.num["mean_time_s"] = ctx.mean_time_s;
    f.num["total_cost"] = plan.total_cost;
    f.num["hottest_share"] = plan.hottest_share;
    f.num["analyzed"] = plan.analyzed ? 1 : 0;
    if (plan.analyzed) f.num["execution_time_s"] = plan.execution_ms / 1e3;
  }

  for (const PlanNode& n : plan.nodes) {
    if (n.type == "Seq Scan" && !n.filter.empty()) {
      auto it = ctx.table_rows.find(n.relation);
      double table_rows = it != ctx.table_rows.end() ? it->second : 0;
      if (n.analyzed && n.loops > 0) {
        // Exact: what one scan read against what it kept.
        table_rows = std::max(table_rows, n.actual_rows + n.removed_by_filter);
      }
      double rows = n.analyzed ? n.actual_rows : n.plan_rows;
      Fact& f = add("pg.plan.seq_scan", n);
      f.num["table_rows"] = table_rows;
      f.num["rows"] = rows;
      if (table_rows > 0) f.num["selectivity_ratio"] = std::min(1.0, rows / table_rows);
      f.text["table"] = n.relation;
      f.text["filter"] = MaskSql(n.filter, 300);  // a view's literals stay hidden
    }
    bool sort_spilled = n.analyzed && n.sort_space_type == "Disk";
    bool hash_spilled = n.analyzed && n.hash_batches > 1;
    double input_bytes = 0;
    if (n.type == "Sort") {
      // The sort's input is its child; its row estimate times width.
      input_bytes = n.plan_rows * std::max(1.0, n.plan_width);
    }
    bool sort_estimated = !n.analyzed && n.type == "Sort" && input_bytes > ctx.work_mem_bytes;
    if (sort_spilled || hash_spilled || sort_estimated) {
      Fact& f = add("pg.plan.sort_spill", n);
      f.num["estimated"] = sort_estimated ? 1 : 0;
      f.num["spill_bytes"] = sort_spilled ? n.sort_space_kb * 1024 : 0;
      f.num["input_bytes"] = input_bytes;
      f.num["hash_batches"] = n.hash_batches;
      f.num["work_mem_bytes"] = ctx.work_mem_bytes;
      f.text["sort_method"] = n.sort_method.empty() ? "(estimate)" : n.sort_method;
    }
    if (n.type == "Nested Loop") {
      // The outer side is the first child.
      int self = static_cast<int>(&n - plan.nodes.data());
      const PlanNode* outer = nullptr;
      const PlanNode* inner = nullptr;
      for (const PlanNode& c : plan.nodes) {
        if (c.parent != self) continue;
        if (outer == nullptr) {
          outer = &c;
        } else if (inner == nullptr) {
          inner = &c;
        }
      }
      if (outer != nullptr) {
        Fact& f = add("pg.plan.nested_loop", n);
        const PlanNode& root = plan.nodes[0];
        double whole = plan.analyzed ? root.total_time_ms : root.total_cost;
        double mine = plan.analyzed ? n.total_time_ms : n.total_cost;
        f.num["cost_share"] = whole > 0 ? std::min(1.0, mine / whole) : 0;
        f.num["outer_rows"] =
            outer->analyzed ? outer->actual_rows * std::max(1.0, outer->loops) : outer->plan_rows;
        f.text["outer"] = DescribeNode(*outer);
        f.text["inner"] = inner != nullptr ? DescribeNode(*inner) : "";
      }
    }
    if (n.analyzed && n.loops > 0) {
      double a = std::max(1.0, n.actual_rows), p = std::max(1.0, n.plan_rows);
      double ratio = std::max(a / p, p / a);
      if (ratio >= 10) {
        Fact& f = add("pg.plan.misestimate", n);
        f.num["estimate_ratio"] = ratio;
        f.num["plan_rows"] = n.plan_rows;
        f.num["actual_rows"] = n.actual_rows;
        f.text["direction"] = a > p ? "under" : "over";
        std::string tables = n.relation;
        if (tables.empty()) {
          // A join or aggregate: the relations scanned below it (pre-order: the
          // following nodes deeper than it).
          const size_t self = static_cast<size_t>(&n - plan.nodes.data());
          std::set<std::string> seen;
          for (size_t j = self + 1; j < plan.nodes.size() && plan.nodes[j].depth > n.depth; ++j) {
            const std::string& r = plan.nodes[j].relation;
            if (!r.empty() && seen.insert(r).second) tables += (tables.empty() ? "" : ", ") + r;
          }
        }
        f.text["table"] = tables.empty() ? "the tables it reads" : tables;
      }
    }
  }
}

}  // namespace vitals::detail

namespace vitals {

std::vector<Fact> PlanChangeFacts(const std::vector<PlanSnapshot>& before,
                                  const std::string& before_time,
                                  const std::vector<PlanSnapshot>& now) {
  std::map<std::string, const PlanSnapshot*> old;
  for (const auto& s : before) old[s.queryid] = &s;
  std::vector<Fact> out;
  for (const auto& s : now) {
    auto it = old.find(s.queryid);
    if (it == old.end() || it->second->fingerprint == s.fingerprint) continue;
    const PlanSnapshot& prev = *it->second;
    if (!(s.mean_time_s > prev.mean_time_s)) continue;
    Fact& f = out.emplace_back();
    f.component = "postgres";
    f.kind = "pg.plan_change";
    f.subject = "queryid " + s.queryid;
    f.num["mean_time_s"] = s.mean_time_s;
    f.num["previous_mean_time_s"] = prev.mean_time_s;
    if (prev.mean_time_s > 0) f.num["mean_time_change_ratio"] = s.mean_time_s / prev.mean_time_s;
    f.text["queryid"] = s.queryid;
    f.text["query"] = s.query;
    f.text["change"] = detail::DescribePlanChange(prev.fingerprint, s.fingerprint);
    f.text["previous_fingerprint"] = prev.fingerprint;
    f.text["fingerprint"] = s.fingerprint;
    f.text["since"] = before_time;
  }
  return out;
}

std::vector<PlanSnapshot> PlanSnapshots(const std::vector<Fact>& facts) {
  std::vector<PlanSnapshot> out;
  for (const Fact& f : facts) {
    if (f.kind != "pg.plan") continue;
    PlanSnapshot s;
    s.queryid = f.text.count("queryid") ? f.text.at("queryid") : "";
    s.fingerprint = f.text.count("fingerprint") ? f.text.at("fingerprint") : "";
    s.query = f.text.count("query") ? f.text.at("query") : "";
    s.mean_time_s = f.num.count("mean_time_s") ? f.num.at("mean_time_s") : 0;
    if (!s.queryid.empty() && !s.fingerprint.empty()) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace vitals
