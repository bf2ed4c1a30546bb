#include "promql/parser.h"

#include <re2/re2.h>

#include <strings.h>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "promql/functions.h"
#include "promql/lexer.h"

namespace vitals::promql {
namespace {

// PromQL functions that vitals does not implement: named as unsupported
// rather than unknown, so the user knows the query is valid Prometheus.
constexpr std::array<std::string_view, 45> kOtherPrometheusFunctions = {
    "absent_over_time",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "changes",
    "cos",
    "cosh",
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "days_in_month",
    "deg",
    "exp",
    "holt_winters",
    "double_exponential_smoothing",
    "hour",
    "idelta",
    "label_join",
    "ln",
    "log10",
    "log2",
    "minute",
    "month",
    "pi",
    "predict_linear",
    "present_over_time",
    "rad",
    "resets",
    "sgn",
    "sin",
    "sinh",
    "sort_by_label",
    "sort_by_label_desc",
    "sqrt",
    "stddev_over_time",
    "stdvar_over_time",
    "tan",
    "tanh",
    "year",
    "mad_over_time",
    "histogram_count",
    "histogram_sum"};

constexpr std::array<std::string_view, 4> kOtherAggregations = {"group", "limitk", "limit_ratio",
                                                                "atan2"};

bool AggFromName(std::string_view s, AggOp* op) {
  static const std::pair<std::string_view, AggOp> kAggs[] = {{"sum", AggOp::kSum},
                                                             {"avg", AggOp::kAvg},
                                                             {"min", AggOp::kMin},
                                                             {"max", AggOp::kMax},
                                                             {"count", AggOp::kCount},
                                                             {"stddev", AggOp::kStddev},
                                                             {"stdvar", AggOp::kStdvar},
                                                             {"quantile", AggOp::kQuantile},
                                                             {"topk", AggOp::kTopk},
                                                             {"bottomk", AggOp::kBottomk},
                                                             {"count_values", AggOp::kCountValues}};
  for (auto [name, o] : kAggs) {
    if (name == s) {
      *op = o;
      return true;
    }
  }
  return false;
}

bool IsKeyword(std::string_view s) {
  static const std::string_view kKeywords[] = {"by",         "without",     "on",    "ignoring",
                                               "group_left", "group_right", "bool",  "offset",
                                               "and",        "or",          "unless"};
  return std::find(std::begin(kKeywords), std::end(kKeywords), s) != std::end(kKeywords);
}

class Parser {
 public:
  Parser(std::string_view query, std::vector<Token> toks) : query_(query), toks_(std::move(toks)) {}

  Result<ExprPtr> Run() {
    Result<ExprPtr> e = ParseExpr(1);
    if (!e.ok()) return e;
    if (Peek().kind != Tok::kEnd) return Unexpected("end of expression");
    return e;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return toks_[std::min(pos_ + ahead, toks_.size() - 1)];
  }
  const Token& Next() {
    const Token& t = Peek();
    if (pos_ < toks_.size() - 1) ++pos_;
    return t;
  }
  bool PeekIdent(std::string_view s) const {
    return Peek().kind == Tok::kIdent && Peek().text == s;
  }

  static std::string Describe(const Token& t) {
    if (t.kind == Tok::kEnd) return "end of input";
    if (t.kind == Tok::kString) return fmt::format("string \"{}\"", t.text);
    return fmt::format("'{}'", t.text);
  }

  Status ErrAt(int col, const std::string& what) const {
    return Status::InvalidArgument(fmt::format("col {}: {}", col, what));
  }

  Status Unexpected(const std::string& expected) const {
    const Token& t = Peek();
    std::string before(query_.substr(0, static_cast<size_t>(t.col - 1)));
    while (!before.empty() && before.back() == ' ') before.pop_back();
    if (before.size() > 40) before = "..." + before.substr(before.size() - 40);
    std::string msg = "unexpected " + Describe(t);
    if (!before.empty()) msg += " after '" + before + "'";
    if (!expected.empty()) msg += "; expected " + expected;
    return ErrAt(t.col, msg);
  }

