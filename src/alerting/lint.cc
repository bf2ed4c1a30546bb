#include "alerting/lint.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "alerting/go_format.h"

namespace vitals::alerting {
namespace {

using promql::Expr;
using promql::ExprKind;

const Expr& Unparen(const Expr& e) {
  const Expr* p = &e;
  while (p->kind == ExprKind::kParen) p = p->args[0].get();
  return *p;
}

// What one side of a ratio selects: the metric, and which labels survive
// (nullopt = all of them; otherwise the `by` list).
struct Side {
  std::string metric;
  std::optional<std::vector<std::string>> kept;
  std::set<std::string> filtered;  // labels (not __name__) the selector matches on
};

std::string MetricOf(const Expr& sel) {
  for (const auto& m : sel.matchers) {
    if (m.name == promql::kMetricName && m.op == promql::MatchOp::kEqual) return m.value;
  }
  return "";
}

// Follows label-preserving functions and simple aggregations down to one
// selector; nullopt when the side is something else.
std::optional<Side> SideOf(const Expr& e) {
  const Expr& x = Unparen(e);
  switch (x.kind) {
    case ExprKind::kVectorSelector:
    case ExprKind::kMatrixSelector: {
      std::string m = MetricOf(x);
      if (m.empty()) return std::nullopt;
      Side side{m, std::nullopt, {}};
      for (const auto& mt : x.matchers) {
        if (mt.name != promql::kMetricName) side.filtered.insert(mt.name + "\x1f" + mt.value);
      }
      return side;
    }
    case ExprKind::kCall: {
      static const std::set<std::string> kKeep = {"rate",          "irate",         "increase",
                                                  "delta",         "deriv",         "abs",
                                                  "avg_over_time", "sum_over_time", "max_over_time",
                                                  "min_over_time", "last_over_time"};
      if (kKeep.count(x.text) == 0 || x.args.empty()) return std::nullopt;
      return SideOf(*x.args.back());
    }
    case ExprKind::kAggregate: {
      if (x.without || x.has_param) return std::nullopt;
      auto inner = SideOf(*x.args.back());
      if (!inner) return std::nullopt;
      std::vector<std::string> by = x.grouping;
      std::sort(by.begin(), by.end());
      inner->kept = by;
      return inner;
    }
    default:
      return std::nullopt;
  }
}

// Both sides keep every label, or they keep a label that one side filters
// on and the other does not: then each series is divided by itself.
bool PairsItself(const Side& l, const Side& r) {
  if (!l.kept) return true;
  std::set<std::string> differ;
  for (const auto& f : l.filtered) {
    if (r.filtered.count(f) == 0) differ.insert(f.substr(0, f.find('\x1f')));
  }
  for (const auto& f : r.filtered) {
    if (l.filtered.count(f) == 0) differ.insert(f.substr(0, f.find('\x1f')));
  }
  for (const auto& k : *l.kept) {
    if (differ.count(k) > 0) return true;
  }
  return false;
}

void FindSelfRatios(const Expr& e, std::vector<std::string>* out) {
  const Expr& x = Unparen(e);
  if (x.kind == ExprKind::kBinary && x.op == promql::BinaryOp::kDiv &&
      (!x.matching || (!x.matching->on && x.matching->labels.empty()))) {
    auto l = SideOf(*x.args[0]);
    auto r = SideOf(*x.args[1]);
    if (l && r && l->metric == r->metric && l->kept == r->kept && PairsItself(*l, *r)) {
      out->push_back(fmt::format(
          "'{}' divides each series by itself: both sides select {} and match on all their "
          "labels, so a filter on one side only picks which series equal 1; aggregate both "
          "sides (sum(...) / sum(...), or sum by (job)) or match with ignoring(<the filtered "
          "label>)",
          promql::Format(x), l->metric));
    }
  }
  for (const auto& a : x.args) {
    if (a) FindSelfRatios(*a, out);
  }
}

void FindShortRates(const Expr& e, int64_t scrape_ms, std::vector<std::string>* out) {
  const Expr& x = Unparen(e);
  static const std::set<std::string> kRateLike = {"rate", "irate", "increase", "delta", "deriv"};
  if (x.kind == ExprKind::kCall && kRateLike.count(x.text) > 0 && !x.args.empty()) {
    const Expr& arg = Unparen(*x.args.back());
    if (arg.kind == ExprKind::kMatrixSelector && arg.range_ms < 2 * scrape_ms) {
      out->push_back(fmt::format(
          "{}() over [{}] is shorter than two scrape intervals ({} each): a window with fewer "
          "than two samples gives no result; use at least [{}] (4x the scrape interval is "
          "the usual advice)",
          x.text, PromDurationString(arg.range_ms), PromDurationString(scrape_ms),
          PromDurationString(4 * scrape_ms)));
    }
  }
  for (const auto& a : x.args) {
    if (a) FindShortRates(*a, scrape_ms, out);
  }
}

// True when the expression can return nothing when all is well: a
// filtering comparison, absent(), or a combination that keeps one.
bool Filters(const Expr& e) {
  const Expr& x = Unparen(e);
  switch (x.kind) {
    case ExprKind::kBinary:
      if (promql::IsComparison(x.op)) {
        return !x.return_bool || Filters(*x.args[0]) || Filters(*x.args[1]);
      }
      if (x.op == promql::BinaryOp::kOr) return Filters(*x.args[0]) && Filters(*x.args[1]);
      if (x.op == promql::BinaryOp::kAnd) return Filters(*x.args[0]) || Filters(*x.args[1]);
      if (x.op == promql::BinaryOp::kUnless) return Filters(*x.args[0]);
      return Filters(*x.args[0]) || Filters(*x.args[1]);
    case ExprKind::kCall:
      if (x.text == "absent" || x.text == "absent_over_time") return true;
      for (const auto& a : x.args) {
        if (a && Filters(*a)) return true;
      }
      return false;
    case ExprKind::kAggregate:
    case ExprKind::kUnary:
      return Filters(*x.args.back());
    default:
      return false;
  }
}

bool MentionsValue(const std::string& text) {
  return text.find("$value") != std::string::npos || text.find(".Value") != std::string::npos;
}

}  // namespace

std::vector<LintFinding> LintRules(const RuleFile& file, const LintOptions& opts) {
  std::vector<LintFinding> out;
  for (const RuleGroup& g : file.groups) {
    std::map<std::string, int> seen;
    int index = 0;
    for (const Rule& r : g.rules) {
      ++index;
      auto add = [&](const char* check, const SourcePos& pos, const std::string& msg) {
        out.push_back(
            {check, pos,
             fmt::format("group \"{}\", rule {}, \"{}\": {}", g.name, index, r.name(), msg)});
      };
      std::string key = r.name();
      for (const auto& l : r.labels) key += "\x1f" + l.name + "=" + l.text;
      if (!seen.emplace(key, index).second) {
        add("duplicate-rule", r.pos,
            fmt::format("duplicate of rule {} (same name and labels)", seen[key]));
      }
      if (!r.parsed) continue;
      std::vector<std::string> msgs;
      FindSelfRatios(*r.parsed, &msgs);
      for (const auto& m : msgs) add("self-ratio", r.expr_pos, m);
      msgs.clear();
      FindShortRates(*r.parsed, opts.scrape_interval_ms, &msgs);
      for (const auto& m : msgs) add("short-rate-window", r.expr_pos, m);
      if (!r.is_alert()) continue;
      for (const auto& l : r.labels) {
        if (MentionsValue(l.text)) {
          add("value-in-label", r.pos,
              fmt::format("label \"{}\" uses $value: the labels identify an alert, so every new "
                          "value starts a new alert (and resolves the old one); put the value in "
                          "an annotation",
                          l.name));
        }
      }
      if (!Filters(*r.parsed)) {
        add("no-comparison", r.expr_pos,
            fmt::format("alert expression '{}' has no comparison: every series it returns fires, "
                        "whatever its value; add a threshold (e.g. '> 0.01')",
                        r.expr));
      }
    }
  }
  return out;
}

}  // namespace vitals::alerting
