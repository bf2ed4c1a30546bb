// Server-side TLS for the built-in target (`vitals target --tls`): one SSL_CTX shared by the
// target's event loops (OpenSSL allows SSL_new from several threads on one context), and the
// same Link / Transport as the client, so the target's loop reads and writes through
// link.io without asking which transport it has.
//
// Thread-safety: Create() once; Attach() and Handshake() from any worker thread, each on its
// own Link.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "net/tls_cert.h"
#include "net/tls_client.h"  // HandshakeStatus
#include "net/transport.h"

struct ssl_ctx_st;

namespace vitals {

class TlsServer {
 public:
  // `alpn`: protocols the server accepts, in its order of preference (empty: no ALPN).
  // Errors: InvalidArgument when the key does not match the certificate or PEM is bad.
  static Result<std::unique_ptr<TlsServer>> Create(const PemKeyPair& identity,
                                                   std::vector<std::string> alpn = {"http/1.1"});
  // Reads --tls-cert / --tls-key files; errors name the flag and the file.
  static Result<PemKeyPair> LoadFiles(const std::string& cert_file, const std::string& key_file);
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  // Starts TLS (accept side) on an accepted socket.
  Status Attach(Link& link) const;
  // One non-blocking handshake step; kDone sets link.io to the TLS transport.
  static HandshakeStatus Handshake(Link& link);
  // Sends close_notify (best effort, non-blocking).
  static void Shutdown(Link& link);

 private:
  TlsServer() = default;
  static int SelectAlpn(struct ssl_st* ssl, const unsigned char** out, unsigned char* outlen,
                        const unsigned char* in, unsigned int inlen, void* arg);
  ssl_ctx_st* ctx_ = nullptr;
  std::string alpn_wire_;
};

}  // namespace vitals
