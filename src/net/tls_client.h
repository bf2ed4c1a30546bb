// TLS for the load engine's client connections: one TlsClient per worker thread (an
// SSL_CTX, its trust store and the worker's session for resumption), and the non-blocking
// handshake step the event loop calls until it is done.
//
// Verification is on by default against the system CA store (or --cacert); the name checked
// and sent as SNI is the URL's host (an IP literal is checked against the certificate's IP
// addresses and sends no SNI).  Resumption: the newest session a server gave any of the
// worker's connections is offered by the next connection it opens.
//
// Thread-safety: a TlsClient is used by one worker thread; Create() may run anywhere.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "net/transport.h"

struct ssl_ctx_st;      // SSL_CTX
struct ssl_session_st;  // SSL_SESSION

namespace vitals {

inline constexpr char kBrowserTls13Ciphers[] =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

struct TlsClientOptions {
  std::string ca_file;    // PEM bundle to trust instead of the system store ("" = system)
  bool insecure = false;  // no certificate or name verification
  std::string cert_file;  // client certificate (PEM), with key_file
  std::string key_file;
  int min_version = 12;  // 12 = TLS 1.2, 13 = TLS 1.3
  // TLS 1.3 suites offered, in order (OpenSSL names, ':'-separated).  The default is the
  // browsers' order (AES-128-GCM first), not OpenSSL's (AES-256-GCM with SHA-384 first): the
  // server sees what real clients send, and a resumed handshake costs both sides less (measured
  // against nginx with `Connection: close`: ~15 % less client CPU per handshake).
  std::string tls13_ciphers = kBrowserTls13Ciphers;
  bool resume = true;  // offer the worker's last session on reconnect
  std::vector<std::string> alpn = {"http/1.1"};
  // TLS 1.3 connections move to vitals' own record layer after the handshake
  // (net/tls_records.h); false keeps OpenSSL's (`--openssl-records`).
  bool own_records = true;
};

// Outcome of one handshake step.
enum class HandshakeStatus : uint8_t { kDone, kRetry, kError };

class TlsClient {
 public:
  // Loads the trust store and the client certificate.  Errors are InvalidArgument naming the
  // flag and the file ("--cacert ca.pem: no certificates found in it").
  static Result<std::unique_ptr<TlsClient>> Create(const TlsClientOptions& options,
                                                   const std::string& server_name);
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  // REQUIRES: the TlsClient outlives every Link attached to it (the sessions it hands out
  // call back into it).
  // Starts TLS on a connected socket: link.ssl set up for the server name, the cached session
  // offered.  Errors: Internal (out of memory in OpenSSL).
  Status Attach(Link& link);
  // One non-blocking handshake step (SSL_connect).  kRetry: wait as link.want_write says.
  // kDone: link.io is the TLS transport.  kError: `*message` says why in the user's words
  // ("certificate verify failed: self-signed certificate; pass --cacert FILE or --insecure").
  HandshakeStatus Handshake(Link& link, std::string* message);
  // After kDone: whether the session was resumed, and the ALPN protocol chosen ("" = none).
  // OwnRecords: whether vitals' record layer carries the connection now (net/tls_records.h).
  static bool Resumed(const Link& link);
  static std::string Alpn(const Link& link);
  static bool OwnRecords(const Link& link);
  // After kDone: what was negotiated, e.g. "TLSv1.3 TLS_AES_128_GCM_SHA256, ALPN h2".
  static std::string Describe(const Link& link);

 private:
  TlsClient() = default;
  static int OnNewSession(struct ssl_st* ssl, ssl_session_st* session);
  static void OnKeylog(const struct ssl_st* ssl, const char* line);
  static void OnMessage(int write_p, int version, int content_type, const void* buf, size_t len,
                        struct ssl_st* ssl, void* arg);
  ssl_ctx_st* ctx_ = nullptr;
  ssl_session_st* session_ = nullptr;  // newest session the server gave us (owned)
  std::string server_name_;
  bool ip_literal_ = false;
  bool insecure_ = false;
  bool resume_ = true;
  bool own_records_ = true;
};

}  // namespace vitals
