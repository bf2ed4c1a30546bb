#include "report/report_data.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace vitals {
namespace {

// A scenario with more names than this is rare; beyond it, rows would crowd the report and
// each name costs one histogram while reading.
constexpr size_t kMaxRequestRows = 200;

std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

double Num(const nlohmann::json& j, const char* key, double fallback = 0) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

// Adds `h` into `*acc`; an empty accumulator takes h's layout (core/histogram.h AddInto; the
// engine's interval histograms are coarser than a default Histogram).  A histogram of another
// layout (intervals from a process with other timeouts) is re-recorded bucket by bucket,
// keeping its counts and its values to within either layout's precision.
void Merge(Histogram* acc, const Histogram& h) {
  if (AddInto(acc, h).ok()) return;
  h.ForEachRecorded([&](const Histogram::Bucket& b) { acc->RecordN(b.lowest_value, b.count); });
}

}  // namespace

void TimelineBuilder::Add(const IntervalSample& s) {
  if (!s.request.empty()) {
    auto it = std::find_if(request_rows_.begin(), request_rows_.end(),
                           [&](const auto& r) { return r.first == s.request; });
    if (it == request_rows_.end()) {
      if (request_rows_.size() >= kMaxRequestRows) return;
      request_rows_.push_back({s.request, RequestRow{s.request}});
      request_hist_.emplace_back();
      it = request_rows_.end() - 1;
    }
    it->second.requests += s.requests;
    it->second.errors += s.errors;
    Merge(&request_hist_[size_t(it - request_rows_.begin())], s.latency_corrected);
    return;
  }
  // Samples of one slot (one per phase when a slot spans a phase change) share start_s.
  if (open_ && std::abs(s.start_s - cur_.start_s) > 1e-9) Flush();
  if (!open_) {
    open_ = true;
    cur_ = TimelinePoint{};
    cur_.start_s = s.start_s;
    cur_.length_s = s.length_s;
    cur_.has_uncorrected = true;
    corrected_.Reset();
    uncorrected_.Reset();
    slot_phases_.clear();
  }
  cur_.length_s = std::max(cur_.length_s, s.length_s);
  cur_.requests += s.requests;
  cur_.errors += s.errors;
  Merge(&corrected_, s.latency_corrected);
  Merge(&uncorrected_, s.latency_uncorrected);
  auto ph = std::find_if(slot_phases_.begin(), slot_phases_.end(),
                         [&](const auto& p) { return p.first == s.phase; });
  if (ph == slot_phases_.end()) {
    slot_phases_.emplace_back(s.phase, s.requests);
  } else {
    ph->second += s.requests;
  }
}

void TimelineBuilder::Flush() {
  if (!open_) return;
  open_ = false;
  const auto best =
      std::max_element(slot_phases_.begin(), slot_phases_.end(),
                       [](const auto& a, const auto& b) { return a.second < b.second; });
  if (best != slot_phases_.end()) cur_.phase = best->first;
  cur_.has_latency = corrected_.TotalCount() > 0;
  cur_.p50_us = double(corrected_.ValueAtPercentile(50));
  cur_.p95_us = double(corrected_.ValueAtPercentile(95));
  cur_.p99_us = double(corrected_.ValueAtPercentile(99));
  cur_.max_us = double(corrected_.Max());
  cur_.u_p50_us = double(uncorrected_.ValueAtPercentile(50));
  cur_.u_p95_us = double(uncorrected_.ValueAtPercentile(95));
  cur_.u_p99_us = double(uncorrected_.ValueAtPercentile(99));
  points_.push_back(std::move(cur_));
}

