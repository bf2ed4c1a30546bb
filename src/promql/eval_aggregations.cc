// Aggregation operators: sum avg min max count stddev stdvar quantile topk
// bottomk count_values, grouped by (labels) or without (labels).
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "promql/eval_internal.h"

namespace vitals::promql::detail {
namespace {

struct Group {
  Labels labels;
  std::vector<const Sample*> members;
};

Labels GroupLabels(const Expr& agg, const Labels& l) {
  if (agg.without) {
    std::vector<std::string> drop = agg.grouping;
    drop.emplace_back(kMetricName);
    return l.Filter(drop, false);
  }
  return l.Filter(agg.grouping, true);
}

double KahanSum(const std::vector<const Sample*>& m) {
  double sum = 0, c = 0;
  for (const Sample* s : m) {
    double y = s->point.v - c;
    double t = sum + y;
    c = (t - sum) - y;
    sum = t;
  }
  return sum;
}

double Reduce(AggOp op, double param, const std::vector<const Sample*>& m) {
  double n = static_cast<double>(m.size());
  switch (op) {
    case AggOp::kSum:
      return KahanSum(m);
    case AggOp::kCount:
      return n;
    case AggOp::kAvg: {
      // Incremental mean as Prometheus (avoids overflow of the plain sum).
      double mean = 0;
      double k = 0;
      for (const Sample* s : m) {
        k += 1;
        double x = s->point.v;
        if (std::isinf(mean)) {
          if (std::isinf(x) && (mean > 0) == (x > 0)) continue;
          if (!std::isinf(x) && !std::isnan(x)) continue;
        }
        mean += x / k - mean / k;
      }
      return mean;
    }
    case AggOp::kMin:
    case AggOp::kMax: {
      bool is_max = op == AggOp::kMax;
      double r = m.front()->point.v;
      for (const Sample* s : m) {
        double x = s->point.v;
        if ((is_max ? x > r : x < r) || std::isnan(r)) r = x;
      }
      return r;
    }
    case AggOp::kStddev:
    case AggOp::kStdvar: {
      // Welford's online variance, population form, as Prometheus.
      double count = 0, mean = 0, m2 = 0;
      for (const Sample* s : m) {
        count += 1;
        double delta = s->point.v - mean;
        mean += delta / count;
        m2 += delta * (s->point.v - mean);
      }
      double var = m2 / count;
      return op == AggOp::kStdvar ? var : std::sqrt(var);
    }
    case AggOp::kQuantile: {
      std::vector<double> v;
      for (const Sample* s : m) v.push_back(s->point.v);
      return Quantile(param, std::move(v));
    }
    default:
      return NAN;
  }
}

}  // namespace

Result<Vector> Aggregate(Evaluator& ev, const Expr& agg) {
  double param = 0;
  std::string label_param;
  if (agg.has_param) {
    Result<Value> p = ev.Eval(*agg.args[0]);
    if (!p.ok()) return p.status();
    if (agg.agg == AggOp::kCountValues) {
      label_param = std::get<String>(p.value()).value;
    } else {
      param = std::get<Scalar>(p.value()).point.v;
    }
  }
  Result<Value> inner = ev.Eval(*agg.args.back());
  if (!inner.ok()) return inner.status();
  Vector in = std::move(std::get<Vector>(inner.value()));
  int64_t t = ev.time_ms();

  if (agg.agg == AggOp::kCountValues) {
    bool valid =
        !label_param.empty() &&
        (std::isalpha(static_cast<unsigned char>(label_param[0])) || label_param[0] == '_') &&
        std::all_of(label_param.begin(), label_param.end(),
                    [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
    if (!valid)
      return ErrAt(agg, fmt::format("invalid label name \"{}\" for count_values", label_param));
    std::map<Labels, double> counts;
    for (const Sample& s : in) {
      Labels l = GroupLabels(agg, s.labels);
      l.Set(label_param, FormatValue(s.point.v));
      counts[l] += 1;
    }
    Vector out;
    for (auto& [l, c] : counts) out.push_back(Sample{l, Point{t, c}});
    return out;
  }

  std::map<std::string, Group> groups;
  std::vector<std::string> order;
  for (const Sample& s : in) {
    Labels l = GroupLabels(agg, s.labels);
    std::string key = l.Key();
    auto [it, inserted] = groups.try_emplace(key);
    if (inserted) {
      it->second.labels = std::move(l);
      order.push_back(key);
    }
    it->second.members.push_back(&s);
  }

  Vector out;
  if (agg.agg == AggOp::kTopk || agg.agg == AggOp::kBottomk) {
    if (std::isnan(param)) return ErrAt(agg, "parameter of topk/bottomk must be a number, got NaN");
    double kf = std::min(param, static_cast<double>(in.size()));
    if (kf < 1) return out;
    size_t k = static_cast<size_t>(kf);
    bool top = agg.agg == AggOp::kTopk;
    for (const std::string& key : order) {
      std::vector<const Sample*> m = groups[key].members;
      std::stable_sort(m.begin(), m.end(), [top](const Sample* a, const Sample* b) {
        double x = a->point.v, y = b->point.v;
        if (std::isnan(x)) return false;  // NaN ranks last for both
        if (std::isnan(y)) return true;
        return top ? x > y : x < y;
      });
      for (size_t i = 0; i < std::min(k, m.size()); ++i) out.push_back(*m[i]);
    }
    return out;
  }
  for (const std::string& key : order) {
    Group& g = groups[key];
    out.push_back(Sample{g.labels, Point{t, Reduce(agg.agg, param, g.members)}});
  }
  return out;
}

}  // namespace vitals::promql::detail
