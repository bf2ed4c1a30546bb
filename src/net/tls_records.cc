#include "net/tls_records.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace vitals {
namespace {

constexpr size_t kHeaderLen = 5;
constexpr size_t kTagLen = 16;
constexpr size_t kIvLen = 12;
constexpr size_t kMaxPlain = 16384;  // RFC 8446 5.1: 2^14
// RFC 8446 5.4: the inner plaintext (content, type, padding) is at most 2^14 + 1 bytes, so a
// record's body is at most that plus the tag (5.2's 2^14 + 256 is the outer bound).
constexpr size_t kMaxRecordBody = kMaxPlain + 1 + kTagLen;
// Room for one largest record: no more than the read buffer OpenSSL frees at the switch, so the
// allocator hands that memory straight back (a few KiB more cost 12 KiB of RSS per connection).
constexpr size_t kInBuffer = kHeaderLen + kMaxRecordBody;
constexpr size_t kRecordOverhead = kHeaderLen + 1 + kTagLen;
// Empty or control records one read may open before it gives up (OpenSSL allows 32 empty ones):
// a server cannot keep a reader looping forever.
constexpr int kMaxQuietRecords = 32;
constexpr size_t kMaxHandshakeMessage = 64 * 1024;  // a ticket is a few hundred bytes
constexpr uint8_t kAlert = 21, kHandshake = 22, kApplicationData = 23;
constexpr uint8_t kNewSessionTicket = 4, kKeyUpdate = 24;
constexpr uint8_t kCloseNotify = 0, kUserCanceled = 90;

// The TLS 1.3 suites this layer carries: AEAD and the hash of the key schedule, fetched once
// per process (EVP objects are reference counted and may be shared between threads).
struct Suite {
  int id;
  const char* cipher_name;
  const char* digest_name;
  size_t key_len;
  EVP_CIPHER* cipher;
  EVP_MD* digest;
};

const Suite* FindSuite(int id) {
  static Suite* suites = [] {
    static Suite s[] = {{0x1301, "AES-128-GCM", "SHA256", 16, nullptr, nullptr},
                        {0x1302, "AES-256-GCM", "SHA384", 32, nullptr, nullptr},
                        {0x1303, "ChaCha20-Poly1305", "SHA256", 32, nullptr, nullptr}};
    for (Suite& x : s) {
      x.cipher = EVP_CIPHER_fetch(nullptr, x.cipher_name, nullptr);
      x.digest = EVP_MD_fetch(nullptr, x.digest_name, nullptr);
    }
    return s;
  }();
  for (int i = 0; i < 3; ++i) {
    if (suites[i].id == id) return suites[i].cipher && suites[i].digest ? &suites[i] : nullptr;
  }
  return nullptr;
}

// HKDF-Expand-Label(secret, label, "", out_len) of RFC 8446 7.1, for out_len <= the hash
// length (one HMAC block: T(1) = HMAC(secret, HkdfLabel || 0x01)).
bool ExpandLabel(const EVP_MD* md, const uint8_t* secret, size_t secret_len, const char* label,
                 uint8_t* out, size_t out_len) {
  uint8_t info[64];
  const size_t label_len = std::strlen(label);
  size_t n = 0;
  info[n++] = uint8_t(out_len >> 8);
  info[n++] = uint8_t(out_len);
  info[n++] = uint8_t(6 + label_len);
  std::memcpy(info + n, "tls13 ", 6);
  n += 6;
  std::memcpy(info + n, label, label_len);
  n += label_len;
  info[n++] = 0;  // empty context
  info[n++] = 1;  // block counter
  uint8_t block[EVP_MAX_MD_SIZE];
  unsigned block_len = 0;
  const bool ok = HMAC(md, secret, int(secret_len), info, n, block, &block_len) != nullptr &&
                  block_len >= out_len;
  if (ok) std::memcpy(out, block, out_len);
  OPENSSL_cleanse(block, sizeof block);
  return ok;
}

// Key and IV from the direction's traffic secret (RFC 8446 7.3); sequence number to 0.
bool InitDirection(TlsRecordLayer::Direction& d, const Suite& suite, bool encrypt) {
  uint8_t key[32];
  bool ok = ExpandLabel(suite.digest, d.secret, d.secret_len, "key", key, suite.key_len) &&
            ExpandLabel(suite.digest, d.secret, d.secret_len, "iv", d.iv, kIvLen);
  if (ok && !d.ctx) d.ctx = EVP_CIPHER_CTX_new();
  ok = ok && d.ctx && EVP_CipherInit_ex(d.ctx, suite.cipher, nullptr, key, nullptr, encrypt) == 1;
  OPENSSL_cleanse(key, sizeof key);
  d.seq = 0;
  return ok;
}

// KeyUpdate (RFC 8446 7.2): the next traffic secret, then new key and IV.
bool UpdateDirection(TlsRecordLayer::Direction& d, const Suite& suite, bool encrypt) {
  uint8_t next[48];
  if (!ExpandLabel(suite.digest, d.secret, d.secret_len, "traffic upd", next, d.secret_len)) {
    return false;
  }
  std::memcpy(d.secret, next, d.secret_len);
  OPENSSL_cleanse(next, sizeof next);
  return InitDirection(d, suite, encrypt);
}

void Nonce(const TlsRecordLayer::Direction& d, uint8_t out[kIvLen]) {
  std::memcpy(out, d.iv, kIvLen);
  for (int i = 0; i < 8; ++i) out[4 + i] ^= uint8_t(d.seq >> (56 - 8 * i));
}

// Seals `len` plaintext bytes of inner type `type` into one record at `out` (room for
// len + kRecordOverhead).  Returns the record's size, 0 on an AEAD failure.
size_t Seal(TlsRecordLayer::Direction& d, uint8_t type, const uint8_t* plain, size_t len,
            uint8_t* out) {
  const size_t body = len + 1 + kTagLen;
  out[0] = kApplicationData;
  out[1] = 3;
  out[2] = 3;
  out[3] = uint8_t(body >> 8);
  out[4] = uint8_t(body);
  uint8_t* p = out + kHeaderLen;
  std::memcpy(p, plain, len);
  p[len] = type;
  uint8_t nonce[kIvLen];
  Nonce(d, nonce);
  int n = 0, fin = 0;
  if (EVP_EncryptInit_ex(d.ctx, nullptr, nullptr, nullptr, nonce) != 1 ||
      EVP_EncryptUpdate(d.ctx, nullptr, &n, out, int(kHeaderLen)) != 1 ||
      EVP_EncryptUpdate(d.ctx, p, &n, p, int(len + 1)) != 1 ||
      EVP_EncryptFinal_ex(d.ctx, p + n, &fin) != 1 || size_t(n + fin) != len + 1 ||
      EVP_CIPHER_CTX_ctrl(d.ctx, EVP_CTRL_AEAD_GET_TAG, int(kTagLen), p + len + 1) != 1) {
    return 0;
  }
  ++d.seq;
  return kHeaderLen + body;
}

// Opens the record whose header is at `header` and whose `clen` ciphertext bytes (tag last)
// are at `ct`, into `out` (may be `ct`).  Returns false when it does not authenticate.
bool Open(TlsRecordLayer::Direction& d, const uint8_t* header, const uint8_t* ct, size_t clen,
          uint8_t* out) {
  uint8_t nonce[kIvLen];
  Nonce(d, nonce);
  const size_t len = clen - kTagLen;
  uint8_t tag[kTagLen];
  std::memcpy(tag, ct + len, kTagLen);
  int n = 0, fin = 0;
  if (EVP_DecryptInit_ex(d.ctx, nullptr, nullptr, nullptr, nonce) != 1 ||
      EVP_DecryptUpdate(d.ctx, nullptr, &n, header, int(kHeaderLen)) != 1 ||
      EVP_DecryptUpdate(d.ctx, out, &n, ct, int(len)) != 1 ||
      EVP_CIPHER_CTX_ctrl(d.ctx, EVP_CTRL_AEAD_SET_TAG, int(kTagLen), tag) != 1 ||
      EVP_DecryptFinal_ex(d.ctx, out + n, &fin) != 1) {
    return false;
  }
  ++d.seq;
  return true;
}

bool ParseHex(const char* hex, uint8_t* out, size_t cap, size_t* len) {
  size_t n = 0;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (; hex[0] && hex[0] != ' ' && hex[0] != '\n'; hex += 2) {
    const int hi = nibble(hex[0]), lo = hex[1] ? nibble(hex[1]) : -1;
    if (hi < 0 || lo < 0 || n == cap) return false;
    out[n++] = uint8_t(hi << 4 | lo);
  }
  *len = n;
  return n > 0;
}

}  // namespace