  Status Unsupported(int col, const std::string& feature) const {
    return ErrAt(col, "not supported by vitals: " + feature);
  }

  Status Expect(Tok kind, const char* what) {
    if (Peek().kind != kind) return Unexpected(what);
    Next();
    return Status::Ok();
  }

  static int Precedence(const Token& t, BinaryOp* op) {
    switch (t.kind) {
      case Tok::kAdd:
        *op = BinaryOp::kAdd;
        return 4;
      case Tok::kSub:
        *op = BinaryOp::kSub;
        return 4;
      case Tok::kMul:
        *op = BinaryOp::kMul;
        return 5;
      case Tok::kDiv:
        *op = BinaryOp::kDiv;
        return 5;
      case Tok::kMod:
        *op = BinaryOp::kMod;
        return 5;
      case Tok::kPow:
        *op = BinaryOp::kPow;
        return 6;
      case Tok::kEql:
        *op = BinaryOp::kEq;
        return 3;
      case Tok::kNeq:
        *op = BinaryOp::kNe;
        return 3;
      case Tok::kGtr:
        *op = BinaryOp::kGt;
        return 3;
      case Tok::kLss:
        *op = BinaryOp::kLt;
        return 3;
      case Tok::kGte:
        *op = BinaryOp::kGe;
        return 3;
      case Tok::kLte:
        *op = BinaryOp::kLe;
        return 3;
      case Tok::kIdent:
        if (t.text == "and") return *op = BinaryOp::kAnd, 2;
        if (t.text == "unless") return *op = BinaryOp::kUnless, 2;
        if (t.text == "or") return *op = BinaryOp::kOr, 1;
        if (t.text == "atan2") return 5;  // rejected by the caller
        return 0;
      default:
        return 0;
    }
  }

  Result<std::vector<std::string>> ParseLabelList() {
    std::vector<std::string> out;
    if (Status s = Expect(Tok::kLParen, "'(' to open a label list"); !s.ok()) return s;
    while (Peek().kind != Tok::kRParen) {
      if (Peek().kind != Tok::kIdent) return Unexpected("a label name or ')'");
      out.push_back(Next().text);
      if (Peek().kind == Tok::kComma) {
        Next();
      } else if (Peek().kind != Tok::kRParen) {
        return Unexpected("',' or ')' in the label list");
      }
    }
    Next();
    return out;
  }

  Result<ExprPtr> ParseExpr(int min_prec) {
    Result<ExprPtr> lhs_r = ParseUnary();
    if (!lhs_r.ok()) return lhs_r;
    ExprPtr lhs = std::move(lhs_r.value());
    for (;;) {
      BinaryOp op{};
      int prec = Precedence(Peek(), &op);
      if (prec == 0 || prec < min_prec) break;
      const Token& op_tok = Next();
      int col = op_tok.col;
      if (op_tok.text == "atan2") return Unsupported(col, "operator atan2");
      auto bin = std::make_unique<Expr>();
      bin->kind = ExprKind::kBinary;
      bin->col = lhs->col;
      bin->op = op;
      if (PeekIdent("bool")) {
        if (!IsComparison(op))
          return ErrAt(Peek().col, "bool modifier can only be used on comparison operators");
        Next();
        bin->return_bool = true;
      }
      VectorMatching matching;
      bool has_matching = false;
      if (PeekIdent("on") || PeekIdent("ignoring")) {
        matching.on = Next().text == "on";
        Result<std::vector<std::string>> l = ParseLabelList();
        if (!l.ok()) return l.status();
        matching.labels = std::move(l.value());
        has_matching = true;
      }
      if (PeekIdent("group_left") || PeekIdent("group_right")) {
        int gcol = Peek().col;
        if (IsSetOp(op)) {
          return ErrAt(gcol,
                       fmt::format("no grouping allowed for \"{}\" operation", BinaryOpName(op)));
        }
        matching.card =
            Next().text == "group_left" ? Cardinality::kManyToOne : Cardinality::kOneToMany;
        if (Peek().kind == Tok::kLParen) {
          Result<std::vector<std::string>> l = ParseLabelList();
          if (!l.ok()) return l.status();
          matching.include = std::move(l.value());
        }
        has_matching = true;
      }
      // ^ is right-associative; all others left.
      Result<ExprPtr> rhs = ParseExpr(op == BinaryOp::kPow ? prec : prec + 1);
      if (!rhs.ok()) return rhs;
      bin->args.push_back(std::move(lhs));
      bin->args.push_back(std::move(rhs.value()));
      if (Status s = CheckBinary(bin.get(), col, has_matching, std::move(matching)); !s.ok())
        return s;
      lhs = std::move(bin);
    }
    return lhs;
  }

