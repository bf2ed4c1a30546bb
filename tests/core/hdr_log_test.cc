#include "core/hdr_log.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace vitals {
namespace {

// ---- test-side codec helpers, written independently of the code under test ----

std::string B64(const std::string& bin) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bin.size(); i += 3) {
    uint32_t n = static_cast<unsigned char>(bin[i]) << 16;
    if (i + 1 < bin.size()) n |= static_cast<unsigned char>(bin[i + 1]) << 8;
    if (i + 2 < bin.size()) n |= static_cast<unsigned char>(bin[i + 2]);
    out += a[(n >> 18) & 63];
    out += a[(n >> 12) & 63];
    out += i + 1 < bin.size() ? a[(n >> 6) & 63] : '=';
    out += i + 2 < bin.size() ? a[n & 63] : '=';
  }
  return out;
}

std::string Unb64(const std::string& s) {
  std::string out;
  uint32_t n = 0;
  int bits = 0;
  for (char c : s) {
    const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char* p = std::strchr(a, c);
    if (c == '=' || p == nullptr) break;
    n = (n << 6) | static_cast<uint32_t>(p - a);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((n >> bits) & 0xff);
    }
  }
  return out;
}

std::string Be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}
std::string Be64(uint64_t v) {
  return Be32(static_cast<uint32_t>(v >> 32)) + Be32(static_cast<uint32_t>(v));
}

std::string Deflate(const std::string& raw) {
  uLongf len = compressBound(raw.size());
  std::string out(len, '\0');
  EXPECT_EQ(compress(reinterpret_cast<Bytef*>(out.data()), &len,
                     reinterpret_cast<const Bytef*>(raw.data()), raw.size()),
            Z_OK);
  out.resize(len);
  return out;
}

std::string Inflate(const std::string& z) {
  std::string out(1 << 20, '\0');
  uLongf len = out.size();
  EXPECT_EQ(uncompress(reinterpret_cast<Bytef*>(out.data()), &len,
                       reinterpret_cast<const Bytef*>(z.data()), z.size()),
            Z_OK);
  out.resize(len);
  return out;
}

// The uncompressed V2 encoding (40-byte header + counts) inside a base64 histogram.
std::string RawOf(const std::string& base64) {
  const std::string bin = Unb64(base64);
  EXPECT_GE(bin.size(), 8u);
  return Inflate(bin.substr(8));
}

std::string Header(int32_t payload_len, int32_t sig, int64_t lowest, int64_t highest,
                   int32_t offset = 0, uint32_t cookie = 0x1c849313) {
  return Be32(cookie) + Be32(static_cast<uint32_t>(payload_len)) +
         Be32(static_cast<uint32_t>(offset)) + Be32(static_cast<uint32_t>(sig)) +
         Be64(static_cast<uint64_t>(lowest)) + Be64(static_cast<uint64_t>(highest)) +
         Be64(0x3ff0000000000000ULL);
}

// Wraps an uncompressed encoding as base64 V2; `zlen_delta` corrupts the length field.
std::string Wrap(const std::string& raw, int32_t zlen_delta = 0, uint32_t cookie = 0x1c849314) {
  const std::string z = Deflate(raw);
  return B64(Be32(cookie) +
             Be32(static_cast<uint32_t>(static_cast<int32_t>(z.size()) + zlen_delta)) + z);
}

