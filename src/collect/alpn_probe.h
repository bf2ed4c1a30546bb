// Which application protocols an https server offers by ALPN, asked directly with OpenSSL
// (net/tls_client.h) rather than read from the libcurl transfer, so that the answer does
// not depend on whether the local libcurl was built with HTTP/2.
//
// Thread-safety: ProbeAlpn may run on any thread; calls share nothing.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace vitals::detail {

struct AlpnProbeOptions {
  std::string cacert;  // extra CA bundle ("" = the system store)
  int64_t timeout_ms = 5000;
};

// Connects to the https URL's host and port, handshakes offering "h2" and "http/1.1", and
// returns the protocol the server chose ("h2", "http/1.1", or "" when it ignored ALPN).
// Nothing is sent after the handshake.  Errors: InvalidArgument for a URL that is not
// https; Unavailable (resolve, connect, handshake, timeout) naming the redacted URL.
Result<std::string> ProbeAlpn(const std::string& url, const AlpnProbeOptions& options);

}  // namespace vitals::detail