// The transport functions, a friend of the layer.
struct TlsRecordIo {
  static IoStatus Fail(Link& link, NetError e) {
    link.error = e;
    link.sys_errno = 0;
    return IoStatus::kError;
  }

  // Writes queued records.  kRetry: the socket is full (link.want_write set).
  static IoStatus Flush(Link& link, TlsRecordLayer& r) {
    while (r.out_off_ < r.out_len_) {
      size_t k = 0;
      const IoStatus st =
          PlainTransport().write(link, reinterpret_cast<const char*>(r.out_.data()) + r.out_off_,
                                 r.out_len_ - r.out_off_, &k);
      if (st != IoStatus::kOk) return st;
      r.out_off_ += k;
    }
    r.out_off_ = r.out_len_ = 0;
    // Do not keep a large buffer for a connection that once sent a large body.
    if (r.out_.size() > 2 * (kMaxPlain + kRecordOverhead)) std::vector<uint8_t>().swap(r.out_);
    return IoStatus::kOk;
  }

  // Appends one sealed record of `len` plaintext bytes to the queue.
  static bool Queue(TlsRecordLayer& r, uint8_t type, const uint8_t* plain, size_t len) {
    const size_t need = r.out_len_ + len + kRecordOverhead;
    if (r.out_.size() < need) r.out_.resize(std::max(need, 2 * r.out_.size()));
    const size_t sealed = Seal(r.tx_, type, plain, len, r.out_.data() + r.out_len_);
    if (sealed == 0) return false;
    r.out_len_ += sealed;
    ++r.sealed_;
    return true;
  }