// Counts of an uncompressed V2 encoding, runs expanded: a parser independent of the code under
// test, so encoders that choose differently between 0 and a run of one compare equal.
std::vector<int64_t> ExpandCounts(const std::string& raw) {
  std::vector<int64_t> counts;
  size_t pos = 40;
  while (pos < raw.size()) {
    uint64_t v = 0;
    for (int i = 0; i < 9 && pos < raw.size(); ++i) {
      const auto b = static_cast<unsigned char>(raw[pos++]);
      if (i == 8) {
        v |= uint64_t{b} << 56;
        break;
      }
      v |= uint64_t{b & 0x7fu} << (7 * i);
      if ((b & 0x80) == 0) break;
    }
    const int64_t x = static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
    if (x < 0) {
      counts.insert(counts.end(), static_cast<size_t>(-x), 0);
    } else {
      counts.push_back(x);
    }
  }
  return counts;
}

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(VITALS_SOURCE_DIR) + "/tests/fixtures/hlog/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ExpectParseError(const Result<Histogram>& r, const std::string& part) {
  ASSERT_FALSE(r.ok()) << "expected an error containing '" << part << "'";
  EXPECT_EQ(r.status().code(), Status::Code::kParse);
  EXPECT_NE(r.status().message().find(part), std::string::npos) << r.status().message();
}

Histogram Standard(bool corrected) {
  Histogram h;
  for (int i = 0; i < 10000; ++i) corrected ? h.RecordCorrected(1000, 10000) : h.Record(1000);
  corrected ? h.RecordCorrected(100000000, 10000) : h.Record(100000000);
  return h;
}

// ---- encoding ----

TEST(HdrEncodingTest, RoundTripsStandardHistograms) {
  for (bool corrected : {false, true}) {
    const Histogram h = Standard(corrected);
    const std::string enc = EncodeCompressedV2(h);
    EXPECT_EQ(enc.substr(0, 6), "HISTFA");  // cookie 0x1c849314 reads as "HIST" + 'F'
    Result<Histogram> d = DecodeCompressedV2(enc);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_TRUE(d->EqualCounts(h));
    EXPECT_EQ(d->TotalCount(), h.TotalCount());
    EXPECT_EQ(d->Min(), h.Min());
    EXPECT_EQ(d->Max(), h.Max());
    EXPECT_DOUBLE_EQ(d->Mean(), h.Mean());
    EXPECT_EQ(d->ValueAtPercentile(99), h.ValueAtPercentile(99));
  }
}

