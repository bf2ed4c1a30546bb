// Fuzz target for the HTTP/2 response path: H2Session (load/h2_session.h) as a client with
// three streams open, fed the bytes a "server" sends.
//
// Input layout: byte 0 = chunk size seed (the input is fed in chunks of 1 + byte0 % 64 bytes,
// our frames produced after each), then the server's bytes (frames after the preface).
// Asserts: no crash; every stream ends at most once; a completed stream has a status in
// 200..999; the header list of a stream never grows past the cap by more than one field;
// what the session queues to write stays bounded per round.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "load/h2_session.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t chunk = 1 + data[0] % 64;
  auto session_or = vitals::H2Session::Create();
  Check(session_or.ok());
  auto session = std::move(session_or).value();
  auto req = vitals::H2RequestFromHttp1(
      "POST /f HTTP/1.1\r\nHost: fuzz\r\nContent-Length: 3\r\n\r\nabc", false);
  Check(req.ok());
  vitals::H2Stream streams[3];
  for (auto& s : streams) {
    s.request = &*req;
    Check(session->Submit(&s).ok());
  }
  std::string out;
  Check(session->Produce(&out).ok());
  std::set<const vitals::H2Stream*> ended;
  for (size_t off = 1; off < size; off += chunk) {
    const size_t n = std::min(chunk, size - off);
    if (!session->Feed(reinterpret_cast<const char*>(data + off), n).ok()) break;
    out.clear();
    if (!session->Produce(&out).ok()) break;
    Check(out.size() < 1024 * 1024);
    for (const vitals::H2Event& e : session->events()) {
      if (e.kind == vitals::H2Event::kGoAway) continue;
      Check(e.stream >= streams && e.stream < streams + 3);
      Check(e.stream->header_bytes <= vitals::H2Session::kMaxHeaderListBytes + 2 * 65536 + 64);
      if (e.kind == vitals::H2Event::kHeaders) continue;
      Check(ended.insert(e.stream).second);
      if (e.kind == vitals::H2Event::kDone) {
        Check(e.stream->status >= 200 && e.stream->status <= 999);
      }
    }
    session->events().clear();
    if (session->Over()) break;
  }
  return 0;
}
