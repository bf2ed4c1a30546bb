#include "observe/observer.h"

#include <fmt/format.h>
#include <time.h>

#include <chrono>

#include "core/clock.h"
#include "core/redact.h"

namespace vitals {
namespace {

constexpr size_t kMaxErrors = 5;

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

}  // namespace

Result<ObserveSpec> ParseObserveSpec(const std::string& arg) {
  ObserveSpec spec;
  const size_t eq = arg.find('=');
  spec.component = arg.substr(0, eq);
  if (eq != std::string::npos) spec.target = arg.substr(eq + 1);
  const std::string shown = RedactSecrets(arg);
  if (arg.find("://") != std::string::npos && arg.find("://") < eq) {
    const std::string scheme = arg.substr(0, arg.find("://"));
    const std::string hint = scheme.rfind("postgres", 0) == 0 ? "postgres"
                             : scheme.rfind("redis", 0) == 0  ? "redis"
                                                              : "prometheus";
    return Status::InvalidArgument(fmt::format(
        "--observe {}: say which component it is: --observe {}={}", shown, hint, shown));
  }
  if (spec.component == "host") {
    if (!spec.target.empty() && spec.target.find(' ') != std::string::npos) {
      return Status::InvalidArgument(
          fmt::format("--observe {}: this looks like a libpq DSN; write --observe 'postgres={}'",
                      shown, shown));
    }
    if (!spec.target.empty()) {
      return Status::InvalidArgument(fmt::format(
          "--observe {}: host takes no value (it reads this machine's /proc); write --observe "
          "host",
          shown));
    }
    return spec;
  }
  if (spec.component != "postgres" && spec.component != "redis" && spec.component != "prometheus") {
    return Status::InvalidArgument(fmt::format(
        "--observe {}: unknown component '{}'; expected host, postgres=DSN, redis=URL or "
        "prometheus=URL (e.g. --observe prometheus=http://127.0.0.1:8080/metrics)",
        shown, RedactSecrets(spec.component)));
  }
  if (spec.target.empty()) {
    return Status::InvalidArgument(
        fmt::format("--observe {}: expected {}=<{}> (e.g. {})", shown, spec.component,
                    spec.component == "postgres" ? "DSN" : "URL",
                    spec.component == "postgres" ? "postgres=postgresql://app@127.0.0.1:5432/shop"
                    : spec.component == "redis"  ? "redis=redis://127.0.0.1:6379"
                                                 : "prometheus=http://127.0.0.1:9090"));
  }
  return spec;
}

std::unique_ptr<Observer> Observer::Start(std::vector<std::unique_ptr<Sampler>> samplers,
                                          int64_t period_ns, int64_t start_mono_ns) {
  std::unique_ptr<Observer> o(new Observer());
  o->period_ns_ = period_ns;
  o->start_ns_ = start_mono_ns;
  o->samplers_ = std::move(samplers);
  o->results_.resize(o->samplers_.size());
  for (size_t i = 0; i < o->samplers_.size(); ++i) {
    o->results_[i].component = o->samplers_[i]->component();
    o->results_[i].description = o->samplers_[i]->Describe();
  }
  for (size_t i = 0; i < o->samplers_.size(); ++i) {
    o->threads_.emplace_back([p = o.get(), i] { p->Loop(i); });
  }
  return o;
}

Observer::~Observer() {
  if (!threads_.empty()) Stop();
}

void Observer::Loop(size_t index) {
  Sampler& sampler = *samplers_[index];
  const double cpu0 = ThreadCpuSeconds();
  int64_t k = 0;
  for (;;) {
    const int64_t due = start_ns_ + k * period_ns_;
    {
      std::unique_lock<std::mutex> lock(mu_);
      const int64_t wait = due - MonotonicNs();
      if (wait > 0) cv_.wait_for(lock, std::chrono::nanoseconds(wait), [&] { return stop_; });
      if (stop_) break;
    }
    const int64_t t0 = MonotonicNs();
    Result<Collection> c = [&]() -> Result<Collection> {
      try {
        return sampler.Sample();
      } catch (const std::exception& e) {
        return Status::Internal(std::string("sampler failed: ") + e.what());
      }
    }();
    const int64_t t1 = MonotonicNs();
    {
      std::lock_guard<std::mutex> lock(mu_);
      ObservedComponent& r = results_[index];
      r.max_sample_s = std::max(r.max_sample_s, double(t1 - t0) / 1e9);
      const double t_s = double(t1 - start_ns_) / 1e9;
      if (c.ok()) {
        ++r.ok;
        if (!c->facts.empty()) r.samples.push_back({t_s, std::move(*c)});
      } else {
        ++r.failed;
        if (r.errors.size() < kMaxErrors) {
          r.errors.push_back(fmt::format("at {:.1f}s: {}", t_s, c.status().message()));
        }
      }
      results_[index].cpu_s = ThreadCpuSeconds() - cpu0;
    }
    // The next grid point after now: a slow reading skips what it missed.
    const int64_t next = (MonotonicNs() - start_ns_) / period_ns_ + 1;
    k = std::max(k + 1, next);
  }
}

std::vector<ObservedComponent> Observer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  std::lock_guard<std::mutex> lock(mu_);
  return std::move(results_);
}

}  // namespace vitals
