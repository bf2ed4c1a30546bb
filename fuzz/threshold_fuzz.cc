// Fuzz target for ParseThreshold and threshold evaluation.
// Asserts: no crash; an error names the column; a parsed threshold keeps its text, parses
// again to the same meaning, and evaluates (whole run and windows) on a small run without
// crashing, with a verdict that names it.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "load/thresholds.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

const vitals::LoadResult& SmallRun() {
  static const vitals::LoadResult r = [] {
    vitals::LoadResult r;
    r.requests = 40;
    r.errors = 2;
    r.error_rate = 0.05;
    r.rate_achieved = 10;
    r.duration_s = 4;
    r.status_codes = {{200, 38}, {503, 2}};
    vitals::PhaseResult p;
    p.name = "steady";
    p.duration_s = 4;
    p.requests = 40;
    for (int i = 0; i < 4; ++i) {
      vitals::IntervalSample s;
      s.start_s = i;
      s.phase = "steady";
      s.requests = 10;
      s.errors = i == 2 ? 2 : 0;
      s.latency_corrected.RecordN(1000 * (i + 1), 10);
      s.latency_uncorrected.RecordN(1000, 10);
      (void)r.latency_corrected.Add(s.latency_corrected);
      (void)p.latency_corrected.Add(s.latency_corrected);
      r.intervals.push_back(s);
      s.request = "login";
      r.intervals.push_back(s);
    }
    r.phases.push_back(p);
    return r;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  vitals::Result<vitals::Threshold> t = vitals::ParseThreshold(text);
  if (!t.ok()) {
    Check(t.status().message().find(" at column ") != std::string::npos);
    return 0;
  }
  Check(!t->expr.empty());
  Check(t->window_ns >= 0);
  Check(t->limit >= 0);
  vitals::Result<vitals::Threshold> again = vitals::ParseThreshold(t->expr);
  Check(again.ok());
  Check(again->metric == t->metric && again->op == t->op && again->limit == t->limit &&
        again->window_ns == t->window_ns && again->phase == t->phase &&
        again->request == t->request && again->uncorrected == t->uncorrected);

  vitals::Threshold abort = *t;
  abort.abort_on_fail = true;
  (void)vitals::ShouldAbort(abort, SmallRun().intervals);
  vitals::ThresholdVerdict v = vitals::Evaluate(*t, SmallRun());
  Check(v.expr == t->expr);
  Check(!v.message.empty());
  Check(v.has_value || !v.ok);
  Check(v.windows_failed <= v.windows);
  (void)vitals::ThresholdsJson({v}).dump();
  return 0;
}
