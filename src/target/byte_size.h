// Byte sizes on the target's command line: --leak 1MB/10s, --leak-max 1GiB,
// --cache-value-size 4KiB.
//
// Grammar: NUMBER[UNIT], NUMBER an unsigned decimal (fractions allowed: 1.5MB), UNIT one of
// B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), case-insensitive; no unit
// means bytes.  The result is rounded down to whole bytes and must fit in 2^50 (1 PiB).
// Errors: InvalidArgument quoting the text and showing the form ("expected e.g. 4KiB, 1MB").
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vitals {

Result<int64_t> ParseByteSize(std::string_view text);

// "4 KiB", "1 MiB", "1.5 GiB", "512 B": binary units, at most 3 significant decimals.
std::string FormatByteSize(int64_t bytes);

}  // namespace vitals
