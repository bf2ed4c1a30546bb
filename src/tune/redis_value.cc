#include "tune/redis_value.h"

#include <cctype>
#include <limits>
#include <string>

namespace vitals {

std::optional<int64_t> RedisMemoryBytes(std::string_view value) {
  size_t i = 0;
  int64_t n = 0;
  while (i < value.size() && std::isdigit(static_cast<unsigned char>(value[i]))) {
    const int d = value[i] - '0';
    if (n > (std::numeric_limits<int64_t>::max() - d) / 10) return std::nullopt;
    n = n * 10 + d;
    ++i;
  }
  if (i == 0) return std::nullopt;
  std::string unit;
  for (char c : value.substr(i)) {
    unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  int64_t mul = 0;
  if (unit.empty() || unit == "b") {
    mul = 1;
  } else if (unit == "k") {
    mul = 1000;
  } else if (unit == "kb") {
    mul = 1024;
  } else if (unit == "m") {
    mul = 1000 * 1000;
  } else if (unit == "mb") {
    mul = 1024 * 1024;
  } else if (unit == "g") {
    mul = int64_t{1000} * 1000 * 1000;
  } else if (unit == "gb") {
    mul = int64_t{1024} * 1024 * 1024;
  } else {
    return std::nullopt;
  }
  if (n > std::numeric_limits<int64_t>::max() / mul) return std::nullopt;
  return n * mul;
}

bool RedisConfigEquals(std::string_view a, std::string_view b) {
  if (a == b) return true;
  auto x = RedisMemoryBytes(a), y = RedisMemoryBytes(b);
  return x && y && *x == *y;
}

}  // namespace vitals
