// The address `vitals target --listen` binds to.
//
// Accepted forms: "HOST:PORT" with an IPv4 literal or "localhost",
// "[IPV6]:PORT", ":PORT" and "PORT" (both mean 127.0.0.1:PORT).  Port 0 asks
// the kernel for a free port.  Host names other than localhost are refused
// (no DNS: a test target binds to an address, not a name).
// Errors: InvalidArgument quoting the text and showing the expected form.
// Thread-safety: an immutable value.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vitals {

struct ListenAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  int family() const { return storage.ss_family; }
  const sockaddr* sockaddr_ptr() const { return reinterpret_cast<const sockaddr*>(&storage); }
  uint16_t port() const;
  void set_port(uint16_t port);
  // 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104.
  bool IsLoopback() const;
  // "127.0.0.1:8080" or "[::1]:8080".
  std::string HostPort() const;
  // "http://127.0.0.1:8080/".
  std::string Url() const { return "http://" + HostPort() + "/"; }
};

Result<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace vitals
