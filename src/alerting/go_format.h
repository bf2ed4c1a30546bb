// Go's number and duration formatting, as Prometheus prints them in alert
// templates ({{ $value }}, humanize, printf) and as promtool prints values
// and times in its test diffs.  vitals must print the same bytes so that an
// annotation reads the same whether Prometheus or vitals expanded it.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vitals::alerting {

// strconv.FormatFloat(v, 'g', -1, 64), which is also fmt's %v for a float64:
// the shortest digits that round-trip, in exponent form when the decimal
// exponent is < -4 or >= 6 ("1e+06", "123456", "1e-05", "+Inf", "NaN").
std::string GoFloat(double v);

// strconv.FormatFloat(v, 'E', -1, 64): "2E+00", "1.5E-01" (promtool diffs).
std::string GoFloatE(double v);

// fmt.Sprintf("%.<prec>g", v) ("1.235M" uses %.4g): C's %g except for
// infinities ("+Inf", "-Inf") and NaN ("NaN").
std::string GoPrecG(double v, int prec);

// time.Duration(ms).String(): "0s", "1m30s", "2h0m0s", "500ms".
std::string GoDuration(int64_t ms);

// model.Duration(ms).String() as promtool prints eval times: "10m",
// "1h30m", "0s".
std::string PromDurationString(int64_t ms);

// Go's %q for a string: double quotes, Go escapes.
std::string GoQuote(std::string_view s);

}  // namespace vitals::alerting
