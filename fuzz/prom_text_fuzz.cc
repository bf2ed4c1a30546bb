// Fuzz target for the Prometheus exposition parser: any byte string must
// either parse or give a line-numbered kParse error, never crash or hang.
// Parsed pages also go through the golden-signal derivation, which must cope
// with whatever families the parser accepted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collect/prom_text.h"
#include "collect/prometheus.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = vitals::ParsePromText(text);
  if (!parsed.ok()) {
    if (parsed.status().code() != vitals::Status::Code::kParse ||
        parsed.status().message().rfind("line ", 0) != 0) {
      std::abort();  // every rejection must name its line
    }
    return 0;
  }
  for (const auto& family : parsed.value()) {
    if (!vitals::IsValidMetricName(family.name)) std::abort();
  }
  // The same page twice, and an empty page followed by it (every series new).
  auto same = vitals::GoldenSignalsFromScrapes({text, 0}, {text, 1000}, {});
  auto fresh = vitals::GoldenSignalsFromScrapes({"", 0}, {text, 1000}, {});
  if (!same.ok() || !fresh.ok()) std::abort();
  return 0;
}