  Status CheckBinary(Expr* b, int col, bool has_matching, VectorMatching matching) {
    ValueType lt = b->args[0]->type, rt = b->args[1]->type;
    for (ValueType t : {lt, rt}) {
      if (t != ValueType::kScalar && t != ValueType::kVector) {
        return ErrAt(col,
                     fmt::format("binary expression must contain only scalar and instant vector "
                                 "types, not {}",
                                 ValueTypeName(t)));
      }
    }
    bool both_vectors = lt == ValueType::kVector && rt == ValueType::kVector;
    if (IsSetOp(b->op) && !both_vectors) {
      return ErrAt(col, fmt::format("set operator \"{}\" not allowed in binary scalar expression",
                                    BinaryOpName(b->op)));
    }
    if (IsComparison(b->op) && lt == ValueType::kScalar && rt == ValueType::kScalar &&
        !b->return_bool) {
      return ErrAt(col, "comparisons between scalars must use BOOL modifier");
    }
    if (has_matching && !both_vectors) {
      return ErrAt(col, "vector matching only allowed between instant vectors");
    }
    if (both_vectors) {
      if (IsSetOp(b->op)) matching.card = Cardinality::kOneToOne;  // many-to-many by definition
      if (matching.on) {
        for (const std::string& inc : matching.include) {
          if (std::find(matching.labels.begin(), matching.labels.end(), inc) !=
              matching.labels.end()) {
            return ErrAt(
                col,
                fmt::format("label \"{}\" must not occur in ON and GROUP clause at once", inc));
          }
        }
      }
      b->matching = std::move(matching);
    }
    b->type = (lt == ValueType::kScalar && rt == ValueType::kScalar) ? ValueType::kScalar
                                                                     : ValueType::kVector;
    return Status::Ok();
  }

  Result<ExprPtr> ParseUnary() {
    if (Peek().kind == Tok::kSub || Peek().kind == Tok::kAdd) {
      const Token& t = Next();
      int col = t.col;
      bool neg = t.kind == Tok::kSub;
      // Unary operators bind tighter than * / % but looser than ^.
      Result<ExprPtr> inner = ParseExpr(6);
      if (!inner.ok()) return inner;
      ExprPtr e = std::move(inner.value());
      if (e->type != ValueType::kScalar && e->type != ValueType::kVector) {
        return ErrAt(col, fmt::format("unary expression only allowed on expressions of type scalar "
                                      "or instant vector, got {}",
                                      ValueTypeName(e->type)));
      }
      if (e->kind == ExprKind::kNumber) {
        if (neg) e->number = -e->number;
        e->col = col;
        return e;
      }
      auto u = std::make_unique<Expr>();
      u->kind = ExprKind::kUnary;
      u->col = col;
      u->op = neg ? BinaryOp::kSub : BinaryOp::kAdd;
      u->type = e->type;
      u->args.push_back(std::move(e));
      return u;
    }
    Result<ExprPtr> p = ParsePrimary();
    if (!p.ok()) return p;
    return ParsePostfix(std::move(p.value()));
  }

