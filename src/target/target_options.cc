#include "target/target_options.h"

#include <fmt/format.h>

namespace vitals {

Status ValidateTargetOptions(const TargetOptions& o) {
  if (o.threads < 1 || o.threads > kMaxTargetThreads) {
    return Status::InvalidArgument(
        fmt::format("--threads must be in 1..{}, got {}", kMaxTargetThreads, o.threads));
  }
  if (!(o.error_rate >= 0 && o.error_rate <= 1)) {
    return Status::InvalidArgument(fmt::format(
        "--error-rate must be a fraction in [0, 1] or a percent, got {}", o.error_rate));
  }
  if (o.error_status < 400 || o.error_status > 599) {
    return Status::InvalidArgument(fmt::format(
        "--error-status must be an HTTP error status in 400..599, got {}", o.error_status));
  }
  if (o.body_bytes > kMaxTargetBodyBytes) {
    return Status::InvalidArgument(fmt::format("--body-bytes must be at most {} (64 MiB), got {}",
                                               kMaxTargetBodyBytes, o.body_bytes));
  }
  if (o.limits.max_head_bytes < 256 || o.limits.max_head_bytes > (size_t(1) << 20)) {
    return Status::InvalidArgument(
        fmt::format("--max-header-bytes must be in 256..1048576, got {}", o.limits.max_head_bytes));
  }
  if (o.limits.max_body_bytes < 0) {
    return Status::InvalidArgument("--max-request-body must not be negative");
  }
  return Status::Ok();
}

}  // namespace vitals
