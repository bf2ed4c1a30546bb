#include "net/transport.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>

#include "net/tls_records.h"

namespace vitals {
namespace {

IoStatus PlainRead(Link& link, char* buf, size_t len, size_t* n) {
  for (;;) {
    ssize_t r = Sys().read(link.fd, buf, len);
    if (r >= 0) {
      *n = size_t(r);
      return IoStatus::kOk;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      link.want_write = false;
      return IoStatus::kRetry;
    }
    link.sys_errno = errno;
    link.error = ClassifyErrno(errno);
    return IoStatus::kError;
  }
}

IoStatus PlainWrite(Link& link, const char* buf, size_t len, size_t* n) {
  for (;;) {
    ssize_t r = Sys().write(link.fd, buf, len);
    if (r > 0) {
      *n = size_t(r);
      return IoStatus::kOk;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) {
      link.want_write = true;
      return IoStatus::kRetry;
    }
    link.sys_errno = r < 0 ? errno : EPIPE;
    link.error = ClassifyErrno(link.sys_errno);
    return IoStatus::kError;
  }
}

bool PlainPending(const Link&) { return false; }

// SSL_get_error after a failed SSL_read / SSL_write: retry, or the classified failure.
IoStatus TlsFailure(Link& link, int ret, NetError tls_kind) {
  const int e = SSL_get_error(link.ssl.get(), ret);
  switch (e) {
    case SSL_ERROR_WANT_READ:
      link.want_write = false;
      return IoStatus::kRetry;
    case SSL_ERROR_WANT_WRITE:
      link.want_write = true;
      return IoStatus::kRetry;
    case SSL_ERROR_SYSCALL:
      // A reset under TLS is still a reset; an EOF without close_notify is a close.
      link.sys_errno = errno;
      link.error = errno ? ClassifyErrno(errno) : NetError::kClosed;
      ERR_clear_error();
      return IoStatus::kError;
    default:
      link.sys_errno = 0;
      link.error = tls_kind;
      ERR_clear_error();
      return IoStatus::kError;
  }
}

IoStatus TlsRead(Link& link, char* buf, size_t len, size_t* n) {
  size_t got = 0;
  const int r = SSL_read_ex(link.ssl.get(), buf, len, &got);
  if (r == 1) {
    if (link.records) link.records->OnOpenSslRead();
    *n = got;
    return IoStatus::kOk;
  }
  if (SSL_get_error(link.ssl.get(), r) == SSL_ERROR_ZERO_RETURN) {
    *n = 0;  // close_notify: the clean end of the stream
    return IoStatus::kOk;
  }
  return TlsFailure(link, r, NetError::kTlsRead);
}

IoStatus TlsWrite(Link& link, const char* buf, size_t len, size_t* n) {
  if (link.records && TlsRecordLayer::MaybeTakeOver(link)) return link.io->write(link, buf, len, n);
  size_t put = 0;
  const int r = SSL_write_ex(link.ssl.get(), buf, len, &put);
  if (r == 1) {
    *n = put;
    return IoStatus::kOk;
  }
  return TlsFailure(link, r, NetError::kTlsWrite);
}

bool TlsPending(const Link& link) { return SSL_has_pending(link.ssl.get()) == 1; }

constexpr Transport kPlain = {PlainRead, PlainWrite, PlainPending};
constexpr Transport kTls = {TlsRead, TlsWrite, TlsPending};

}  // namespace

// Marked shut down before it is freed: otherwise OpenSSL marks the session this connection
// used as not resumable, and the worker's next connection would pay a full handshake.
void SslFree::operator()(ssl_st* ssl) const {
  SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_free(ssl);
}

const Transport& PlainTransport() { return kPlain; }
const Transport& TlsTransport() { return kTls; }

}  // namespace vitals
