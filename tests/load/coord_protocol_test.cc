#include "load/coord_protocol.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "load/engine.h"
#include "load/live_merge.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;

TEST(FrameCodec, RoundTripsFramesFedByteByByte) {
  const std::string bytes = EncodeFrame(FrameKind::kHello, nlohmann::json{{"index", 2}}) +
                            EncodeFrame(FrameKind::kHeartbeat, nlohmann::json::object());
  FrameReader reader;
  std::vector<Frame> got;
  for (char c : bytes) {
    reader.Feed(&c, 1);
    auto f = reader.Next();
    ASSERT_TRUE(f.ok()) << f.status().message();
    if (f->has_value()) got.push_back(std::move(**f));
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].kind, uint8_t(FrameKind::kHello));
  EXPECT_EQ((*got[0].Json())["index"], 2);
  EXPECT_EQ(got[1].kind, uint8_t(FrameKind::kHeartbeat));
  EXPECT_TRUE(reader.AtEnd().ok());
}

TEST(FrameCodec, HeaderLayoutIsMagicVersionKindLength) {
  const std::string f = EncodeFrame(FrameKind::kStop, std::string_view("{}"));
  ASSERT_EQ(f.size(), kFrameHeaderSize + 2);
  EXPECT_EQ(f.substr(0, 2), "VC");
  EXPECT_EQ(uint8_t(f[2]), kCoordProtocolVersion);
  EXPECT_EQ(uint8_t(f[3]), uint8_t(FrameKind::kStop));
  EXPECT_EQ(f.substr(4, 4), std::string("\0\0\0\2", 4));
}

TEST(FrameCodec, TruncatedFrameIsReportedAtEnd) {
  std::string f = EncodeFrame(FrameKind::kResult, nlohmann::json{{"result", "x"}});
  f.pop_back();
  FrameReader reader;
  reader.Feed(f.data(), f.size());
  auto next = reader.Next();
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
  Status end = reader.AtEnd();
  ASSERT_FALSE(end.ok());
  EXPECT_THAT(end.message(), HasSubstr("truncated result frame"));
  FrameReader header_only;
  header_only.Feed("VC\1", 3);
  EXPECT_THAT(header_only.AtEnd().message(), HasSubstr("got 3 of 8 header bytes"));
}

TEST(FrameCodec, OversizedFrameIsRefusedBeforeItsPayloadArrives) {
  // Only a header announcing 4 GiB - 1: refused at once, nothing allocated for it.
  const char header[] = {'V',
                         'C',
                         char(kCoordProtocolVersion),
                         char(FrameKind::kResult),
                         char(0xff),
                         char(0xff),
                         char(0xff),
                         char(0xff)};
  FrameReader reader;
  reader.Feed(header, sizeof header);
  auto f = reader.Next();
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status().message(), HasSubstr("over the limit"));
  EXPECT_EQ(reader.buffered(), sizeof header);
}

TEST(FrameCodec, OtherVersionNamesBothVersions) {
  std::string f = EncodeFrame(FrameKind::kChallenge, nlohmann::json::object());
  f[2] = char(kCoordProtocolVersion + 1);
  FrameReader reader;
  reader.Feed(f.data(), f.size());
  auto next = reader.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_THAT(next.status().message(), HasSubstr("version mismatch"));
  EXPECT_THAT(next.status().message(),
              HasSubstr(fmt::format("speaks version {}", kCoordProtocolVersion + 1)));
}

TEST(FrameCodec, NotAVitalsPeerFailsOnTheFirstByte) {
  FrameReader reader;
  reader.Feed("HTTP/1.1 400", 12);
  auto next = reader.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_THAT(next.status().message(), HasSubstr("bad magic"));
}

TEST(FrameCodec, PayloadMustBeAJsonObject) {
  Frame f{uint8_t(FrameKind::kPlan), "[1,2"};
  auto j = f.Json();
  ASSERT_FALSE(j.ok());
  EXPECT_THAT(j.status().message(), HasSubstr("plan frame"));
}

TEST(CoordAuth, HmacDependsOnTokenNonceAndSegment) {
  const std::string a = HelloMac("secret", "00ff", 1, 4);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a, HelloMac("secret", "00ff", 1, 4));
  EXPECT_NE(a, HelloMac("secreT", "00ff", 1, 4));
  EXPECT_NE(a, HelloMac("secret", "00fe", 1, 4));
  EXPECT_NE(a, HelloMac("secret", "00ff", 2, 4));
  EXPECT_EQ(a.find("secret"), std::string::npos);
  EXPECT_TRUE(ConstantTimeEqual(a, HelloMac("secret", "00ff", 1, 4)));
  EXPECT_FALSE(ConstantTimeEqual(a, a.substr(1)));
  EXPECT_NE(RandomNonceHex(), RandomNonceHex());
  // The FIPS 180-2 example.
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

