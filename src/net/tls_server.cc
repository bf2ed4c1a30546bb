#include "net/tls_server.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <fstream>
#include <sstream>

namespace vitals {
namespace {

Result<std::string> ReadAll(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(flag + " " + path + ": cannot open the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<PemKeyPair> TlsServer::LoadFiles(const std::string& cert_file, const std::string& key_file) {
  if (cert_file.empty() || key_file.empty()) {
    return Status::InvalidArgument("--tls-cert and --tls-key go together: give both (PEM files)");
  }
  auto cert = ReadAll("--tls-cert", cert_file);
  if (!cert.ok()) return cert.status();
  auto key = ReadAll("--tls-key", key_file);
  if (!key.ok()) return key.status();
  return PemKeyPair{std::move(cert).value(), std::move(key).value()};
}

Result<std::unique_ptr<TlsServer>> TlsServer::Create(const PemKeyPair& identity,
                                                     std::vector<std::string> alpn) {
  std::unique_ptr<TlsServer> s(new TlsServer());
  s->ctx_ = SSL_CTX_new(TLS_server_method());
  if (!s->ctx_) return Status::Internal("SSL_CTX_new: " + TakeOpenSslErrors());
  SSL_CTX* ctx = s->ctx_;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  SSL_CTX_set_session_id_context(ctx, reinterpret_cast<const unsigned char*>("vitals"), 6);

  BIO* cb = BIO_new_mem_buf(identity.cert_pem.data(), int(identity.cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  // Any further certificates in the PEM are the chain.
  bool ok = cert && SSL_CTX_use_certificate(ctx, cert) == 1;
  while (ok) {
    X509* extra = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    if (!extra) break;
    if (SSL_CTX_add_extra_chain_cert(ctx, extra) != 1) {
      X509_free(extra);
      ok = false;
    }
  }
  X509_free(cert);
  BIO_free(cb);
  ERR_clear_error();  // the end of the chain reads as an error
  if (!ok) return Status::InvalidArgument("the TLS certificate is not a PEM certificate");
  BIO* kb = BIO_new_mem_buf(identity.key_pem.data(), int(identity.key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  BIO_free(kb);
  ok = key && SSL_CTX_use_PrivateKey(ctx, key) == 1;
  EVP_PKEY_free(key);
  if (!ok)
    return Status::InvalidArgument("the TLS key is not a PEM private key: " + TakeOpenSslErrors());
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Status::InvalidArgument("the TLS key does not match the certificate: " +
                                   TakeOpenSslErrors());
  }
  for (const std::string& p : alpn) {
    s->alpn_wire_.push_back(char(p.size()));
    s->alpn_wire_ += p;
  }
  if (!s->alpn_wire_.empty()) SSL_CTX_set_alpn_select_cb(ctx, &TlsServer::SelectAlpn, s.get());
  return s;
}

TlsServer::~TlsServer() {
  if (ctx_) SSL_CTX_free(ctx_);
}

int TlsServer::SelectAlpn(ssl_st*, const unsigned char** out, unsigned char* outlen,
                          const unsigned char* in, unsigned int inlen, void* arg) {
  const auto* self = static_cast<const TlsServer*>(arg);
  unsigned char* selected = nullptr;
  const auto* ours = reinterpret_cast<const unsigned char*>(self->alpn_wire_.data());
  if (SSL_select_next_proto(&selected, outlen, ours, unsigned(self->alpn_wire_.size()), in,
                            inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;  // no common protocol: carry on without ALPN
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

Status TlsServer::Attach(Link& link) const {
  SSL* ssl = SSL_new(ctx_);
  if (!ssl) return Status::Internal("SSL_new: " + TakeOpenSslErrors());
  link.ssl.reset(ssl);
  if (SSL_set_fd(ssl, link.fd) != 1) return Status::Internal("SSL_set_fd: " + TakeOpenSslErrors());
  SSL_set_accept_state(ssl);
  return Status::Ok();
}

HandshakeStatus TlsServer::Handshake(Link& link) {
  ERR_clear_error();
  const int r = SSL_do_handshake(link.ssl.get());
  if (r == 1) {
    link.io = &TlsTransport();
    link.want_write = false;
    return HandshakeStatus::kDone;
  }
  const int e = SSL_get_error(link.ssl.get(), r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    link.want_write = e == SSL_ERROR_WANT_WRITE;
    return HandshakeStatus::kRetry;
  }
  ERR_clear_error();
  link.error = NetError::kTlsHandshake;
  return HandshakeStatus::kError;
}

void TlsServer::Shutdown(Link& link) {
  if (link.ssl && link.io == &TlsTransport()) {
    (void)SSL_shutdown(link.ssl.get());
    ERR_clear_error();
  }
}

}  // namespace vitals
