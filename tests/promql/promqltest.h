// Reader for conformance case files in the promqltest style (written here):
//
//   # comment
//   load 1m                          series follow, indented, in expanding notation:
//     name{l="v"} 0+10x5 _ stale 3   a+bxn = n+1 values a, a+b, ..; axn; _ missing; stale
//   eval instant at 5m30s EXPR       expected samples follow, indented:
//     name{l="v"} 1.5                (a bare number for a scalar result; none = empty)
//   eval_fail instant at 1m EXPR     the query must fail (vitals only)
//   clear                            drop all loaded series
//   # promtool: skip REASON          before an eval: do not send that case to promtool
//
// All loads between two clears share one interval (so that each case maps onto
// one promtool test group).  Errors name the file line.
#pragma once

#include <cmath>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/status.h"
#include "promql/labels.h"
#include "promql/lexer.h"

namespace vitals::promql::testing {

struct LoadedSeries {
  std::string text;    // "name{l=\"v\"}" as written
  std::string values;  // expanding notation as written
  Labels labels;
  std::vector<std::optional<double>> points;  // one per interval step; nullopt = missing
};

struct ExpectedSample {
  std::string text;  // labels as written ("" for a scalar)
  Labels labels;
  double value = 0;
};

struct EvalCase {
  int line = 0;
  std::string expr;
  int64_t at_ms = 0;
  std::string at_text;
  bool expect_fail = false;
  std::string promtool_skip;  // reason, when not sent to promtool
  bool scalar = false;
  std::vector<ExpectedSample> expected;
  int64_t interval_ms = 60'000;
  std::vector<LoadedSeries> series;  // everything loaded before this case
};

inline Result<Labels> ParseSeriesLabels(const std::string& text) {
  Result<std::vector<Token>> toks = Lex(text);
  if (!toks.ok()) return toks.status();
  std::vector<Label> out;
  size_t i = 0;
  const std::vector<Token>& t = *toks;
  if (t[i].kind == Tok::kIdent) out.push_back({"__name__", t[i++].text});
  if (t[i].kind == Tok::kLBrace) {
    ++i;
    while (t[i].kind != Tok::kRBrace) {
      if (t[i].kind != Tok::kIdent || t[i + 1].kind != Tok::kAssign ||
          t[i + 2].kind != Tok::kString) {
        return Status::Parse("bad label set " + text);
      }
      out.push_back({t[i].text, t[i + 2].text});
      i += 3;
      if (t[i].kind == Tok::kComma) ++i;
    }
    ++i;
  }
  if (t[i].kind != Tok::kEnd) return Status::Parse("trailing text in label set " + text);
  return Labels(std::move(out));
}

inline bool ParseNumber(const std::string& s, double* v) {
  if (s == "Inf" || s == "+Inf") return *v = INFINITY, true;
  if (s == "-Inf") return *v = -INFINITY, true;
  if (s == "NaN") return *v = NAN, true;
  char* end = nullptr;
  *v = std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size();
}

// Expanding notation -> values.
inline Result<std::vector<std::optional<double>>> ExpandValues(const std::string& text) {
  std::vector<std::optional<double>> out;
  std::istringstream in(text);
  std::string tok;
  while (in >> tok) {
    if (tok == "_") {
      out.emplace_back();
      continue;
    }
    if (tok == "stale") {
      out.emplace_back(StaleNaN());
      continue;
    }
    size_t x = tok.rfind('x');
    if (x == std::string::npos) {
      double v;
      if (!ParseNumber(tok, &v)) return Status::Parse("bad value " + tok);
      out.emplace_back(v);
      continue;
    }
    int n = std::atoi(tok.c_str() + x + 1);
    std::string head = tok.substr(0, x);
    if (head == "_") {
      for (int i = 0; i < n; ++i) out.emplace_back();
      continue;
    }
    size_t op = head.find_first_of("+-", 1);
    double a, b = 0;
    if (op == std::string::npos) {
      if (!ParseNumber(head, &a)) return Status::Parse("bad value " + tok);
    } else {
      if (!ParseNumber(head.substr(0, op), &a) || !ParseNumber(head.substr(op + 1), &b)) {
        return Status::Parse("bad value " + tok);
      }
      if (head[op] == '-') b = -b;
    }
    for (int i = 0; i <= n; ++i) out.emplace_back(a + b * i);
  }
  return out;
}

inline Result<std::vector<EvalCase>> ReadCaseFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Status::NotFound("cannot open " + path);
  std::vector<EvalCase> cases;
  std::vector<LoadedSeries> loaded;
  int64_t interval = 60'000;
  bool loading = false;
  EvalCase* current = nullptr;
  std::string skip;
  std::string line;
  int n = 0;
  auto err = [&](const std::string& what) {
    return Status::Parse(path + ":" + std::to_string(n) + ": " + what);
  };
  while (std::getline(f, line)) {
    ++n;
    std::string trimmed = line.substr(std::min(line.find_first_not_of(" \t"), line.size()));
    if (trimmed.rfind("# promtool: skip", 0) == 0) {
      skip = trimmed.substr(16);
      continue;
    }
    if (trimmed.empty() || trimmed[0] == '#') {
      loading = false;
      current = nullptr;
      continue;
    }
    bool indented = line[0] == ' ' || line[0] == '\t';
    if (indented && loading) {
      size_t brace = trimmed.find('}');
      size_t split = brace != std::string::npos ? brace + 1 : trimmed.find(' ');
      LoadedSeries s;
      s.text = trimmed.substr(0, split);
      s.values = trimmed.substr(split + 1);
      Result<Labels> l = ParseSeriesLabels(s.text);
      if (!l.ok()) return err(l.status().message());
      s.labels = *l;
      Result<std::vector<std::optional<double>>> v = ExpandValues(s.values);
      if (!v.ok()) return err(v.status().message());
      s.points = *v;
      loaded.push_back(std::move(s));
      continue;
    }
    if (indented && current != nullptr) {
      ExpectedSample e;
      size_t brace = trimmed.find('}');
      if (brace == std::string::npos && trimmed.find(' ') == std::string::npos) {
        current->scalar = true;
        if (!ParseNumber(trimmed, &e.value)) return err("bad expected value");
      } else {
        size_t split = brace != std::string::npos ? brace + 1 : trimmed.find(' ');
        e.text = trimmed.substr(0, split);
        Result<Labels> l = ParseSeriesLabels(e.text);
        if (!l.ok()) return err(l.status().message());
        e.labels = *l;
        std::string v = trimmed.substr(split);
        v = v.substr(v.find_first_not_of(' '));
        if (!ParseNumber(v, &e.value)) return err("bad expected value " + v);
      }
      current->expected.push_back(std::move(e));
      continue;
    }
    if (indented) return err("indented line outside load/eval");
    loading = false;
    current = nullptr;
    std::istringstream in(trimmed);
    std::string word;
    in >> word;
    if (word == "clear") {
      loaded.clear();
    } else if (word == "load") {
      std::string d;
      in >> d;
      int64_t ms;
      if (!ParseDuration(d, &ms)) return err("bad load interval " + d);
      if (!loaded.empty() && ms != interval)
        return err("all loads before a clear must share an interval");
      interval = ms;
      loading = true;
    } else if (word == "eval" || word == "eval_fail") {
      std::string instant, at, t;
      in >> instant >> at >> t;
      if (instant != "instant" || at != "at") return err("expected 'eval instant at T EXPR'");
      EvalCase c;
      c.line = n;
      c.expect_fail = word == "eval_fail";
      c.at_text = t;
      if (t == "0") {
        c.at_ms = 0;
      } else if (!ParseDuration(t, &c.at_ms)) {
        return err("bad eval time " + t);
      }
      std::getline(in, c.expr);
      c.expr = c.expr.substr(std::min(c.expr.find_first_not_of(' '), c.expr.size()));
      c.promtool_skip = c.expect_fail ? "failure cases are vitals-only" : skip;
      c.interval_ms = interval;
      c.series = loaded;
      cases.push_back(std::move(c));
      current = &cases.back();
      skip.clear();
    } else {
      return err("unknown command " + word);
    }
  }
  return cases;
}

}  // namespace vitals::promql::testing
