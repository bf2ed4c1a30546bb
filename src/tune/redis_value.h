// Comparing a Redis CONFIG value as a user writes it ("2gb", "100mb") with what CONFIG GET
// answers ("2147483648").  Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vitals {

// A Redis memory value in bytes, with Redis' units (memtoll, case-insensitive): b; k = 1000,
// kb = 1024; m = 1000^2, mb = 1024^2; g = 1000^3, gb = 1024^3; no suffix = bytes.  nullopt when
// it is not a non-negative integer with one of these suffixes.
std::optional<int64_t> RedisMemoryBytes(std::string_view value);

// True when `a` and `b` are the same CONFIG value: equal memory values in bytes when both
// parse as memory values, otherwise equal text.
bool RedisConfigEquals(std::string_view a, std::string_view b);

}  // namespace vitals
