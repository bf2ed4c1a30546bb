// BuildIncident: reads the window from the store and assembles the record.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "core/units.h"
#include "incident/incident.h"
#include "incident/tune_changes.h"
#include "load/thresholds.h"
#include "report/report_data.h"

namespace vitals {
namespace {

constexpr int64_t kCauseLookbackMs = 15 * 60 * 1000;

// The end of the load itself: start + duration (the row's finished time also counts the
// writing of the result, and a merged or imported run is stored long after it ran).
int64_t RunEndMs(const RunInfo& info) {
  if (info.duration_s > 0) return info.started_unix_ms + int64_t(info.duration_s * 1000);
  return info.finished_unix_ms > 0 ? info.finished_unix_ms : info.started_unix_ms;
}

// The slot's value of a threshold's metric, when a slot carries it.
std::optional<double> SlotValue(const Threshold& t, const TimelinePoint& p) {
  if (!t.request.empty() || t.uncorrected) return std::nullopt;
  if (!t.phase.empty() && t.phase != p.phase) return std::nullopt;
  if (p.requests == 0) return std::nullopt;
  switch (t.metric) {
    case ThresholdMetric::kMed:
      return p.p50_us;
    case ThresholdMetric::kMax:
      return p.max_us;
    case ThresholdMetric::kErrorRate:
      return double(p.errors) / double(p.requests);
    case ThresholdMetric::kPercentile:
      if (t.percentile == 50) return p.p50_us;
      if (t.percentile == 95) return p.p95_us;
      if (t.percentile == 99) return p.p99_us;
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

double SeverityValue(const TimelinePoint& p, double percentile) {
  if (percentile >= 99) return p.p99_us;
  if (percentile >= 95) return p.p95_us;
  return p.p50_us;
}

struct BreachSpan {
  std::string expr;
  int64_t start_ms = 0, end_ms = 0;
  double worst = 0;
  Threshold t;
};

// Adds one run: its summary row, its slots (with threshold reasons) and its breach spans.
void AddRun(const ReportData& d, const IncidentOptions& o, IncidentRecord* rec,
            std::vector<BreachSpan>* breaches) {
  IncidentRun r;
  r.id = d.info.id;
  r.target = d.info.target;
  r.status = d.info.DisplayStatus();
  r.started_unix_ms = d.info.started_unix_ms;
  r.finished_unix_ms = RunEndMs(d.info);
  r.requests = d.info.requests;
  r.errors = d.info.errors;
  r.has_latency = d.info.has_latency;
  r.p95_us = d.info.p95_us;
  r.p99_us = d.info.p99_us;
  r.verdict = d.info.verdict;
  std::vector<Threshold> failed;
  for (const ThresholdVerdict& v : d.thresholds) {
    if (v.ok) continue;
    r.breached.push_back(v.expr);
    auto t = ParseThreshold(v.expr);
    if (!t.ok()) continue;
    bool per_slot = false;
    for (const auto& p : d.timeline) per_slot = per_slot || SlotValue(*t, p).has_value();
    if (per_slot) {
      failed.push_back(*t);
    } else {
      rec->warnings.push_back(fmt::format(
          "run {}: threshold '{}' cannot be judged per interval (only p(50), p(95), p(99), med, "
          "max and error_rate over all requests can); it does not mark the degradation window",
          r.id, v.expr));
    }
  }
  rec->runs.push_back(r);

  // Where the users' alert rules were firing during the run (vitals load --watch-rules).
  struct Firing {
    int64_t start_ms, end_ms;
    std::string name;
  };
  std::vector<Firing> firing;
  for (const AlertSpan& a : d.alert_spans) {
    firing.push_back({r.started_unix_ms + int64_t(a.start_s * 1000),
                      r.started_unix_ms + int64_t(a.end_s * 1000),
                      a.alert + (a.labels.empty() || a.labels == "{}" ? "" : a.labels)});
  }

  std::vector<std::optional<BreachSpan>> open(failed.size());
  for (const TimelinePoint& p : d.timeline) {
    IncidentSlot s;
    s.run_id = r.id;
    s.start_unix_ms = r.started_unix_ms + int64_t(p.start_s * 1000);
    s.end_unix_ms = s.start_unix_ms + int64_t(p.length_s * 1000);
    if (s.end_unix_ms <= o.from_unix_ms || s.start_unix_ms >= o.to_unix_ms) continue;
    s.requests = p.requests;
    s.errors = p.errors;
    s.p50_us = p.p50_us;
    s.p95_us = p.p95_us;
    s.p99_us = p.p99_us;
    s.severity_us = SeverityValue(p, o.severity_percentile);
    for (const Firing& f : firing) {
      if (f.start_ms < s.end_unix_ms && f.end_ms > s.start_unix_ms) {
        s.reasons.push_back("alert " + f.name + " firing");
      }
    }
    for (size_t i = 0; i < failed.size(); ++i) {
      const Threshold& t = failed[i];
      auto value = SlotValue(t, p);
      const bool fails = value && !ThresholdHolds(t.op, *value, t.limit);
      if (fails) {
        s.reasons.push_back(fmt::format("{} fails ({})", t.expr, FormatThresholdValue(t, *value)));
        if (!open[i]) open[i] = BreachSpan{t.expr, s.start_unix_ms, s.end_unix_ms, *value, t};
        open[i]->end_ms = s.end_unix_ms;
        const bool worse = t.op == ThresholdOp::kGt || t.op == ThresholdOp::kGe
                               ? *value < open[i]->worst
                               : *value > open[i]->worst;
        if (worse) open[i]->worst = *value;
      } else if (value && open[i]) {
        breaches->push_back(*open[i]);
        open[i].reset();
      }
    }
    rec->slots.push_back(std::move(s));
  }
  for (auto& b : open) {
    if (b) breaches->push_back(*b);
  }
}

void AddEvent(IncidentRecord* rec, int64_t ms, std::string source, std::string kind,
              std::string text) {
  rec->timeline.push_back({ms, std::move(source), std::move(kind), std::move(text)});
}

// Findings of one document into the candidates (merged by id and subject).
void AddFindings(const std::vector<ReportFinding>& findings, int64_t seen_ms,
                 const std::string& seen_in, std::map<std::string, IncidentCause>* causes,
                 IncidentRecord* rec, bool add_events) {
  for (const ReportFinding& f : findings) {
    const std::string key = f.id + "\x1f" + f.subject;
    auto it = causes->find(key);
    if (it == causes->end()) {
      IncidentCause c;
      c.id = f.id;
      c.component = f.component;
      c.level = f.level;
      c.priority = f.priority;
      c.title = f.title;
      c.subject = f.subject;
      c.evidence = f.evidence;
      c.action = f.action;
      c.runbook = f.runbook;
      c.source = f.source;
      c.first_seen_unix_ms = c.last_seen_unix_ms = seen_ms;
      c.times_seen = 1;
      c.seen_in = seen_in;
      causes->emplace(key, std::move(c));
      if (add_events) {
        AddEvent(rec, seen_ms, seen_in, "finding",
                 fmt::format("finding {} ({}, {}): {}{}", f.id, f.level, f.priority, f.title,
                             f.subject.empty() ? "" : " - " + f.subject));
      }
    } else {
      IncidentCause& c = it->second;
      c.first_seen_unix_ms = std::min(c.first_seen_unix_ms, seen_ms);
      c.last_seen_unix_ms = std::max(c.last_seen_unix_ms, seen_ms);
      ++c.times_seen;
      c.evidence = f.evidence;  // the latest numbers
    }
  }
}

std::string MakeTitle(const IncidentRecord& rec) {
  if (rec.no_incident()) return "No incident";
  const IncidentImpact& im = rec.impact;
  const auto& levels = rec.options.severity_levels_us;
  const bool slow = !levels.empty() && im.worst_p95_us > levels.back();
  const bool errors = im.worst_error_rate >= rec.options.error_limit;
  const std::string what = slow && errors ? "slow responses and errors"
                           : errors       ? "errors"
                                          : "slow responses";
  std::string target = rec.runs.empty() ? std::string("the service") : rec.runs.front().target;
  return fmt::format("{}{} on {} for {:.0f}s", im.severity.empty() ? "" : im.severity + ": ", what,
                     target, im.duration_s);
}

}  // namespace

std::string IncidentRecord::NoIncidentMessage() const {
  return fmt::format(
      "no incident in this window ({} .. {}): {} run(s) and {} recorded check(s) looked at, "
      "no interval over a breached threshold, p{:g} at or under {}, or error rate at or over "
      "{:g}%",
      FormatUtcTimeMs(from_unix_ms), FormatUtcTimeMs(to_unix_ms), runs.size(), checks,
      options.severity_percentile,
      FormatDurationUs(options.severity_levels_us.empty() ? 0 : options.severity_levels_us.back()),
      options.error_limit * 100);
}

Result<IncidentRecord> BuildIncident(Store& store, const IncidentOptions& o) {
  IncidentRecord rec;
  rec.from_unix_ms = o.from_unix_ms;
  rec.to_unix_ms = o.to_unix_ms;
  rec.options = o;
  rec.vitals_version = VITALS_VERSION;

  auto runs = store.ListRuns();
  if (!runs.ok()) return runs.status();
  std::vector<BreachSpan> breaches;
  std::map<std::string, IncidentCause> causes;
  std::vector<std::pair<const RunInfo*, std::vector<ReportFinding>>> run_findings;
  std::vector<RunInfo> in_window;
  for (const RunInfo& info : *runs) {
    if (info.started_unix_ms >= o.to_unix_ms || RunEndMs(info) <= o.from_unix_ms) continue;
    in_window.push_back(info);
  }
  std::sort(in_window.begin(), in_window.end(), [](const RunInfo& a, const RunInfo& b) {
    return a.started_unix_ms < b.started_unix_ms;
  });
  for (const RunInfo& info : in_window) {
    auto d = LoadReportData(store, info.id);
    if (!d.ok()) return d.status();
    for (const auto& w : d->warnings) rec.warnings.push_back("run " + info.id + ": " + w);
    AddRun(*d, o, &rec, &breaches);
    const std::string src = "run " + info.id;
    AddEvent(&rec, info.started_unix_ms, src, "run_start",
             fmt::format("load run started against {}", info.target));
    if (!info.incomplete()) {
      AddEvent(
          &rec, RunEndMs(info), src, "run_end",
          fmt::format("load run {}: {} requests, {} errors{}", info.DisplayStatus(), info.requests,
                      info.errors, info.verdict.empty() ? "" : ", thresholds " + info.verdict));
    }
    for (const AlertSpan& a : d->alert_spans) {
      const std::string name =
          a.alert + (a.labels.empty() || a.labels == "{}" ? "" : " " + a.labels);
      AddEvent(&rec, info.started_unix_ms + int64_t(a.start_s * 1000), "alert " + a.alert,
               "alert_firing", "alert " + name + " began firing");
      if (a.resolved) {
        AddEvent(&rec, info.started_unix_ms + int64_t(a.end_s * 1000), "alert " + a.alert,
                 "alert_resolved", "alert " + name + " resolved");
      }
    }
    if (!d->findings.empty()) run_findings.emplace_back(&info, d->findings);
  }
  std::sort(rec.slots.begin(), rec.slots.end(), [](const IncidentSlot& a, const IncidentSlot& b) {
    return a.start_unix_ms < b.start_unix_ms;
  });
  rec.impact = ComputeImpact(rec.slots, o);

  for (const BreachSpan& b : breaches) {
    AddEvent(&rec, b.start_ms, "threshold", "breach_began",
             fmt::format("{} began to fail", b.expr));
    AddEvent(&rec, b.end_ms, "threshold", "breach_ended",
             fmt::format("{} held again (worst {})", b.expr, FormatThresholdValue(b.t, b.worst)));
  }
  if (rec.impact.degraded) {
    AddEvent(&rec, rec.impact.start_unix_ms, "impact", "degradation_began",
             "degradation began: requests sent from here on were hurt (first degraded "
             "interval minus its median latency)");
    AddEvent(&rec, rec.impact.end_unix_ms, "impact", "degradation_ended",
             "degradation ended: requests sent from here on were fine again");
  }

  auto checks = store.ListChecks(o.from_unix_ms, o.to_unix_ms);
  if (!checks.ok()) return checks.status();
  rec.checks = int(checks->size());
  const int64_t cause_from = rec.impact.start_unix_ms - kCauseLookbackMs;
  const int64_t cause_to = rec.impact.end_unix_ms;
  for (const CheckRecord& c : *checks) {
    std::vector<std::string> warnings;
    auto findings = ParseFindings(c.findings_json, &warnings);
    for (const auto& w : warnings) rec.warnings.push_back("check " + c.id + ": " + w);
    const std::string src = "check " + c.id;
    AddEvent(&rec, c.finished_unix_ms, src, "check",
             fmt::format("vitals check ({}) found {} finding(s)",
                         c.components.empty() ? "?" : c.components, findings.size()));
    const bool relevant =
        rec.impact.degraded && c.finished_unix_ms >= cause_from && c.started_unix_ms <= cause_to;
    if (relevant) AddFindings(findings, c.finished_unix_ms, src, &causes, &rec, true);
  }
  for (const auto& [info, findings] : run_findings) {
    // A document attached to a run has no time of its own: it is placed at the run's end.
    const int64_t at = RunEndMs(*info);
    if (rec.impact.degraded && at >= cause_from && info->started_unix_ms <= cause_to) {
      AddFindings(findings, at, "run " + info->id, &causes, &rec, true);
    }
  }
  VITALS_RETURN_IF_ERROR(detail::AddTuneChanges(store, kCauseLookbackMs, &rec, &causes));
  for (auto& [key, c] : causes) rec.causes.push_back(std::move(c));
  if (rec.impact.degraded) rec.ranking = RankCauses(rec.causes, rec.impact);

  std::stable_sort(
      rec.timeline.begin(), rec.timeline.end(),
      [](const IncidentEvent& a, const IncidentEvent& b) { return a.unix_ms < b.unix_ms; });
  rec.title = o.title.empty() ? MakeTitle(rec) : o.title;
  return rec;
}

}  // namespace vitals
