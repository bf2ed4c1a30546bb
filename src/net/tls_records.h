// vitals' own TLS 1.3 record layer for a load connection, once OpenSSL has done the hard part.
//
// OpenSSL does the handshake, the certificate and name checks, the key schedule, the session
// tickets and the first read.  At the connection's next write, if it negotiated TLS 1.3 with
// AES-128-GCM, AES-256-GCM or ChaCha20-Poly1305 and OpenSSL holds no buffered bytes, the
// connection's application traffic keys (captured with the keylog callback, never printed or
// stored) and record sequence numbers (counted with the message callback) move here and
// link.io becomes TlsRecordTransport(): each request is sealed into one record with one
// EVP AEAD call and one write(), and each read() is opened record by record straight into the
// caller's buffer.  This is what kernel TLS does for OpenSSL, in user space: the kernel here
// has no KTLS, and OpenSSL 3's record layer spent more CPU per small record (BIO and
// parameter look-ups around every AEAD call, a quarter of the generator's CPU) than the
// encryption itself.  The AEAD is still OpenSSL's (EVP, AES-NI), not ours.
//
// After the switch: application data records are delivered; a NewSessionTicket is skipped
// (the worker keeps the session it already has); a KeyUpdate updates the read key and, when
// the server asks, queues ours and updates the write key (RFC 8446 4.6.3); close_notify ends
// the stream (read returns 0 bytes); any other alert, a record that fails authentication or
// is too long, or an unexpected record type is a kTlsRead error.  TLS 1.2 and other
// ciphers stay with OpenSSL (TlsTransport) for the life of the connection, as does
// everything when TlsClientOptions::own_records is false (`--openssl-records`).
//
// Thread-safety: one per Link, used by its worker thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "net/transport.h"

struct evp_cipher_ctx_st;  // EVP_CIPHER_CTX

namespace vitals {

class TlsRecordLayer {
 public:
  TlsRecordLayer() = default;
  ~TlsRecordLayer();
  TlsRecordLayer(const TlsRecordLayer&) = delete;
  TlsRecordLayer& operator=(const TlsRecordLayer&) = delete;

  // Hooks for TlsClient's OpenSSL callbacks, before the switch.
  void OnKeylogLine(const char* line);        // keeps the two application traffic secrets
  void OnRecordHeader(bool written);          // counts records once the handshake is done
  void OnHandshakeMessage(uint8_t msg_type);  // a KeyUpdate seen by OpenSSL: never switch
  void OnHandshakeDone() { counting_ = true; }
  void OnOpenSslRead() { ++openssl_reads_; }

  // At a write on the OpenSSL transport: moves the connection to TlsRecordTransport() when it
  // can (see above).  Returns true when link.io changed.  A connection that can never switch
  // (TLS 1.2, another cipher, a KeyUpdate before the switch) stops asking.
  static bool MaybeTakeOver(Link& link);

  // Records opened and sealed by this layer (tests and diagnostics).
  uint64_t records_opened() const { return opened_; }
  uint64_t records_sealed() const { return sealed_; }

  // One direction's AEAD state: key, static IV, sequence number, and the traffic secret a
  // KeyUpdate derives the next one from.
  struct Direction {
    evp_cipher_ctx_st* ctx = nullptr;
    uint8_t secret[48] = {};
    size_t secret_len = 0;
    uint8_t iv[12] = {};
    uint64_t seq = 0;
  };

 private:
  friend struct TlsRecordIo;
  bool TakeOver(Link& link);
  void Never();  // this connection stays with OpenSSL; the captured secrets are wiped

  // Capture state (before the switch).
  uint8_t client_secret_[48] = {};
  uint8_t server_secret_[48] = {};
  size_t client_secret_len_ = 0;
  size_t server_secret_len_ = 0;
  bool counting_ = false;
  bool never_ = false;  // this connection stays with OpenSSL
  uint64_t openssl_reads_ = 0;
  uint64_t read_records_ = 0;     // records OpenSSL read after the handshake
  uint64_t written_records_ = 0;  // records OpenSSL wrote after the handshake

  // Record state (after the switch).
  int cipher_id_ = 0;  // TLS 1.3 cipher suite (0x1301, 0x1302, 0x1303)
  Direction tx_, rx_;
  std::vector<uint8_t> in_;  // ciphertext read from the socket: [in_begin_, in_end_)
  size_t in_begin_ = 0, in_end_ = 0;
  size_t plain_off_ = 0, plain_len_ = 0;  // opened bytes not yet handed out (inside in_)
  std::vector<uint8_t> out_;              // sealed records not yet written: [out_off_, out_len_)
  size_t out_off_ = 0, out_len_ = 0;
  size_t owed_ = 0;                    // plaintext taken by a write that returned kRetry
  std::vector<uint8_t> handshake_;     // post-handshake messages being reassembled
  bool eof_ = false;                   // close_notify received
  bool update_answered_ = false;       // our KeyUpdate is queued; no application data since
  NetError failed_ = NetError::kNone;  // an error to report at the next read
  int failed_errno_ = 0;
  uint64_t opened_ = 0, sealed_ = 0;
};

// The transport of a connection whose records this layer carries (link.records is set).
const Transport& TlsRecordTransport();

}  // namespace vitals
