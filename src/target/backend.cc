#include "target/backend.h"

#include <cstdio>

#include <fmt/format.h>

#include "core/redact.h"

namespace vitals {

BackendAnswer Backend::Fail(const std::string& what) {
  Bump(errors_);
  if (!reported_) {
    reported_ = true;
    std::fprintf(stderr,
                 "vitals target: %s call failed: %s (answered 503; counted in "
                 "vitals_target_backend_requests_total{result=\"error\"}; later failures of this "
                 "thread are not printed)\n",
                 name_, RedactSecrets(what).c_str());
  }
  return BackendAnswer{503, "error", -1};
}

Result<std::unique_ptr<Backend>> ConnectBackend(const BackendOptions& options, int thread,
                                                int64_t value_bytes) {
  switch (options.kind) {
    case BackendOptions::Kind::kRedis:
      return detail::ConnectRedisBackend(options, thread, value_bytes);
    case BackendOptions::Kind::kPostgres:
      return detail::ConnectPostgresBackend(options, thread);
    case BackendOptions::Kind::kNone:
      break;
  }
  return Status::InvalidArgument("no backend configured");
}

void AppendBackendMetrics(std::span<const Backend* const> backends, std::string* out) {
  if (backends.empty()) return;
  uint64_t hits = 0, misses = 0, oks = 0, errors = 0;
  for (const Backend* b : backends) {
    hits += b->hits();
    misses += b->misses();
    oks += b->oks();
    errors += b->errors();
  }
  const std::string_view name = backends.front()->name();  // one kind per target
  auto it = std::back_inserter(*out);
  fmt::format_to(it,
                 "# HELP vitals_target_backend_requests_total Backend calls made by requests "
                 "(--redis: hit/miss of the cache-aside GET; --postgres: ok), and failed calls "
                 "(answered 503).\n"
                 "# TYPE vitals_target_backend_requests_total counter\n");
  auto line = [&](std::string_view result, uint64_t v) {
    fmt::format_to(it, "vitals_target_backend_requests_total{{backend=\"{}\",result=\"{}\"}} {}\n",
                   name, result, v);
  };
  if (name == "redis") {
    line("hit", hits);
    line("miss", misses);
  } else {
    line("ok", oks);
  }
  line("error", errors);
}

}  // namespace vitals
