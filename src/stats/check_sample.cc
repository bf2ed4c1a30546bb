#include <cmath>
#include <string>

#include <fmt/format.h>

#include "stats/detail.h"

namespace vitals::stats::detail {

Status CheckSample(std::span<const double> sample, std::string_view side, size_t min_size,
                   std::string_view test) {
  if (sample.size() < min_size) {
    return Status::InvalidArgument(
        fmt::format("sample {} has {} value{}; {} needs at least {} per side (run longer or use "
                    "a shorter reporting interval)",
                    side, sample.size(), sample.size() == 1 ? "" : "s", test, min_size));
  }
  for (size_t i = 0; i < sample.size(); ++i) {
    if (!std::isfinite(sample[i])) {
      // One bad value would silently corrupt ranks or means, so refuse the whole sample.
      return Status::InvalidArgument(
          fmt::format("sample {} value #{} is {}; {} needs finite values (drop intervals with "
                      "no data before comparing)",
                      side, i, std::isnan(sample[i]) ? "NaN" : "infinite", test));
    }
  }
  return Status::Ok();
}

}  // namespace vitals::stats::detail