  // A post-handshake message or an alert, opened.
  enum class Verdict : uint8_t { kOk, kProtocolError, kIoError };
  static Verdict Control(Link& link, TlsRecordLayer& r, uint8_t type, const uint8_t* p,
                         size_t len) {
    if (type == kAlert) {
      if (len != 2) return Verdict::kProtocolError;
      if (p[1] == kCloseNotify) r.eof_ = true;
      // user_canceled is a warning that close_notify follows; every other alert is fatal.
      return p[1] == kCloseNotify || p[1] == kUserCanceled ? Verdict::kOk : Verdict::kProtocolError;
    }
    if (type != kHandshake || len == 0) return Verdict::kProtocolError;
    r.handshake_.insert(r.handshake_.end(), p, p + len);
    const Suite* suite = FindSuite(r.cipher_id_);
    while (r.handshake_.size() >= 4) {
      const uint8_t* h = r.handshake_.data();
      const size_t body = size_t(h[1]) << 16 | size_t(h[2]) << 8 | h[3];
      if (body > kMaxHandshakeMessage) return Verdict::kProtocolError;
      if (r.handshake_.size() < 4 + body) break;
      if (h[0] == kKeyUpdate) {
        // RFC 8446 5.1: a KeyUpdate ends its record (nothing may span the key change).
        if (body != 1 || h[4] > 1 || !suite || r.handshake_.size() != 5) {
          return Verdict::kProtocolError;
        }
        if (!UpdateDirection(r.rx_, *suite, /*encrypt=*/false)) return Verdict::kProtocolError;
        // update_requested: one KeyUpdate of ours before our next application data, however
        // many requests arrive meanwhile (4.6.3); it goes out under the old key, then we switch.
        if (h[4] == 1 && !r.update_answered_) {
          const uint8_t reply[5] = {kKeyUpdate, 0, 0, 1, 0};
          if (!Queue(r, kHandshake, reply, sizeof reply)) return Verdict::kProtocolError;
          if (!UpdateDirection(r.tx_, *suite, /*encrypt=*/true)) return Verdict::kProtocolError;
          r.update_answered_ = true;
          if (r.owed_ == 0 && Flush(link, r) == IoStatus::kError) return Verdict::kIoError;
        }
      } else if (h[0] != kNewSessionTicket) {
        return Verdict::kProtocolError;
      }
      r.handshake_.erase(r.handshake_.begin(), r.handshake_.begin() + ptrdiff_t(4 + body));
    }
    return Verdict::kOk;
  }

