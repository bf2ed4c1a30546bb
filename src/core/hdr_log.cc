#include "core/hdr_log.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "core/units.h"

namespace vitals {
namespace {

constexpr uint32_t kCookieMask = ~uint32_t{0xf0};
constexpr uint32_t kV2CompressionCookie = 0x1c849314;  // base 0x1c849304 | word size 1 << 4
constexpr uint32_t kV2EncodingCookie = 0x1c849313;     // base 0x1c849303 | word size 1 << 4
constexpr uint32_t kV1CompressionCookieBase = 0x1c849302;
constexpr uint32_t kV0CompressionCookieBase = 0x1c849309;
constexpr size_t kEncodingHeaderBytes = 40;
constexpr size_t kCompressionHeaderBytes = 8;
constexpr int kMaxLeb128Bytes = 9;

// ---- byte helpers ----

void PutBe32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void PutBe64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}
uint32_t GetBe32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
uint64_t GetBe64(const unsigned char* p) { return (uint64_t{GetBe32(p)} << 32) | GetBe32(p + 4); }

// Zig-zag LEB128 as HdrHistogram's ZigZagEncoding: 7 bits per byte, little-endian groups,
// high bit = more; the 9th byte carries a full 8 bits.
void PutZigZag(std::string& out, int64_t signed_value) {
  uint64_t v =
      (static_cast<uint64_t>(signed_value) << 1) ^ static_cast<uint64_t>(signed_value >> 63);
  for (int i = 0; i < kMaxLeb128Bytes - 1; ++i) {
    if ((v >> 7) == 0) {
      out.push_back(static_cast<char>(v));
      return;
    }
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));  // 9th byte: the remaining 8 bits
}

