#include "net/socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace vitals {
namespace {

int SysSocket(int d, int t, int p) { return ::socket(d, t, p); }
int SysConnect(int fd, const sockaddr* a, socklen_t l) { return ::connect(fd, a, l); }
// recvfrom/sendto straight to the kernel: glibc's read/write wrappers are thread-cancellation
// points and, in a process with threads, switch cancellation on and off around every call (1.5 %
// of the generator's CPU on HTTPS keep-alive; vitals never cancels a thread), and read/write
// also walk the file layer (fdget_pos, vfs_read/vfs_write, sock_read_iter: ~2 % of it) on the way
// to the same socket code.  MSG_NOSIGNAL: a reset peer is an EPIPE, never a SIGPIPE.
ssize_t SysRead(int fd, void* b, size_t n) {
  return ::syscall(SYS_recvfrom, fd, b, n, 0, nullptr, nullptr);
}
ssize_t SysWrite(int fd, const void* b, size_t n) {
  return ::syscall(SYS_sendto, fd, b, n, MSG_NOSIGNAL, nullptr, 0);
}
int SysClose(int fd) { return ::close(fd); }

Syscalls g_sys = {SysSocket, SysConnect, SysRead, SysWrite, SysClose};

}  // namespace

const Syscalls& Sys() { return g_sys; }

Syscalls SetSyscallsForTest(const Syscalls& s) { return std::exchange(g_sys, s); }

void Fd::Reset() {
  if (fd_ >= 0) g_sys.close(fd_);
  fd_ = -1;
}

NetError ClassifyErrno(int err) {
  switch (err) {
    case 0:
      return NetError::kNone;
    case ECONNREFUSED:
      return NetError::kRefused;
    case ECONNRESET:
    case EPIPE:
    case ECONNABORTED:
      return NetError::kReset;
    case ETIMEDOUT:
      return NetError::kTimeout;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case EADDRNOTAVAIL:
      return NetError::kUnreachable;
    default:
      return NetError::kOther;
  }
}

const char* NetErrorName(NetError e) {
  switch (e) {
    case NetError::kNone:
      return "none";
    case NetError::kRefused:
      return "connect_refused";
    case NetError::kReset:
      return "reset";
    case NetError::kTimeout:
      return "timeout";
    case NetError::kUnreachable:
      return "unreachable";
    case NetError::kClosed:
      return "closed_mid_response";
    case NetError::kOther:
      return "other";
    case NetError::kTlsHandshake:
      return "tls_handshake";
    case NetError::kTlsRead:
      return "tls_read";
    case NetError::kTlsWrite:
      return "tls_write";
    case NetError::kH2Reset:
      return "h2_rst_stream";
    case NetError::kH2Protocol:
      return "h2_protocol";
    case NetError::kCount:
      break;
  }
  return "?";
}

Result<Fd> StartConnect(const sockaddr* addr, socklen_t len, int* err) {
  *err = 0;
  Fd fd(g_sys.socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd.valid()) {
    *err = errno;
    return Status::FromErrno("socket", *err);
  }
  int one = 1;
  setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (g_sys.connect(fd.get(), addr, len) != 0 && errno != EINPROGRESS) {
    *err = errno;
    return Status::FromErrno("connect", *err);
  }
  return fd;
}

int FinishConnect(int fd) {
  int so_error = 0;
  socklen_t l = sizeof(so_error);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &l) != 0) return errno;
  return so_error;
}

}  // namespace vitals
