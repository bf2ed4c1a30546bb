// The HdrHistogram "V2 compressed" encoding and the HdrHistogram interval log (.hlog).
//
// Both are the formats of the reference implementations (HdrHistogram Java's
// HistogramLogWriter/Reader, HdrHistogram_c's hdr_histogram_log.c), so our logs open in
// HistogramLogAnalyzer / HistogramLogProcessor and their logs load here.
//
// V2 compressed histogram (all integers big-endian), then base64 (standard alphabet, padded):
//   int32 cookie 0x1c849314 | int32 N | N bytes: zlib stream of
//     int32 cookie 0x1c849313 | int32 payload_len | int32 normalizing_index_offset (0) |
//     int32 significant_figures | int64 lowest_discernible_value |
//     int64 highest_trackable_value | float64 conversion_ratio (1.0) |
//     payload_len bytes: counts[0 .. index(max)] as zig-zag LEB128 int64 (at most 9 bytes,
//     the 9th carrying 8 bits), where a negative value -k stands for k empty buckets.  We
//     write every run that way (as HdrHistogram_c); HdrHistogram Java sometimes writes a lone
//     empty bucket as a literal 0, which decodes the same.
//   Decoding compares cookies with bits 4..7 masked (cookie & ~0xf0), as the reference
//   decoders do; V0/V1 encodings and shifted histograms (normalizing offset != 0)
//   are rejected with a message.  The conversion ratio (DoubleHistogram only) is ignored.
//
// Log text (one record per line; '\r' before '\n' is tolerated):
//   #[<comment>]
//   #[Histogram log format version 1.3]
//   #[StartTime: 1441753532.570 (seconds since epoch), Tue Sep 08 23:05:32 UTC 2015]
//   #[BaseTime: 0.000 (seconds since epoch)]                      (optional)
//   "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
//   [Tag=<tag>,]<start_s>,<interval_s>,<max / max_value_unit_ratio>,<base64 histogram>
// Timestamps are seconds (3 decimals), relative to BaseTime when one is given.  Interval_Max
// is informational: the histogram's Max() divided by the writer's max_value_unit_ratio
// (HdrHistogram's default 1e6 turns ns into ms; ours defaults to 1000, us into ms).
// HdrHistogram's tools assume nanosecond values by default: for our microsecond logs, pass
// -outputValueUnitRatio 1000 to HistogramLogProcessor.
//
// Errors: every decoder returns a Status (kParse) saying what is wrong and where; no input
// crashes or allocates without bound (decoded histograms are capped at kMaxDecodedCountsLen
// buckets, and a log's decoded histograms at HdrLogReadOptions::max_total_counts_bytes).
//
// Thread-safety: free functions are reentrant; an HdrLogWriter is used by one thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/histogram.h"
#include "core/status.h"

namespace vitals {

// Largest counts array a decoder will allocate (4 Mi buckets = 32 MiB).  Covers every config
// with <= 4 significant figures and 5 significant figures up to ~2.8e14 / lowest.
inline constexpr int32_t kMaxDecodedCountsLen = 1 << 22;

// Base64 of the V2 compressed encoding (no "HIST" prefix added: the cookie encodes as "HIST").
std::string EncodeCompressedV2(const Histogram& histogram);
// Parse error (with the reason) for bad base64, wrong cookies, a truncated or oversized zlib
// stream, counts past the counts array, or a config outside HistogramConfig's limits.
Result<Histogram> DecodeCompressedV2(std::string_view base64);

// Header lines written by HdrLogWriter::WriteHeader.
struct HdrLogHeader {
  std::string comment;                // written as "#[<comment>]" unless empty
  double start_time_s = 0;            // seconds since the epoch ("#[StartTime: ...]")
  std::optional<double> base_time_s;  // "#[BaseTime: ...]" when set
};

class HdrLogWriter {
 public:
  // Borrows `out` (not closed; must outlive the writer).
  explicit HdrLogWriter(std::FILE* out, double max_value_unit_ratio = 1000.0);
  // Appends to `*out` (borrowed; must outlive the writer).
  explicit HdrLogWriter(std::string* out, double max_value_unit_ratio = 1000.0);

  // Comment, format version, StartTime, optional BaseTime and the column legend.
  // InvalidArgument when the comment contains a line break.
  Status WriteHeader(const HdrLogHeader& header);
  // One interval line.  `tag` empty means untagged; a tag containing ',', ' ', '\r' or '\n'
  // is InvalidArgument.  Io error when the FILE* write fails.
  Status WriteInterval(double start_s, double interval_s, const Histogram& histogram,
                       std::string_view tag = {});

 private:
  Status Emit(const std::string& text);
  std::FILE* file_ = nullptr;
  std::string* str_ = nullptr;
  double max_value_unit_ratio_;
};

struct LogInterval {
  std::string tag;     // empty when the line has no Tag=
  double start_s = 0;  // as written (relative to BaseTime if the log has one)
  double interval_s = 0;
  double interval_max = 0;  // the Interval_Max column as written (scaled by the writer)
  Histogram histogram;
};

struct HdrLog {
  std::optional<double> start_time_s;  // from #[StartTime: ...]
  std::optional<double> base_time_s;   // from #[BaseTime: ...]
  std::string format_version;          // from #[Histogram log format version X.Y], or empty
  std::vector<LogInterval> intervals;  // in file order
};

struct HdrLogReadOptions {
  // Sum of MemoryBytes() over decoded histograms above which reading stops with an error.
  int64_t max_total_counts_bytes = int64_t{1} << 30;
};

// Parse error "line N: ..." for a malformed line (wrong field count, bad number, bad
// histogram), for a format version whose major is not 1, or when the memory cap is exceeded.
Result<HdrLog> ParseHdrLog(std::string_view text, const HdrLogReadOptions& options = {});
// Just the intervals of ParseHdrLog.
Result<std::vector<LogInterval>> ReadHdrLog(std::string_view text);

}  // namespace vitals
