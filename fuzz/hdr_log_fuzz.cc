// Fuzz target for DecodeCompressedV2 and ParseHdrLog (core/hdr_log.h).
// Asserts: no crash, no unbounded allocation (the reader's caps), and that a histogram that
// decodes re-encodes to one that decodes to the same counts and summary values.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/hdr_log.h"

namespace {
void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckRoundTrip(const vitals::Histogram& h) {
  vitals::Result<vitals::Histogram> again =
      vitals::DecodeCompressedV2(vitals::EncodeCompressedV2(h));
  Check(again.ok());
  Check(again->EqualCounts(h));
  Check(again->Max() == h.Max() && again->Min() == h.Min());
  (void)h.ValueAtPercentile(99.9);
  (void)h.Mean();
  (void)h.Stddev();
  Check(h.PercentileIteration(5).empty() == (h.TotalCount() == 0));
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  vitals::Result<vitals::Histogram> h = vitals::DecodeCompressedV2(text);
  if (h.ok()) CheckRoundTrip(*h);

  vitals::HdrLogReadOptions opts;
  opts.max_total_counts_bytes = int64_t{64} << 20;  // keep replays fast under ASan
  vitals::Result<vitals::HdrLog> log = vitals::ParseHdrLog(text, opts);
  if (log.ok()) {
    for (const vitals::LogInterval& iv : log->intervals) CheckRoundTrip(iv.histogram);
  } else {
    Check(!log.status().message().empty());
  }
  return 0;
}