  // The header of the next buffered record is valid and the whole record is buffered.
  enum class Next : uint8_t { kPartial, kWhole, kBad };
  static Next Peek(const TlsRecordLayer& r, size_t* clen) {
    const size_t avail = r.in_end_ - r.in_begin_;
    if (avail < kHeaderLen) return Next::kPartial;
    const uint8_t* h = r.in_.data() + r.in_begin_;
    *clen = size_t(h[3]) << 8 | h[4];
    if (h[0] != kApplicationData || h[1] != 3 || h[2] != 3 || *clen > kMaxRecordBody ||
        *clen <= kTagLen) {
      return Next::kBad;
    }
    return avail >= kHeaderLen + *clen ? Next::kWhole : Next::kPartial;
  }

  // An error found after some bytes were opened in the same call: those go out first, the
  // error at the next call (Pending() says so).
  static IoStatus Deferred(Link& link, TlsRecordLayer& r) {
    link.error = std::exchange(r.failed_, NetError::kNone);
    link.sys_errno = std::exchange(r.failed_errno_, 0);
    return IoStatus::kError;
  }

  static IoStatus Read(Link& link, char* buf, size_t len, size_t* n) {
    TlsRecordLayer& r = *link.records;
    if (r.failed_ != NetError::kNone && r.plain_len_ == 0) return Deferred(link, r);
    size_t got = 0;
    int quiet = 0;  // empty or control records opened in this call
    bool io_error = false, protocol_error = false;
    for (;;) {
      if (r.plain_len_ > 0) {  // opened earlier, bigger than the caller's room then
        const size_t k = std::min(len - got, r.plain_len_);
        std::memcpy(buf + got, r.in_.data() + r.plain_off_, k);
        r.plain_off_ += k;
        r.plain_len_ -= k;
        got += k;
        if (r.plain_len_ > 0) break;
        continue;
      }
      if (r.eof_ || got == len) break;
      size_t clen = 0;
      const Next next = Peek(r, &clen);
      if (next == Next::kBad) {
        protocol_error = true;
        break;
      }
      if (next == Next::kWhole) {
        uint8_t* header = r.in_.data() + r.in_begin_;
        uint8_t* ct = header + kHeaderLen;
        // Straight into the caller's buffer when the record fits there, else in place.
        const bool direct = clen - kTagLen <= len - got;
        uint8_t* dst = direct ? reinterpret_cast<uint8_t*>(buf + got) : ct;
        if (!Open(r.rx_, header, ct, clen, dst)) {
          protocol_error = true;
          break;
        }
        r.in_begin_ += kHeaderLen + clen;
        ++r.opened_;
        size_t k = clen - kTagLen;  // inner plaintext: content, type, zero padding
        while (k > 0 && dst[k - 1] == 0) --k;
        if (k == 0) {
          protocol_error = true;
          break;
        }
        const uint8_t type = dst[k - 1];
        const size_t content = k - 1;
        if (type == kApplicationData && r.handshake_.empty()) {
          if (content == 0 && ++quiet > kMaxQuietRecords) {
            protocol_error = true;
            break;
          }
          if (direct) {
            got += content;
          } else {
            r.plain_off_ = size_t(dst - r.in_.data());
            r.plain_len_ = content;
          }
          continue;
        }
        // Data inside a fragmented handshake message is as wrong as an unknown type.
        const Verdict v = type == kApplicationData || ++quiet > kMaxQuietRecords
                              ? Verdict::kProtocolError
                              : Control(link, r, type, dst, content);
        if (v == Verdict::kOk) continue;
        (v == Verdict::kIoError ? io_error : protocol_error) = true;
        break;
      }
      if (got > 0) break;  // one read() per answer: what is here goes out first
      // Make room for a whole record after in_begin_, then read.
      if (r.in_begin_ == r.in_end_) {
        r.in_begin_ = r.in_end_ = 0;
      } else if (r.in_.size() - r.in_begin_ < kHeaderLen + kMaxRecordBody) {
        std::memmove(r.in_.data(), r.in_.data() + r.in_begin_, r.in_end_ - r.in_begin_);
        r.in_end_ -= r.in_begin_;
        r.in_begin_ = 0;
      }
      size_t k = 0;
      const IoStatus st = PlainTransport().read(
          link, reinterpret_cast<char*>(r.in_.data()) + r.in_end_, r.in_.size() - r.in_end_, &k);
      if (st != IoStatus::kOk) return st;
      if (k == 0) break;  // EOF (without close_notify: the HTTP parser decides)
      r.in_end_ += k;
    }
    if (io_error || protocol_error) {
      // A write failure (the KeyUpdate answer) keeps its errno; the rest is a TLS read error.
      r.failed_ = io_error ? link.error : NetError::kTlsRead;
      r.failed_errno_ = io_error ? link.sys_errno : 0;
      if (got == 0) return Deferred(link, r);
    }
    *n = got;
    return IoStatus::kOk;
  }

