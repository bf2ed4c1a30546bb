#include "net/tls_cert.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace vitals {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Free>;

Status SslError(const std::string& what) {
  std::string why = TakeOpenSslErrors();
  return Status::Internal(what + (why.empty() ? "" : ": " + why));
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, size_t(n)) : std::string();
}

Status AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Owned<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || !X509_add_ext(cert, ext.get(), -1)) {
    return SslError("certificate extension '" + value + "'");
  }
  return Status::Ok();
}

}  // namespace

std::string TakeOpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    if (!out.empty()) out += "; ";
    out += reason ? reason : ERR_error_string(e, nullptr);
  }
  return out;
}

Result<PemKeyPair> MakeCertificate(const CertSpec& spec) {
  Owned<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return SslError("generating a P-256 key");
  Owned<X509> issuer_cert;
  Owned<EVP_PKEY> issuer_key;
  if (spec.issuer) {
    Owned<BIO> cb(BIO_new_mem_buf(spec.issuer->cert_pem.data(), int(spec.issuer->cert_pem.size())));
    Owned<BIO> kb(BIO_new_mem_buf(spec.issuer->key_pem.data(), int(spec.issuer->key_pem.size())));
    issuer_cert.reset(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
    issuer_key.reset(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
    if (!issuer_cert || !issuer_key) {
      TakeOpenSslErrors();
      return Status::InvalidArgument("issuer certificate or key is not PEM");
    }
  }
  Owned<X509> cert(X509_new());
  uint64_t serial = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial >> 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), long(spec.not_before_s));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), long(spec.not_after_s));
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                             -1, 0);
  X509* issuer = issuer_cert ? issuer_cert.get() : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));
  VITALS_RETURN_IF_ERROR(AddExtension(cert.get(), issuer, NID_basic_constraints,
                                      spec.is_ca ? "critical,CA:TRUE" : "CA:FALSE"));
  VITALS_RETURN_IF_ERROR(AddExtension(cert.get(), issuer, NID_subject_key_identifier, "hash"));
  if (spec.is_ca) {
    VITALS_RETURN_IF_ERROR(
        AddExtension(cert.get(), issuer, NID_key_usage, "critical,keyCertSign,cRLSign"));
  }
  if (!spec.alt_names.empty()) {
    std::string san;
    for (const std::string& n : spec.alt_names) san += (san.empty() ? "" : ",") + n;
    VITALS_RETURN_IF_ERROR(AddExtension(cert.get(), issuer, NID_subject_alt_name, san));
  }
  if (!X509_sign(cert.get(), issuer_key ? issuer_key.get() : key.get(), EVP_sha256())) {
    return SslError("signing the certificate");
  }
  Owned<BIO> cert_out(BIO_new(BIO_s_mem()));
  Owned<BIO> key_out(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_X509(cert_out.get(), cert.get()) ||
      !PEM_write_bio_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)) {
    return SslError("writing PEM");
  }
  return PemKeyPair{BioText(cert_out.get()), BioText(key_out.get())};
}

Result<PemKeyPair> MakeLocalhostCertificate() {
  CertSpec spec;
  spec.common_name = "localhost";
  spec.alt_names = {"DNS:localhost", "IP:127.0.0.1", "IP:::1"};
  return MakeCertificate(spec);
}

}  // namespace vitals
