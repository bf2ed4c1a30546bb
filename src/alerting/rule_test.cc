// promtool-format rule unit tests (rule_test.h).  The evaluation loop and
// the failure messages follow Prometheus 2.42's cmd/promtool/unittest.go.
#include "alerting/rule_test.h"

#include <fmt/format.h>
#include <glob.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include "alerting/go_format.h"
#include "alerting/group_eval.h"
#include "alerting/rule_file.h"
#include "alerting/series_notation.h"
#include "promql/engine.h"
#include "promql/lexer.h"
#include "promql/parser.h"
#include "promql/sample_store.h"

namespace vitals::alerting {
namespace {

struct LabelsAndAnnotations {
  promql::Labels labels;
  std::vector<promql::Label> annotations;
  bool operator==(const LabelsAndAnnotations&) const = default;
};

// Go's labels.Labels.String(): {a="1", b="2"}.
std::string GoLabels(const std::vector<promql::Label>& ls) {
  std::string out = "{";
  for (size_t i = 0; i < ls.size(); ++i) {
    out += (i ? ", " : "") + ls[i].name + "=" + GoQuote(ls[i].value);
  }
  return out + "}";
}

std::string IndentLines(const std::string& s, const std::string& indent) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    out += s[i];
    if (s[i] == '\n') out += indent;
  }
  return out;
}

std::string AlertsString(const std::vector<LabelsAndAnnotations>& la) {
  if (la.empty()) return "[]";
  auto one = [](const LabelsAndAnnotations& a) {
    return "Labels:" + GoLabels(a.labels.items()) + "\nAnnotations:" + GoLabels(a.annotations);
  };
  std::string s = "[\n0:" + IndentLines("\n" + one(la[0]), "  ");
  for (size_t i = 1; i < la.size(); ++i) {
    s += ",\n" + std::to_string(i) + ":" + IndentLines("\n" + one(la[i]), "  ");
  }
  return s + "\n]";
}

struct ParsedSample {
  promql::Labels labels;
  double value = 0;
};

std::string SamplesString(const std::vector<ParsedSample>& ss) {
  if (ss.empty()) return "nil";
  std::string s;
  for (size_t i = 0; i < ss.size(); ++i) {
    s += (i ? ", " : "") + GoLabels(ss[i].labels.items()) + " " + GoFloatE(ss[i].value);
  }
  return s;
}

class FileRunner {
 public:
  explicit FileRunner(std::string path) : path_(std::move(path)) {}

  std::vector<std::string> Run() {
    YAML::Node root;
    try {
      root = YAML::LoadFile(path_);
    } catch (const YAML::BadFile&) {
      return {fmt::format("cannot read {}", path_)};
    } catch (const YAML::Exception& e) {
      return {fmt::format("{}:{}:{}: yaml: {}", path_, e.mark.line + 1, e.mark.column + 1, e.msg)};
    }
    std::vector<std::string> errs;
    try {
      errs = RunParsed(root);
    } catch (const YAML::Exception& e) {
      errs.push_back(
          fmt::format("{}:{}:{}: yaml: {}", path_, e.mark.line + 1, e.mark.column + 1, e.msg));
    }
    return errs;
  }

 private:
  Result<int64_t> Duration(const YAML::Node& n, int64_t dflt) {
    if (!n || n.IsNull()) return dflt;
    int64_t ms = 0;
    if (n.Scalar() == "0") return int64_t{0};
    if (!promql::ParseDuration(n.Scalar(), &ms)) {
      return Status::InvalidArgument(fmt::format("{}:{}:{}: not a valid duration string: \"{}\"",
                                                 path_, n.Mark().line + 1, n.Mark().column + 1,
                                                 n.Scalar()));
    }
    return ms;
  }

