#include "target/byte_size.h"

#include <strings.h>

#include <cctype>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace vitals {

Result<int64_t> ParseByteSize(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(fmt::format(
        "bad size '{}': {}; expected a number of bytes with an optional unit, e.g. 4096, 4KiB, "
        "1MB, 1GiB (KB/MB/GB = 1000^n, KiB/MiB/GiB = 1024^n)",
        text, why));
  };
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  if (i == 0) return bad("no number");
  const std::string number(text.substr(0, i));
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size()) return bad("not a number");
  const std::string unit(text.substr(i));
  struct Unit {
    const char* name;
    double factor;
  };
  static constexpr Unit kUnits[] = {{"", 1},
                                    {"b", 1},
                                    {"kb", 1e3},
                                    {"mb", 1e6},
                                    {"gb", 1e9},
                                    {"kib", 1024.0},
                                    {"mib", 1024.0 * 1024},
                                    {"gib", 1024.0 * 1024 * 1024}};
  for (const Unit& u : kUnits) {
    if (strcasecmp(unit.c_str(), u.name) != 0) continue;
    const double bytes = std::floor(value * u.factor);
    if (!(bytes <= double(int64_t(1) << 50))) return bad("larger than 1 PiB");
    return int64_t(bytes);
  }
  return bad(fmt::format("unknown unit '{}'", unit));
}

std::string FormatByteSize(int64_t bytes) {
  static constexpr const char* kNames[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = double(bytes);
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(kNames)) {
    v /= 1024;
    ++u;
  }
  return fmt::format("{:.4g} {}", v, kNames[u]);
}

}  // namespace vitals
