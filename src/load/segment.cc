#include "load/segment.h"

#include <fmt/format.h>

#include "core/units.h"

namespace vitals {

std::string Segment::Label() const { return fmt::format("{}/{}", index + 1, count); }

Result<Segment> MakeSegment(int64_t index, int64_t count) {
  if (count < 1 || count > kMaxSegments) {
    return Status::InvalidArgument(fmt::format("{} segments: expected 1..{}", count, kMaxSegments));
  }
  if (index < 0 || index >= count) {
    return Status::InvalidArgument(fmt::format(
        "segment index {} of {}: a 0-based index must be in 0..{}", index, count, count - 1));
  }
  return Segment{int(index), int(count)};
}

Result<Segment> ParseSegment(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(
        fmt::format("--segment '{}': {}; expected I/N with I in 1..N (1-based, e.g. 2/4 is the "
                    "second of four), or --segment-index I --segments N with a 0-based I (a "
                    "Kubernetes JOB_COMPLETION_INDEX)",
                    text, why));
  };
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return bad("missing '/'");
  auto i = ParseInt(text.substr(0, slash));
  auto n = ParseInt(text.substr(slash + 1));
  if (!i.ok() || !n.ok()) return bad("I and N must be whole numbers");
  if (*n < 1 || *n > kMaxSegments) return bad(fmt::format("N must be in 1..{}", kMaxSegments));
  if (*i < 1 || *i > *n) {
    return bad(*i == 0 ? std::string("I is 1-based, so 0 is not a segment")
                       : fmt::format("I must be in 1..{}", *n));
  }
  return Segment{int(*i - 1), int(*n)};
}

}  // namespace vitals
