// Certificates made in memory: the self-signed certificate `vitals target --tls` serves when
// no --tls-cert is given, and the CA / server / client / expired certificates the tests make
// at run time (no private key is ever committed).
//
// Keys are ECDSA P-256, signatures SHA-256, output PEM text.  Thread-safety: free functions
// on values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace vitals {

struct PemKeyPair {
  std::string cert_pem;
  std::string key_pem;
};

struct CertSpec {
  std::string common_name = "vitals";
  // subjectAltName entries: "DNS:localhost", "IP:127.0.0.1".
  std::vector<std::string> alt_names;
  bool is_ca = false;
  // Validity relative to now, in seconds (not_after < 0 makes an expired certificate).
  int64_t not_before_s = -3600;
  int64_t not_after_s = 30LL * 24 * 3600;
  // The issuer; empty: self-signed.
  const PemKeyPair* issuer = nullptr;
};

// Makes a new key and a certificate for it as `spec` says.  Errors are Internal with
// OpenSSL's reason, or InvalidArgument for an issuer that does not parse.
Result<PemKeyPair> MakeCertificate(const CertSpec& spec);

// The certificate `vitals target --tls` serves by default: self-signed, CN localhost,
// alt names localhost, 127.0.0.1 and ::1.
Result<PemKeyPair> MakeLocalhostCertificate();

// OpenSSL's queued errors as one line ("reason; reason"), emptying the queue.
std::string TakeOpenSslErrors();

}  // namespace vitals
