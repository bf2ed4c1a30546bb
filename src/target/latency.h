// Latency specs for the test target: what `--latency` accepts and how a
// response delay is drawn from it.
//
// Grammar (durations as in core/units.h: 250us, 2ms, 1.5s):
//   0 | none                          no added latency (the default)
//   DURATION | fixed:DURATION         every response delayed by DURATION
//   uniform:MIN..MAX                  uniform in [MIN, MAX]
//   lognormal:median=D,p99=D          log-normal with that median and 99th
//                                     percentile: mu = ln(median),
//                                     sigma = ln(p99/median) / 2.3263 (z of 0.99)
//   exp:mean=D                        exponential with that mean
// Keys of lognormal may come in any order.  Every sample is clamped to
// [0, kMaxLatencyNs] so a heavy tail can never overflow a deadline.
//
// Errors: InvalidArgument whose message quotes the spec and shows the
// expected form, e.g. "bad latency spec 'uniform:5ms': expected
// uniform:MIN..MAX, e.g. uniform:1ms..5ms".
// Thread-safety: LatencySpec is an immutable value after parsing;
// SampleLatencyNs touches only the caller's FastRng.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "target/rng.h"

namespace vitals {

// One hour: no sample exceeds this.
inline constexpr int64_t kMaxLatencyNs = 3'600'000'000'000;
// The standard normal quantile of 0.99, used to turn a p99 into sigma.
inline constexpr double kZ99 = 2.3263478740408408;

struct LatencySpec {
  enum class Kind { kNone, kFixed, kUniform, kLognormal, kExponential };
  Kind kind = Kind::kNone;
  int64_t fixed_ns = 0;               // kFixed
  int64_t min_ns = 0, max_ns = 0;     // kUniform
  int64_t median_ns = 0, p99_ns = 0;  // kLognormal (as given)
  double mu = 0, sigma = 0;           // kLognormal, of ln(latency in ns)
  int64_t mean_ns = 0;                // kExponential
};

Result<LatencySpec> ParseLatencySpec(std::string_view text);

// Canonical text of a spec ("0", "2ms", "uniform:1ms..5ms", ...); parses back
// to an equal spec.
std::string FormatLatencySpec(const LatencySpec& spec);

// One delay in nanoseconds, in [0, kMaxLatencyNs].
int64_t SampleLatencyNs(const LatencySpec& spec, FastRng& rng);

}  // namespace vitals
