#include "cli/k8s_render.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

namespace vitals::cli {
namespace {

constexpr double kCpuUsPerRequest = 10.0;
constexpr int kOpenModelConnections = 1000;  // vitals load's cap for scenarios with a rate

// Lower-case DNS label from a scenario name: "Checkout API" -> "checkout-api".
std::string DnsLabel(const std::string& s) {
  std::string out;
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      out += char(std::tolower(u));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

// Object names get suffixes up to "-coordinator" (12 characters) and a Service name must be
// an RFC 1035 label (at most 63, starting with a letter): so at most 51, from a letter.
constexpr size_t kMaxName = 63 - 12;

bool IsDnsLabel(const std::string& s) {
  if (s.empty() || s.size() > kMaxName) return false;
  if (!std::islower(static_cast<unsigned char>(s.front()))) return false;
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return s.front() != '-' && s.back() != '-';
}

void Labels(YAML::Emitter& y, const std::string& name, const std::string& role) {
  y << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "app.kubernetes.io/name" << YAML::Value << "vitals";
  y << YAML::Key << "app.kubernetes.io/instance" << YAML::Value << name;
  y << YAML::Key << "app.kubernetes.io/component" << YAML::Value << role;
  y << YAML::EndMap;
}

void Metadata(YAML::Emitter& y, const std::string& object, const std::string& run,
              const std::string& role, const K8sOptions& o) {
  y << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "name" << YAML::Value << object;
  if (!o.namespace_.empty()) y << YAML::Key << "namespace" << YAML::Value << o.namespace_;
  Labels(y, run, role);
  y << YAML::EndMap;
}

void TokenEnv(YAML::Emitter& y, const K8sOptions& o) {
  y << YAML::Key << "env" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  y << YAML::Key << "name" << YAML::Value << "VITALS_COORDINATOR_TOKEN";
  y << YAML::Key << "valueFrom" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "secretKeyRef" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "name" << YAML::Value << o.token_secret;
  y << YAML::Key << "key" << YAML::Value << "token";
  y << YAML::EndMap << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
}

void Resources(YAML::Emitter& y, int cpu_m, int mem_mib) {
  y << YAML::Key << "resources" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "requests" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "cpu" << YAML::Value << fmt::format("{}m", cpu_m);
  y << YAML::Key << "memory" << YAML::Value << fmt::format("{}Mi", mem_mib);
  y << YAML::EndMap;
  y << YAML::Key << "limits" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "memory" << YAML::Value << fmt::format("{}Mi", 2 * mem_mib);
  y << YAML::EndMap << YAML::EndMap;
}

void Args(YAML::Emitter& y, const std::vector<std::string>& args) {
  y << YAML::Key << "args" << YAML::Value << YAML::BeginSeq;
  for (const auto& a : args) y << YAML::DoubleQuoted << a;
  y << YAML::EndSeq;
}

std::string Doc(const YAML::Emitter& y) { return std::string(y.c_str()) + "\n"; }

}  // namespace

SegmentResources SizeSegment(const Scenario& sc, int segments) {
  SegmentResources r;
  double peak_rate = 0, peak_conns = 0;
  bool any_open = false;
  for (const ScenarioPhase& p : sc.phases) any_open |= p.model == LoadModel::kOpen;
  for (const Stage& s : sc.Stages()) {
    const bool open = s.model ? *s.model == LoadModel::kOpen : any_open;
    const double peak = std::max(s.start, s.end);
    if (open) {
      peak_rate = std::max(peak_rate, peak);
    } else {
      peak_conns = std::max(peak_conns, peak);
    }
  }
  const int n = std::max(segments, 1);
  r.peak_rate_per_segment = peak_rate / n;
  const double conns = std::max(peak_conns, any_open ? double(kOpenModelConnections) : 0.0);
  r.connections_per_segment = int(std::ceil(conns / n));
  r.cpu_millicores =
      std::max(250, int(std::ceil(2 * r.peak_rate_per_segment * kCpuUsPerRequest / 1000)));
  r.memory_mib = 128 + int(std::ceil(r.connections_per_segment * 64.0 / 1024));
  return r;
}

Result<std::vector<std::pair<std::string, std::string>>> RenderK8s(const Scenario& sc,
                                                                   const std::string& scenario_text,
                                                                   const std::string& scenario_file,
                                                                   const K8sOptions& o) {
  if (o.segments < 2) {
    return Status::InvalidArgument(
        fmt::format("--segments {}: expected at least 2 (one generator is a plain vitals load Job)",
                    o.segments));
  }
  if (o.image.empty()) {
    return Status::InvalidArgument(
        "--image is required: the vitals image the pods run (docker build -t REGISTRY/vitals:TAG "
        ". with the repository's Dockerfile)");
  }
  std::string name = o.name;
  if (name.empty()) {  // from the scenario's name, cut to fit
    name = ("vitals-" + DnsLabel(sc.name)).substr(0, kMaxName);
    while (!name.empty() && name.back() == '-') name.pop_back();
  }
  if (!IsDnsLabel(name)) {
    return Status::InvalidArgument(
        fmt::format("--name '{}': expected a DNS label of at most {} characters that starts "
                    "with a letter (a-z, 0-9, '-'; the Service adds '-coordinator' and "
                    "Kubernetes allows 63)",
                    name, kMaxName));
  }
  if (o.port < 1 || o.port > 65535) {
    return Status::InvalidArgument(fmt::format("--port {}: expected 1..65535", o.port));
  }
  const SegmentResources res = SizeSegment(sc, o.segments);
  const std::string svc = name + "-coordinator";
  const std::string n = std::to_string(o.segments);
  std::vector<std::pair<std::string, std::string>> out;

  {  // ConfigMap: the scenario.
    YAML::Emitter y;
    y << YAML::BeginMap;
    y << YAML::Key << "apiVersion" << YAML::Value << "v1";
    y << YAML::Key << "kind" << YAML::Value << "ConfigMap";
    Metadata(y, name + "-scenario", name, "scenario", o);
    y << YAML::Key << "data" << YAML::Value << YAML::BeginMap;
    y << YAML::Key << scenario_file << YAML::Value << YAML::Literal << scenario_text;
    y << YAML::EndMap << YAML::EndMap;
    out.emplace_back("scenario-configmap.yaml", Doc(y));
  }
  {  // PVC: the coordinator's store.
    YAML::Emitter y;
    y << YAML::BeginMap;
    y << YAML::Key << "apiVersion" << YAML::Value << "v1";
    y << YAML::Key << "kind" << YAML::Value << "PersistentVolumeClaim";
    Metadata(y, name + "-store", name, "store", o);
    y << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
    y << YAML::Key << "accessModes" << YAML::Value << YAML::Flow << YAML::BeginSeq
      << "ReadWriteOnce" << YAML::EndSeq;
    y << YAML::Key << "resources" << YAML::Value << YAML::BeginMap << YAML::Key << "requests"
      << YAML::Value << YAML::BeginMap << YAML::Key << "storage" << YAML::Value << o.store_size
      << YAML::EndMap << YAML::EndMap;
    y << YAML::EndMap << YAML::EndMap;
    out.emplace_back("store-pvc.yaml", Doc(y));
  }
  {  // Service + coordinator Job.
    YAML::Emitter y;
    y << YAML::BeginMap;
    y << YAML::Key << "apiVersion" << YAML::Value << "v1";
    y << YAML::Key << "kind" << YAML::Value << "Service";
    Metadata(y, svc, name, "coordinator", o);
    y << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
    y << YAML::Key << "type" << YAML::Value << "ClusterIP";
    y << YAML::Key << "selector" << YAML::Value << YAML::BeginMap;
    y << YAML::Key << "app.kubernetes.io/instance" << YAML::Value << name;
    y << YAML::Key << "app.kubernetes.io/component" << YAML::Value << "coordinator";
    y << YAML::EndMap;
    y << YAML::Key << "ports" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    y << YAML::Key << "name" << YAML::Value << "coordinator";
    y << YAML::Key << "port" << YAML::Value << o.port;
    y << YAML::Key << "targetPort" << YAML::Value << o.port;
    y << YAML::EndMap << YAML::EndSeq << YAML::EndMap << YAML::EndMap;
    std::string text = Doc(y) + "---\n";

    YAML::Emitter j;
    j << YAML::BeginMap;
    j << YAML::Key << "apiVersion" << YAML::Value << "batch/v1";
    j << YAML::Key << "kind" << YAML::Value << "Job";
    Metadata(j, svc, name, "coordinator", o);
    j << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
    j << YAML::Key << "backoffLimit" << YAML::Value << 0;
    j << YAML::Key << "template" << YAML::Value << YAML::BeginMap;
    j << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
    Labels(j, name, "coordinator");
    j << YAML::EndMap;
    j << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
    j << YAML::Key << "restartPolicy" << YAML::Value << "Never";
    j << YAML::Key << "containers" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    j << YAML::Key << "name" << YAML::Value << "coordinator";
    j << YAML::Key << "image" << YAML::Value << o.image;
    Args(j, {"coordinate", "/scenario/" + scenario_file, "--segments", n, "--listen",
             fmt::format("0.0.0.0:{}", o.port), "--join-timeout", "600s", "--store",
             "/results/vitals.db", "--json", "/results/" + name + ".json", "--quiet"});
    TokenEnv(j, o);
    j << YAML::Key << "ports" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    j << YAML::Key << "containerPort" << YAML::Value << o.port;
    j << YAML::Key << "name" << YAML::Value << "coordinator";
    j << YAML::EndMap << YAML::EndSeq;
    Resources(j, 250, 256);
    j << YAML::Key << "volumeMounts" << YAML::Value << YAML::BeginSeq;
    j << YAML::BeginMap << YAML::Key << "name" << YAML::Value << "scenario" << YAML::Key
      << "mountPath" << YAML::Value << "/scenario" << YAML::Key << "readOnly" << YAML::Value << true
      << YAML::EndMap;
    j << YAML::BeginMap << YAML::Key << "name" << YAML::Value << "store" << YAML::Key << "mountPath"
      << YAML::Value << "/results" << YAML::EndMap;
    j << YAML::EndSeq;
    j << YAML::EndMap << YAML::EndSeq;  // container, containers
    j << YAML::Key << "volumes" << YAML::Value << YAML::BeginSeq;
    j << YAML::BeginMap << YAML::Key << "name" << YAML::Value << "scenario" << YAML::Key
      << "configMap" << YAML::Value << YAML::BeginMap << YAML::Key << "name" << YAML::Value
      << name + "-scenario" << YAML::EndMap << YAML::EndMap;
    j << YAML::BeginMap << YAML::Key << "name" << YAML::Value << "store" << YAML::Key
      << "persistentVolumeClaim" << YAML::Value << YAML::BeginMap << YAML::Key << "claimName"
      << YAML::Value << name + "-store" << YAML::EndMap << YAML::EndMap;
    j << YAML::EndSeq;
    j << YAML::EndMap << YAML::EndMap << YAML::EndMap << YAML::EndMap;  // spec, template, spec, doc
    out.emplace_back("coordinator.yaml", text + Doc(j));
  }
  {  // The Indexed Job of segments.
    YAML::Emitter j;
    j << YAML::BeginMap;
    j << YAML::Key << "apiVersion" << YAML::Value << "batch/v1";
    j << YAML::Key << "kind" << YAML::Value << "Job";
    Metadata(j, name + "-segments", name, "segment", o);
    j << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
    j << YAML::Key << "completionMode" << YAML::Value << "Indexed";
    j << YAML::Key << "completions" << YAML::Value << o.segments;
    j << YAML::Key << "parallelism" << YAML::Value << o.segments;
    j << YAML::Key << "backoffLimit" << YAML::Value << 0;
    j << YAML::Key << "template" << YAML::Value << YAML::BeginMap;
    j << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
    Labels(j, name, "segment");
    j << YAML::EndMap;
    j << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
    j << YAML::Key << "restartPolicy" << YAML::Value << "Never";
    j << YAML::Key << "affinity" << YAML::Value << YAML::BeginMap;
    j << YAML::Key << "podAntiAffinity" << YAML::Value << YAML::BeginMap;
    j << YAML::Key << "preferredDuringSchedulingIgnoredDuringExecution" << YAML::Value
      << YAML::BeginSeq << YAML::BeginMap;
    j << YAML::Key << "weight" << YAML::Value << 100;
    j << YAML::Key << "podAffinityTerm" << YAML::Value << YAML::BeginMap;
    j << YAML::Key << "topologyKey" << YAML::Value << "kubernetes.io/hostname";
    j << YAML::Key << "labelSelector" << YAML::Value << YAML::BeginMap;
    j << YAML::Key << "matchLabels" << YAML::Value << YAML::BeginMap;
    j << YAML::Key << "app.kubernetes.io/instance" << YAML::Value << name;
    j << YAML::Key << "app.kubernetes.io/component" << YAML::Value << "segment";
    j << YAML::EndMap << YAML::EndMap << YAML::EndMap;  // matchLabels, labelSelector, term
    j << YAML::EndMap << YAML::EndSeq << YAML::EndMap << YAML::EndMap;  // item, seq, anti, affinity
    j << YAML::Key << "containers" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    j << YAML::Key << "name" << YAML::Value << "segment";
    j << YAML::Key << "image" << YAML::Value << o.image;
    Args(j,
         {"load", "--coordinator", fmt::format("{}:{}", svc, o.port), "--segment-index",
          "$(JOB_COMPLETION_INDEX)", "--segments", n, "--coordinator-timeout", "600s", "--quiet"});
    TokenEnv(j, o);
    Resources(j, res.cpu_millicores, res.memory_mib);
    j << YAML::EndMap << YAML::EndSeq;  // container, containers
    j << YAML::EndMap << YAML::EndMap << YAML::EndMap << YAML::EndMap;
    out.emplace_back("segments.yaml", Doc(j));
  }
  return out;
}

}  // namespace vitals::cli