  Result<ExprPtr> ParsePostfix(ExprPtr e) {
    for (;;) {
      if (Peek().kind == Tok::kLBracket) {
        int col = Peek().col;
        Next();
        if (Peek().kind != Tok::kDuration) return Unexpected("a duration like 5m in the range");
        int64_t range = Next().duration_ms;
        if (Peek().kind == Tok::kColon) return Unsupported(col, "subqueries ([range:step])");
        if (Status s = Expect(Tok::kRBracket, "']' to close the range"); !s.ok()) return s;
        if (e->kind != ExprKind::kVectorSelector || e->offset_ms != 0) {
          return ErrAt(col,
                       "ranges only allowed for vector selectors (write x[5m] offset 1h, not x "
                       "offset 1h [5m])");
        }
        if (range <= 0) return ErrAt(col, "range must be greater than 0");
        e->kind = ExprKind::kMatrixSelector;
        e->range_ms = range;
        e->type = ValueType::kMatrix;
        continue;
      }
      if (PeekIdent("offset")) {
        int col = Peek().col;
        Next();
        bool neg = false;
        if (Peek().kind == Tok::kSub) {
          Next();
          neg = true;
        }
        if (Peek().kind != Tok::kDuration) return Unexpected("a duration after offset");
        int64_t off = Next().duration_ms;
        if (e->kind != ExprKind::kVectorSelector && e->kind != ExprKind::kMatrixSelector) {
          return ErrAt(col,
                       "offset modifier must be preceded by an instant or range vector selector");
        }
        if (e->offset_ms != 0) return ErrAt(col, "offset may not be set multiple times");
        e->offset_ms = neg ? -off : off;
        continue;
      }
      if (Peek().kind == Tok::kAt) return Unsupported(Peek().col, "the @ modifier");
      return e;
    }
  }

  Result<ExprPtr> ParsePrimary() {
    const Token& t = Peek();
    auto e = std::make_unique<Expr>();
    e->col = t.col;
    switch (t.kind) {
      case Tok::kNumber:
        e->kind = ExprKind::kNumber;
        e->number = Next().number;
        e->type = ValueType::kScalar;
        return e;
      case Tok::kString:
        e->kind = ExprKind::kString;
        e->text = Next().text;
        e->type = ValueType::kString;
        return e;
      case Tok::kLParen: {
        Next();
        Result<ExprPtr> inner = ParseExpr(1);
        if (!inner.ok()) return inner;
        if (Status s = Expect(Tok::kRParen, "')'"); !s.ok()) return s;
        e->kind = ExprKind::kParen;
        e->type = inner.value()->type;
        e->args.push_back(std::move(inner.value()));
        return e;
      }
      case Tok::kLBrace:
        return ParseSelector(std::move(e), "");
      case Tok::kIdent:
        break;
      case Tok::kDuration:
        return ErrAt(
            t.col, fmt::format("unexpected duration '{}'; durations only go in [] and after offset",
                               t.text));
      default:
        return Unexpected("an expression");
    }
    std::string name = t.text;
    if (strcasecmp(name.c_str(), "inf") == 0 || strcasecmp(name.c_str(), "nan") == 0) {
      Next();
      e->kind = ExprKind::kNumber;
      e->number = (name[0] == 'i' || name[0] == 'I') ? std::numeric_limits<double>::infinity()
                                                     : std::numeric_limits<double>::quiet_NaN();
      e->type = ValueType::kScalar;
      return e;
    }
    AggOp agg{};
    if (AggFromName(name, &agg)) return ParseAggregate(std::move(e), agg);
    if (std::find(kOtherAggregations.begin(), kOtherAggregations.end(), name) !=
            kOtherAggregations.end() &&
        (Peek(1).kind == Tok::kLParen || Peek(1).kind == Tok::kIdent)) {
      return Unsupported(t.col, "aggregation " + name);
    }
    if (Peek(1).kind == Tok::kLParen) return ParseCall(std::move(e));
    if (IsKeyword(name)) return Unexpected("an expression");
    Next();
    return ParseSelector(std::move(e), name);
  }

