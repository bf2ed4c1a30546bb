#include "net/tls_client.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>

#include "net/tls_cert.h"
#include "net/tls_records.h"

namespace vitals {
namespace {

bool IsIpLiteral(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

Status FlagError(const std::string& flag, const std::string& file, const std::string& what) {
  std::string why = TakeOpenSslErrors();
  return Status::InvalidArgument(flag + " " + file + ": " + what +
                                 (why.empty() ? "" : " (" + why + ")"));
}

bool Contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

}  // namespace

Result<std::unique_ptr<TlsClient>> TlsClient::Create(const TlsClientOptions& o,
                                                     const std::string& server_name) {
  std::unique_ptr<TlsClient> c(new TlsClient());
  c->server_name_ = server_name;
  c->ip_literal_ = IsIpLiteral(server_name);
  c->insecure_ = o.insecure;
  c->resume_ = o.resume;
  c->own_records_ = o.own_records;
  c->ctx_ = SSL_CTX_new(TLS_client_method());
  if (!c->ctx_) return Status::Internal("SSL_CTX_new: " + TakeOpenSslErrors());
  SSL_CTX* ctx = c->ctx_;
  SSL_CTX_set_app_data(ctx, c.get());
  if (o.min_version != 12 && o.min_version != 13) {
    return Status::InvalidArgument("--tls-min: expected 1.2 or 1.3");
  }
  SSL_CTX_set_min_proto_version(ctx, o.min_version == 13 ? TLS1_3_VERSION : TLS1_2_VERSION);
  // OpenSSL skips names it does not know; a typo must not silently drop a suite.
  for (size_t at = 0; at <= o.tls13_ciphers.size();) {
    size_t end = o.tls13_ciphers.find(':', at);
    if (end == std::string::npos) end = o.tls13_ciphers.size();
    const std::string name = o.tls13_ciphers.substr(at, end - at);
    if (name.empty() || SSL_CTX_set_ciphersuites(ctx, name.c_str()) != 1) {
      ERR_clear_error();
      return Status::InvalidArgument("--tls13-ciphers: '" + name +
                                     "' is not a TLS 1.3 suite; use ':'-separated names from " +
                                     kBrowserTls13Ciphers);
    }
    at = end + 1;
  }
  SSL_CTX_set_ciphersuites(ctx, o.tls13_ciphers.c_str());
  // Read whole socket buffers into OpenSSL (one read() per response, not one per record
  // header and body); the reader drains what is pending before it waits again.
  SSL_CTX_set_read_ahead(ctx, 1);
  // A server that closes without close_notify ends the stream like a TCP close does; the
  // HTTP parser decides whether the response was complete.
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
  if (o.insecure) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (!o.ca_file.empty()) {
      if (SSL_CTX_load_verify_locations(ctx, o.ca_file.c_str(), nullptr) != 1) {
        return FlagError("--cacert", o.ca_file, "cannot load CA certificates (PEM expected)");
      }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return Status::Internal("cannot load the system CA store: " + TakeOpenSslErrors());
    }
  }
  if (o.cert_file.empty() != o.key_file.empty()) {
    return Status::InvalidArgument("--cert and --key go together: give both (PEM files)");
  }
  if (!o.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, o.cert_file.c_str()) != 1) {
      return FlagError("--cert", o.cert_file, "cannot load the client certificate (PEM expected)");
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return FlagError("--key", o.key_file, "cannot load the private key (PEM expected)");
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      return FlagError("--key", o.key_file, "does not match the certificate in --cert");
    }
  }
  if (!o.alpn.empty()) {
    std::string wire;
    for (const std::string& p : o.alpn) {
      wire.push_back(char(p.size()));
      wire += p;
    }
    SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(wire.data()),
                            unsigned(wire.size()));
  }
  if (o.own_records) {
    // The record layer's inputs: the application traffic secrets and the record counts.
    SSL_CTX_set_keylog_callback(ctx, &TlsClient::OnKeylog);
    SSL_CTX_set_msg_callback(ctx, &TlsClient::OnMessage);
  }
  if (o.resume) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, &TlsClient::OnNewSession);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  }
  return c;
}

TlsClient::~TlsClient() {
  if (session_) SSL_SESSION_free(session_);
  if (ctx_) SSL_CTX_free(ctx_);
}

int TlsClient::OnNewSession(ssl_st* ssl, ssl_session_st* session) {
  auto* self = static_cast<TlsClient*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  if (self->session_) SSL_SESSION_free(self->session_);
  self->session_ = session;
  return 1;  // we keep the reference
}

