#include "target/stall_schedule.h"

#include <fmt/format.h>

#include "core/units.h"

namespace vitals {

Result<StallSchedule> StallSchedule::Make(int64_t stall_ns, int64_t every_ns) {
  if (stall_ns <= 0 || every_ns <= 0) {
    return Status::InvalidArgument(
        "--stall and --stall-every must both be given and greater than 0, e.g. "
        "--stall 500ms --stall-every 5s");
  }
  if (stall_ns >= every_ns) {
    return Status::InvalidArgument(fmt::format(
        "--stall ({}) must be shorter than --stall-every ({}); otherwise the target never answers",
        FormatDurationUs(double(stall_ns) / 1e3), FormatDurationUs(double(every_ns) / 1e3)));
  }
  return StallSchedule(stall_ns, every_ns);
}

}  // namespace vitals