  std::vector<std::string> RunParsed(const YAML::Node& root) {
    static const std::set<std::string> kTop = {"rule_files", "evaluation_interval",
                                               "group_eval_order", "tests"};
    for (const auto& kv : root) {
      if (kTop.count(kv.first.Scalar()) == 0) {
        return {fmt::format("{}:{}: field {} not found in type main.unitTestFile", path_,
                            kv.first.Mark().line + 1, kv.first.Scalar())};
      }
    }
    auto interval = Duration(root["evaluation_interval"], 60'000);
    if (!interval.ok()) return {interval.status().message()};
    if (*interval <= 0) return {"evaluation_interval must be > 0"};
    eval_interval_ms_ = *interval;
    // Rule files: relative to the test file, globs expanded.
    std::filesystem::path dir = std::filesystem::path(path_).parent_path();
    for (const auto& f : root["rule_files"]) {
      std::string pattern = f.Scalar();
      if (!pattern.empty() && pattern[0] != '/') pattern = (dir / pattern).string();
      glob_t g{};
      int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
      std::vector<std::string> matches;
      if (rc == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) matches.emplace_back(g.gl_pathv[i]);
      }
      globfree(&g);
      if (matches.empty()) matches.push_back(pattern);  // the load error names it
      for (const auto& m : matches) {
        auto rf = LoadRuleFile(m);
        if (!rf.ok()) return {rf.status().message()};
        files_.push_back(std::move(*rf));
      }
    }
    for (const auto& file : files_) {
      for (const auto& g : file.groups) groups_.push_back(&g);
    }
    if (YAML::Node order = root["group_eval_order"]; order && order.size() > 0) {
      std::vector<const RuleGroup*> ordered;
      for (const auto& n : order) {
        auto it = std::find_if(groups_.begin(), groups_.end(),
                               [&](const RuleGroup* g) { return g->name == n.Scalar(); });
        if (it == groups_.end()) {
          return {fmt::format("group name {} in group_eval_order not found in the rule files",
                              n.Scalar())};
        }
        ordered.push_back(*it);
      }
      if (ordered.size() != groups_.size()) {
        return {"group_eval_order must name every group of the rule files"};
      }
      groups_ = ordered;
    }
    std::vector<std::string> errs;
    for (const auto& tg : root["tests"]) {
      auto e = RunGroup(tg);
      errs.insert(errs.end(), e.begin(), e.end());
    }
    return errs;
  }