Status TlsClient::Attach(Link& link) {
  SSL* ssl = SSL_new(ctx_);
  if (!ssl) return Status::Internal("SSL_new: " + TakeOpenSslErrors());
  link.ssl.reset(ssl);
  link.records.reset(own_records_ ? new TlsRecordLayer() : nullptr);
  SSL_set_app_data(ssl, link.records.get());
  if (SSL_set_fd(ssl, link.fd) != 1) return Status::Internal("SSL_set_fd: " + TakeOpenSslErrors());
  if (!ip_literal_) SSL_set_tlsext_host_name(ssl, server_name_.c_str());
  if (!insecure_) {
    if (ip_literal_) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), server_name_.c_str());
    } else {
      SSL_set1_host(ssl, server_name_.c_str());
    }
  }
  if (resume_ && session_) {
    // Each connection resumes from its own copy of the worker's latest session. OpenSSL marks
    // the SSL_SESSION object a connection uses as not resumable when that connection ends
    // abnormally in its eyes, so a shared object sent every later connection to a full
    // handshake until a new ticket replaced it (measured against nginx with `Connection:
    // close`: up to 135 full handshakes in 3,700 with 5 connections, 292 in 3,000 with 50).
    // With a copy each, only the first handshake of each connection is full.
    if (SSL_SESSION* own = SSL_SESSION_dup(session_)) {
      SSL_set_session(ssl, own);
      SSL_SESSION_free(own);  // the SSL holds its own reference
    }
  }
  SSL_set_connect_state(ssl);
  return Status::Ok();
}

HandshakeStatus TlsClient::Handshake(Link& link, std::string* message) {
  SSL* ssl = link.ssl.get();
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl);
  if (r == 1) {
    link.io = &TlsTransport();
    link.want_write = false;
    if (link.records) link.records->OnHandshakeDone();
    return HandshakeStatus::kDone;
  }
  const int e = SSL_get_error(ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    link.want_write = e == SSL_ERROR_WANT_WRITE;
    return HandshakeStatus::kRetry;
  }
  link.error = NetError::kTlsHandshake;
  if (e == SSL_ERROR_SYSCALL) {
    link.sys_errno = errno;
    ERR_clear_error();
    *message = errno ? std::string("the connection failed during the TLS handshake: ") +
                           std::strerror(errno)
                     : "the server closed the connection during the TLS handshake (is it a TLS "
                       "port? does it want a client certificate: --cert FILE --key FILE?)";
    return HandshakeStatus::kError;
  }
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    ERR_clear_error();
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      *message = "certificate verify failed: the certificate does not name '" + server_name_ +
                 "'; use a name it has (with --resolve NAME:PORT:ADDR to reach this address) "
                 "or pass --insecure";
    } else {
      *message = std::string("certificate verify failed: ") +
                 X509_verify_cert_error_string(verify) + "; pass --cacert FILE or --insecure";
    }
    return HandshakeStatus::kError;
  }
  const std::string why = TakeOpenSslErrors();
  *message = "TLS handshake failed: " + (why.empty() ? std::string("unknown error") : why);
  if (Contains(why, "wrong version number") || Contains(why, "packet length too long") ||
      Contains(why, "record layer failure")) {
    *message += "; the server does not speak TLS on this port (plain HTTP? use http://)";
  } else if (Contains(why, "protocol version") || Contains(why, "unsupported protocol")) {
    *message += "; the server and --tls-min do not share a TLS version";
  } else if (Contains(why, "certificate required") || Contains(why, "handshake failure")) {
    *message += "; does the server want a client certificate (--cert FILE --key FILE)?";
  }
  return HandshakeStatus::kError;
}

void TlsClient::OnKeylog(const ssl_st* ssl, const char* line) {
  if (auto* r = static_cast<TlsRecordLayer*>(SSL_get_app_data(ssl))) r->OnKeylogLine(line);
}

void TlsClient::OnMessage(int write_p, int, int content_type, const void* buf, size_t len,
                          ssl_st* ssl, void*) {
  auto* r = static_cast<TlsRecordLayer*>(SSL_get_app_data(ssl));
  if (!r) return;
  if (content_type == SSL3_RT_HEADER) {
    r->OnRecordHeader(write_p == 1);
  } else if (content_type == SSL3_RT_HANDSHAKE && len > 0) {
    r->OnHandshakeMessage(static_cast<const uint8_t*>(buf)[0]);
  }
}

bool TlsClient::OwnRecords(const Link& link) { return link.io == &TlsRecordTransport(); }

bool TlsClient::Resumed(const Link& link) { return SSL_session_reused(link.ssl.get()) == 1; }

std::string TlsClient::Describe(const Link& link) {
  SSL* ssl = link.ssl.get();
  // IANA names for every version (OpenSSL's own names differ for TLS 1.2 suites).
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  const char* name = cipher ? SSL_CIPHER_standard_name(cipher) : nullptr;
  std::string out =
      std::string(SSL_get_version(ssl)) + " " + (name ? name : SSL_get_cipher_name(ssl));
  const std::string alpn = Alpn(link);
  if (!alpn.empty()) out += ", ALPN " + alpn;
  return out;
}

std::string TlsClient::Alpn(const Link& link) {
  const unsigned char* p = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(link.ssl.get(), &p, &len);
  return p ? std::string(reinterpret_cast<const char*>(p), len) : std::string();
}

}  // namespace vitals