  // OpenSSL's contract: after kRetry the caller offers the same bytes again; they were taken
  // already, so the retry only finishes writing them.
  static IoStatus Write(Link& link, const char* buf, size_t len, size_t* n) {
    TlsRecordLayer& r = *link.records;
    if (r.out_off_ < r.out_len_) {
      const IoStatus st = Flush(link, r);
      if (st != IoStatus::kOk) return st;
      if (r.owed_ > 0) {
        *n = std::min(std::exchange(r.owed_, 0), len);
        return IoStatus::kOk;
      }
    }
    // One record per call, like OpenSSL in partial-write mode: the caller loops.
    const size_t take = std::min(len, kMaxPlain);
    if (!Queue(r, kApplicationData, reinterpret_cast<const uint8_t*>(buf), take)) {
      return Fail(link, NetError::kTlsWrite);
    }
    r.update_answered_ = false;  // a later update request gets its answer again
    const IoStatus st = Flush(link, r);
    if (st == IoStatus::kOk) *n = take;
    if (st == IoStatus::kRetry) r.owed_ = take;
    return st;
  }

  static bool Pending(const Link& link) {
    const TlsRecordLayer& r = *link.records;
    size_t clen = 0;
    return r.plain_len_ > 0 || r.eof_ || r.failed_ != NetError::kNone ||
           Peek(r, &clen) != Next::kPartial;
  }
};

namespace {
constexpr Transport kRecords = {TlsRecordIo::Read, TlsRecordIo::Write, TlsRecordIo::Pending};
}  // namespace

const Transport& TlsRecordTransport() { return kRecords; }