void TimelineBuilder::Finish(std::vector<TimelinePoint>* timeline,
                             std::vector<RequestRow>* requests) {
  Flush();
  std::stable_sort(points_.begin(), points_.end(),
                   [](const auto& a, const auto& b) { return a.start_s < b.start_s; });
  *timeline = points_;
  requests->clear();
  for (size_t i = 0; i < request_rows_.size(); ++i) {
    RequestRow row = request_rows_[i].second;
    if (request_hist_[i].TotalCount() > 0) {
      row.p50_us = double(request_hist_[i].ValueAtPercentile(50));
      row.p95_us = double(request_hist_[i].ValueAtPercentile(95));
      row.p99_us = double(request_hist_[i].ValueAtPercentile(99));
    }
    requests->push_back(std::move(row));
  }
  std::sort(requests->begin(), requests->end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
}

std::string ThresholdLimitText(const ThresholdVerdict& v) {
  auto t = ParseThreshold(v.expr);
  if (!t.ok()) return "";
  return fmt::format("{} {}", ThresholdOpText(t->op), FormatThresholdValue(*t, v.limit));
}

std::vector<ThresholdVerdict> ParseThresholds(const std::string& thresholds_json,
                                              std::vector<std::string>* warnings) {
  std::vector<ThresholdVerdict> out;
  if (thresholds_json.empty()) return out;
  const nlohmann::json arr = nlohmann::json::parse(thresholds_json, nullptr, false);
  if (arr.is_discarded() || !arr.is_array()) {
    warnings->push_back("the stored threshold verdicts are not a JSON array; not shown");
    return out;
  }
  for (const nlohmann::json& j : arr) {
    if (!j.is_object()) continue;
    ThresholdVerdict v;
    v.expr = Str(j, "expr");
    v.ok = j.value("ok", false) == true;
    v.unit = Str(j, "unit");
    v.limit = Num(j, "limit");
    v.message = Str(j, "message");
    v.abort_on_fail = j.contains("abort_on_fail") && j["abort_on_fail"] == true;
    auto value = j.find("value");
    v.has_value = value != j.end() && value->is_number();
    v.value = v.has_value ? value->get<double>() : 0;
    if (v.has_value) {
      auto t = ParseThreshold(v.expr);
      v.value_text =
          t.ok() ? FormatThresholdValue(*t, v.value) : fmt::format("{:g} {}", v.value, v.unit);
    } else {
      v.value_text.assign(1, '-');  // not = "-": GCC 12 -Wrestrict false positive (PR 105329)
    }
    auto w = j.find("window");
    if (w != j.end() && w->is_object()) {
      v.window = ThresholdWindow{Num(*w, "start_s"), Num(*w, "end_s")};
      v.windows = int(Num(*w, "windows"));
      v.windows_failed = int(Num(*w, "failed"));
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<ReportFinding> ParseFindings(const std::string& findings_json,
                                         std::vector<std::string>* warnings) {
  std::vector<ReportFinding> out;
  if (findings_json.empty()) return out;
  const nlohmann::json doc = nlohmann::json::parse(findings_json, nullptr, false);
  const nlohmann::json* arr = nullptr;
  if (doc.is_object() && doc.contains("findings") && doc["findings"].is_array()) {
    arr = &doc["findings"];
  } else if (doc.is_object() && !doc.contains("findings")) {
    return out;  // a document without findings: nothing was found
  }
  if (arr == nullptr) {
    warnings->push_back("the stored findings are not a `vitals check --format json` document");
    return out;
  }
  for (const nlohmann::json& j : *arr) {
    if (!j.is_object()) continue;
    ReportFinding f;
    f.id = Str(j, "id");
    f.component = Str(j, "component");
    f.level = Str(j, "level");
    f.priority = Str(j, "priority");
    f.title = Str(j, "title");
    f.subject = Str(j, "subject");
    f.evidence = Str(j, "evidence");
    f.action = Str(j, "action");
    f.runbook = Str(j, "runbook");
    f.source = Str(j, "source");
    if (j.contains("onset_s") && j["onset_s"].is_number()) {
      f.onset_s = j["onset_s"].get<double>();
      f.end_s = Num(j, "end_s");
      f.phase = Str(j, "phase");
      f.kind = Str(j, "kind");
      auto flag = [&](const char* k) {
        return j.contains(k) && j[k].is_boolean() && j[k].get<bool>();
      };
      f.active_at_end = flag("active_at_end");
      f.cause_candidate = flag("cause_candidate");
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<PhaseSpan> ComputePhaseSpans(const std::vector<TimelinePoint>& timeline,
                                         const std::vector<PhaseResult>& phases) {
  std::vector<PhaseSpan> spans;
  for (const TimelinePoint& p : timeline) {
    const double end = p.start_s + p.length_s;
    if (!spans.empty() && spans.back().name == p.phase) {
      spans.back().end_s = std::max(spans.back().end_s, end);
    } else {
      spans.push_back({p.phase, p.start_s, end});
    }
  }
  if (!spans.empty()) return spans;
  double t = 0;
  for (const PhaseResult& p : phases) {
    spans.push_back({p.name, t, t + p.duration_s});
    t += p.duration_s;
  }
  return spans;
}

ReportData MakeReportData(const StoredRun& run) {
  ReportData d;
  d.info = run.info;
  d.config_json = run.config_json;
  d.result_json = run.result_json;
  d.findings_json = run.findings_json;
  d.series = run.series;
  StoredRun without_intervals;  // RebuildLoadResult copies intervals; the report needs none
  {
    const StoredRun& r = run;
    without_intervals.info = r.info;
    without_intervals.result_json = r.result_json;
    without_intervals.latency_corrected = r.latency_corrected;
    without_intervals.latency_uncorrected = r.latency_uncorrected;
    without_intervals.connect_time = r.connect_time;
    without_intervals.ttfb = r.ttfb;
    without_intervals.send_lag = r.send_lag;
    without_intervals.tls_handshake = r.tls_handshake;
    without_intervals.phases = r.phases;
  }
  d.result = RebuildLoadResult(without_intervals);
  if (!run.intervals.empty()) {
    TimelineBuilder b;
    for (const IntervalSample& s : run.intervals) b.Add(s);
    b.Finish(&d.timeline, &d.requests);
  } else {
    // Summaries carry the corrected digest only; several phases in one slot are rare and
    // are shown as separate points at the same time.
    for (const IntervalSummary& s : run.interval_summaries) {
      if (!s.request.empty()) continue;
      TimelinePoint p;
      p.start_s = s.start_s;
      p.length_s = s.length_s;
      p.phase = s.phase;
      p.requests = s.requests;
      p.errors = s.errors;
      p.p50_us = s.p50_us;
      p.p95_us = s.p95_us;
      p.p99_us = s.p99_us;
      p.max_us = s.max_us;
      p.has_latency = s.max_us > 0;  // the store's digest of an empty histogram is all 0
      d.timeline.push_back(std::move(p));
    }
  }
  d.phase_spans = ComputePhaseSpans(d.timeline, d.result.phases);
  d.thresholds = ParseThresholds(run.thresholds_json, &d.warnings);
  d.findings = ParseFindings(run.findings_json, &d.warnings);
  double end_s = d.timeline.empty() ? d.result.duration_s
                                    : d.timeline.back().start_s + d.timeline.back().length_s;
  d.alert_spans = ComputeAlertSpans(run.alerts, d.info.started_unix_ms, end_s);
  return d;
}

std::vector<AlertSpan> ComputeAlertSpans(const std::vector<StoredAlert>& alerts,
                                         int64_t run_start_ms, double end_s) {
  std::vector<AlertSpan> out;
  std::map<std::string, size_t> open;  // alert + labels -> index in out
  for (const StoredAlert& a : alerts) {
    std::string labels;
    const nlohmann::json j = nlohmann::json::parse(a.labels_json, nullptr, false);
    if (j.is_object()) {
      for (const auto& [k, v] : j.items()) {
        if (k == "alertname" || !v.is_string()) continue;
        labels += (labels.empty() ? "" : ", ") + k + "=\"" + v.get<std::string>() + "\"";
      }
    }
    labels = "{" + labels + "}";
    const std::string key = a.alert + labels;
    const double t = double(a.t_unix_ms - run_start_ms) / 1000.0;
    if (a.to == "firing") {
      open[key] = out.size();
      out.push_back({a.alert, labels, std::max(0.0, t), end_s, false});
    } else if (a.from == "firing") {
      if (auto it = open.find(key); it != open.end()) {
        out[it->second].end_s = std::max(out[it->second].start_s, t);
        out[it->second].resolved = true;
        open.erase(it);
      }
    }
  }
  return out;
}

Result<ReportData> LoadReportData(Store& store, const std::string& name) {
  TimelineBuilder builder;
  ReadOptions options;
  options.visit_interval = [&builder](const IntervalSample& s) { builder.Add(s); };
  auto run = store.GetRun(name, options);
  if (!run.ok()) return run.status();
  ReportData d = MakeReportData(*run);
  builder.Finish(&d.timeline, &d.requests);
  d.phase_spans = ComputePhaseSpans(d.timeline, d.result.phases);
  return d;
}

}  // namespace vitals