  Result<ExprPtr> ParseCall(ExprPtr e) {
    const Token& name_tok = Next();
    std::string name = name_tok.text;
    const FunctionSpec* spec = FindFunction(name);
    if (spec == nullptr) {
      if (std::find(kOtherPrometheusFunctions.begin(), kOtherPrometheusFunctions.end(), name) !=
          kOtherPrometheusFunctions.end()) {
        return Unsupported(name_tok.col, "function " + name);
      }
      return ErrAt(name_tok.col, fmt::format("unknown function \"{}\"", name));
    }
    Next();  // (
    e->kind = ExprKind::kCall;
    e->text = name;
    e->type = spec->returns;
    while (Peek().kind != Tok::kRParen) {
      Result<ExprPtr> arg = ParseExpr(1);
      if (!arg.ok()) return arg;
      e->args.push_back(std::move(arg.value()));
      if (Peek().kind == Tok::kComma) {
        Next();
      } else if (Peek().kind != Tok::kRParen) {
        return Unexpected("',' or ')' in the argument list of " + name);
      }
    }
    int close_col = Peek().col;
    Next();
    size_t n = e->args.size(), max = spec->args.size(), min = max - spec->optional_args;
    if (n < min || n > max) {
      return ErrAt(close_col,
                   fmt::format("wrong number of arguments for {}(): expected {}{}, got {}", name,
                               min, max > min ? fmt::format(" to {}", max) : "", n));
    }
    for (size_t i = 0; i < n; ++i) {
      if (e->args[i]->type != spec->args[i]) {
        return ErrAt(
            e->args[i]->col,
            fmt::format("expected type {} in call to function \"{}\", got {}",
                        ValueTypeName(spec->args[i]), name, ValueTypeName(e->args[i]->type)));
      }
    }
    if (name == "label_replace") {
      const std::string& regex = e->args[4]->text;
      RE2::Options opts;
      opts.set_log_errors(false);
      RE2 re(regex, opts);
      if (!re.ok())
        return ErrAt(e->args[4]->col,
                     fmt::format("invalid regular expression \"{}\": {}", regex, re.error()));
    }
    return e;
  }

  Result<ExprPtr> ParseAggregate(ExprPtr e, AggOp agg) {
    Next();
    e->kind = ExprKind::kAggregate;
    e->agg = agg;
    e->type = ValueType::kVector;
    bool grouped = false;
    auto grouping = [&]() -> Status {
      if (grouped) return Unexpected("the aggregation's arguments");
      e->without = Next().text == "without";
      Result<std::vector<std::string>> l = ParseLabelList();
      if (!l.ok()) return l.status();
      e->grouping = std::move(l.value());
      grouped = true;
      return Status::Ok();
    };
    if (PeekIdent("by") || PeekIdent("without")) {
      if (Status s = grouping(); !s.ok()) return s;
    }
    if (Status s = Expect(Tok::kLParen, fmt::format("'(' after {}", AggOpName(agg)).c_str());
        !s.ok())
      return s;
    bool param = agg == AggOp::kTopk || agg == AggOp::kBottomk || agg == AggOp::kQuantile ||
                 agg == AggOp::kCountValues;
    while (Peek().kind != Tok::kRParen) {
      Result<ExprPtr> arg = ParseExpr(1);
      if (!arg.ok()) return arg;
      e->args.push_back(std::move(arg.value()));
      if (Peek().kind == Tok::kComma) {
        Next();
      } else if (Peek().kind != Tok::kRParen) {
        return Unexpected("',' or ')' in " + std::string(AggOpName(agg)) + "(...)");
      }
    }
    int close_col = Peek().col;
    Next();
    if (e->args.size() != (param ? 2u : 1u)) {
      return ErrAt(close_col,
                   fmt::format("wrong number of arguments for aggregate expression provided, "
                               "expected {}, got {}",
                               param ? 2 : 1, e->args.size()));
    }
    e->has_param = param;
    if (PeekIdent("by") || PeekIdent("without")) {
      if (Status s = grouping(); !s.ok()) return s;
    }
    const Expr& inner = *e->args.back();
    if (inner.type != ValueType::kVector) {
      return ErrAt(inner.col,
                   fmt::format("expected type instant vector in aggregation expression, got {}",
                               ValueTypeName(inner.type)));
    }
    if (param) {
      ValueType want = agg == AggOp::kCountValues ? ValueType::kString : ValueType::kScalar;
      if (e->args[0]->type != want) {
        return ErrAt(e->args[0]->col,
                     fmt::format("expected type {} in aggregation parameter, got {}",
                                 ValueTypeName(want), ValueTypeName(e->args[0]->type)));
      }
    }
    return e;
  }

