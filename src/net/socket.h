// Non-blocking TCP sockets for the load engine, and the one place where errno
// becomes a classified network error.
//
// Fd owns a file descriptor (closed on destruction; move-only).  Every system
// call the engine makes on a socket goes through `Syscalls` so tests can
// inject faults (a read that returns ECONNRESET, a connect that is refused)
// without a real peer; production code uses the defaults, and the indirection
// costs one indirect call next to a system call.
//
// Thread-safety: Fd is not shared between threads.  SetSyscallsForTest() must
// only be called while no engine threads run.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>
#include <utility>

#include "core/status.h"

namespace vitals {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset();

 private:
  int fd_ = -1;
};

// How a network operation failed, as users read it in the summary.
enum class NetError : uint8_t {
  kNone = 0,
  kRefused,       // connect: ECONNREFUSED
  kReset,         // ECONNRESET / EPIPE: the peer reset the connection
  kTimeout,       // no answer within --timeout
  kUnreachable,   // ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL
  kClosed,        // the peer closed the connection in the middle of a response
  kOther,         // anything else (the errno text is kept separately)
  kTlsHandshake,  // the TLS handshake failed (verification, version, not TLS at all, ...)
  kTlsRead,       // a TLS protocol error while reading (bad record, alert)
  kTlsWrite,      // a TLS protocol error while writing
  kH2Reset,       // HTTP/2: the server reset the stream (RST_STREAM; the code in the detail)
  kH2Protocol,    // HTTP/2: a connection-level protocol error (bad frames, no h2 in ALPN, ...)
  kCount,
};
NetError ClassifyErrno(int err);
const char* NetErrorName(NetError e);

// The system calls used on sockets (a seam for fault-injection tests).
struct Syscalls {
  int (*socket)(int, int, int);
  int (*connect)(int, const sockaddr*, socklen_t);
  ssize_t (*read)(int, void*, size_t);
  ssize_t (*write)(int, const void*, size_t);
  int (*close)(int);
};
const Syscalls& Sys();
// Replaces the syscall table; returns the previous one.  Tests only.
Syscalls SetSyscallsForTest(const Syscalls& s);

// Starts a non-blocking TCP connect (TCP_NODELAY set).  On success the fd is
// either connected or in progress (completion shows as writability; then call
// FinishConnect).  Errors are Io with the errno text; `*err` gets the errno.
Result<Fd> StartConnect(const sockaddr* addr, socklen_t len, int* err);
// After writability: 0 when connected, else the pending socket error (errno).
int FinishConnect(int fd);

}  // namespace vitals
