#include "collect/alpn_probe.h"

#include <poll.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "net/socket.h"
#include "net/tls_client.h"
#include "net/transport.h"
#include "net/url.h"

namespace vitals::detail {
namespace {

using Clock = std::chrono::steady_clock;

// Waits for `events` on fd until the deadline; false on timeout or poll error.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

}  // namespace

Result<std::string> ProbeAlpn(const std::string& text, const AlpnProbeOptions& o) {
  auto url = ParseUrl(text);
  if (!url.ok()) return url.status();
  if (!url->tls()) {
    return Status::InvalidArgument(fmt::format("{}: ALPN needs an https URL", url->Redacted()));
  }
  const std::string shown = url->Redacted();
  auto addr = Resolve(*url);
  if (!addr.ok()) return Status::Unavailable(fmt::format("{}: {}", shown, addr.status().message()));
  const auto deadline = Clock::now() + std::chrono::milliseconds(o.timeout_ms);

  int err = 0;
  auto fd = StartConnect(reinterpret_cast<const sockaddr*>(&addr->addr), addr->len, &err);
  if (!fd.ok()) return Status::Unavailable(fmt::format("{}: {}", shown, fd.status().message()));
  if (!WaitFor(fd->get(), POLLOUT, deadline)) {
    return Status::Unavailable(fmt::format("{}: connect timed out", shown));
  }
  if (int e = FinishConnect(fd->get()); e != 0) {
    return Status::Unavailable(fmt::format("{}: connect: {}", shown, std::strerror(e)));
  }

  TlsClientOptions t;
  t.ca_file = o.cacert;
  t.resume = false;
  t.alpn = {"h2", "http/1.1"};
  auto tls = TlsClient::Create(t, url->host);
  if (!tls.ok()) return tls.status();
  Link link;
  link.fd = fd->get();
  VITALS_RETURN_IF_ERROR((*tls)->Attach(link));
  for (;;) {
    std::string message;
    HandshakeStatus st = (*tls)->Handshake(link, &message);
    if (st == HandshakeStatus::kDone) break;
    if (st == HandshakeStatus::kError) {
      return Status::Unavailable(fmt::format("{}: TLS handshake: {}", shown, message));
    }
    if (!WaitFor(link.fd, link.want_write ? POLLOUT : POLLIN, deadline)) {
      return Status::Unavailable(fmt::format("{}: TLS handshake timed out", shown));
    }
  }
  std::string alpn = TlsClient::Alpn(link);
  link.Reset();  // frees the TLS session before the TlsClient goes
  return alpn;
}

}  // namespace vitals::detail