// ---- base64 (RFC 4648 standard alphabet, '=' padding), as Java's printBase64Binary ----

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t n = (uint32_t{static_cast<unsigned char>(in[i])} << 16) |
                       (uint32_t{static_cast<unsigned char>(in[i + 1])} << 8) |
                       uint32_t{static_cast<unsigned char>(in[i + 2])};
    out.push_back(kBase64Alphabet[(n >> 18) & 63]);
    out.push_back(kBase64Alphabet[(n >> 12) & 63]);
    out.push_back(kBase64Alphabet[(n >> 6) & 63]);
    out.push_back(kBase64Alphabet[n & 63]);
  }
  const size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t n = uint32_t{static_cast<unsigned char>(in[i])} << 16;
    if (rest == 2) n |= uint32_t{static_cast<unsigned char>(in[i + 1])} << 8;
    out.push_back(kBase64Alphabet[(n >> 18) & 63]);
    out.push_back(kBase64Alphabet[(n >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64Alphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

Result<std::string> Base64Decode(std::string_view in) {
  if (in.empty()) return Status::Parse("empty histogram: expected base64 text");
  if (in.size() % 4 != 0) {
    return Status::Parse(fmt::format(
        "bad base64: length {} is not a multiple of 4 (truncated histogram?)", in.size()));
  }
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = in[i + k];
      if (c == '=' && i + 4 == in.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      v[k] = Base64Value(c);
      if (v[k] < 0 || pad > 0) {
        return Status::Parse(fmt::format("bad base64: unexpected character '{}' at offset {}",
                                         c == '\0' ? ' ' : c, i + k));
      }
    }
    const uint32_t n = (static_cast<uint32_t>(v[0]) << 18) | (static_cast<uint32_t>(v[1]) << 12) |
                       (static_cast<uint32_t>(v[2]) << 6) | static_cast<uint32_t>(v[3]);
    out.push_back(static_cast<char>((n >> 16) & 0xff));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

// ---- zlib ----

// Owns a z_stream set up for inflating.
class Inflater {
 public:
  Inflater() { ok_ = inflateInit(&zs_) == Z_OK; }
  ~Inflater() {
    if (ok_) inflateEnd(&zs_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  bool ok() const { return ok_; }
  z_stream* operator->() { return &zs_; }
  z_stream* get() { return &zs_; }

 private:
  z_stream zs_{};
  bool ok_ = false;
};

std::string ZlibMessage(const z_stream* zs, int rc) {
  if (zs->msg != nullptr) return zs->msg;
  return fmt::format("zlib error {}", rc);
}

Result<std::string> Compress(const std::string& raw) {
  uLongf len = compressBound(static_cast<uLong>(raw.size()));
  std::string out(len, '\0');
  // Best compression, like HdrHistogram Java's log writer: logs are kept, encoding is rare.
  const int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &len,
                           reinterpret_cast<const Bytef*>(raw.data()),
                           static_cast<uLong>(raw.size()), Z_BEST_COMPRESSION);
  if (rc != Z_OK) return Status::Internal(fmt::format("zlib compress failed: {}", rc));
  out.resize(len);
  return out;
}

Result<std::vector<int64_t>> DecodeCounts(std::string_view payload, int32_t counts_len) {
  std::vector<int64_t> counts(static_cast<size_t>(counts_len), 0);
  const auto* p = reinterpret_cast<const unsigned char*>(payload.data());
  size_t pos = 0;
  int64_t index = 0;
  while (pos < payload.size()) {
    const size_t start = pos;
    uint64_t v = 0;
    for (int i = 0;; ++i) {
      if (pos >= payload.size()) {
        return Status::Parse(fmt::format("truncated zig-zag LEB128 value at payload byte {} of {}",
                                         start, payload.size()));
      }
      const uint64_t b = p[pos++];
      if (i == kMaxLeb128Bytes - 1) {
        v |= b << 56;
        break;
      }
      v |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) break;
    }
    const auto value = static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
    if (value < 0) {
      // A run of -value empty buckets; compare before negating (value may be INT64_MIN).
      if (value < -(counts_len - index)) {
        return Status::Parse(fmt::format(
            "run of {} empty buckets at bucket {} passes the end of the {}-bucket counts array",
            static_cast<uint64_t>(0) - static_cast<uint64_t>(value), index, counts_len));
      }
      index -= value;
    } else {
      if (index >= counts_len) {
        return Status::Parse(fmt::format(
            "count at bucket {} is past the end of the {}-bucket counts array", index, counts_len));
      }
      counts[static_cast<size_t>(index++)] = value;
    }
  }
  return counts;
}

std::string HexCookie(uint32_t c) { return fmt::format("0x{:08x}", c); }

}  // namespace

std::string EncodeCompressedV2(const Histogram& h) {
  // Counts up to the bucket of the largest value, like the reference encoders.
  const int32_t limit = std::min(h.CountsIndexFor(h.Max()) + 1, h.counts_len());
  std::string payload;
  payload.reserve(static_cast<size_t>(limit) * 2);
  for (int32_t i = 0; i < limit;) {
    const int64_t c = h.CountAtIndex(i++);
    if (c != 0) {
      PutZigZag(payload, c);
      continue;
    }
    // Every run of empty buckets, even of one, is -k, as HdrHistogram_c writes it.
    int64_t zeros = 1;
    while (i < limit && h.CountAtIndex(i) == 0) {
      ++zeros;
      ++i;
    }
    PutZigZag(payload, -zeros);
  }

  const HistogramConfig& cfg = h.config();
  std::string raw;
  raw.reserve(kEncodingHeaderBytes + payload.size());
  PutBe32(raw, kV2EncodingCookie);
  PutBe32(raw, static_cast<uint32_t>(payload.size()));
  PutBe32(raw, 0);  // normalizing index offset: we never shift
  PutBe32(raw, static_cast<uint32_t>(cfg.significant_figures));
  PutBe64(raw, static_cast<uint64_t>(cfg.lowest_discernible_value));
  PutBe64(raw, static_cast<uint64_t>(cfg.highest_trackable_value));
  uint64_t ratio_bits;
  const double ratio = 1.0;
  std::memcpy(&ratio_bits, &ratio, sizeof(ratio_bits));
  PutBe64(raw, ratio_bits);
  raw += payload;

  Result<std::string> z = Compress(raw);
  // compress2 fails only on out-of-memory or a zlib bug; an empty string is then the answer
  // that every decoder rejects loudly instead of a half-written histogram.
  if (!z.ok()) return std::string();
  std::string bin;
  bin.reserve(kCompressionHeaderBytes + z->size());
  PutBe32(bin, kV2CompressionCookie);
  PutBe32(bin, static_cast<uint32_t>(z->size()));
  bin += *z;
  return Base64Encode(bin);
}

Result<Histogram> DecodeCompressedV2(std::string_view base64) {
  Result<std::string> bin_or = Base64Decode(base64);
  if (!bin_or.ok()) return bin_or.status();
  const std::string& bin = *bin_or;
  const auto* b = reinterpret_cast<const unsigned char*>(bin.data());
  if (bin.size() < kCompressionHeaderBytes) {
    return Status::Parse(fmt::format(
        "compressed histogram is {} bytes, shorter than its 8-byte header", bin.size()));
  }
  const uint32_t cookie = GetBe32(b);
  if ((cookie & kCookieMask) != (kV2CompressionCookie & kCookieMask)) {
    const uint32_t base = cookie & kCookieMask;
    if (base == kV1CompressionCookieBase || base == kV0CompressionCookieBase) {
      return Status::Parse(fmt::format(
          "unsupported HdrHistogram {} encoding (cookie {}); only V2 ({}) is supported: "
          "re-encode the log with HdrHistogram 2.1 or later",
          base == kV1CompressionCookieBase ? "V1" : "V0", HexCookie(cookie),
          HexCookie(kV2CompressionCookie)));
    }
    return Status::Parse(
        fmt::format("not an HdrHistogram V2 compressed histogram: cookie {}, expected {}",
                    HexCookie(cookie), HexCookie(kV2CompressionCookie)));
  }
  const auto zlen = static_cast<int32_t>(GetBe32(b + 4));
  if (zlen < 0 || static_cast<size_t>(zlen) > bin.size() - kCompressionHeaderBytes) {
    return Status::Parse(
        fmt::format("compressed histogram says {} zlib bytes follow but {} do (truncated?)", zlen,
                    bin.size() - kCompressionHeaderBytes));
  }

  Inflater zs;
  if (!zs.ok()) return Status::Internal("zlib inflateInit failed (out of memory?)");
  zs->next_in = const_cast<Bytef*>(b + kCompressionHeaderBytes);
  zs->avail_in = static_cast<uInt>(zlen);
  unsigned char hdr[kEncodingHeaderBytes];
  zs->next_out = hdr;
  zs->avail_out = sizeof(hdr);
  int rc = inflate(zs.get(), Z_SYNC_FLUSH);
  if ((rc != Z_OK && rc != Z_STREAM_END) || zs->avail_out != 0) {
    return Status::Parse(fmt::format("zlib stream ends inside the 40-byte histogram header: {}",
                                     rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR
                                         ? std::string("truncated")
                                         : ZlibMessage(zs.get(), rc)));
  }
  const bool header_ended_stream = rc == Z_STREAM_END;

  const uint32_t enc_cookie = GetBe32(hdr);
  if ((enc_cookie & kCookieMask) != (kV2EncodingCookie & kCookieMask)) {
    return Status::Parse(fmt::format("wrong V2 encoding cookie {}, expected {}",
                                     HexCookie(enc_cookie), HexCookie(kV2EncodingCookie)));
  }
  const auto payload_len = static_cast<int32_t>(GetBe32(hdr + 4));
  const auto normalizing_offset = static_cast<int32_t>(GetBe32(hdr + 8));
  HistogramConfig cfg;
  cfg.significant_figures = static_cast<int32_t>(GetBe32(hdr + 12));
  cfg.lowest_discernible_value = static_cast<int64_t>(GetBe64(hdr + 16));
  cfg.highest_trackable_value = static_cast<int64_t>(GetBe64(hdr + 24));
  if (payload_len < 0) {
    return Status::Parse(
        fmt::format("negative payload length {} in histogram header", payload_len));
  }
  if (normalizing_offset != 0) {
    return Status::Parse(
        fmt::format("unsupported shifted histogram (normalizing index offset {}); only unshifted "
                    "histograms can be read",
                    normalizing_offset));
  }
  Result<int32_t> counts_len = Histogram::CountsLenFor(cfg);
  if (!counts_len.ok()) {
    return Status::Parse("histogram header has an invalid config: " +
                         counts_len.status().message());
  }
  if (*counts_len > kMaxDecodedCountsLen) {
    return Status::Parse(fmt::format(
        "histogram config {}..{} with {} significant figures needs {} buckets, more than the "
        "{} this reader accepts",
        cfg.lowest_discernible_value, cfg.highest_trackable_value, cfg.significant_figures,
        *counts_len, kMaxDecodedCountsLen));
  }
  if (static_cast<int64_t>(payload_len) > int64_t{kMaxLeb128Bytes} * *counts_len) {
    return Status::Parse(
        fmt::format("payload length {} exceeds the {} bytes {} buckets can encode to", payload_len,
                    int64_t{kMaxLeb128Bytes} * *counts_len, *counts_len));
  }

  std::string payload(static_cast<size_t>(payload_len), '\0');
  if (header_ended_stream) {
    if (payload_len != 0) {
      return Status::Parse(fmt::format(
          "zlib stream ends after the header but {} payload bytes were promised", payload_len));
    }
  } else {
    zs->next_out = reinterpret_cast<Bytef*>(payload.data());
    zs->avail_out = static_cast<uInt>(payload.size());
    rc = inflate(zs.get(), Z_FINISH);
    if (rc != Z_STREAM_END && zs->avail_out == 0 && rc != Z_DATA_ERROR) {
      // Every promised byte arrived but the stream did not end: probe for one more byte to
      // tell "longer than promised" from "trailer missing".
      unsigned char extra;
      zs->next_out = &extra;
      zs->avail_out = 1;
      rc = inflate(zs.get(), Z_FINISH);
      if (zs->avail_out == 0) {
        return Status::Parse(fmt::format(
            "zlib stream holds more than the {} payload bytes the header promised", payload_len));
      }
      zs->avail_out = 0;  // the probe byte is not payload
    }
    if (rc != Z_STREAM_END) {
      if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_MEM_ERROR) {
        return Status::Parse("corrupt zlib stream: " + ZlibMessage(zs.get(), rc));
      }
      return Status::Parse(fmt::format("zlib stream truncated: got {} of {} payload bytes",
                                       payload.size() - zs->avail_out, payload_len));
    }
    if (zs->avail_out != 0) {
      return Status::Parse(fmt::format("zlib stream holds {} payload bytes, the header promised {}",
                                       payload.size() - zs->avail_out, payload_len));
    }
  }

  Result<std::vector<int64_t>> counts = DecodeCounts(payload, *counts_len);
  if (!counts.ok()) return counts.status();
  return Histogram::FromCounts(cfg, std::move(*counts));
}

// ---- log writer ----

HdrLogWriter::HdrLogWriter(std::FILE* out, double max_value_unit_ratio)
    : file_(out), max_value_unit_ratio_(max_value_unit_ratio) {}

HdrLogWriter::HdrLogWriter(std::string* out, double max_value_unit_ratio)
    : str_(out), max_value_unit_ratio_(max_value_unit_ratio) {}

Status HdrLogWriter::Emit(const std::string& text) {
  if (str_ != nullptr) {
    str_->append(text);
    return Status::Ok();
  }
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
    return Status::FromErrno("writing HdrHistogram log", errno);
  }
  return Status::Ok();
}

Status HdrLogWriter::WriteHeader(const HdrLogHeader& header) {
  if (header.comment.find_first_of("\r\n") != std::string::npos) {
    return Status::InvalidArgument(
        "histogram log comment contains a line break; write one comment line per header");
  }
  std::string out;
  if (!header.comment.empty()) out += fmt::format("#[{}]\n", header.comment);
  out += "#[Histogram log format version 1.3]\n";
  // Human-readable date after the number, as the reference writers do; readers use the number.
  std::string date;
  if (std::isfinite(header.start_time_s) && std::fabs(header.start_time_s) < 1e12) {
    const auto t = static_cast<std::time_t>(std::floor(header.start_time_s));
    std::tm tm{};
    char buf[64];
    if (gmtime_r(&t, &tm) != nullptr &&
        std::strftime(buf, sizeof(buf), "%a %b %d %H:%M:%S UTC %Y", &tm) > 0) {
      date = buf;
    }
  }
  out += fmt::format("#[StartTime: {:.3f} (seconds since epoch), {}]\n", header.start_time_s, date);
  if (header.base_time_s) {
    out += fmt::format("#[BaseTime: {:.3f} (seconds since epoch)]\n", *header.base_time_s);
  }
  out +=
      "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n";
  return Emit(out);
}

Status HdrLogWriter::WriteInterval(double start_s, double interval_s, const Histogram& histogram,
                                   std::string_view tag) {
  if (tag.find_first_of(", \r\n") != std::string_view::npos) {
    return Status::InvalidArgument(fmt::format(
        "histogram log tag '{}' contains a comma, space or line break; use another tag", tag));
  }
  std::string line;
  if (!tag.empty()) line += fmt::format("Tag={},", tag);
  const double ratio = max_value_unit_ratio_ > 0 ? max_value_unit_ratio_ : 1.0;
  line += fmt::format("{:.3f},{:.3f},{:.3f},{}\n", start_s, interval_s,
                      static_cast<double>(histogram.Max()) / ratio, EncodeCompressedV2(histogram));
  return Emit(line);
}

// ---- log reader ----

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The number right after `prefix` in a "#[Prefix: 123.456 ...]" comment.
Result<double> NumberAfter(std::string_view line, std::string_view prefix, size_t line_no) {
  std::string_view rest = Trim(line.substr(prefix.size()));
  const size_t end = rest.find_first_of(" ,]");
  const std::string_view num = rest.substr(0, end);
  Result<double> v = ParseDouble(num);
  if (!v.ok()) {
    return Status::Parse(fmt::format("line {}: '{}' is followed by '{}', not a number of seconds",
                                     line_no, Trim(prefix), num));
  }
  return v;
}

Status ParseComment(std::string_view line, size_t line_no, HdrLog& log) {
  constexpr std::string_view kStart = "#[StartTime:";
  constexpr std::string_view kBase = "#[BaseTime:";
  constexpr std::string_view kVersion = "#[Histogram log format version ";
  if (line.substr(0, kStart.size()) == kStart) {
    Result<double> v = NumberAfter(line, kStart, line_no);
    if (!v.ok()) return v.status();
    log.start_time_s = *v;
  } else if (line.substr(0, kBase.size()) == kBase) {
    Result<double> v = NumberAfter(line, kBase, line_no);
    if (!v.ok()) return v.status();
    log.base_time_s = *v;
  } else if (line.substr(0, kVersion.size()) == kVersion) {
    std::string_view rest = line.substr(kVersion.size());
    rest = rest.substr(0, rest.find(']'));
    if (rest.substr(0, 2) != "1.") {
      return Status::Parse(fmt::format(
          "line {}: unsupported histogram log format version '{}'; this reader reads 1.x", line_no,
          rest));
    }
    log.format_version = std::string(rest);
  }
  return Status::Ok();  // any other comment is free text
}

Result<LogInterval> ParseIntervalLine(std::string_view line, size_t line_no) {
  LogInterval iv;
  constexpr std::string_view kTag = "Tag=";
  if (line.substr(0, kTag.size()) == kTag) {
    const size_t comma = line.find(',');
    if (comma == std::string_view::npos) {
      return Status::Parse(
          fmt::format("line {}: 'Tag=' is not followed by a comma and the "
                      "interval fields",
                      line_no));
    }
    iv.tag = std::string(line.substr(kTag.size(), comma - kTag.size()));
    line.remove_prefix(comma + 1);
  }
  std::string_view fields[4];
  size_t n = 0;
  while (true) {
    const size_t comma = line.find(',');
    if (n == 4) {
      return Status::Parse(fmt::format(
          "line {}: more than 4 fields; expected [Tag=tag,]start,interval,max,histogram", line_no));
    }
    fields[n++] = Trim(line.substr(0, comma));
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  if (n != 4) {
    return Status::Parse(fmt::format(
        "line {}: {} field(s); expected [Tag=tag,]start,interval,max,histogram", line_no, n));
  }
  static constexpr const char* kNames[] = {"StartTimestamp", "Interval_Length", "Interval_Max"};
  double* targets[] = {&iv.start_s, &iv.interval_s, &iv.interval_max};
  for (int i = 0; i < 3; ++i) {
    Result<double> v = ParseDouble(fields[i]);
    if (!v.ok()) {
      return Status::Parse(
          fmt::format("line {}: {} '{}' is not a number", line_no, kNames[i], fields[i]));
    }
    *targets[i] = *v;
  }
  Result<Histogram> h = DecodeCompressedV2(fields[3]);
  if (!h.ok()) {
    return Status::Parse(fmt::format("line {}: bad histogram: {}", line_no, h.status().message()));
  }
  iv.histogram = std::move(*h);
  return iv;
}

}  // namespace

Result<HdrLog> ParseHdrLog(std::string_view text, const HdrLogReadOptions& options) {
  HdrLog log;
  int64_t bytes = 0;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = Trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '"') continue;  // blank or the column legend
    if (line.front() == '#') {
      VITALS_RETURN_IF_ERROR(ParseComment(line, line_no, log));
      continue;
    }
    Result<LogInterval> iv = ParseIntervalLine(line, line_no);
    if (!iv.ok()) return iv.status();
    bytes += static_cast<int64_t>(iv->histogram.MemoryBytes());
    if (bytes > options.max_total_counts_bytes) {
      return Status::Parse(fmt::format(
          "line {}: decoded histograms exceed the {}-byte memory cap; read a shorter log", line_no,
          options.max_total_counts_bytes));
    }
    log.intervals.push_back(std::move(*iv));
  }
  return log;
}

Result<std::vector<LogInterval>> ReadHdrLog(std::string_view text) {
  Result<HdrLog> log = ParseHdrLog(text);
  if (!log.ok()) return log.status();
  return std::move(log->intervals);
}

}  // namespace vitals
