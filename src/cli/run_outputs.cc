#include "cli/run_outputs.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "collect/host_counters.h"
#include "core/clock.h"

namespace vitals::cli {
namespace {

const char* ModelName(LoadModel m) { return m == LoadModel::kOpen ? "open" : "closed"; }

// FNV-1a, 64 bits: a stable fingerprint across builds and machines (std::hash is not).
uint64_t Fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// hlog tags cannot hold ',', spaces or line breaks.
std::string HlogTag(const std::string& name) {
  std::string t = name;
  for (char& c : t) {
    if (c == ',' || c == ' ' || c == '\r' || c == '\n' || c == '\t') c = '_';
  }
  return t;
}

Result<std::FILE*> OpenOutput(const std::string& flag, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    return Status::Io(
        fmt::format("{} {}: cannot write: {} (check the directory exists and is "
                    "writable)",
                    flag, path, std::strerror(errno)));
  }
  return f;
}

struct RunConfig {
  nlohmann::json doc;
  std::string fingerprint;
};

RunConfig BuildRunConfig(const LoadOptions& o, const std::string& scenario_name) {
  nlohmann::json requests = nlohmann::json::array();
  std::string identity;
  auto add_request = [&](const std::string& name, const Url& url, const RequestSpec& spec,
                         double weight, int64_t timeout_ns) {
    requests.push_back({{"name", name},
                        {"method", spec.method},
                        {"path", url.target},
                        {"weight", weight},
                        {"timeout_s", double(timeout_ns ? timeout_ns : o.timeout_ns) / 1e9},
                        {"body_bytes", spec.body.size()}});
    identity += fmt::format("R|{}|{}|{}|{}|{:x}\n", name, spec.method, url.target, weight,
                            Fnv1a(spec.body));
  };
  if (o.requests.empty()) {
    auto url = ParseUrl(o.url);
    if (url.ok()) add_request("", *url, o.request, 1, 0);
  } else {
    for (const LoadRequest& r : o.requests) {
      add_request(r.name, r.url, r.spec, r.weight, r.timeout_ns);
    }
  }
  nlohmann::json phases = nlohmann::json::array();
  for (const Stage& s : o.stages) {
    const LoadModel m = s.model.value_or(o.model);
    phases.push_back({{"name", s.name},
                      {"model", ModelName(m)},
                      {"duration_s", double(s.duration_ns) / 1e9},
                      {"start", s.start},
                      {"end", s.end}});
    identity +=
        fmt::format("P|{}|{}|{}|{}|{}\n", s.name, ModelName(m), s.duration_ns, s.start, s.end);
  }
  const std::string fingerprint = fmt::format("{:016x}", Fnv1a(identity));
  nlohmann::json j = {{"scenario", {{"name", scenario_name}, {"fingerprint", fingerprint}}},
                      {"requests", requests},
                      {"phases", phases},
                      {"threads", o.threads},
                      {"connections", o.connections},
                      {"max_connections", o.max_connections ? o.max_connections : o.connections},
                      {"timeout_s", double(o.timeout_ns) / 1e9},
                      {"interval_s", double(o.interval_ns) / 1e9},
                      {"max_requests", o.max_requests}};
  nlohmann::json thresholds = nlohmann::json::array();
  for (const Threshold& t : o.thresholds) thresholds.push_back(t.expr);
  j["thresholds"] = thresholds;
  return RunConfig{std::move(j), fingerprint};
}

}  // namespace

std::string RunConfigJson(const LoadOptions& o, const std::string& scenario_name) {
  return BuildRunConfig(o, scenario_name).doc.dump();
}

Result<std::unique_ptr<RunOutputs>> RunOutputs::Open(const RunOutputsOptions& options,
                                                     LoadOptions* load) {
  std::unique_ptr<RunOutputs> out(new RunOutputs(options));
  RunConfig config = BuildRunConfig(*load, options.scenario_name);
  out->fingerprint_ = config.fingerprint;
  if (!options.csv_path.empty()) {
    auto f = OpenOutput("--csv", options.csv_path);
    if (!f.ok()) return f.status();
    out->csv_ = *f;
    std::fputs(
        "start_s,length_s,phase,request,requests,errors,rate,p50_us,p95_us,p99_us,max_us,"
        "mean_us,p50_uncorrected_us,p95_uncorrected_us,p99_uncorrected_us\n",
        out->csv_);
  }
  if (!options.hlog_path.empty()) {
    auto f = OpenOutput("--hlog", options.hlog_path);
    if (!f.ok()) return f.status();
    out->hlog_ = *f;
    out->hlog_writer_ = std::make_unique<HdrLogWriter>(out->hlog_);
    HdrLogHeader h;
    h.comment =
        "vitals load: corrected latency in microseconds per interval (untagged: all "
        "requests; Tag=<name>: one request)";
    h.start_time_s = double(WallClockMs()) / 1e3;
    h.base_time_s = h.start_time_s;
    VITALS_RETURN_IF_ERROR(out->hlog_writer_->WriteHeader(h));
  }
  if (!options.store_path.empty()) {
    auto store = Store::Open(options.store_path);
    if (!store.ok()) return store.status();
    out->store_.emplace(std::move(store).value());
    RunStart start;
    start.target = load->url;
    start.method = load->requests.size() > 1 ? "mixed"
                   : load->requests.empty()  ? load->request.method
                                             : load->requests[0].spec.method;
    bool open = false, closed = false;
    for (const Stage& s : load->stages) {
      (s.model.value_or(load->model) == LoadModel::kOpen ? open : closed) = true;
    }
    start.model = open && closed ? "mixed" : open ? "open" : "closed";
    start.config_json = config.doc.dump();
    start.tags = load->tags;
    start.env = CurrentEnvironment(VITALS_VERSION);
    auto id = out->store_->BeginRun(start);
    if (!id.ok()) return id.status();
    out->run_id_ = *id;
    load->run_id = *id;
  }
  RunOutputs* self = out.get();  // owned by the caller for the whole run
  load->on_interval = [self](const std::vector<IntervalSample>& s) { return self->OnInterval(s); };
  load->on_noise = [self](const std::vector<NoiseInterval>& n) {
    return self->store_ ? self->store_->AppendNoise(self->run_id_, n) : Status::Ok();
  };
  load->host_probe = [] { return ReadHostCpuCounters(); };
  return out;
}

