// PromQL functions (the table is in functions.cc).  Range functions follow
// Prometheus 3's funcs.go: rate/increase/delta extrapolate, irate uses the
// last two samples, deriv is a least-squares slope.
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "promql/eval_internal.h"

namespace vitals::promql::detail {
namespace {

// Prometheus 3 extrapolatedRate for one series' samples in (start, end].
std::optional<double> ExtrapolatedRate(const std::vector<Point>& pts, int64_t range_start,
                                       int64_t range_end, int64_t range_ms, bool is_counter,
                                       bool is_rate) {
  if (pts.size() < 2) return std::nullopt;
  double result = pts.back().v - pts.front().v;
  if (is_counter) {
    double prev = pts.front().v;
    for (const Point& p : pts) {
      if (p.v < prev) result += prev;  // counter reset
      prev = p.v;
    }
  }
  double to_start = static_cast<double>(pts.front().t_ms - range_start) / 1000;
  double to_end = static_cast<double>(range_end - pts.back().t_ms) / 1000;
  double sampled = static_cast<double>(pts.back().t_ms - pts.front().t_ms) / 1000;
  double avg_step = sampled / static_cast<double>(pts.size() - 1);
  double threshold = avg_step * 1.1;
  double interval = sampled;
  if (to_start >= threshold) to_start = avg_step / 2;
  if (is_counter && result > 0 && pts.front().v >= 0) {
    // Do not extrapolate a counter below zero.
    double to_zero = sampled * (pts.front().v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  interval += to_start;
  if (to_end >= threshold) to_end = avg_step / 2;
  interval += to_end;
  double factor = interval / sampled;
  if (is_rate) factor /= static_cast<double>(range_ms) / 1000;
  return result * factor;
}

std::optional<double> InstantRate(const std::vector<Point>& pts) {
  if (pts.size() < 2) return std::nullopt;
  const Point& last = pts[pts.size() - 1];
  const Point& prev = pts[pts.size() - 2];
  double result = last.v < prev.v ? last.v : last.v - prev.v;  // reset: count from zero
  double interval = static_cast<double>(last.t_ms - prev.t_ms) / 1000;
  if (interval == 0) return std::nullopt;
  return result / interval;
}

std::optional<double> Deriv(const std::vector<Point>& pts) {
  if (pts.size() < 2) return std::nullopt;
  // Least squares with x relative to the first sample, in seconds.
  double n = 0, sx = 0, sy = 0, sxy = 0, sx2 = 0;
  bool const_y = true;
  for (const Point& p : pts) {
    double x = static_cast<double>(p.t_ms - pts.front().t_ms) / 1000;
    n += 1;
    sx += x;
    sy += p.v;
    sxy += x * p.v;
    sx2 += x * x;
    if (p.v != pts.front().v) const_y = false;
  }
  if (const_y) return 0.0;
  double cov = sxy - sx * sy / n;
  double var = sx2 - sx * sx / n;
  return cov / var;
}

double GoMin(double a, double b) { return (std::isnan(a) || std::isnan(b)) ? NAN : std::min(a, b); }
double GoMax(double a, double b) { return (std::isnan(a) || std::isnan(b)) ? NAN : std::max(a, b); }

std::optional<double> OverTime(std::string_view fn, double param, const std::vector<Point>& pts) {
  if (pts.empty()) return std::nullopt;
  if (fn == "count_over_time") return static_cast<double>(pts.size());
  if (fn == "last_over_time") return pts.back().v;
  if (fn == "sum_over_time" || fn == "avg_over_time") {
    double sum = 0, c = 0;  // Kahan summation as Prometheus 3
    for (const Point& p : pts) {
      double y = p.v - c;
      double t = sum + y;
      c = (t - sum) - y;
      sum = t;
    }
    if (fn == "sum_over_time") return sum;
    return sum / static_cast<double>(pts.size());
  }
  if (fn == "min_over_time" || fn == "max_over_time") {
    bool is_max = fn == "max_over_time";
    double r = pts.front().v;
    for (const Point& p : pts) {
      if ((is_max ? p.v > r : p.v < r) || std::isnan(r)) r = p.v;
    }
    return r;
  }
  std::vector<double> vals;
  for (const Point& p : pts) vals.push_back(p.v);
  return Quantile(param, std::move(vals));
}

struct Bucket {
  double upper;
  double count;
};

double BucketQuantile(double q, std::vector<Bucket> b) {
  if (std::isnan(q)) return NAN;
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  std::sort(b.begin(), b.end(), [](const Bucket& x, const Bucket& y) { return x.upper < y.upper; });
  if (b.empty() || !std::isinf(b.back().upper) || b.back().upper < 0) return NAN;
  // Merge buckets with equal bounds, then force counts monotonic.
  std::vector<Bucket> m;
  for (const Bucket& x : b) {
    if (!m.empty() && m.back().upper == x.upper) {
      m.back().count += x.count;
    } else {
      m.push_back(x);
    }
  }
  double max = -INFINITY;
  for (Bucket& x : m) {
    if (x.count > max) {
      max = x.count;
    } else if (x.count < max) {
      x.count = max;
    }
  }
  if (m.size() < 2) return NAN;
  double total = m.back().count;
  if (total == 0 || std::isnan(total)) return NAN;
  double rank = q * total;
  size_t i = 0;
  while (i < m.size() - 1 && m[i].count < rank) ++i;
  if (i == m.size() - 1) return m[m.size() - 2].upper;
  if (i == 0 && m[0].upper <= 0) return m[0].upper;
  double start = 0, end = m[i].upper, count = m[i].count;
  if (i > 0) {
    start = m[i - 1].upper;
    count -= m[i - 1].count;
    rank -= m[i - 1].count;
  }
  return start + (end - start) * (rank / count);
}

double ScalarArg(const Value& v) { return std::get<Scalar>(v).point.v; }

// Labels for absent(): the selector's equality matchers (other than the
// metric name); a name matched twice with = is left out.
Labels AbsentLabels(const Expr& arg) {
  const Expr* e = &arg;
  while (e->kind == ExprKind::kParen) e = e->args[0].get();
  Labels out;
  if (e->kind != ExprKind::kVectorSelector) return out;
  std::vector<std::string> dup;
  for (const Matcher& m : e->matchers) {
    if (m.name == kMetricName || m.op != MatchOp::kEqual) continue;
    if (out.Has(m.name)) dup.push_back(m.name);
    out.Set(m.name, m.value);
  }
  for (const std::string& d : dup) out.Remove(d);
  return out;
}

bool IsValidLabelName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
              (i > 0 && std::isdigit(static_cast<unsigned char>(c)));
    if (!ok) return false;
  }
  return true;
}

// Expands $1, ${1}, $name, ${name} and $$ as Go's regexp.Expand.
std::string ExpandTemplate(const RE2& re, std::string_view tmpl,
                           const std::vector<re2::StringPiece>& groups) {
  std::string out;
  const auto& names = re.NamedCapturingGroups();
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$' || i + 1 >= tmpl.size()) {
      out += tmpl[i];
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string name;
    size_t j = i + 1;
    if (tmpl[j] == '{') {
      size_t close = tmpl.find('}', j);
      if (close == std::string_view::npos) {
        out += tmpl[i];
        continue;
      }
      name = std::string(tmpl.substr(j + 1, close - j - 1));
      j = close + 1;
    } else {
      while (j < tmpl.size() &&
             (std::isalnum(static_cast<unsigned char>(tmpl[j])) || tmpl[j] == '_'))
        ++j;
      name = std::string(tmpl.substr(i + 1, j - i - 1));
    }
    if (name.empty()) {
      out += tmpl[i];
      continue;
    }
    int idx = -1;
    if (std::all_of(name.begin(), name.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      idx = std::atoi(name.c_str());
    } else if (auto it = names.find(name); it != names.end()) {
      idx = it->second;
    }
    if (idx >= 0 && static_cast<size_t>(idx) < groups.size()) out += std::string(groups[idx]);
    i = j - 1;
  }
  return out;
}

Result<Vector> LabelReplace(const Expr& call, Vector v, const std::string& dst,
                            const std::string& repl, const std::string& src,
                            const std::string& regex) {
  if (!IsValidLabelName(dst))
    return ErrAt(call, fmt::format("invalid destination label name in label_replace(): {}", dst));
  RE2 re("^(?:" + regex + ")$");
  if (!re.ok())
    return ErrAt(call, fmt::format("invalid regular expression in label_replace(): {}", regex));
  std::vector<re2::StringPiece> groups(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1);
  for (Sample& s : v) {
    std::string value(s.labels.Get(src));
    if (!re.Match(value, 0, value.size(), RE2::UNANCHORED, groups.data(),
                  static_cast<int>(groups.size())))
      continue;
    s.labels.Set(dst, ExpandTemplate(re, repl, groups));
  }
  if (Status st = CheckUniqueLabels(call, v); !st.ok()) return st;
  return v;
}

}  // namespace

Result<Value> CallFunction(Evaluator& ev, const Expr& call) {
  const std::string& fn = call.text;
  if (fn == "time")
    return Value(Scalar{Point{ev.time_ms(), static_cast<double>(ev.time_ms()) / 1000}});

  if (fn == "timestamp") {
    const Expr* arg = call.args[0].get();
    while (arg->kind == ExprKind::kParen) arg = arg->args[0].get();
    Vector v;
    if (arg->kind == ExprKind::kVectorSelector) {
      v = ev.SelectVector(*arg, true);
    } else {
      Result<Value> r = ev.Eval(*arg);
      if (!r.ok()) return r;
      v = std::move(std::get<Vector>(r.value()));
    }
    for (Sample& s : v) {
      s.point.v = static_cast<double>(s.point.t_ms) / 1000;
      s.point.t_ms = ev.time_ms();
      s.labels.Remove(kMetricName);
    }
    if (Status st = CheckUniqueLabels(call, v); !st.ok()) return st;
    return Value(std::move(v));
  }

  std::vector<Value> args;
  for (const ExprPtr& a : call.args) {
    Result<Value> r = ev.Eval(*a);
    if (!r.ok()) return r;
    args.push_back(std::move(r.value()));
  }
  int64_t t = ev.time_ms();

  // Range-vector functions.
  const Expr* matrix_arg = nullptr;
  for (const ExprPtr& a : call.args) {
    if (a->type == ValueType::kMatrix) matrix_arg = a.get();
  }
  if (matrix_arg != nullptr) {
    const Expr* sel = matrix_arg;
    while (sel->kind == ExprKind::kParen) sel = sel->args[0].get();
    const Matrix& m = std::get<Matrix>(args.back());
    double param = fn == "quantile_over_time" ? ScalarArg(args[0]) : 0;
    Vector out;
    for (const Series& s : m) {
      std::optional<double> v;
      int64_t end = t - sel->offset_ms, start = end - sel->range_ms;
      if (fn == "rate")
        v = ExtrapolatedRate(s.points, start, end, sel->range_ms, true, true);
      else if (fn == "increase")
        v = ExtrapolatedRate(s.points, start, end, sel->range_ms, true, false);
      else if (fn == "delta")
        v = ExtrapolatedRate(s.points, start, end, sel->range_ms, false, false);
      else if (fn == "irate")
        v = InstantRate(s.points);
      else if (fn == "deriv")
        v = Deriv(s.points);
      else
        v = OverTime(fn, param, s.points);
      if (!v) continue;
      Labels l = fn == "last_over_time" ? s.labels : s.labels.WithoutName();
      out.push_back(Sample{std::move(l), Point{t, *v}});
    }
    if (Status st = CheckUniqueLabels(call, out); !st.ok()) return st;
    return Value(std::move(out));
  }

  if (fn == "vector") return Value(Vector{Sample{Labels(), Point{t, ScalarArg(args[0])}}});
  if (fn == "scalar") {
    const Vector& v = std::get<Vector>(args[0]);
    return Value(Scalar{Point{t, v.size() == 1 ? v[0].point.v : NAN}});
  }
  if (fn == "absent") {
    if (!std::get<Vector>(args[0]).empty()) return Value(Vector{});
    return Value(Vector{Sample{AbsentLabels(*call.args[0]), Point{t, 1}}});
  }
  if (fn == "histogram_quantile") {
    double q = ScalarArg(args[0]);
    std::map<Labels, std::vector<Bucket>> groups;
    for (const Sample& s : std::get<Vector>(args[1])) {
      std::string le(s.labels.Get("le"));
      char* endp = nullptr;
      double upper = std::strtod(le.c_str(), &endp);
      if (le.empty() || endp != le.c_str() + le.size()) continue;  // no or bad le: ignored
      Labels l = s.labels.WithoutName();
      l.Remove("le");
      groups[l].push_back(Bucket{upper, s.point.v});
    }
    Vector out;
    for (auto& [l, b] : groups) out.push_back(Sample{l, Point{t, BucketQuantile(q, std::move(b))}});
    return Value(std::move(out));
  }
  if (fn == "label_replace") {
    Result<Vector> r =
        LabelReplace(call, std::move(std::get<Vector>(args[0])), std::get<String>(args[1]).value,
                     std::get<String>(args[2]).value, std::get<String>(args[3]).value,
                     std::get<String>(args[4]).value);
    if (!r.ok()) return r.status();
    return Value(std::move(r.value()));
  }
  Vector v = std::move(std::get<Vector>(args[0]));
  if (fn == "sort" || fn == "sort_desc") {
    bool desc = fn == "sort_desc";
    std::stable_sort(v.begin(), v.end(), [desc](const Sample& a, const Sample& b) {
      if (std::isnan(a.point.v)) return false;  // NaN last in both orders
      if (std::isnan(b.point.v)) return true;
      return desc ? a.point.v > b.point.v : a.point.v < b.point.v;
    });
    return Value(std::move(v));
  }
  if (fn == "clamp" && ScalarArg(args[2]) < ScalarArg(args[1])) return Value(Vector{});
  for (Sample& s : v) {
    double& x = s.point.v;
    if (fn == "abs")
      x = std::fabs(x);
    else if (fn == "ceil")
      x = std::ceil(x);
    else if (fn == "floor")
      x = std::floor(x);
    else if (fn == "round") {
      double to = args.size() > 1 ? ScalarArg(args[1]) : 1;
      double inv = 1 / to;  // as Prometheus: floor(v * 1/to + 0.5) / (1/to)
      x = std::floor(x * inv + 0.5) / inv;
    } else if (fn == "clamp")
      x = GoMax(ScalarArg(args[1]), GoMin(ScalarArg(args[2]), x));
    else if (fn == "clamp_min")
      x = GoMax(ScalarArg(args[1]), x);
    else if (fn == "clamp_max")
      x = GoMin(ScalarArg(args[1]), x);
    else
      return ErrAt(call, "internal error: function " + fn + " has no implementation");
    s.labels.Remove(kMetricName);
  }
  if (Status st = CheckUniqueLabels(call, v); !st.ok()) return st;
  return Value(std::move(v));
}

}  // namespace vitals::promql::detail
