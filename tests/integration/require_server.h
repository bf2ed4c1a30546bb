// Integration tests need real servers (nginx, PostgreSQL, Redis, Chromium) that scripts/test
// starts or installs.  Run alone, a test without its server skips with a message saying how
// to provide it; under scripts/test (VITALS_REQUIRE_SERVERS=1) a missing server is a failure,
// so CI can never pass by skipping.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace vitals::testing {

inline bool ServersRequired() {
  const char* v = std::getenv("VITALS_REQUIRE_SERVERS");
  return v != nullptr && std::string(v) == "1";
}

// The value of environment variable `name`, or "" when unset or empty.
inline std::string EnvOrEmpty(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

}  // namespace vitals::testing

// Skips (or fails under VITALS_REQUIRE_SERVERS=1) the current test when `available` is false.
// `what` names the server, `how` says how to start or install it.  Use in a TEST body or SetUp.
#define VITALS_REQUIRE(available, what, how)                                             \
  do {                                                                                   \
    if (!(available)) {                                                                  \
      if (::vitals::testing::ServersRequired()) {                                        \
        FAIL() << "VITALS_REQUIRE_SERVERS=1 but " << (what) << " is missing; " << (how); \
      }                                                                                  \
      GTEST_SKIP() << (what) << " is missing (" << (how) << ")";                         \
    }                                                                                    \
  } while (0)

// The common case: a server whose address the test script exports in `env_var`.
#define VITALS_REQUIRE_SERVER(env_var, how) \
  VITALS_REQUIRE(!::vitals::testing::EnvOrEmpty(env_var).empty(), env_var, how)