RunOutputs::~RunOutputs() {
  if (csv_) std::fclose(csv_);
  if (hlog_) std::fclose(hlog_);
}

Status RunOutputs::WriteCsv(const std::vector<IntervalSample>& samples) {
  for (const IntervalSample& x : samples) {
    const Histogram& c = x.latency_corrected;
    const Histogram& u = x.latency_uncorrected;
    const bool any = c.TotalCount() > 0;
    auto v = [&](const Histogram& h, double p) {
      return any ? fmt::format("{}", h.ValueAtPercentile(p)) : std::string();
    };
    std::string line =
        fmt::format("{:.3f},{:.3f},{},{},{},{},{:.2f},{},{},{},{},{},{},{},{}\n", x.start_s,
                    x.length_s, CsvField(x.phase), CsvField(x.request), x.requests, x.errors,
                    x.length_s > 0 ? double(x.requests) / x.length_s : 0.0, v(c, 50), v(c, 95),
                    v(c, 99), any ? fmt::format("{}", c.Max()) : "",
                    any ? fmt::format("{:.1f}", c.Mean()) : "", v(u, 50), v(u, 95), v(u, 99));
    if (std::fputs(line.c_str(), csv_) < 0) {
      return Status::Io(
          fmt::format("--csv {}: write failed: {}", options_.csv_path, std::strerror(errno)));
    }
  }
  std::fflush(csv_);
  return Status::Ok();
}

Status RunOutputs::OnInterval(const std::vector<IntervalSample>& samples) {
  if (store_) VITALS_RETURN_IF_ERROR(store_->AppendIntervals(run_id_, samples));
  if (csv_) VITALS_RETURN_IF_ERROR(WriteCsv(samples));
  if (hlog_writer_) {
    // One untagged line per interval (all requests, every phase in it), one tagged line per
    // request name.
    for (size_t i = 0; i < samples.size();) {
      size_t j = i;
      std::optional<Histogram> all;
      while (j < samples.size() && samples[j].start_s == samples[i].start_s) {
        const IntervalSample& x = samples[j++];
        if (!x.request.empty()) continue;
        if (!all)
          all = x.latency_corrected;
        else
          (void)all->Add(x.latency_corrected);
      }
      if (all) {
        VITALS_RETURN_IF_ERROR(
            hlog_writer_->WriteInterval(samples[i].start_s, samples[i].length_s, *all));
      }
      for (size_t k = i; k < j; ++k) {
        if (samples[k].request.empty()) continue;
        VITALS_RETURN_IF_ERROR(hlog_writer_->WriteInterval(samples[k].start_s, samples[k].length_s,
                                                           samples[k].latency_corrected,
                                                           HlogTag(samples[k].request)));
      }
      i = j;
    }
    std::fflush(hlog_);
  }
  return Status::Ok();
}

Status RunOutputs::Finish(const LoadOptions& load, LoadResult* result,
                          std::vector<ThresholdVerdict>* verdicts) {
  *verdicts = EvaluateAll(load.thresholds, *result);
  if (!verdicts->empty()) {
    result->thresholds_json = ThresholdsJson(*verdicts).dump();
    result->verdict = AllPassed(*verdicts) ? "pass" : "fail";
  }
  result->scenario_name = options_.scenario_name;
  result->scenario_fingerprint = fingerprint_;
  if (csv_) {
    std::fclose(csv_);
    csv_ = nullptr;
  }
  if (hlog_) {
    std::fclose(hlog_);
    hlog_ = nullptr;
  }
  if (!store_) return Status::Ok();
  return store_->CompleteRun(run_id_, *result, result->thresholds_json, result->verdict);
}

Status RunOutputs::AddAlerts(const std::vector<StoredAlert>& alerts) {
  if (!store_ || alerts.empty()) return Status::Ok();
  return store_->AddAlerts(run_id_, alerts);
}

Status RunOutputs::AddObservation(const std::vector<StoredSeries>& series,
                                  const std::string& findings_json) {
  if (!store_) return Status::Ok();
  VITALS_RETURN_IF_ERROR(store_->AddSeries(run_id_, series));
  return store_->SetFindings(run_id_, findings_json);
}

void RunOutputs::Fail(const std::string& reason) {
  if (store_) (void)store_->MarkFailed(run_id_, reason);
}

}  // namespace vitals::cli
