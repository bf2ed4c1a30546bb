#include "target/latency.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "core/units.h"

namespace vitals {
namespace {

Status Bad(std::string_view text, std::string_view expected) {
  return Status::InvalidArgument(fmt::format("bad latency spec '{}': {}", text, expected));
}

// A duration inside a spec; the error names the whole spec and the part.
Result<int64_t> Duration(std::string_view spec, std::string_view part, std::string_view what) {
  auto d = ParseDurationNs(part);
  if (!d.ok()) {
    return Bad(spec, fmt::format("{} '{}' is not a duration; expected a number and a unit "
                                 "(ns, us, ms, s), e.g. 2ms",
                                 what, part));
  }
  if (*d > kMaxLatencyNs) {
    return Bad(spec, fmt::format("{} '{}' is longer than the 1h limit", what, part));
  }
  return *d;
}

std::string Dur(int64_t ns) {
  // Exact, short forms so FormatLatencySpec round-trips.
  if (ns == 0) return "0";
  if (ns % 1'000'000'000 == 0) return fmt::format("{}s", ns / 1'000'000'000);
  if (ns % 1'000'000 == 0) return fmt::format("{}ms", ns / 1'000'000);
  if (ns % 1'000 == 0) return fmt::format("{}us", ns / 1'000);
  return fmt::format("{}ns", ns);
}

constexpr std::string_view kForms =
    "expected 0, a duration (2ms), uniform:MIN..MAX, lognormal:median=D,p99=D or exp:mean=D";

Result<LatencySpec> ParseUniform(std::string_view text, std::string_view args) {
  constexpr std::string_view kExpected = "expected uniform:MIN..MAX, e.g. uniform:1ms..5ms";
  size_t dots = args.find("..");
  if (dots == std::string_view::npos) return Bad(text, kExpected);
  auto lo = Duration(text, args.substr(0, dots), "MIN");
  if (!lo.ok()) return lo.status();
  auto hi = Duration(text, args.substr(dots + 2), "MAX");
  if (!hi.ok()) return hi.status();
  if (*lo > *hi) {
    return Bad(text, fmt::format("MIN ({}) must not exceed MAX ({})", Dur(*lo), Dur(*hi)));
  }
  LatencySpec s;
  s.kind = LatencySpec::Kind::kUniform;
  s.min_ns = *lo;
  s.max_ns = *hi;
  return s;
}

Result<LatencySpec> ParseLognormal(std::string_view text, std::string_view args) {
  constexpr std::string_view kExpected =
      "expected lognormal:median=D,p99=D, e.g. lognormal:median=2ms,p99=20ms";
  int64_t median = -1, p99 = -1;
  while (!args.empty()) {
    size_t comma = args.find(',');
    std::string_view kv = args.substr(0, comma);
    args = comma == std::string_view::npos ? std::string_view() : args.substr(comma + 1);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) return Bad(text, kExpected);
    std::string_view key = kv.substr(0, eq), value = kv.substr(eq + 1);
    int64_t* slot = key == "median" ? &median : key == "p99" ? &p99 : nullptr;
    if (slot == nullptr) {
      return Bad(text, fmt::format("unknown key '{}'; {}", key, kExpected));
    }
    auto d = Duration(text, value, key);
    if (!d.ok()) return d.status();
    *slot = *d;
  }
  if (median < 0 || p99 < 0) return Bad(text, kExpected);
  if (median == 0) return Bad(text, "median must be greater than 0");
  if (p99 < median) {
    return Bad(text,
               fmt::format("p99 ({}) must be at least the median ({})", Dur(p99), Dur(median)));
  }
  LatencySpec s;
  s.kind = LatencySpec::Kind::kLognormal;
  s.median_ns = median;
  s.p99_ns = p99;
  s.mu = std::log(double(median));
  s.sigma = std::log(double(p99) / double(median)) / kZ99;
  return s;
}

Result<LatencySpec> ParseExponential(std::string_view text, std::string_view args) {
  constexpr std::string_view kExpected = "expected exp:mean=D, e.g. exp:mean=5ms";
  if (args.substr(0, 5) != "mean=") return Bad(text, kExpected);
  auto mean = Duration(text, args.substr(5), "mean");
  if (!mean.ok()) return mean.status();
  if (*mean == 0) return Bad(text, "mean must be greater than 0");
  LatencySpec s;
  s.kind = LatencySpec::Kind::kExponential;
  s.mean_ns = *mean;
  return s;
}

}  // namespace

Result<LatencySpec> ParseLatencySpec(std::string_view text) {
  if (text.empty()) return Bad(text, kForms);
  if (text == "0" || text == "none") return LatencySpec{};
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    auto d = ParseDurationNs(text);
    if (!d.ok()) return Bad(text, kForms);
    if (*d > kMaxLatencyNs) return Bad(text, "longer than the 1h limit");
    LatencySpec s;
    if (*d > 0) {
      s.kind = LatencySpec::Kind::kFixed;
      s.fixed_ns = *d;
    }
    return s;
  }
  std::string_view kind = text.substr(0, colon), args = text.substr(colon + 1);
  if (kind == "fixed") {
    auto d = Duration(text, args, "the delay");
    if (!d.ok()) return d.status();
    LatencySpec s;
    if (*d > 0) {
      s.kind = LatencySpec::Kind::kFixed;
      s.fixed_ns = *d;
    }
    return s;
  }
  if (kind == "uniform") return ParseUniform(text, args);
  if (kind == "lognormal") return ParseLognormal(text, args);
  if (kind == "exp" || kind == "exponential") return ParseExponential(text, args);
  return Bad(text, fmt::format("unknown distribution '{}'; {}", kind, kForms));
}

std::string FormatLatencySpec(const LatencySpec& s) {
  switch (s.kind) {
    case LatencySpec::Kind::kNone:
      return "0";
    case LatencySpec::Kind::kFixed:
      return Dur(s.fixed_ns);
    case LatencySpec::Kind::kUniform:
      return fmt::format("uniform:{}..{}", Dur(s.min_ns), Dur(s.max_ns));
    case LatencySpec::Kind::kLognormal:
      return fmt::format("lognormal:median={},p99={}", Dur(s.median_ns), Dur(s.p99_ns));
    case LatencySpec::Kind::kExponential:
      return fmt::format("exp:mean={}", Dur(s.mean_ns));
  }
  return "0";
}

int64_t SampleLatencyNs(const LatencySpec& s, FastRng& rng) {
  double ns = 0;
  switch (s.kind) {
    case LatencySpec::Kind::kNone:
      return 0;
    case LatencySpec::Kind::kFixed:
      return s.fixed_ns;
    case LatencySpec::Kind::kUniform:
      return s.min_ns + int64_t(rng.NextDouble() * double(s.max_ns - s.min_ns + 1));
    case LatencySpec::Kind::kLognormal: {
      // Box-Muller; one normal per call keeps the sampler stateless.
      double u1 = rng.NextDoubleOpenLow(), u2 = rng.NextDouble();
      double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
      ns = std::exp(s.mu + s.sigma * z);
      break;
    }
    case LatencySpec::Kind::kExponential:
      ns = -double(s.mean_ns) * std::log(rng.NextDoubleOpenLow());
      break;
  }
  return int64_t(std::clamp(ns, 0.0, double(kMaxLatencyNs)));
}

}  // namespace vitals
