// vitals k8s render SCENARIO --segments N --image IMAGE: the manifests of a coordinated run
// on Kubernetes (cli/k8s_render.h).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/k8s_render.h"
#include "load/scenario.h"

namespace vitals::cli {
namespace {

constexpr const char* kFooter = R"(
Writes, for `kubectl apply -f DIR`:
  scenario-configmap.yaml  the scenario (mounted at /scenario)
  store-pvc.yaml           the coordinator's run store and result JSON (/results)
  coordinator.yaml         Service (ClusterIP) + Job: vitals coordinate --listen 0.0.0.0:PORT
  segments.yaml            Indexed Job (completions = parallelism = N): vitals load
                           --coordinator SVC:PORT --segment-index $(JOB_COMPLETION_INDEX)
Both Jobs read the token from the Secret --token-secret (key "token"); create it first:
  kubectl create secret generic vitals-coordinator-token --from-literal=token=$(openssl rand -hex 32)
backoffLimit is 0: a segment restarted mid-run would send its share again from the start,
so a lost pod stays lost and the coordinator marks the run partial.  Segment resources are
sized from the plan (cpu = max(250m, 2 x rate per segment x 10us); memory = 128Mi + 64Ki
per connection), and segment pods prefer distinct nodes.

Example:
  vitals k8s render examples/scenarios/steady.yaml --segments 4 \
      --image registry.example.test/vitals:1 --out deploy/k8s
)";

Result<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument(
        fmt::format("{}: cannot read the scenario file (does it exist?)", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int RunK8s(int argc, char** argv) {
  CLI::App app{
      "Kubernetes manifests for a coordinated run (vitals coordinate + an Indexed Job "
      "of segments).",
      "vitals k8s"};
  app.require_subcommand(1);
  CLI::App* render = app.add_subcommand("render", "write the manifests of one scenario");
  render->footer(kFooter);
  std::string scenario, out = "-";
  K8sOptions o;
  render->add_option("scenario", scenario, "the scenario file (.yaml, docs/scenario.md)")
      ->required();
  render->add_option("--segments", o.segments, "segment pods (>= 2)")->required();
  render->add_option("--image", o.image, "the vitals image, e.g. registry.example.test/vitals:1")
      ->required();
  render->add_option("--namespace", o.namespace_, "metadata.namespace of every object");
  render
      ->add_option("--token-secret", o.token_secret,
                   "the Secret holding the shared token under key 'token'")
      ->capture_default_str();
  render->add_option("--name", o.name, "object name prefix (default: vitals-<scenario name>)");
  render->add_option("--port", o.port, "the coordinator's port")->capture_default_str();
  render->add_option("--out", out, "a directory to write the files into, or '-' for stdout")
      ->capture_default_str();
  if (int rc = ParseOrExit(app, argc, argv); rc >= 0) return rc;
  const std::string cmd = "vitals k8s render";

  auto text = ReadAll(scenario);
  if (!text.ok()) return ReportError(cmd, text.status());
  auto sc = ParseScenario(*text, scenario);
  if (!sc.ok()) return ReportError(cmd, sc.status());
  const size_t slash = scenario.find_last_of('/');
  const std::string base = slash == std::string::npos ? scenario : scenario.substr(slash + 1);
  auto files = RenderK8s(*sc, *text, base, o);
  if (!files.ok()) return ReportError(cmd, files.status());
  if (out == "-") {
    bool first = true;
    for (const auto& [file, yaml] : *files) {
      std::printf("%s# %s\n%s", first ? "" : "---\n", file.c_str(), yaml.c_str());
      first = false;
    }
    return kExitOk;
  }
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) {
    return ReportError(cmd, Status::InvalidArgument(fmt::format(
                                "--out {}: cannot create the directory ({})", out, ec.message())));
  }
  for (const auto& [file, yaml] : *files) {
    if (Status st = WriteTextFile(out + "/" + file, yaml); !st.ok()) return ReportError(cmd, st);
  }
  std::fprintf(stderr, "vitals k8s render: wrote %zu files to %s (kubectl apply -f %s)\n",
               files->size(), out.c_str(), out.c_str());
  return kExitOk;
}

}  // namespace vitals::cli