IntervalSample Sample(double start_s, std::initializer_list<int64_t> values_us,
                      std::string request = "") {
  IntervalSample s;
  s.start_s = start_s;
  s.phase = "main";
  s.request = std::move(request);
  s.latency_corrected = *Histogram::Create(IntervalHistogramConfig(10'000'000'000));
  s.latency_uncorrected = *Histogram::Create(IntervalHistogramConfig(10'000'000'000));
  for (int64_t v : values_us) {
    s.latency_corrected.Record(v);
    s.latency_uncorrected.Record(v / 2 + 1);
    ++s.requests;
  }
  s.errors = s.requests / 2;
  return s;
}

TEST(CoordIntervals, JsonRoundTripKeepsHistogramsExactly) {
  std::vector<IntervalSample> in = {Sample(3, {100, 250, 9000}), Sample(3, {7}, "login")};
  auto out = IntervalsFromJson(IntervalsToJson(in));
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].requests, 3u);
  EXPECT_EQ((*out)[0].errors, 1u);
  EXPECT_EQ((*out)[1].request, "login");
  EXPECT_EQ((*out)[0].latency_corrected.TotalCount(), 3);
  EXPECT_EQ((*out)[0].latency_corrected.Max(), in[0].latency_corrected.Max());
  EXPECT_EQ((*out)[0].latency_uncorrected.ValueAtPercentile(50),
            in[0].latency_uncorrected.ValueAtPercentile(50));
  auto bad = IntervalsFromJson(nlohmann::json::array({{{"start_s", 1}}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("lacks"));
}

TEST(LiveMerger, SlotCompletesWhenEverySegmentPassedIt) {
  LiveMerger m(2);
  ASSERT_TRUE(m.Add(0, {Sample(0, {100, 200})}).ok());
  EXPECT_TRUE(m.TakeComplete().empty()) << "segment 1 has not sent slot 0";
  ASSERT_TRUE(m.Add(1, {Sample(0, {300}), Sample(1, {400})}).ok());
  auto done = m.TakeComplete();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].start_s, 0);
  EXPECT_EQ(done[0].requests, 3u);
  EXPECT_EQ(done[0].latency_corrected.TotalCount(), 3);
  EXPECT_EQ(done[0].latency_corrected.Max(), Sample(0, {300}).latency_corrected.Max());
  // Segment 0 is lost: slot 1 no longer waits for it.
  m.Close(0);
  done = m.TakeComplete();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].start_s, 1);
  EXPECT_EQ(done[0].requests, 1u);
  EXPECT_FALSE(m.Add(2, {Sample(0, {1})}).ok());
}

}  // namespace
}  // namespace vitals

namespace vitals {
namespace {

// Before a peer authenticates the coordinator lowers the limit: a large frame is refused from
// its header, before its payload is read or allocated.
TEST(FrameCodec, LoweredLimitRefusesLargeFramesFromTheHeader) {
  FrameReader r;
  r.set_max_payload(16 * 1024);
  const std::string payload(20 * 1024, 'x');
  const std::string big = EncodeFrame(FrameKind::kHello, std::string_view(payload));
  r.Feed(big.data(), kFrameHeaderSize);  // the header alone is enough to refuse
  auto f = r.Next();
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("over the limit of 16384 bytes"), std::string::npos)
      << f.status().message();
  FrameReader ok;
  ok.set_max_payload(16 * 1024);
  const std::string small = EncodeFrame(FrameKind::kHello, nlohmann::json{{"index", 0}});
  ok.Feed(small.data(), small.size());
  auto g = ok.Next();
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(g->has_value());
}

// The coordinator's proof differs from the segment's for the same inputs, depends on the
// segment's nonce and on the token.
TEST(CoordAuth, WelcomeMacIsNotTheHelloMac) {
  EXPECT_NE(WelcomeMac("tok", "abcd", 1, 4), HelloMac("tok", "abcd", 1, 4));
  EXPECT_NE(WelcomeMac("tok", "abcd", 1, 4), WelcomeMac("tok", "abce", 1, 4));
  EXPECT_NE(WelcomeMac("tok", "abcd", 1, 4), WelcomeMac("tok2", "abcd", 1, 4));
  EXPECT_EQ(WelcomeMac("tok", "abcd", 1, 4), WelcomeMac("tok", "abcd", 1, 4));
}

}  // namespace
}  // namespace vitals
