// vitals tune --apply --validate scenario.yaml|URL: a baseline load, the apply, --settle, the
// same load again, the pair gated with the default gate policy (gate/policy.h); a regression
// (gate FAIL) or a failed health check (the second load failing outright, or its error rate
// breaking the policy) rolls the backup back automatically.  The comparison is printed either
// way; the backup's note and audit log record what happened.  Lives in the CLI because it runs
// loads (load/engine.h) and the gate, which the tune layer must not depend on.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "store/store.h"
#include "tune/plan.h"
#include "tune/session.h"

namespace vitals::cli {

struct ValidateFlags {
  std::string target;  // scenario file or URL; "" = no validation
  std::string settle = "10s";
  std::string duration = "10s";  // URL target only (a scenario has its own phases)
  double rate = 0;               // URL target: open model when > 0
  int connections = 10;          // URL target, closed model
  bool ignore_environment = false;
  bool enabled() const { return !target.empty(); }
};

void AddValidateFlags(CLI::App& app, ValidateFlags* f);
// "" or the usage error.
std::string CheckValidateFlags(const ValidateFlags& f);

// Runs the validation loop around ApplyPlan.  Exit codes: 0 applied and the gate passed;
// 99 regression, rolled back; 1 a load or the apply failed (rolled back when applied), or the
// rollback was incomplete; 2 the gate could not decide (the change is kept; the message says
// how to roll back).
int RunValidated(const ValidateFlags& f, TuneSession& session, const Plan& plan, Store& store,
                 bool json);

}  // namespace vitals::cli
