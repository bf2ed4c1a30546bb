#include "load/coord_protocol.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <fmt/format.h>

#include "core/hdr_log.h"

namespace vitals {
namespace {

std::string Hex(const unsigned char* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

Status BadMagic() {
  return Status::InvalidArgument(
      "coordinator protocol: the peer did not send a vitals frame (bad magic): is this "
      "address a vitals coordinator (vitals coordinate --listen ADDR)?");
}

}  // namespace

std::string FrameKindName(uint8_t kind) {
  switch (FrameKind(kind)) {
    case FrameKind::kChallenge:
      return "challenge";
    case FrameKind::kHello:
      return "hello";
    case FrameKind::kWelcome:
      return "welcome";
    case FrameKind::kRefuse:
      return "refuse";
    case FrameKind::kPlan:
      return "plan";
    case FrameKind::kInterval:
      return "interval";
    case FrameKind::kHeartbeat:
      return "heartbeat";
    case FrameKind::kStop:
      return "stop";
    case FrameKind::kResult:
      return "result";
  }
  return fmt::format("kind {}", kind);
}

Result<nlohmann::json> Frame::Json() const {
  nlohmann::json j = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument(fmt::format(
        "coordinator protocol: the {} frame's payload is not a JSON object", FrameKindName(kind)));
  }
  return j;
}

std::string EncodeFrame(FrameKind kind, std::string_view payload) {
  std::string out;
  out.reserve(kFrameHeaderSize + payload.size());
  const uint32_t n = uint32_t(payload.size());
  out += 'V';
  out += 'C';
  out += char(kCoordProtocolVersion);
  out += char(kind);
  for (int shift = 24; shift >= 0; shift -= 8) out += char((n >> shift) & 0xff);
  out.append(payload);
  return out;
}

std::string EncodeFrame(FrameKind kind, const nlohmann::json& payload) {
  return EncodeFrame(kind, std::string_view(payload.dump()));
}

Result<std::optional<Frame>> FrameReader::Next() {
  const size_t avail = buf_.size() - pos_;
  if (avail < kFrameHeaderSize) {
    // Check the magic and version as soon as they arrive, so a wrong peer fails fast.
    if (avail >= 1 && buf_[pos_] != 'V') return BadMagic();
    if (avail >= 2 && buf_[pos_ + 1] != 'C') return BadMagic();
    return std::optional<Frame>();
  }
  const auto* h = reinterpret_cast<const unsigned char*>(buf_.data() + pos_);
  if (h[0] != 'V' || h[1] != 'C') return BadMagic();
  if (h[2] != kCoordProtocolVersion) {
    return Status::InvalidArgument(fmt::format(
        "coordinator protocol version mismatch: the peer speaks version {}, this vitals "
        "speaks version {}; run the same vitals version on the coordinator and every segment",
        int(h[2]), int(kCoordProtocolVersion)));
  }
  const uint32_t n =
      (uint32_t(h[4]) << 24) | (uint32_t(h[5]) << 16) | (uint32_t(h[6]) << 8) | uint32_t(h[7]);
  if (n > max_payload_) {
    return Status::InvalidArgument(fmt::format(
        "coordinator protocol: a {} frame of {} bytes is over the limit of {} bytes; refused",
        FrameKindName(h[3]), n, max_payload_));
  }
  if (avail < kFrameHeaderSize + n) return std::optional<Frame>();
  Frame f;
  f.kind = h[3];
  f.payload.assign(buf_, pos_ + kFrameHeaderSize, n);
  pos_ += kFrameHeaderSize + n;
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > (1u << 16) && pos_ * 2 > buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  return std::optional<Frame>(std::move(f));
}

Status FrameReader::AtEnd() const {
  const size_t avail = buf_.size() - pos_;
  if (avail == 0) return Status::Ok();
  if (avail < kFrameHeaderSize) {
    return Status::InvalidArgument(
        fmt::format("coordinator protocol: truncated frame: got {} of {} header bytes", avail,
                    kFrameHeaderSize));
  }
  const auto* h = reinterpret_cast<const unsigned char*>(buf_.data() + pos_);
  const uint32_t n =
      (uint32_t(h[4]) << 24) | (uint32_t(h[5]) << 16) | (uint32_t(h[6]) << 8) | uint32_t(h[7]);
  return Status::InvalidArgument(
      fmt::format("coordinator protocol: truncated {} frame: got {} of {} bytes",
                  FrameKindName(h[3]), avail, size_t(n) + kFrameHeaderSize));
}

std::string RandomNonceHex() {
  unsigned char b[32];
  if (RAND_bytes(b, sizeof b) != 1) {
    // RAND_bytes only fails when the OS has no entropy source; a constant nonce would let a
    // recorded answer be replayed, so refuse to run rather than continue.
    std::abort();
  }
  return Hex(b, sizeof b);
}

std::string HelloMac(std::string_view token, std::string_view nonce_hex, int index, int count) {
  const std::string msg = fmt::format("{}:{}/{}", nonce_hex, index, count);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), token.data(), int(token.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &len);
  return Hex(out, len);
}