TEST(HdrEncodingTest, RoundTripsEmptySaturatedAndOtherConfigs) {
  Histogram empty;
  Result<Histogram> d = DecodeCompressedV2(EncodeCompressedV2(empty));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->TotalCount(), 0);
  EXPECT_EQ(d->config(), empty.config());
  // Empty encodes one run of one empty bucket: zig-zag(-1) = 0x01 (as HdrHistogram_c).
  const std::string raw = RawOf(EncodeCompressedV2(empty));
  EXPECT_EQ(raw, Header(1, 3, 1, 3'600'000'000) + std::string(1, '\x01'));
  // HdrHistogram Java may write it as a literal zero count: also accepted.
  d = DecodeCompressedV2(Wrap(Header(1, 3, 1, 3'600'000'000) + std::string(1, '\0')));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->EqualCounts(empty));

  Histogram saturated;
  saturated.Record(10'000'000'000);
  saturated.Record(5);
  d = DecodeCompressedV2(EncodeCompressedV2(saturated));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->EqualCounts(saturated));
  EXPECT_EQ(d->Max(), saturated.HighestEquivalentValue(3'600'000'000));
  EXPECT_EQ(d->saturated(), 0);  // documented: the clamp counter is not encoded

  std::mt19937_64 rng(9);
  for (HistogramConfig cfg :
       {HistogramConfig{1000, 100'000'000'000, 2}, HistogramConfig{1, 1'000'000, 5},
        HistogramConfig{1, INT64_MAX, 1}, HistogramConfig{20000, 3'600'000'000'000, 4}}) {
    Result<Histogram> h = Histogram::Create(cfg);
    ASSERT_TRUE(h.ok());
    for (int i = 0; i < 3000; ++i) {
      h->RecordN(static_cast<int64_t>(rng() % static_cast<uint64_t>(cfg.highest_trackable_value)),
                 1 + static_cast<int64_t>(rng() % 1000));
    }
    h->RecordN(cfg.highest_trackable_value, int64_t{1} << 40);  // multi-byte LEB128 counts
    d = DecodeCompressedV2(EncodeCompressedV2(*h));
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_TRUE(d->EqualCounts(*h));
    EXPECT_EQ(d->config(), cfg);
  }
}

TEST(HdrEncodingTest, ByteLayoutIsTheV2Format) {
  Histogram h;
  h.RecordN(0, 2);
  h.RecordN(5, 300);  // zig-zag 600 = 0xd8 0x04
  h.Record(7);
  const std::string raw = RawOf(EncodeCompressedV2(h));
  // counts: [0]=2, [1..4] empty (run of 4: zig-zag(-4) = 7), [5]=300, [6] empty (run of 1:
  // zig-zag(-1) = 1), [7]=1.
  const std::string payload = "\x04\x07\xd8\x04\x01\x02";
  EXPECT_EQ(raw, Header(6, 3, 1, 3'600'000'000) + payload);

  // The outer 8 bytes: compression cookie and the zlib length.
  const std::string bin = Unb64(EncodeCompressedV2(h));
  EXPECT_EQ(bin.substr(0, 4), Be32(0x1c849314));
  EXPECT_EQ(bin.substr(4, 4), Be32(static_cast<uint32_t>(bin.size() - 8)));

  // A 9-byte LEB128 value (the 9th byte carries 8 bits): count 2^62 -> zig-zag 2^63.
  const std::string big = Header(9, 3, 1, 3'600'000'000) + std::string(8, '\x80') + "\x80";
  Result<Histogram> d = DecodeCompressedV2(Wrap(big));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->CountAtIndex(0), int64_t{1} << 62);
  EXPECT_EQ(RawOf(EncodeCompressedV2(*d)), big);
}

// ---- golden: HdrHistogram's own test log (tests/fixtures/hlog/README.md) ----

struct Accumulated {
  int count = 0;
  int64_t total = 0;
  Histogram acc = *Histogram::Create({1, 3'600'000'000'000, 3});
  // HdrHistogram Java's add() across configs: re-record each bucket's lowest value.
  void Add(const Histogram& h) {
    ++count;
    total += h.TotalCount();
    h.ForEachRecorded([&](const Histogram::Bucket& b) { acc.RecordN(b.lowest_value, b.count); });
  }
};

TEST(HdrLogGoldenTest, DecodesJHiccupV2LogToKnownValues) {
  const std::string text = ReadFixture("jHiccup-2.0.7S.logV2.hlog");
  ASSERT_FALSE(text.empty());
  Result<HdrLog> log = ParseHdrLog(text);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_TRUE(log->start_time_s.has_value());
  EXPECT_DOUBLE_EQ(*log->start_time_s, 1441753532.570);
  EXPECT_FALSE(log->base_time_s.has_value());
  EXPECT_EQ(log->format_version, "1.2");
  ASSERT_EQ(log->intervals.size(), 38u);

  Accumulated all, r5_20, r15_32;
  int exact_bytes = 0;
  for (const LogInterval& iv : log->intervals) {
    EXPECT_TRUE(iv.tag.empty());
    EXPECT_EQ(iv.histogram.config(), (HistogramConfig{20000, 3'600'000'000'000, 2}));
    // Interval_Max is the max in ms (ns / 1e6), within 2-significant-figure buckets.
    EXPECT_NEAR(iv.histogram.Max() / 1e6, iv.interval_max, iv.interval_max * 0.01 + 0.001);
    all.Add(iv.histogram);
    if (iv.start_s >= 5 && iv.start_s <= 20) r5_20.Add(iv.histogram);
    if (iv.start_s >= 15 && iv.start_s <= 32) r15_32.Add(iv.histogram);
    // Our encoder writes the reference encoder's header bytes (all but payload_len) and the
    // same counts.
    const std::string line_b64 = [&] {
      const size_t at = text.find(fmt::format("\n{:.3f},{:.3f},", iv.start_s, iv.interval_s));
      EXPECT_NE(at, std::string::npos);
      const size_t b = text.find("HIST", at);
      return text.substr(b, text.find('\n', b) - b);
    }();
    const std::string ours = RawOf(EncodeCompressedV2(iv.histogram));
    const std::string theirs = RawOf(line_b64);
    ASSERT_GE(ours.size(), 40u);
    ASSERT_GE(theirs.size(), 40u);
    EXPECT_EQ(ours.substr(0, 4), theirs.substr(0, 4)) << iv.start_s;
    EXPECT_EQ(ours.substr(8, 32), theirs.substr(8, 32)) << iv.start_s;
    EXPECT_EQ(ExpandCounts(ours), ExpandCounts(theirs)) << iv.start_s;
    ++exact_bytes;
    if (ours != theirs) --exact_bytes;
  }
  EXPECT_DOUBLE_EQ(log->intervals[0].start_s, 0.126);
  EXPECT_DOUBLE_EQ(log->intervals[0].interval_s, 1.007);
  EXPECT_DOUBLE_EQ(log->intervals[0].interval_max, 1.933);

  // All but the one interval where Java wrote a lone empty bucket as 0 match byte for byte.
  EXPECT_GE(exact_bytes, 37);
  EXPECT_EQ(all.total, 30874);
  EXPECT_EQ(all.acc.ValueAtPercentile(99.9), 956825599);
  EXPECT_EQ(all.acc.Max(), 981991423);
  EXPECT_EQ(r5_20.count, 14);
  EXPECT_EQ(r5_20.total, 12406);
  EXPECT_EQ(r5_20.acc.ValueAtPercentile(99.9), 969408511);
  EXPECT_EQ(r5_20.acc.Max(), 981991423);
  EXPECT_EQ(r15_32.count, 17);
  EXPECT_EQ(r15_32.total, 13754);
  EXPECT_EQ(r15_32.acc.ValueAtPercentile(99.9), 969408511);
  EXPECT_EQ(r15_32.acc.Max(), 981991423);

  // Same-config merge gives the same totals as the re-recording accumulation.
  Histogram merged = log->intervals[0].histogram;
  merged.Reset();
  for (const LogInterval& iv : log->intervals) ASSERT_TRUE(merged.Add(iv.histogram).ok());
  EXPECT_EQ(merged.TotalCount(), 30874);
  EXPECT_TRUE(merged.ValuesAreEquivalent(merged.Max(), 981991423));
}

TEST(HdrLogGoldenTest, ReadsTaggedLog) {
  Result<std::vector<LogInterval>> ivs = ReadHdrLog(ReadFixture("tagged-non-monotonic.hlog"));
  ASSERT_TRUE(ivs.ok()) << ivs.status().ToString();
  ASSERT_EQ(ivs->size(), 6u);
  const char* tags[] = {"A", "A", "B", "B", "C", "C"};
  const double starts[] = {2.133, 3.134, 0.127, 1.134, 6.134, 7.133};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ((*ivs)[i].tag, tags[i]);
    EXPECT_DOUBLE_EQ((*ivs)[i].start_s, starts[i]);
    EXPECT_GT((*ivs)[i].histogram.TotalCount(), 0);
    EXPECT_NEAR((*ivs)[i].histogram.Max() / 1e6, (*ivs)[i].interval_max,
                (*ivs)[i].interval_max * 0.01 + 0.001);
  }
}

// ---- writer ----

TEST(HdrLogWriterTest, WritesHeaderAndIntervalsThatReadBack) {
  std::string out;
  HdrLogWriter w(&out);
  ASSERT_TRUE(w.WriteHeader({"Logged by vitals", 1441753532.570, 1441753530.0}).ok());
  Histogram get, put;
  get.Record(100000);  // 100 ms in us; bucket 99968 .. 100031
  put.Record(250);
  ASSERT_TRUE(w.WriteInterval(0.0, 1.0, get, "get").ok());
  ASSERT_TRUE(w.WriteInterval(1.0, 1.0, put).ok());

  std::istringstream lines(out);
  std::string l;
  std::getline(lines, l);
  EXPECT_EQ(l, "#[Logged by vitals]");
  std::getline(lines, l);
  EXPECT_EQ(l, "#[Histogram log format version 1.3]");
  std::getline(lines, l);
  EXPECT_EQ(l, "#[StartTime: 1441753532.570 (seconds since epoch), Tue Sep 08 23:05:32 UTC 2015]");
  std::getline(lines, l);
  EXPECT_EQ(l, "#[BaseTime: 1441753530.000 (seconds since epoch)]");
  std::getline(lines, l);
  EXPECT_EQ(
      l,
      "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"");
  std::getline(lines, l);
  EXPECT_EQ(l, "Tag=get,0.000,1.000,100.031," + EncodeCompressedV2(get));
  std::getline(lines, l);
  EXPECT_EQ(l, "1.000,1.000,0.250," + EncodeCompressedV2(put));

  Result<HdrLog> log = ParseHdrLog(out);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_DOUBLE_EQ(*log->start_time_s, 1441753532.570);
  EXPECT_DOUBLE_EQ(*log->base_time_s, 1441753530.0);
  EXPECT_EQ(log->format_version, "1.3");
  ASSERT_EQ(log->intervals.size(), 2u);
  EXPECT_EQ(log->intervals[0].tag, "get");
  EXPECT_TRUE(log->intervals[0].histogram.EqualCounts(get));
  EXPECT_DOUBLE_EQ(log->intervals[0].interval_max, 100.031);
  EXPECT_EQ(log->intervals[1].tag, "");
  EXPECT_DOUBLE_EQ(log->intervals[1].start_s, 1.0);
  EXPECT_TRUE(log->intervals[1].histogram.EqualCounts(put));
}

TEST(HdrLogWriterTest, WritesToFileAndReportsErrors) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  HdrLogWriter w(f, 1.0);
  ASSERT_TRUE(w.WriteHeader({"", 0.0, std::nullopt}).ok());
  Histogram h;
  h.Record(1234);
  ASSERT_TRUE(w.WriteInterval(0.5, 1.0, h, "t1").ok());
  std::rewind(f);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
  std::fclose(f);
  EXPECT_EQ(text.find("#[]"), std::string::npos);  // empty comment is not written
  EXPECT_NE(text.find("Tag=t1,0.500,1.000,1234.000,HIST"), std::string::npos) << text;
  Result<std::vector<LogInterval>> ivs = ReadHdrLog(text);
  ASSERT_TRUE(ivs.ok()) << ivs.status().ToString();
  ASSERT_EQ(ivs->size(), 1u);
  EXPECT_TRUE((*ivs)[0].histogram.EqualCounts(h));

  std::string s;
  HdrLogWriter bad(&s);
  for (const char* tag : {"a,b", "a b", "a\nb"}) {
    const Status st = bad.WriteInterval(0, 1, h, tag);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << tag;
    EXPECT_NE(st.message().find("comma, space or line break"), std::string::npos);
  }
  EXPECT_EQ(bad.WriteHeader({"two\nlines", 0, std::nullopt}).code(),
            Status::Code::kInvalidArgument);
  EXPECT_TRUE(s.empty());

  std::FILE* full = std::fopen("/dev/full", "w");
  if (full != nullptr) {
    std::setvbuf(full, nullptr, _IONBF, 0);
    HdrLogWriter fw(full);
    const Status st = fw.WriteInterval(0, 1, h);
    EXPECT_EQ(st.code(), Status::Code::kIo) << st.ToString();
    std::fclose(full);
  }
}

// ---- malformed input: clear errors, never a crash ----

TEST(HdrDecodeErrorsTest, BadBase64AndCookies) {
  ExpectParseError(DecodeCompressedV2(""), "empty");
  ExpectParseError(DecodeCompressedV2("HISTFAAAAEB"), "not a multiple of 4");
  ExpectParseError(DecodeCompressedV2("HIST!AAA"), "unexpected character '!'");
  ExpectParseError(DecodeCompressedV2("HI=TFAAA"), "unexpected character");
  ExpectParseError(DecodeCompressedV2("AAAA"), "shorter than its 8-byte header");
  ExpectParseError(DecodeCompressedV2(B64(Be32(0xdeadbeef) + Be32(0))), "cookie 0xdeadbeef");
  // Crafted inputs from HdrHistogram_c's fuzzing regressions: V1 is refused by name, a V2
  // header with a negative payload length is refused before any allocation.
  ExpectParseError(DecodeCompressedV2("HISTAgAAABp4nJNpmdzIwFDLAAWMaDST/QcGFAAAdaEDZQ=="),
                   "unsupported HdrHistogram V1");
  ExpectParseError(DecodeCompressedV2("HISTBAAAABl4nJNpmcz8HwgYIIARjWay/8CAAgD0TwZm"),
                   "negative payload length -1");
  const std::string ok_raw = Header(1, 3, 1, 1000) + "\x01";
  ExpectParseError(DecodeCompressedV2(Wrap(ok_raw, 0, 0x1c849309)), "unsupported HdrHistogram V0");
  ExpectParseError(DecodeCompressedV2(Wrap(Header(1, 3, 1, 1000, 0, 0x12345678) + "\x01")),
                   "wrong V2 encoding cookie 0x12345678");
  ASSERT_TRUE(DecodeCompressedV2(Wrap(ok_raw)).ok());
}

TEST(HdrDecodeErrorsTest, TruncatedAndOversizedStreams) {
  const std::string enc = EncodeCompressedV2(Standard(true));
  // Cut the base64 (at a multiple of 4): the length field now promises more than is there.
  ExpectParseError(DecodeCompressedV2(enc.substr(0, enc.size() - 8)), "truncated?");
  // A consistent length over a zlib stream missing its tail.
  const std::string raw = RawOf(enc);
  const std::string z = Deflate(raw);
  for (size_t cut : {size_t{4}, z.size() / 2, z.size() - 12}) {
    const std::string part = z.substr(0, z.size() - cut);
    Result<Histogram> r =
        DecodeCompressedV2(B64(Be32(0x1c849314) + Be32(static_cast<uint32_t>(part.size())) + part));
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_NE(r.status().message().find("zlib"), std::string::npos) << r.status().message();
  }
  // Corrupt zlib bytes (the Adler-32 trailer).
  std::string bad = z;
  bad[bad.size() - 2] ^= 0x55;
  ExpectParseError(
      DecodeCompressedV2(B64(Be32(0x1c849314) + Be32(static_cast<uint32_t>(bad.size())) + bad)),
      "zlib");
  // Header promises fewer payload bytes than the stream holds, or more.
  ExpectParseError(DecodeCompressedV2(Wrap(Header(1, 3, 1, 1000) + "\x02\x01")),
                   "more than the 1 payload bytes");
  ExpectParseError(DecodeCompressedV2(Wrap(Header(5, 3, 1, 1000) + "\x02\x01")),
                   "holds 2 payload bytes, the header promised 5");
  // Stream that ends inside the 40-byte header.
  ExpectParseError(DecodeCompressedV2(Wrap(Header(1, 3, 1, 1000).substr(0, 30))),
                   "inside the 40-byte histogram header");
}

TEST(HdrDecodeErrorsTest, CountsPastTheArrayAndAbsurdSizes) {
  // lowest 1, highest 2, 1 significant figure: 32 buckets.
  std::string many(33, '\x02');  // 33 counts of 1
  ExpectParseError(DecodeCompressedV2(Wrap(Header(33, 1, 1, 2) + many)),
                   "count at bucket 32 is past the end of the 32-bucket counts array");
  // zig-zag(-1000) = 1999 = 0xcf 0x0f: a run of 1000 empty buckets.
  ExpectParseError(DecodeCompressedV2(Wrap(Header(2, 1, 1, 2) + "\xcf\x0f")),
                   "run of 1000 empty buckets");
  // INT64_MIN as a run length (all-ones zig-zag) is refused, not negated.
  ExpectParseError(DecodeCompressedV2(Wrap(Header(9, 1, 1, 2) + std::string(9, '\xff'))),
                   "empty buckets");
  ExpectParseError(DecodeCompressedV2(Wrap(Header(2, 1, 1, 2) + "\x02\x80")), "truncated zig-zag");
  // Totals that overflow int64.
  const std::string max_count = "\xfe" + std::string(8, '\xff');  // zig-zag(INT64_MAX)
  ExpectParseError(DecodeCompressedV2(Wrap(Header(18, 1, 1, 2) + max_count + max_count)),
                   "overflows");
  // Configs: invalid, too large to allocate, payload larger than the counts can need.
  ExpectParseError(DecodeCompressedV2(Wrap(Header(1, 0, 1, 1000) + "\x01")), "invalid config");
  ExpectParseError(DecodeCompressedV2(Wrap(Header(1, 5, 1, INT64_MAX) + "\x01")),
                   "more than the 4194304");
  ExpectParseError(DecodeCompressedV2(Wrap(Header(1'000'000, 1, 1, 2) + "\x01")),
                   "exceeds the 288 bytes");
  ExpectParseError(DecodeCompressedV2(Wrap(Header(1, 3, 1, 1000, 5) + "\x01")),
                   "normalizing index offset 5");
}

TEST(HdrLogErrorsTest, MalformedLinesNameTheLine) {
  const std::string h = EncodeCompressedV2(Standard(false));
  struct Case {
    std::string text;
    const char* part;
  };
  const Case cases[] = {
      {"#[Histogram log format version 1.3]\n1.0,2.0," + h + "\n", "line 2: 3 field(s)"},
      {"1,2,3,4," + h + "\n", "line 1: more than 4 fields"},
      {"abc,1,1," + h + "\n", "line 1: StartTimestamp 'abc' is not a number"},
      {"0,1,x," + h + "\n", "Interval_Max 'x' is not a number"},
      {"\n\n0,1,1,HISTgarbage\n", "line 3: bad histogram: bad base64"},
      {"#[Histogram log format version 2.0]\n", "unsupported histogram log format version '2.0'"},
      {"#[StartTime: soon]\n", "line 1: '#[StartTime:' is followed by 'soon'"},
      {"#[BaseTime: ]\n", "BaseTime"},
      {"Tag=abc\n", "line 1: 'Tag=' is not followed by a comma"},
  };
  for (const Case& c : cases) {
    Result<HdrLog> r = ParseHdrLog(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), Status::Code::kParse);
    EXPECT_NE(r.status().message().find(c.part), std::string::npos) << r.status().message();
  }
  // Memory cap.
  HdrLogReadOptions small;
  small.max_total_counts_bytes = 1000;
  Result<HdrLog> capped = ParseHdrLog("0,1,1," + h + "\n", small);
  ASSERT_FALSE(capped.ok());
  EXPECT_NE(capped.status().message().find("memory cap"), std::string::npos);
}

TEST(HdrLogErrorsTest, AcceptsCrlfBlankLinesSpacesAndEmptyLogs) {
  const std::string h = EncodeCompressedV2(Standard(false));
  Result<HdrLog> r =
      ParseHdrLog("#[free text comment]\r\n\r\n Tag=x, 0.5 , 1.0 ,2.0, " + h + "\r\n0.5,1,2," + h);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->intervals.size(), 2u);
  EXPECT_EQ(r->intervals[0].tag, "x");
  EXPECT_DOUBLE_EQ(r->intervals[0].start_s, 0.5);
  EXPECT_EQ(r->intervals[1].histogram.TotalCount(), 10001);
  Result<std::vector<LogInterval>> empty = ReadHdrLog("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace vitals
