// Helpers shared by the Prometheus collector tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace vitals::testing {

// Contents of tests/fixtures/prometheus/<name>; empty when missing (the test
// then fails on its own assertions, with the name in the message).
inline std::string ReadPromFixture(const std::string& name) {
  std::ifstream in(std::string(VITALS_SOURCE_DIR) + "/tests/fixtures/prometheus/" + name,
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace vitals::testing