std::string WelcomeMac(std::string_view token, std::string_view segment_nonce_hex, int index,
                       int count) {
  return HelloMac(token, "welcome:" + std::string(segment_nonce_hex), index, count);
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return Hex(out, len);
}

nlohmann::json IntervalsToJson(const std::vector<IntervalSample>& samples) {
  nlohmann::json arr = nlohmann::json::array();
  for (const IntervalSample& s : samples) {
    arr.push_back({{"start_s", s.start_s},
                   {"length_s", s.length_s},
                   {"phase", s.phase},
                   {"request", s.request},
                   {"requests", s.requests},
                   {"errors", s.errors},
                   {"c", EncodeCompressedV2(s.latency_corrected)},
                   {"u", EncodeCompressedV2(s.latency_uncorrected)}});
  }
  return arr;
}

Result<std::vector<IntervalSample>> IntervalsFromJson(const nlohmann::json& j) {
  if (!j.is_array()) {
    return Status::InvalidArgument("coordinator protocol: interval samples are not an array");
  }
  std::vector<IntervalSample> out;
  out.reserve(j.size());
  for (const nlohmann::json& x : j) {
    if (!x.is_object() || !x.value("start_s", nlohmann::json()).is_number() ||
        !x.value("c", nlohmann::json()).is_string() ||
        !x.value("u", nlohmann::json()).is_string() ||
        !x.value("requests", nlohmann::json()).is_number_unsigned() ||
        !x.value("errors", nlohmann::json()).is_number_unsigned()) {
      return Status::InvalidArgument(
          "coordinator protocol: an interval sample lacks start_s, requests, errors or its "
          "histograms");
    }
    IntervalSample s;
    s.start_s = x["start_s"].get<double>();
    const nlohmann::json& len = x.contains("length_s") ? x["length_s"] : nlohmann::json(1.0);
    const nlohmann::json& phase = x.contains("phase") ? x["phase"] : nlohmann::json("");
    const nlohmann::json& request = x.contains("request") ? x["request"] : nlohmann::json("");
    if (!len.is_number() || !phase.is_string() || !request.is_string()) {
      return Status::InvalidArgument(
          "coordinator protocol: an interval sample's length_s, phase or request has the wrong "
          "type");
    }
    s.length_s = len.get<double>();
    s.phase = phase.get<std::string>();
    s.request = request.get<std::string>();
    s.requests = x["requests"].get<uint64_t>();
    s.errors = x["errors"].get<uint64_t>();
    auto c = DecodeCompressedV2(x["c"].get<std::string>());
    if (!c.ok()) return Status::InvalidArgument("interval histogram: " + c.status().message());
    auto u = DecodeCompressedV2(x["u"].get<std::string>());
    if (!u.ok()) return Status::InvalidArgument("interval histogram: " + u.status().message());
    s.latency_corrected = std::move(c).value();
    s.latency_uncorrected = std::move(u).value();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace vitals
