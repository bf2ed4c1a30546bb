#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/units.h"
#include "gate/format.h"

namespace vitals::gate {
namespace {

std::string SignedDelta(Metric m, double d) {
  if (IsLatency(m)) return (d < 0 ? "-" : "+") + FormatDurationUs(std::abs(d));
  if (m == Metric::kErrorRate) return fmt::format("{:+.2f} pt", d * 100);
  return fmt::format("{:+.1f}/s", d);
}

std::string CiText(const MetricComparison& c) {
  if (!c.bootstrap) return "-";
  return fmt::format("[{}, {}]", SignedDelta(c.metric, c.bootstrap->low),
                     SignedDelta(c.metric, c.bootstrap->high));
}

std::string VerdictText(const MetricComparison& c, int* footnote) {
  if (c.verdict != Verdict::kNotTestable) return VerdictName(c.verdict);
  return fmt::format("not testable [{}]", ++*footnote);
}

nlohmann::json Num(double v, bool valid = true) {
  return valid && std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace

std::string FormatComparisonText(const Comparison& c) {
  std::string out =
      fmt::format("A = {}{}\nB = {}{}\n", c.a_label,
                  c.a_id != c.a_label ? fmt::format(" (run {})", c.a_id) : "", c.b_label,
                  c.b_id != c.b_label ? fmt::format(" (run {})", c.b_id) : "");
  out += fmt::format(
      "verdict: {} on per-interval values, significant when p <= {:g}; effect r > 0 "
      "means B is higher; CI: bootstrap interval of the percentile difference B - A\n",
      c.paired ? "Wilcoxon signed-rank (duet: interval i of A paired with interval i of B)"
               : "Mann-Whitney U",
      c.alpha);
  std::vector<std::string> reasons;
  int footnote = 0;
  std::string scope = "\x01";  // no scope printed yet
  for (const MetricComparison& m : c.metrics) {
    if (m.phase != scope) {
      scope = m.phase;
      out += fmt::format(
          "\n{}: A {} intervals, B {} intervals{}\n",
          scope.empty() ? "overall" : "phase '" + scope + "'", m.n_a, m.n_b,
          m.excluded_a + m.excluded_b > 0
              ? fmt::format(" ({} and {} disturbed intervals left out)", m.excluded_a, m.excluded_b)
              : "");
      out += fmt::format("{:<11} {:>10} {:>10} {:>10} {:>8} {:>8} {:>7} {:>22}  {}\n", "METRIC",
                         "A", "B", "DELTA", "DELTA%", "P", "EFFECT", "95% CI (B-A)", "VERDICT");
    }
    const std::string pct = m.has_delta_pct ? fmt::format("{:+.1f}%", m.delta_pct) : "-";
    const bool tested = m.mann_whitney || m.signed_rank;
    const std::string p = tested ? fmt::format("{:.2g}", PValue(m)) : std::string("-");
    const std::string effect = tested ? fmt::format("{:+.2f}", m.effect_r) : "-";
    const int before = footnote;
    out += fmt::format("{:<11} {:>10} {:>10} {:>10} {:>8} {:>8} {:>7} {:>22}  {}\n",
                       MetricName(m.metric), FormatValue(m.metric, m.a), FormatValue(m.metric, m.b),
                       SignedDelta(m.metric, m.delta), pct, p, effect, CiText(m),
                       VerdictText(m, &footnote));
    if (footnote != before) reasons.push_back(m.not_testable_reason);
  }
  if (!reasons.empty()) out += "\n";
  for (size_t i = 0; i < reasons.size(); ++i) {
    out += fmt::format("[{}] not testable: {}\n", i + 1, reasons[i]);
  }
  if (!c.notes.empty()) out += "\n";
  for (const std::string& n : c.notes) out += "note: " + n + "\n";
  return out;
}

std::string ComparisonJson(const Comparison& c) {
  nlohmann::json j;
  j["a"] = {{"name", c.a_label}, {"run_id", c.a_id}};
  j["b"] = {{"name", c.b_label}, {"run_id", c.b_id}};
  j["alpha"] = c.alpha;
  j["paired"] = c.paired;
  j["metrics"] = nlohmann::json::array();
  for (const MetricComparison& m : c.metrics) {
    nlohmann::json e = {
        {"metric", MetricName(m.metric)},
        {"phase", m.phase.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.phase)},
        {"a", Num(m.a)},
        {"b", Num(m.b)},
        {"delta", Num(m.delta)},
        {"delta_pct", Num(m.delta_pct, m.has_delta_pct)},
        {"verdict", VerdictName(m.verdict)},
        {"n_a", m.n_a},
        {"n_b", m.n_b},
        {"excluded_a", m.excluded_a},
        {"excluded_b", m.excluded_b}};
    if (m.verdict == Verdict::kNotTestable) e["reason"] = m.not_testable_reason;
    if (m.mann_whitney) {
      e["mann_whitney"] = {{"u_a", m.mann_whitney->u_a},
                           {"z", Num(m.mann_whitney->z)},
                           {"p_value", m.mann_whitney->p_value},
                           {"rank_biserial", m.mann_whitney->rank_biserial},
                           {"hodges_lehmann", m.mann_whitney->hodges_lehmann}};
      e["effect_r"] = m.effect_r;
    }
    if (m.signed_rank) {
      e["signed_rank"] = {{"n", m.signed_rank->n},
                          {"zeros", m.signed_rank->zeros},
                          {"w_plus", m.signed_rank->w_plus},
                          {"z", Num(m.signed_rank->z)},
                          {"p_value", m.signed_rank->p_value},
                          {"exact", m.signed_rank->exact},
                          {"shift", m.signed_rank->shift}};
      e["effect_r"] = m.effect_r;
    }
    if (m.bootstrap) {
      e["bootstrap"] = {{"estimate", m.bootstrap->estimate},
                        {"low", m.bootstrap->low},
                        {"high", m.bootstrap->high},
                        {"confidence", m.bootstrap->confidence},
                        {"resamples", m.bootstrap->resamples}};
    } else if (!m.bootstrap_note.empty()) {
      e["bootstrap_note"] = m.bootstrap_note;
    }
    j["metrics"].push_back(std::move(e));
  }
  j["notes"] = c.notes;
  return j.dump(2) + "\n";
}

}  // namespace vitals::gate
