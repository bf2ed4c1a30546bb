// Parsing and printing of the units users type: durations, rates, percents.
//
// Grammar (whitespace not allowed inside a value):
//   duration := number unit   unit in {ns, us, ms, s, m, h}; "0" alone is allowed.
//               A bare number is rejected (ambiguous) unless the caller
//               passes a default unit.
//   percent  := number "%"  |  number   (a bare number is a fraction: 0.01 == 1%)
// Errors are InvalidArgument with a message that quotes the input and says
// what was expected.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vitals {

// "250ms" -> 250'000'000.  default_unit_ns > 0 accepts a bare number in that unit.
Result<int64_t> ParseDurationNs(std::string_view text, int64_t default_unit_ns = 0);
// Fraction in [0, 1] from "1%", "0.5%" or "0.01".
Result<double> ParseFraction(std::string_view text);
// Plain finite double; whole text must be consumed.
Result<double> ParseDouble(std::string_view text);
// Non-negative integer; whole text must be consumed.
Result<int64_t> ParseInt(std::string_view text);

// A point in time as Unix milliseconds: RFC 3339 ("2026-12-06T01:02:03Z",
// "2026-12-06T02:02:03.5+01:00"; a space may replace the T), Unix seconds ("1796519689",
// "1796519689.25"), "now", or "now-DURATION" / "now+DURATION" ("now-15m").  `now_unix_ms` is the
// clock's reading for "now".  InvalidArgument quoting the text and listing the forms.
Result<int64_t> ParseTimeMs(std::string_view text, int64_t now_unix_ms);

// Human form of a duration, 3 significant digits: "950us", "1.25ms", "2.00s".
std::string FormatDurationUs(double us);
// A Unix time in milliseconds as "YYYY-MM-DD HH:MM:SS" in local time, or in UTC with " UTC"
// appended; "-" when unix_ms <= 0 (unknown).
std::string FormatLocalTimeMs(int64_t unix_ms);
std::string FormatUtcTimeMs(int64_t unix_ms);

}  // namespace vitals
