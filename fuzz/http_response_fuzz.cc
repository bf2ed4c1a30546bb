// Fuzz target for ResponseParser.
//
// Input layout: byte 0 = flags (bit 0: HEAD request, bit 1: feed EOF at the
// end, bits 2-3: header limit 64 KiB / 64 / 256 / 4 KiB), then the bytes the
// "server" sends.  The stream is parsed as pipelined responses twice: in one
// Feed() and in pseudo-random splits derived from the input.  Asserts: no
// crash, Feed() never consumes more than offered, the split-line buffer stays
// within the limit, and both runs give identical results.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "load/http_response_parser.h"

namespace {

using vitals::ResponseParser;

struct Outcome {
  int state, error, status, interim;
  uint64_t body;
  bool keep_alive, chunked;
  bool operator==(const Outcome&) const = default;
};

void Check(bool ok) {
  if (!ok) std::abort();
}

std::vector<Outcome> Run(std::string_view bytes, bool head, bool eof, size_t limit, uint64_t seed) {
  std::vector<Outcome> out;
  ResponseParser p(limit);
  p.Reset(head);
  size_t off = 0;
  while (off < bytes.size()) {
    size_t piece = bytes.size() - off;
    if (seed != 0) {
      seed ^= seed << 13;
      seed ^= seed >> 7;
      seed ^= seed << 17;
      piece = 1 + seed % (piece < 64 ? piece : 64);
    }
    const size_t end = off + piece;
    while (off < end) {
      const size_t n = p.Feed(bytes.data() + off, end - off);
      Check(n <= end - off);
      Check(p.buffered_bytes() <= (limit < 64 ? 64 : limit) + 4);
      off += n;
      if (p.state() == ResponseParser::State::kNeedMore) {
        Check(off == end);
        continue;
      }
      out.push_back({static_cast<int>(p.state()), static_cast<int>(p.error()), p.status(),
                     p.interim_responses(), p.body_bytes(), p.keep_alive(), p.chunked()});
      if (p.state() == ResponseParser::State::kError) return out;
      p.Reset(head);
    }
  }
  if (eof && p.OnEof() != ResponseParser::State::kNeedMore && p.started()) {
    out.push_back({static_cast<int>(p.state()), static_cast<int>(p.error()), p.status(),
                   p.interim_responses(), p.body_bytes(), p.keep_alive(), p.chunked()});
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  const bool head = (flags & 1) != 0;
  const bool eof = (flags & 2) != 0;
  static constexpr size_t kLimits[] = {64 * 1024, 64, 256, 4096};
  const size_t limit = kLimits[(flags >> 2) & 3];

  uint64_t seed = 0x9e3779b97f4a7c15ull ^ size;
  for (size_t i = 0; i < size && i < 32; ++i) seed = seed * 31 + data[i];
  if (seed == 0) seed = 1;

  const std::vector<Outcome> whole = Run(bytes, head, eof, limit, 0);
  const std::vector<Outcome> split = Run(bytes, head, eof, limit, seed);
  Check(whole == split);
  return 0;
}
