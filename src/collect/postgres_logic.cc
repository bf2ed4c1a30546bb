#include "collect/postgres_logic.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "collect/sql_lex.h"

namespace vitals::detail {
namespace {

bool Has(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

using Token = SqlToken;

bool IsClauseKeyword(std::string_view w) {
  static const std::set<std::string_view> kWords = {
      "where",     "group",  "order", "limit",     "having",  "join",   "on",     "union",
      "window",    "offset", "for",   "returning", "set",     "using",  "inner",  "left",
      "right",     "full",   "cross", "natural",   "lateral", "select", "values", "except",
      "intersect", "fetch",  "as",    "and",       "or",      "not",    "with"};
  return kWords.count(w) > 0;
}

bool IsComparison(const Token& t) {
  if (t.kind == Token::kOp) {
    return t.text == "=" || t.text == "<" || t.text == ">" || t.text == "<=" || t.text == ">=" ||
           t.text == "<>" || t.text == "!=" || t.text == "~~" || t.text == "~~*";
  }
  if (t.IsIdent()) {
    return t.text == "in" || t.text == "like" || t.text == "ilike" || t.text == "between" ||
           t.text == "is" || t.text == "not" || t.text == "any";
  }
  return false;
}

struct TableRef {
  std::string schema, name, alias;
};
struct ColumnRef {
  std::string qualifier, name;
};

// Reads a dotted name starting at tokens[i]; returns the parts and moves i.
std::vector<std::string> DottedName(const std::vector<Token>& t, size_t& i) {
  std::vector<std::string> parts;
  while (i < t.size() && t[i].IsIdent()) {
    parts.push_back(t[i].text);
    if (i + 2 < t.size() && t[i + 1].kind == Token::kPunct && t[i + 1].text == "." &&
        t[i + 2].IsIdent()) {
      i += 2;
    } else {
      ++i;
      break;
    }
  }
  return parts;
}

void ParseRefs(const std::vector<Token>& t, std::vector<TableRef>& tables,
               std::vector<ColumnRef>& filters) {
  bool in_from = false;  // inside a FROM list, where ',' introduces another table
  bool filtering = false;
  for (size_t i = 0; i < t.size();) {
    const Token& tok = t[i];
    bool table_next = false;
    if (tok.IsIdent() && (tok.text == "from" || tok.text == "join" || tok.text == "update")) {
      table_next = true;
      in_from = tok.text == "from";
    } else if (tok.kind == Token::kPunct && tok.text == "," && in_from) {
      table_next = true;
    } else if (tok.IsIdent() && (tok.text == "where" || tok.text == "on")) {
      filtering = true;
      in_from = false;
    } else if (tok.IsIdent() && IsClauseKeyword(tok.text)) {
      in_from = false;
    } else if (tok.kind == Token::kPunct && (tok.text == ")" || tok.text == ";")) {
      in_from = false;
    }
    if (table_next) {
      size_t j = i + 1;
      if (j < t.size() && t[j].IsIdent() && t[j].text == "only") ++j;
      std::vector<std::string> parts = DottedName(t, j);
      if (!parts.empty() && !(j < t.size() && t[j].text == "(") && !IsClauseKeyword(parts.back())) {
        TableRef ref;
        ref.name = parts.back();
        if (parts.size() >= 2) ref.schema = parts[parts.size() - 2];
        if (j < t.size() && t[j].IsIdent() && t[j].text == "as") ++j;
        if (j < t.size() && t[j].IsIdent() && !IsClauseKeyword(t[j].text) && t[j].text != "only") {
          ref.alias = t[j].text;
          ++j;
        }
        tables.push_back(std::move(ref));
        i = j;
        continue;
      }
      ++i;
      continue;
    }
    if (filtering && tok.IsIdent()) {
      size_t j = i;
      std::vector<std::string> parts = DottedName(t, j);
      if (j < t.size() && IsComparison(t[j]) && !parts.empty()) {
        ColumnRef ref;
        ref.name = parts.back();
        if (parts.size() >= 2) ref.qualifier = parts[parts.size() - 2];
        filters.push_back(std::move(ref));
      }
      i = std::max(j, i + 1);
      continue;
    }
    ++i;
  }
}

std::string_view RelName(std::string_view key) {
  size_t dot = key.find('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

}  // namespace

Result<PgssColumns> DetectPgssColumns(const std::vector<std::string>& columns) {
  PgssColumns out;
  if (Has(columns, "total_exec_time")) {
    out.total_time = "total_exec_time";
    out.mean_time = "mean_exec_time";
    if (Has(columns, "total_plan_time")) out.plan_time = "total_plan_time";
  } else if (Has(columns, "total_time")) {
    out.total_time = "total_time";
    out.mean_time = "mean_time";
  } else {
    std::string seen;
    for (const auto& c : columns) seen += (seen.empty() ? "" : ", ") + c;
    return Status::Parse(fmt::format(
        "pg_stat_statements has neither total_exec_time nor total_time (columns: {})", seen));
  }
  if (Has(columns, "shared_blk_read_time")) {
    out.read_time = "shared_blk_read_time";
  } else if (Has(columns, "blk_read_time")) {
    out.read_time = "blk_read_time";
  }
  out.toplevel = Has(columns, "toplevel");
  return out;
}

std::string PgssStatementsSql(const PgssColumns& cols, std::string_view schema, int limit) {
  std::string read = cols.read_time.empty() ? "NULL::float8" : "s." + cols.read_time;
  std::string plan = cols.plan_time.empty() ? "NULL::float8" : "s." + cols.plan_time;
  return fmt::format(
      "SELECT s.queryid::text AS queryid, s.calls, s.{total} AS total_ms, s.{mean} AS mean_ms, "
      "{plan} AS plan_ms, {read} AS read_ms, s.rows, s.shared_blks_hit, s.shared_blks_read, "
      "s.temp_blks_written, "
      "sum(s.{total}) OVER () AS db_total_ms, r.rolname, left(s.query, 4000) AS query "
      "FROM {schema}.pg_stat_statements s LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.userid "
      "WHERE s.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = "
      "current_database()){toplevel} "
      "ORDER BY s.{total} DESC LIMIT {limit}",
      fmt::arg("total", cols.total_time), fmt::arg("mean", cols.mean_time), fmt::arg("plan", plan),
      fmt::arg("read", read), fmt::arg("schema", schema),
      fmt::arg("toplevel", cols.toplevel ? " AND s.toplevel" : ""), fmt::arg("limit", limit));
}

std::string MaskSql(std::string_view s, size_t max_chars) {
  std::string out;
  out.reserve(std::min(s.size(), max_chars + 8));
  bool space = false;
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      ++i;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    bool escaped = (c == 'e' || c == 'E') && i + 1 < s.size() && s[i + 1] == '\'' &&
                   (i == 0 || !SqlIdentChar(s[i - 1]));
    if (c == '\'' || escaped) {
      i = SqlLiteralEnd(s, escaped ? i + 1 : i, escaped);
      out += "'?'";
    } else if (size_t tag = SqlDollarTagLength(s, i); tag > 0) {
      size_t end = s.find(s.substr(i, tag), i + tag);
      i = end == std::string_view::npos ? s.size() : end + tag;
      out += "'?'";
    } else {
      out.push_back(c);
      ++i;
    }
    if (out.size() > max_chars + 8) break;  // enough to know we must cut
  }
  if (out.size() > max_chars) {
    size_t cut = max_chars;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "...";
  }
  return out;
}

std::string QuoteIdent(std::string_view name) {
  static const std::set<std::string_view> kReserved = {"all",          "analyse",
                                                       "analyze",      "and",
                                                       "any",          "array",
                                                       "as",           "asc",
                                                       "asymmetric",   "both",
                                                       "case",         "cast",
                                                       "check",        "collate",
                                                       "column",       "constraint",
                                                       "create",       "current_catalog",
                                                       "current_date", "current_role",
                                                       "current_time", "current_timestamp",
                                                       "current_user", "default",
                                                       "deferrable",   "desc",
                                                       "distinct",     "do",
                                                       "else",         "end",
                                                       "except",       "false",
                                                       "fetch",        "for",
                                                       "foreign",      "from",
                                                       "grant",        "group",
                                                       "having",       "in",
                                                       "initially",    "intersect",
                                                       "into",         "lateral",
                                                       "leading",      "limit",
                                                       "localtime",    "localtimestamp",
                                                       "not",          "null",
                                                       "offset",       "on",
                                                       "only",         "or",
                                                       "order",        "placing",
                                                       "primary",      "references",
                                                       "returning",    "select",
                                                       "session_user", "some",
                                                       "symmetric",    "table",
                                                       "then",         "to",
                                                       "trailing",     "true",
                                                       "union",        "unique",
                                                       "user",         "using",
                                                       "variadic",     "when",
                                                       "where",        "window",
                                                       "with"};
  bool bare =
      !name.empty() && (std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_')) {
      bare = false;
    }
  }
  if (bare && kReserved.count(name) == 0) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string SuggestIndexName(std::string_view table, const std::vector<std::string>& columns) {
  std::string name = "idx_" + std::string(table);
  for (const auto& c : columns) name += "_" + c;
  for (char& c : name) {
    c = SqlIdentChar(c) && c != '$' ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
                                    : '_';
  }
  if (name.size() > 63) {
    size_t cut = 63;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
    name.resize(cut);
  }
  return name;
}

std::map<std::string, std::vector<std::string>> InferFilterColumns(
    const std::vector<QueryText>& queries,
    const std::map<std::string, std::set<std::string>>& table_columns, size_t max_columns) {
  std::map<std::string, std::vector<std::string>> by_relname;  // relname -> keys
  for (const auto& [key, cols] : table_columns)
    by_relname[std::string(RelName(key))].push_back(key);

  std::map<std::string, std::map<std::string, double>> weights;
  for (const QueryText& q : queries) {
    std::vector<TableRef> tables;
    std::vector<ColumnRef> filters;
    ParseRefs(LexSql(q.text), tables, filters);
    if (tables.empty() || filters.empty()) continue;
    // Resolve each table reference to catalog keys.
    std::vector<std::pair<const TableRef*, std::string>> resolved;
    for (const TableRef& ref : tables) {
      auto it = by_relname.find(ref.name);
      if (it == by_relname.end()) continue;
      for (const std::string& key : it->second) {
        if (!ref.schema.empty() && key != ref.schema + "." + ref.name) continue;
        resolved.emplace_back(&ref, key);
      }
    }
    double w = std::max(1.0, q.calls);
    for (const ColumnRef& col : filters) {
      for (const auto& [ref, key] : resolved) {
        if (!col.qualifier.empty() && col.qualifier != ref->alias && col.qualifier != ref->name) {
          continue;
        }
        if (table_columns.at(key).count(col.name) == 0) continue;
        weights[key][col.name] += w;
      }
    }
  }
  std::map<std::string, std::vector<std::string>> out;
  for (auto& [key, cols] : weights) {
    std::vector<std::pair<std::string, double>> v(cols.begin(), cols.end());
    std::stable_sort(v.begin(), v.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    auto& names = out[key];
    for (size_t i = 0; i < v.size() && i < max_columns; ++i) names.push_back(v[i].first);
  }
  return out;
}

std::vector<int> FindCoveringIndexes(const std::vector<PgIndex>& indexes) {
  std::map<std::pair<std::string, std::string>, std::vector<int>> by_table;
  for (size_t i = 0; i < indexes.size(); ++i) {
    by_table[{indexes[i].schema, indexes[i].table}].push_back(static_cast<int>(i));
  }
  std::vector<int> out(indexes.size(), -1);
  auto plain = [](const PgIndex& x) {
    return x.valid && !x.has_expressions && !x.has_predicate && !x.key_columns.empty();
  };
  for (size_t i = 0; i < indexes.size(); ++i) {
    const PgIndex& a = indexes[i];
    if (a.unique || a.primary || !plain(a)) continue;
    for (int j : by_table[{a.schema, a.table}]) {
      const PgIndex& b = indexes[j];
      if (static_cast<size_t>(j) == i || !plain(b) || b.method != a.method) continue;
      if (b.key_columns.size() < a.key_columns.size() ||
          !std::equal(a.key_columns.begin(), a.key_columns.end(), b.key_columns.begin())) {
        continue;
      }
      bool same = b.key_columns.size() == a.key_columns.size();
      if (!same || b.unique || b.primary || a.name > b.name) {
        out[i] = j;
        break;
      }
    }
  }
  return out;
}

std::vector<int> ParseInt2Vector(std::string_view text) {
  std::vector<int> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size()) break;
    int v = 0;
    auto [p, ec] = std::from_chars(text.data() + i, text.data() + text.size(), v);
    if (ec != std::errc()) break;
    out.push_back(v);
    i = static_cast<size_t>(p - text.data());
  }
  return out;
}

namespace {
double AlignUp8(double v) { return std::ceil(v / 8) * 8; }
}  // namespace

double EstimateTableBytes(const TableShape& t) {
  if (t.rows <= 0) return 0;
  double header = AlignUp8(23 + (t.has_nulls ? (t.columns + 7) / 8 : 0));
  double per_row = header + AlignUp8(t.data_width) + 4;
  double usable = (t.block_size - 24) * t.fillfactor / 100;
  double per_page = std::clamp(std::floor(usable / per_row), 1.0, 291.0);
  return std::ceil(t.rows / per_page) * t.block_size;
}

double EstimateBtreeBytes(const IndexShape& s) {
  double per_row = AlignUp8(8 + s.key_width) + 4;
  double usable = (s.block_size - 24 - 16) * s.fillfactor / 100;
  double per_page = std::max(1.0, std::floor(usable / per_row));
  double leaves = std::ceil(std::max(0.0, s.rows) / per_page);
  return (leaves + std::ceil(leaves / per_page) + 1) * s.block_size;
}

}  // namespace vitals::detail