TlsRecordLayer::~TlsRecordLayer() {
  EVP_CIPHER_CTX_free(tx_.ctx);
  EVP_CIPHER_CTX_free(rx_.ctx);
  OPENSSL_cleanse(tx_.secret, sizeof tx_.secret);
  OPENSSL_cleanse(rx_.secret, sizeof rx_.secret);
  OPENSSL_cleanse(tx_.iv, sizeof tx_.iv);
  OPENSSL_cleanse(rx_.iv, sizeof rx_.iv);
  OPENSSL_cleanse(client_secret_, sizeof client_secret_);
  OPENSSL_cleanse(server_secret_, sizeof server_secret_);
}

void TlsRecordLayerFree::operator()(TlsRecordLayer* r) const { delete r; }

void TlsRecordLayer::OnKeylogLine(const char* line) {
  static constexpr char kClient[] = "CLIENT_TRAFFIC_SECRET_0 ";
  static constexpr char kServer[] = "SERVER_TRAFFIC_SECRET_0 ";
  uint8_t* dst = nullptr;
  size_t* dst_len = nullptr;
  if (std::strncmp(line, kClient, sizeof kClient - 1) == 0) {
    dst = client_secret_;
    dst_len = &client_secret_len_;
  } else if (std::strncmp(line, kServer, sizeof kServer - 1) == 0) {
    dst = server_secret_;
    dst_len = &server_secret_len_;
  } else {
    return;
  }
  const char* random_end = std::strchr(line + sizeof kClient - 1, ' ');  // after the client random
  if (!random_end || !ParseHex(random_end + 1, dst, 48, dst_len)) *dst_len = 0;
}

void TlsRecordLayer::OnRecordHeader(bool written) {
  if (!counting_) return;
  ++(written ? written_records_ : read_records_);
}

void TlsRecordLayer::OnHandshakeMessage(uint8_t msg_type) {
  if (counting_ && msg_type == kKeyUpdate) Never();
}

void TlsRecordLayer::Never() {
  never_ = true;
  OPENSSL_cleanse(client_secret_, sizeof client_secret_);
  OPENSSL_cleanse(server_secret_, sizeof server_secret_);
  client_secret_len_ = server_secret_len_ = 0;
}

bool TlsRecordLayer::MaybeTakeOver(Link& link) {
  TlsRecordLayer& r = *link.records;
  if (r.never_ || r.openssl_reads_ == 0) return false;
  return r.TakeOver(link);
}

bool TlsRecordLayer::TakeOver(Link& link) {
  SSL* ssl = link.ssl.get();
  // Bytes buffered, or a post-handshake message half read: try again at the next write.
  if (SSL_has_pending(ssl) == 1 || SSL_in_init(ssl)) return false;
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  const int id = cipher ? int(SSL_CIPHER_get_id(cipher) & 0xffff) : 0;
  const Suite* suite = SSL_version(ssl) == TLS1_3_VERSION ? FindSuite(id) : nullptr;
  if (!suite || client_secret_len_ == 0 || client_secret_len_ != server_secret_len_) {
    Never();
    return false;
  }
  // OpenSSL refuses while it is inside a record: a header read but not its body (the header is
  // counted, the body is not ours to read), or a record of ours half written to a full socket
  // (its own to finish).  Try again at the next write.
  if (SSL_free_buffers(ssl) != 1) return false;
  cipher_id_ = id;
  tx_.secret_len = client_secret_len_;
  rx_.secret_len = server_secret_len_;
  std::memcpy(tx_.secret, client_secret_, client_secret_len_);
  std::memcpy(rx_.secret, server_secret_, server_secret_len_);
  Never();  // the only attempt that can succeed: the copies above are the ones used
  if (!InitDirection(tx_, *suite, /*encrypt=*/true) ||
      !InitDirection(rx_, *suite, /*encrypt=*/false)) {
    return false;
  }
  tx_.seq = written_records_;
  rx_.seq = read_records_;
  in_.resize(kInBuffer);
  link.io = &TlsRecordTransport();
  return true;
}

}  // namespace vitals
