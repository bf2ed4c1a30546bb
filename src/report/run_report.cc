#include "report/run_report.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/escape.h"
#include "report/html_report.h"
#include "report/load_summary.h"
#include "report/markdown_report.h"
#include "report/verdict_table.h"

namespace vitals {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(), [](char a, char b) {
    return a == std::tolower(static_cast<unsigned char>(b));
  });
}

nlohmann::json TimelineJson(const std::vector<TimelinePoint>& timeline) {
  nlohmann::json arr = nlohmann::json::array();
  for (const TimelinePoint& p : timeline) {
    nlohmann::json j = {
        {"start_s", p.start_s},
        {"length_s", p.length_s},
        {"phase", p.phase},
        {"request", ""},
        {"requests", p.requests},
        {"errors", p.errors},
        {"rate", p.length_s > 0 ? double(p.requests) / p.length_s : 0.0},
        {"latency_us",
         {{"p50", p.p50_us}, {"p95", p.p95_us}, {"p99", p.p99_us}, {"max", p.max_us}}}};
    if (!p.has_latency) j["latency_us"] = nullptr;  // nothing succeeded: no latency, not 0
    if (p.has_uncorrected && p.has_latency) {
      j["latency_uncorrected_us"] = {{"p50", p.u_p50_us}, {"p95", p.u_p95_us}, {"p99", p.u_p99_us}};
    }
    arr.push_back(std::move(j));
  }
  return arr;
}

}  // namespace

Result<ReportFormat> ParseReportFormat(std::string_view name) {
  if (name == "text" || name == "txt") return ReportFormat::kText;
  if (name == "markdown" || name == "md") return ReportFormat::kMarkdown;
  if (name == "json") return ReportFormat::kJson;
  if (name == "html") return ReportFormat::kHtml;
  return Status::InvalidArgument(
      fmt::format("--format '{}': expected one of html, markdown, json, text", TerminalSafe(name)));
}

ReportFormat ReportFormatForPath(std::string_view path) {
  if (EndsWith(path, ".html") || EndsWith(path, ".htm")) return ReportFormat::kHtml;
  if (EndsWith(path, ".md") || EndsWith(path, ".markdown")) return ReportFormat::kMarkdown;
  if (EndsWith(path, ".json")) return ReportFormat::kJson;
  return ReportFormat::kText;
}

const char* ReportFormatName(ReportFormat f) {
  switch (f) {
    case ReportFormat::kText:
      return "text";
    case ReportFormat::kMarkdown:
      return "markdown";
    case ReportFormat::kJson:
      return "json";
    case ReportFormat::kHtml:
      return "html";
  }
  return "text";
}

std::string RenderTextReport(const ReportData& d) {
  std::string out;
  if (d.incomplete()) {
    out += fmt::format(
        "INCOMPLETE RUN {}: its process stopped before the run completed; the numbers below "
        "come from the {} interval(s) it stored.\n\n",
        d.info.id, d.timeline.size());
  } else if (d.failed()) {
    out +=
        fmt::format("FAILED RUN {}: {}\n\n", d.info.id,
                    d.info.failure_reason.empty() ? "no reason recorded" : d.info.failure_reason);
  }
  out += FormatLoadSummary(d.result);
  const std::string verdicts = FormatVerdictTable(d.thresholds);
  if (!verdicts.empty()) out += "\n" + verdicts;
  if (!d.findings_json.empty()) {
    out += fmt::format("\nfindings: {}\n", d.findings.size());
    for (const ReportFinding& f : d.findings) {
      out += fmt::format("  {} {}: {}{}\n", f.priority, f.level, f.title,
                         f.id.empty() ? "" : " [" + f.id + "]");
      if (!f.evidence.empty()) out += fmt::format("    evidence: {}\n", f.evidence);
      if (!f.action.empty()) out += fmt::format("    action:   {}\n", f.action);
      if (!f.runbook.empty()) out += fmt::format("    runbook:  {}\n", f.runbook);
    }
  }
  const RunInfo& i = d.info;
  out +=
      fmt::format("\n  run {} ({}), host {} ({} cores, {}), vitals {}\n", i.id, i.DisplayStatus(),
                  i.env.host, i.env.cores, i.env.kernel, i.env.vitals_version);
  if (!i.tags.empty()) {
    out += "  tags:";
    for (const auto& [k, v] : i.tags) out += fmt::format(" {}={}", k, v);
    out += "\n";
  }
  for (const std::string& w : d.warnings) out += "  note: " + w + "\n";
  return TerminalSafe(out);
}

std::string RenderJsonReport(const ReportData& d) {
  using nlohmann::json;
  json doc = d.result_json.empty() ? json(nullptr) : json::parse(d.result_json, nullptr, false);
  if (!doc.is_object()) {
    // Never completed (or a damaged document): what the store can rebuild.
    doc = json::parse(ToJson(d.result, -1), nullptr, false);
    if (!doc.is_object()) doc = json::object();
    doc["intervals"] = TimelineJson(d.timeline);
    doc["thresholds"] = ThresholdsJson(d.thresholds);
  }
  doc["status"] = d.info.DisplayStatus();
  if (!d.info.failure_reason.empty()) doc["failure_reason"] = d.info.failure_reason;
  doc["env"] = {{"host", d.info.env.host},
                {"cores", d.info.env.cores},
                {"kernel", d.info.env.kernel},
                {"vitals_version", d.info.env.vitals_version}};
  json tags = json::object();
  for (const auto& [k, v] : d.info.tags) tags[k] = v;
  doc["tags"] = tags;
  json diagnosis =
      d.findings_json.empty() ? json(nullptr) : json::parse(d.findings_json, nullptr, false);
  doc["diagnosis"] = diagnosis.is_discarded() ? json(nullptr) : diagnosis;
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string RenderReport(const ReportData& d, ReportFormat format) {
  switch (format) {
    case ReportFormat::kText:
      return RenderTextReport(d);
    case ReportFormat::kMarkdown:
      return RenderMarkdownReport(d);
    case ReportFormat::kJson:
      return RenderJsonReport(d);
    case ReportFormat::kHtml:
      return RenderHtmlReport(d);
  }
  return RenderTextReport(d);
}

}  // namespace vitals
