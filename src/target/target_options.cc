#include "target/target_options.h"

#include <fmt/format.h>

namespace vitals {
namespace {

// --leak, --cache and the backends (issue 17's failure modes).
Status ValidateModeOptions(const TargetOptions& o) {
  if (o.leak.enabled() && o.leak.max_bytes < 1) {
    return Status::InvalidArgument("--leak-max must be more than 0 bytes");
  }
  if (o.cache.enabled() && o.backend.enabled()) {
    return Status::InvalidArgument(
        "--cache models a cache inside the target; --redis / --postgres call a real server: "
        "use one of them");
  }
  if (o.cache.capacity < 0) {
    return Status::InvalidArgument(
        fmt::format("--cache must be a number of entries >= 1, got {}", o.cache.capacity));
  }
  if (!(o.cache.keys_per_rps >= 0 && o.cache.keys_per_rps <= 1e6)) {
    return Status::InvalidArgument(
        fmt::format("--cache-keys-per-rps must be in [0, 1000000], got {}", o.cache.keys_per_rps));
  }
  if (o.cache.value_bytes < 0 || o.cache.value_bytes > (int64_t(64) << 20)) {
    return Status::InvalidArgument(
        fmt::format("--cache-value-size must be in 0..64MiB, got {} bytes", o.cache.value_bytes));
  }
  if (o.backend.kind == BackendOptions::Kind::kPostgres && o.backend.sql.empty()) {
    return Status::InvalidArgument("--sql must not be empty (e.g. --sql 'SELECT 1')");
  }
  if (o.backend.sql_param_max < 1) {
    return Status::InvalidArgument(
        fmt::format("--sql-param-max must be >= 1, got {}", o.backend.sql_param_max));
  }
  if (o.backend.redis_keys < 0) {
    return Status::InvalidArgument(
        fmt::format("--redis-keys must be >= 1, got {}", o.backend.redis_keys));
  }
  return Status::Ok();
}

}  // namespace

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
  return ValidateModeOptions(o);
}

}  // namespace vitals