  Result<ExprPtr> ParseSelector(ExprPtr e, const std::string& name) {
    e->kind = ExprKind::kVectorSelector;
    e->type = ValueType::kVector;
    e->text = name;
    if (Peek().kind == Tok::kLBrace) {
      Next();
      while (Peek().kind != Tok::kRBrace) {
        if (Peek().kind == Tok::kString)
          return Unsupported(Peek().col, "quoted metric or label names");
        if (Peek().kind != Tok::kIdent) return Unexpected("a label name in the selector");
        const Token& lt = Next();
        Matcher m;
        m.name = lt.text;
        switch (Peek().kind) {
          case Tok::kAssign:
            m.op = MatchOp::kEqual;
            break;
          case Tok::kNeq:
            m.op = MatchOp::kNotEqual;
            break;
          case Tok::kEqlRegex:
            m.op = MatchOp::kRegex;
            break;
          case Tok::kNeqRegex:
            m.op = MatchOp::kNotRegex;
            break;
          default:
            return Unexpected("one of = != =~ !~ after label " + m.name);
        }
        Next();
        if (Peek().kind != Tok::kString) return Unexpected("a quoted label value");
        const Token& vt = Next();
        m.value = vt.text;
        if (m.op == MatchOp::kRegex || m.op == MatchOp::kNotRegex) {
          RE2::Options opts;
          opts.set_dot_nl(true);  // Prometheus 3: '.' matches newlines too
          opts.set_log_errors(false);
          auto re = std::make_shared<RE2>("^(?:" + m.value + ")$", opts);
          if (!re->ok()) {
            RE2 bare(m.value, opts);  // for a message about the user's text, not our anchors
            return ErrAt(vt.col, fmt::format("invalid regular expression \"{}\": {}", m.value,
                                             bare.ok() ? re->error() : bare.error()));
          }
          m.regex = std::move(re);
        }
        if (m.name == kMetricName && !name.empty()) {
          return ErrAt(lt.col, "metric name must not be set twice");
        }
        e->matchers.push_back(std::move(m));
        if (Peek().kind == Tok::kComma) {
          Next();
        } else if (Peek().kind != Tok::kRBrace) {
          return Unexpected("',' or '}' in the selector");
        }
      }
      Next();
    }
    if (!name.empty()) {
      Matcher m;
      m.name = std::string(kMetricName);
      m.value = name;
      e->matchers.insert(e->matchers.begin(), std::move(m));
    }
    bool any_non_empty = std::any_of(e->matchers.begin(), e->matchers.end(),
                                     [](const Matcher& m) { return !m.Matches(""); });
    if (!any_non_empty) {
      return ErrAt(e->col, "vector selector must contain at least one non-empty matcher");
    }
    return e;
  }

  std::string_view query_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
};

}  // namespace

Result<ExprPtr> Parse(std::string_view query) {
  Result<std::vector<Token>> toks = Lex(query);
  if (!toks.ok()) return toks.status();
  if (toks->size() == 1)
    return Status::InvalidArgument("col 1: empty query; give a PromQL expression");
  Parser p(query, std::move(toks.value()));
  return p.Run();
}

}  // namespace vitals::promql
