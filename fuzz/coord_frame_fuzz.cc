// Fuzz target for the coordinator protocol's frame reader (load/coord_protocol.h) and the
// interval payload decoder.  The input is a byte stream fed in two parts at a split the
// first byte picks.  Asserts: no crash; the reader never holds more than the bytes fed;
// every frame it hands out has a payload within kMaxFramePayload; after an error the reader
// is not used again; an interval frame's samples decode or fail with a message.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "load/coord_protocol.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t split = size > 1 ? 1 + data[0] % (size - 1) : 1;
  const char* bytes = reinterpret_cast<const char*>(data);
  vitals::FrameReader reader;
  size_t fed = 0;
  for (auto [from, to] : {std::pair{size_t(1), split}, std::pair{split, size}}) {
    if (to < from) continue;
    reader.Feed(bytes + from, to - from);
    fed += to - from;
    for (;;) {
      auto f = reader.Next();
      Check(reader.buffered() <= fed);
      if (!f.ok()) {
        Check(!f.status().message().empty());
        return 0;
      }
      if (!f->has_value()) break;
      const vitals::Frame& frame = **f;
      Check(frame.payload.size() <= vitals::kMaxFramePayload);
      auto j = frame.Json();
      if (j.ok() && frame.kind == uint8_t(vitals::FrameKind::kInterval) && j->contains("samples")) {
        auto samples = vitals::IntervalsFromJson((*j)["samples"]);
        if (!samples.ok()) Check(!samples.status().message().empty());
      }
    }
  }
  (void)reader.AtEnd();
  return 0;
}
