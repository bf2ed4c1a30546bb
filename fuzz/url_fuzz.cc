// Fuzz target for ParseUrl, RedactSecrets, ParseHeaderFlag and BuildRequest.
// Asserts: no crash; a parsed URL has a host, a port and a target starting
// with "/"; its redacted form parses back to the same host/port/target; the
// request line built from it is exactly one line.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "load/http_request.h"
#include "net/url.h"

namespace {
void Check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)vitals::RedactSecrets(text);

  vitals::Result<vitals::HttpHeader> h = vitals::ParseHeaderFlag(text);
  if (h.ok()) {
    Check(h->name.find_first_of("\r\n: ") == std::string::npos);
    Check(h->value.find_first_of("\r\n") == std::string::npos);
  }

  vitals::Result<vitals::Url> url = vitals::ParseUrl(text);
  if (!url.ok()) return 0;
  Check(!url->host.empty());
  Check(url->port != 0);
  Check(!url->target.empty() && url->target[0] == '/');

  vitals::Result<vitals::Url> again = vitals::ParseUrl(url->Redacted());
  Check(again.ok());
  Check(again->host == url->host && again->port == url->port && again->target == url->target);

  vitals::RequestSpec spec;
  if (h.ok()) spec.headers.push_back(*h);
  vitals::Result<vitals::HttpRequest> req = vitals::BuildRequest(*url, spec);
  if (req.ok()) {
    const std::string& b = req->bytes;
    const size_t eol = b.find("\r\n");
    Check(eol != std::string::npos);
    Check(b.substr(0, eol) == "GET " + url->target + " HTTP/1.1");
    Check(b.find("\r\n\r\n") != std::string::npos);
  }
  return 0;
}
