// The coordinator protocol (vitals coordinate <-> vitals load --coordinator): versioned,
// length-prefixed frames over TCP.  Documented for people in docs/distributed.md.
//
// Frame layout (big-endian):
//   offset 0  2 bytes  magic "VC"
//          2  1 byte   protocol version (kCoordProtocolVersion)
//          3  1 byte   kind (FrameKind)
//          4  4 bytes  payload length (<= kMaxFramePayload)
//          8  ...      payload: one JSON object (UTF-8)
//
// A receiver refuses a frame of another version with a message naming both versions, a frame
// longer than kMaxFramePayload before reading (or allocating) its payload, and a stream that
// ends inside a frame (truncated).  So a peer can never make the reader hold more than one
// maximal frame.
//
// Authentication (challenge / HMAC, the token never crosses the wire): the coordinator opens
// with kChallenge {"nonce": 32 random bytes, hex}; the segment answers kHello with "mac" =
// hex HMAC-SHA256(token, nonce + ":" + index + "/" + count); the coordinator compares in
// constant time.  Then the other way (mutual): the hello carries the segment's own "nonce", and
// with a token the coordinator's kWelcome carries WelcomeMac over it; a segment with a token
// takes no plan from a coordinator that cannot show it.
//
// Thread-safety: free functions and value types; a FrameReader has one owner.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "load/result.h"

namespace vitals {

inline constexpr uint8_t kCoordProtocolVersion = 1;
inline constexpr size_t kFrameHeaderSize = 8;
// A segment's final result JSON (with its V2 histograms) is the largest frame.
inline constexpr uint32_t kMaxFramePayload = 64u << 20;

enum class FrameKind : uint8_t {
  kChallenge = 1,  // coordinator -> segment: {"nonce", "segments"}
  kHello = 2,      // segment -> coordinator: {"index", "count", "host", "mac", "plan_hash"?}
  kWelcome = 3,    // coordinator -> segment: {} (joined; wait for the plan)
  kRefuse = 4,     // coordinator -> segment: {"reason"}; the coordinator closes
  kPlan = 5,       // coordinator -> segment: {"args", "scenario", "start_unix_ms"}
  kInterval = 6,   // segment -> coordinator: {"samples": [...]} (IntervalsToJson)
  kHeartbeat = 7,  // both ways, about once a second: segment sends its progress totals
  kStop = 8,       // coordinator -> segment: {"reason"}: stop sending now
  kResult = 9,     // segment -> coordinator: {"result": the result JSON text}
};

// "challenge", "hello", ... ("kind 42" for an unknown kind).
std::string FrameKindName(uint8_t kind);

struct Frame {
  uint8_t kind = 0;
  std::string payload;
  // The payload parsed as a JSON object; InvalidArgument naming the kind when it is not one.
  Result<nlohmann::json> Json() const;
};

// Header plus payload.  REQUIRES: payload.size() <= kMaxFramePayload.
std::string EncodeFrame(FrameKind kind, std::string_view payload);
std::string EncodeFrame(FrameKind kind, const nlohmann::json& payload);

// Incremental decoder of a byte stream.
class FrameReader {
 public:
  // Appends received bytes (cheap; the decoding happens in Next).
  void Feed(const char* data, size_t n) { buf_.append(data, n); }
  // The next complete frame, nullopt when more bytes are needed, or an error (bad magic,
  // another protocol version, a payload longer than kMaxFramePayload).  After an error the
  // stream is unusable.
  Result<std::optional<Frame>> Next();
  // The payload limit (kMaxFramePayload by default).  The coordinator keeps it small until a
  // peer has authenticated, so an unauthenticated peer can never make it hold a large frame.
  void set_max_payload(uint32_t n) { max_payload_ = n; }
  // At end of stream: Ok when no partial frame is buffered, else InvalidArgument "truncated
  // frame: got N of M bytes".
  Status AtEnd() const;
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  std::string buf_;
  size_t pos_ = 0;
  uint32_t max_payload_ = kMaxFramePayload;
};

// Authentication and plan identity (OpenSSL).
std::string RandomNonceHex();  // 32 random bytes, hex
std::string HelloMac(std::string_view token, std::string_view nonce_hex, int index, int count);
// The coordinator's proof (mutual authentication): its welcome carries "mac" =
// hex HMAC-SHA256(token, "welcome:" + the segment's own nonce + ":" + index + "/" + count).
std::string WelcomeMac(std::string_view token, std::string_view segment_nonce_hex, int index,
                       int count);
bool ConstantTimeEqual(std::string_view a, std::string_view b);
std::string Sha256Hex(std::string_view data);

// Interval samples in a frame: start/length/phase/request/counts plus the corrected and
// uncorrected histograms, V2-encoded (the .hlog encoding), so the coordinator's sums are exact.
nlohmann::json IntervalsToJson(const std::vector<IntervalSample>& samples);
Result<std::vector<IntervalSample>> IntervalsFromJson(const nlohmann::json& j);

}  // namespace vitals
