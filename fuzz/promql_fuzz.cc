// Fuzzes the PromQL parser and evaluator (src/promql): any input must either
// parse or yield an error that names its column, and a parsed expression must
// evaluate (or fail with a Status) without crashing over a small store with
// counters, gauges, buckets, NaN, Inf and a staleness marker.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "promql/engine.h"
#include "promql/parser.h"
#include "promql/sample_store.h"

namespace {

const vitals::promql::SampleStore& Store() {
  static vitals::promql::SampleStore* store = [] {
    using vitals::promql::Labels;
    auto* s = new vitals::promql::SampleStore();
    const double kInf = std::numeric_limits<double>::infinity();
    for (int i = 0; i < 10; ++i) {
      int64_t t = i * 15'000;
      (void)s->Append(Labels({{"__name__", "c"}, {"job", "a"}}), t, i * 10.0);
      (void)s->Append(Labels({{"__name__", "c"}, {"job", "b"}}), t, i % 3);
      (void)s->Append(Labels({{"__name__", "g"}, {"job", "a"}}), t, i == 5 ? kInf : -i * 0.5);
      (void)s->Append(Labels(std::vector<vitals::promql::Label>{{"__name__", "n"}}), t,
                      i == 9 ? vitals::promql::StaleNaN() : std::nan(""));
      for (const char* le : {"0.1", "1", "+Inf", "x"}) {
        (void)s->Append(Labels({{"__name__", "h_bucket"}, {"le", le}}), t, i * 2.0);
      }
    }
    return s;
  }();
  return *store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto expr = vitals::promql::Parse(text);
  if (!expr.ok()) {
    if (expr.status().message().rfind("col ", 0) != 0) __builtin_trap();  // errors name a column
    return 0;
  }
  (void)vitals::promql::Format(*expr.value());
  (void)vitals::promql::EvalInstant(*expr.value(), Store(), 120'000);
  if (expr.value()->type == vitals::promql::ValueType::kVector ||
      expr.value()->type == vitals::promql::ValueType::kScalar) {
    (void)vitals::promql::EvalRange(*expr.value(), Store(), 0, 150'000, 30'000);
  }
  return 0;
}
