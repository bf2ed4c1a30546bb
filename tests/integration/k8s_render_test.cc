// `vitals k8s render`: the manifests parse (yaml-cpp) and carry what a coordinated run on
// Kubernetes needs; bad input is refused with exit 2.
#include <yaml-cpp/yaml.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "integration/child_process.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using testing::RunVitals;

const std::string kSteady = std::string(VITALS_SOURCE_DIR) + "/examples/scenarios/steady.yaml";

std::map<std::string, YAML::Node> Objects(const std::string& text) {
  std::map<std::string, YAML::Node> by;
  for (const YAML::Node& doc : YAML::LoadAll(text)) {
    if (!doc.IsMap()) continue;
    by[doc["kind"].as<std::string>() + "/" + doc["metadata"]["name"].as<std::string>()] = doc;
  }
  return by;
}

TEST(K8sRender, ManifestsCarryTheIndexedJobAndCoordinator) {
  std::string out, err;
  ASSERT_EQ(
      RunVitals({"k8s", "render", kSteady, "--segments", "4", "--image",
                 "registry.example.test/vitals:1", "--namespace", "perf", "--token-secret", "tok"},
                &out, &err),
      0)
      << err;
  auto objs = Objects(out);
  ASSERT_EQ(objs.size(), 5u) << out;
  ASSERT_TRUE(objs.count("Job/vitals-steady-segments"));
  ASSERT_TRUE(objs.count("Job/vitals-steady-coordinator"));
  ASSERT_TRUE(objs.count("Service/vitals-steady-coordinator"));
  ASSERT_TRUE(objs.count("ConfigMap/vitals-steady-scenario"));
  ASSERT_TRUE(objs.count("PersistentVolumeClaim/vitals-steady-store"));
  for (const auto& [key, o] : objs) EXPECT_EQ(o["metadata"]["namespace"].as<std::string>(), "perf");

  const YAML::Node seg = objs["Job/vitals-steady-segments"];
  EXPECT_EQ(seg["spec"]["completionMode"].as<std::string>(), "Indexed");
  EXPECT_EQ(seg["spec"]["completions"].as<int>(), 4);
  EXPECT_EQ(seg["spec"]["parallelism"].as<int>(), 4);
  EXPECT_EQ(seg["spec"]["backoffLimit"].as<int>(), 0);
  const YAML::Node pod = seg["spec"]["template"]["spec"];
  EXPECT_EQ(pod["restartPolicy"].as<std::string>(), "Never");
  const YAML::Node c = pod["containers"][0];
  EXPECT_EQ(c["image"].as<std::string>(), "registry.example.test/vitals:1");
  std::vector<std::string> args = c["args"].as<std::vector<std::string>>();
  const std::vector<std::string> want = {"load",
                                         "--coordinator",
                                         "vitals-steady-coordinator:7070",
                                         "--segment-index",
                                         "$(JOB_COMPLETION_INDEX)",
                                         "--segments",
                                         "4"};
  ASSERT_GE(args.size(), want.size());
  EXPECT_EQ(std::vector<std::string>(args.begin(), args.begin() + long(want.size())), want);
  const YAML::Node env = c["env"][0];
  EXPECT_EQ(env["name"].as<std::string>(), "VITALS_COORDINATOR_TOKEN");
  EXPECT_EQ(env["valueFrom"]["secretKeyRef"]["name"].as<std::string>(), "tok");
  EXPECT_EQ(env["valueFrom"]["secretKeyRef"]["key"].as<std::string>(), "token");
  // steady.yaml: 200 req/s peak over 4 segments, 1000 connections -> 250 each.
  EXPECT_EQ(c["resources"]["requests"]["cpu"].as<std::string>(), "250m");
  EXPECT_EQ(c["resources"]["requests"]["memory"].as<std::string>(), "144Mi");
  const YAML::Node anti =
      pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0];
  EXPECT_EQ(anti["podAffinityTerm"]["topologyKey"].as<std::string>(), "kubernetes.io/hostname");
  EXPECT_EQ(anti["podAffinityTerm"]["labelSelector"]["matchLabels"]["app.kubernetes.io/component"]
                .as<std::string>(),
            "segment");

  const YAML::Node coord = objs["Job/vitals-steady-coordinator"];
  EXPECT_EQ(coord["spec"]["backoffLimit"].as<int>(), 0);
  const YAML::Node cpod = coord["spec"]["template"]["spec"];
  std::vector<std::string> cargs = cpod["containers"][0]["args"].as<std::vector<std::string>>();
  ASSERT_GE(cargs.size(), 6u);
  EXPECT_EQ(cargs[0], "coordinate");
  EXPECT_EQ(cargs[1], "/scenario/steady.yaml");
  EXPECT_EQ(cargs[3], "4");
  bool pvc = false;
  for (const YAML::Node& v : cpod["volumes"]) {
    if (v["persistentVolumeClaim"]) {
      pvc = v["persistentVolumeClaim"]["claimName"].as<std::string>() == "vitals-steady-store";
    }
  }
  EXPECT_TRUE(pvc) << "the store lives on the coordinator's volume";
  const YAML::Node svc = objs["Service/vitals-steady-coordinator"];
  EXPECT_EQ(svc["spec"]["type"].as<std::string>(), "ClusterIP");
  EXPECT_EQ(svc["spec"]["ports"][0]["port"].as<int>(), 7070);
  EXPECT_EQ(svc["spec"]["selector"]["app.kubernetes.io/component"].as<std::string>(),
            "coordinator");
  const std::string scenario_text =
      objs["ConfigMap/vitals-steady-scenario"]["data"]["steady.yaml"].as<std::string>();
  EXPECT_THAT(scenario_text, HasSubstr("name: steady"));
}

TEST(K8sRender, BadInputIsRefused) {
  std::string out, err;
  EXPECT_EQ(RunVitals({"k8s", "render", kSteady, "--segments", "0", "--image", "i"}, &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("--segments 0"));
  EXPECT_EQ(RunVitals({"k8s", "render", kSteady, "--segments", "4"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("--image"));
  EXPECT_EQ(
      RunVitals({"k8s", "render", "/nonexistent/plan.yaml", "--segments", "4", "--image", "i"},
                &out, &err),
      2);
  EXPECT_THAT(err, HasSubstr("cannot read the scenario file"));
  // Kubernetes names: the Service adds "-coordinator" and must stay a 63-character label
  // that starts with a letter.
  EXPECT_EQ(RunVitals({"k8s", "render", kSteady, "--segments", "4", "--image", "i", "--name",
                       std::string(52, 'a'), "--out", "-"},
                      &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("at most 51 characters"));
  EXPECT_EQ(RunVitals({"k8s", "render", kSteady, "--segments", "4", "--image", "i", "--name",
                       "4load", "--out", "-"},
                      &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("starts with a letter"));
  EXPECT_EQ(RunVitals({"k8s", "render", kSteady, "--segments", "4", "--image", "i", "--name",
                       std::string(51, 'a'), "--out", "-"},
                      &out, &err),
            0)
      << err;
}

}  // namespace
}  // namespace vitals