  std::vector<std::string> RunGroup(const YAML::Node& tg) {
    static const std::set<std::string> kFields = {
        "interval",     "input_series", "alert_rule_test", "promql_expr_test", "external_labels",
        "external_url", "name"};
    for (const auto& kv : tg) {
      if (kFields.count(kv.first.Scalar()) == 0) {
        return {fmt::format("{}:{}: field {} not found in type main.testGroup", path_,
                            kv.first.Mark().line + 1, kv.first.Scalar())};
      }
    }
    auto interval = Duration(tg["interval"], eval_interval_ms_);
    if (!interval.ok()) return {interval.status().message()};
    std::string name = tg["name"] ? tg["name"].Scalar() : "";
    std::string name_prefix = name.empty() ? "" : fmt::format("    name: {},\n", name);

    promql::SampleStoreOptions so;
    so.retention_ms = std::numeric_limits<int64_t>::max() / 4;
    so.max_series = 10'000'000;
    promql::SampleStore store(so);
    for (const auto& s : tg["input_series"]) {
      auto labels = ParseSeriesLabels(s["series"].Scalar());
      if (!labels.ok()) return {name_prefix + "    " + labels.status().message()};
      auto values = ParseSeriesValues(s["values"] ? s["values"].Scalar() : "");
      if (!values.ok()) {
        return {name_prefix + fmt::format("    series '{}': {}", s["series"].Scalar(),
                                          values.status().message())};
      }
      for (size_t i = 0; i < values->size(); ++i) {
        if ((*values)[i]) (void)store.Append(*labels, int64_t(i) * *interval, *(*values)[i]);
      }
    }
    EvalHooks hooks;
    hooks.query = [&store](const Rule& r, int64_t t) -> Result<promql::Value> {
      return promql::EvalInstant(*r.parsed, store, t);
    };
    hooks.append = [&store](const promql::Vector& v) {
      for (const auto& s : v) (void)store.Append(s.labels, s.point.t_ms, s.point.v);
    };
    hooks.template_query = [&store](const std::string& expr,
                                    int64_t t) -> Result<std::vector<TemplateSample>> {
      auto parsed = promql::Parse(expr);
      if (!parsed.ok()) return parsed.status();
      auto v = promql::EvalInstant(**parsed, store, t);
      if (!v.ok()) return v.status();
      auto vec = RuleResultVector(*v);
      if (!vec.ok()) return vec.status();
      std::vector<TemplateSample> out;
      for (const auto& s : *vec) out.push_back({s.labels, s.point.v});
      return out;
    };
    std::vector<promql::Label> ext;
    for (const auto& kv : tg["external_labels"])
      ext.push_back({kv.first.Scalar(), kv.second.Scalar()});
    hooks.external_labels = promql::Labels(std::move(ext));
    if (tg["external_url"]) hooks.external_url = tg["external_url"].Scalar();

    // Alert tests by eval time.
    struct AlertCase {
      int64_t at_ms;
      std::string at_text;
      std::string alertname;
      std::vector<LabelsAndAnnotations> exp;
    };
    std::vector<AlertCase> alert_cases;
    int64_t max_t = 0;
    for (const auto& a : tg["alert_rule_test"]) {
      auto at = Duration(a["eval_time"], 0);
      if (!at.ok()) return {at.status().message()};
      AlertCase c{*at, PromDurationString(*at), a["alertname"].Scalar(), {}};
      for (const auto& e : a["exp_alerts"]) {
        LabelsAndAnnotations la;
        std::vector<promql::Label> ls;
        for (const auto& kv : e["exp_labels"])
          ls.push_back({kv.first.Scalar(), kv.second.Scalar()});
        ls.push_back({"alertname", c.alertname});
        std::sort(ls.begin(), ls.end());
        ls.erase(std::unique(ls.begin(), ls.end(),
                             [](const auto& x, const auto& y) { return x.name == y.name; }),
                 ls.end());
        la.labels = promql::Labels(std::move(ls));
        for (const auto& kv : e["exp_annotations"]) {
          la.annotations.push_back({kv.first.Scalar(), kv.second.Scalar()});
        }
        std::sort(la.annotations.begin(), la.annotations.end());
        c.exp.push_back(std::move(la));
      }
      max_t = std::max(max_t, *at);
      alert_cases.push_back(std::move(c));
    }
    std::stable_sort(alert_cases.begin(), alert_cases.end(),
                     [](const AlertCase& x, const AlertCase& y) { return x.at_ms < y.at_ms; });
    for (const auto& p : tg["promql_expr_test"]) {
      auto at = Duration(p["eval_time"], 0);
      if (!at.ok()) return {at.status().message()};
      max_t = std::max(max_t, *at);
    }

    std::vector<std::unique_ptr<GroupEvaluator>> evals;
    for (const RuleGroup* g : groups_) evals.push_back(std::make_unique<GroupEvaluator>(*g));
    std::vector<std::string> errs;
    size_t curr = 0;
    for (int64_t ts = 0; ts <= max_t; ts += eval_interval_ms_) {
      std::vector<std::string> eval_errs;
      for (auto& ge : evals) {
        std::vector<AlertTransition> transitions;
        std::vector<RuleOutcome> outcomes;
        ge->Eval(ts, hooks, &transitions, &outcomes);
        for (const auto& o : outcomes) {
          if (!o.status.ok()) {
            eval_errs.push_back(fmt::format("    rule: {}, time: {}, err: {}", o.rule->name(),
                                            GoDuration(ts), o.status.message()));
          }
        }
      }
      errs.insert(errs.end(), eval_errs.begin(), eval_errs.end());
      if (!eval_errs.empty()) return errs;
      while (curr < alert_cases.size() && ts <= alert_cases[curr].at_ms &&
             alert_cases[curr].at_ms < ts + eval_interval_ms_) {
        const AlertCase& c = alert_cases[curr++];
        std::vector<LabelsAndAnnotations> got;
        for (auto& ge : evals) {
          for (const auto& ar : ge->alerting()) {
            if (!ar || ar->rule().alert != c.alertname) continue;
            for (const Alert& a : ar->ActiveAlerts()) {
              if (a.state != AlertState::kFiring) continue;
              LabelsAndAnnotations la{a.labels, a.annotations};
              std::sort(la.annotations.begin(), la.annotations.end());
              got.push_back(std::move(la));
            }
          }
        }
        auto by_labels = [](const LabelsAndAnnotations& x, const LabelsAndAnnotations& y) {
          return x.labels < y.labels;
        };
        std::vector<LabelsAndAnnotations> exp = c.exp;
        std::sort(exp.begin(), exp.end(), by_labels);
        std::sort(got.begin(), got.end(), by_labels);
        if (exp != got) {
          errs.push_back(fmt::format(
              "{}    alertname: {}, time: {}, \n        exp:{}, \n        got:{}", name_prefix,
              c.alertname, c.at_text, IndentLines(AlertsString(exp), "            "),
              IndentLines(AlertsString(got), "            ")));
        }
      }
    }
    for (const auto& p : tg["promql_expr_test"]) {
      std::string expr = p["expr"].Scalar();
      int64_t at = *Duration(p["eval_time"], 0);
      std::string at_text = PromDurationString(at);
      auto fail = [&](const std::string& why) {
        errs.push_back(fmt::format("    expr: {}, time: {}, err: {}", GoQuote(expr), at_text, why));
      };
      auto parsed = promql::Parse(expr);
      if (!parsed.ok()) {
        fail(parsed.status().message());
        continue;
      }
      auto value = promql::EvalInstant(**parsed, store, at);
      if (!value.ok()) {
        fail(value.status().message());
        continue;
      }
      auto vec = RuleResultVector(*value);
      if (!vec.ok()) {
        fail(vec.status().message());
        continue;
      }
      std::vector<ParsedSample> got, exp;
      for (const auto& s : *vec) got.push_back({s.labels, s.point.v});
      bool bad = false;
      for (const auto& e : p["exp_samples"]) {
        auto labels = ParseSeriesLabels(e["labels"] ? e["labels"].Scalar() : "");
        if (!labels.ok()) {
          fail(labels.status().message());
          bad = true;
          break;
        }
        exp.push_back({*labels, e["value"] ? e["value"].as<double>() : 0.0});
      }
      if (bad) continue;
      auto by = [](const ParsedSample& x, const ParsedSample& y) { return x.labels < y.labels; };
      std::sort(exp.begin(), exp.end(), by);
      std::sort(got.begin(), got.end(), by);
      bool same = exp.size() == got.size();
      for (size_t i = 0; same && i < exp.size(); ++i) {
        same = exp[i].labels == got[i].labels && exp[i].value == got[i].value;
      }
      if (!same) {
        errs.push_back(fmt::format("    expr: {}, time: {},\n        exp: {}\n        got: {}",
                                   GoQuote(expr), at_text, SamplesString(exp), SamplesString(got)));
      }
    }
    return errs;
  }

  std::string path_;
  int64_t eval_interval_ms_ = 60'000;
  std::vector<RuleFile> files_;
  std::vector<const RuleGroup*> groups_;
};

}  // namespace

RuleTestReport RunRuleTests(const std::vector<std::string>& files) {
  RuleTestReport r;
  for (const auto& f : files) {
    r.out += "Unit Testing:  " + f + "\n";
    std::vector<std::string> errs = FileRunner(f).Run();
    if (!errs.empty()) {
      r.err += "  FAILED:\n";
      for (const auto& e : errs) {
        r.err += e + "\n";
        r.out += "\n";
      }
      r.exit_code = 1;
    } else {
      r.out += "  SUCCESS\n";
    }
    r.out += "\n";
  }
  return r;
}

}  // namespace vitals::alerting
