// The transport seam under a load connection: plain TCP, or TLS over it.  As in wrk's
// net.h / ssl.c, a connection picks its Transport (a small table of functions) once, when it
// opens; the event loop then calls link.io->read / link.io->write and never asks which one it
// has.  The plain table is one indirect call next to the system call.
//
// Non-blocking contract of read / write:
//   kOk     `*n` bytes moved (read: *n == 0 means the peer ended the stream cleanly)
//   kRetry  nothing to do now; wait for readability, or for writability when
//           link.want_write is set (a TLS read can need a write and vice versa)
//   kError  link.error says how it failed (link.sys_errno holds the errno, if any)
//
// Thread-safety: a Link belongs to one connection on one worker thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "net/socket.h"

struct ssl_st;  // OpenSSL's SSL

namespace vitals {

class TlsRecordLayer;
struct TlsRecordLayerFree {
  void operator()(TlsRecordLayer* r) const;
};

enum class IoStatus : uint8_t { kOk, kRetry, kError };

struct Link;

struct Transport {
  IoStatus (*read)(Link& link, char* buf, size_t len, size_t* n);
  IoStatus (*write)(Link& link, const char* buf, size_t len, size_t* n);
  // True when bytes are already decoded and waiting (TLS records read ahead), so a reader
  // must not wait for the socket before reading again.
  bool (*pending)(const Link& link);
};

struct SslFree {
  void operator()(ssl_st* ssl) const;
};

struct Link {
  int fd = -1;                           // borrowed: the connection owns the descriptor
  std::unique_ptr<ssl_st, SslFree> ssl;  // TLS only
  // TLS 1.3 client connections: vitals' own record layer (net/tls_records.h), which takes
  // over from OpenSSL's after the handshake.
  std::unique_ptr<TlsRecordLayer, TlsRecordLayerFree> records;
  const Transport* io = nullptr;
  bool want_write = false;  // after kRetry
  NetError error = NetError::kNone;
  int sys_errno = 0;

  // Back to a closed state (frees the TLS session).
  void Reset() {
    fd = -1;
    ssl.reset();  // before records: OpenSSL's callbacks point at them
    records.reset();
    io = nullptr;
    want_write = false;
    error = NetError::kNone;
    sys_errno = 0;
  }
};

const Transport& PlainTransport();
const Transport& TlsTransport();  // link.ssl must be set and the handshake done

}  // namespace vitals
