#include "load/http_response_parser.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace vitals {
namespace {

using State = ResponseParser::State;
using Error = ResponseParser::Error;

// What the engine would record for one response.
struct Outcome {
  State state;
  Error error;
  int status;
  uint64_t body;
  bool keep_alive;
  int interim;
  bool chunked;
  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << "{state=" << static_cast<int>(o.state)
            << " error=" << ResponseParser::ErrorName(o.error) << " status=" << o.status
            << " body=" << o.body << " keep_alive=" << o.keep_alive << " interim=" << o.interim
            << " chunked=" << o.chunked << "}";
}

Outcome Snapshot(const ResponseParser& p) {
  return {p.state(),  p.error(), p.status(), p.body_bytes(), p.keep_alive(), p.interim_responses(),
          p.chunked()};
}

// Parses `bytes` as a stream of pipelined responses, fed in pieces ending at
// `cuts` (ascending offsets), then EOF when `eof`.  Records every response
// that completed or failed; stops at the first error.
std::vector<Outcome> ParseStream(std::string_view bytes, const std::vector<size_t>& cuts, bool eof,
                                 bool head = false, size_t limit = 64 * 1024) {
  std::vector<Outcome> out;
  ResponseParser p(limit);
  p.Reset(head);
  size_t a = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(bytes.size());
  for (size_t b : ends) {
    while (a < b) {
      const size_t n = p.Feed(bytes.data() + a, b - a);
      EXPECT_LE(n, b - a);
      a += n;
      if (p.state() == State::kComplete) {
        out.push_back(Snapshot(p));
        p.Reset(head);
      } else if (p.state() == State::kError) {
        out.push_back(Snapshot(p));
        return out;
      } else if (a != b) {
        ADD_FAILURE() << "kNeedMore but " << (b - a) << " bytes left unconsumed";
        return out;
      }
    }
  }
  if (eof && p.OnEof() != State::kNeedMore && p.started()) out.push_back(Snapshot(p));
  return out;
}

std::vector<Outcome> ParseWhole(std::string_view bytes, bool eof, bool head = false) {
  return ParseStream(bytes, {}, eof, head);
}

// The central robustness property: results never depend on how recv() split
// the bytes.  Checks one byte at a time and every 2-split.
void ExpectSplitInvariant(std::string_view bytes, bool eof, bool head = false) {
  const std::vector<Outcome> whole = ParseWhole(bytes, eof, head);
  std::vector<size_t> every;
  for (size_t i = 1; i < bytes.size(); ++i) every.push_back(i);
  EXPECT_EQ(ParseStream(bytes, every, eof, head), whole) << "one byte at a time";
  // Every 2-split; long inputs are sampled to keep the test fast.
  const size_t step = bytes.size() > 4096 ? 61 : 1;
  for (size_t i = 1; i < bytes.size(); i += step) {
    ASSERT_EQ(ParseStream(bytes, {i}, eof, head), whole) << "split at " << i;
  }
}

std::string ReadFixture(const std::string& name) {
  const std::string path = std::string(VITALS_SOURCE_DIR) + "/tests/fixtures/http/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << path;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Outcome Ok(int status, uint64_t body, bool keep_alive, int interim = 0, bool chunked = false) {
  return {State::kComplete, Error::kNone, status, body, keep_alive, interim, chunked};
}

// ---------------------------------------------------------------------------
// Real captured responses.

struct FixtureCase {
  const char* file;
  bool head;
  bool eof;
  std::vector<Outcome> expected;
};

class FixtureTest : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(FixtureTest, ParsesAndIsSplitInvariant) {
  const FixtureCase& c = GetParam();
  const std::string bytes = ReadFixture(c.file);
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(ParseWhole(bytes, c.eof, c.head), c.expected);
  ExpectSplitInvariant(bytes, c.eof, c.head);
}

INSTANTIATE_TEST_SUITE_P(
    Captured, FixtureTest,
    ::testing::Values(
        FixtureCase{"nginx_200_static.http", false, false, {Ok(200, 13, true)}},
        FixtureCase{"nginx_404.http", false, false, {Ok(404, 153, true)}},
        FixtureCase{"nginx_head.http", true, false, {Ok(200, 0, true)}},
        FixtureCase{"nginx_gzip_chunked.http", false, false, {Ok(200, 45, true, 0, true)}},
        FixtureCase{"nginx_pipelined_close.http",
                    false,
                    false,
                    {Ok(200, 13, true), Ok(404, 153, true), Ok(200, 13, false)}},
        FixtureCase{"nginx_400_bad_request.http", false, false, {Ok(400, 157, false)}},
        FixtureCase{"nginx_304.http", false, false, {Ok(304, 0, true)}},
        FixtureCase{"nginx_http10.http", false, false, {Ok(200, 13, false)}},
        FixtureCase{"node_json.http", false, false, {Ok(200, 18, true)}},
        FixtureCase{"node_chunked.http", false, false, {Ok(200, 46, true, 0, true)}},
        FixtureCase{"node_trailers.http", false, false, {Ok(200, 20, true, 0, true)}},
        FixtureCase{"node_103_early_hints.http", false, false, {Ok(200, 3, true, 1)}},
        FixtureCase{"node_100_continue.http", false, false, {Ok(201, 6, true, 1, true)}},
        FixtureCase{"node_204.http", false, false, {Ok(204, 0, true)}},
        FixtureCase{"node_http10_close.http", false, true, {Ok(200, 46, false)}},
        FixtureCase{"go_200.http", false, false, {Ok(200, 13, true)}},
        FixtureCase{"go_chunked_flush.http", false, false, {Ok(200, 32, true, 0, true)}},
        FixtureCase{"go_400_close.http", false, true, {Ok(400, 15, false)}}),
    [](const ::testing::TestParamInfo<FixtureCase>& info) {
      std::string name = info.param.file;
      name = name.substr(0, name.find('.'));
      return name;
    });

TEST(ResponseParserFixtures, HeadFixtureWithoutHeadFlagWaitsForBodyThenTruncates) {
  // The same bytes answer a GET that promised 13 bytes: EOF now is a truncation.
  const std::string bytes = ReadFixture("nginx_head.http");
  ResponseParser p;
  EXPECT_EQ(p.Feed(bytes.data(), bytes.size()), bytes.size());
  EXPECT_EQ(p.state(), State::kNeedMore);
  EXPECT_EQ(p.OnEof(), State::kError);
  EXPECT_EQ(p.error(), Error::kTruncated);
}

TEST(ResponseParserFixtures, ReadUntilCloseNeedsEof) {
  const std::string bytes = ReadFixture("node_http10_close.http");
  ResponseParser p;
  EXPECT_EQ(p.Feed(bytes.data(), bytes.size()), bytes.size());
  EXPECT_EQ(p.state(), State::kNeedMore);
  EXPECT_EQ(p.status(), 200);
  EXPECT_EQ(p.OnEof(), State::kComplete);
  EXPECT_EQ(p.body_bytes(), 46u);
  EXPECT_FALSE(p.keep_alive());
}

// ---------------------------------------------------------------------------
// Status line.

Outcome One(std::string_view bytes, bool eof = false, bool head = false) {
  std::vector<Outcome> v = ParseWhole(bytes, eof, head);
  if (v.size() != 1) {
    ADD_FAILURE() << "expected exactly one response, got " << v.size();
    return {};
  }
  ExpectSplitInvariant(bytes, eof, head);
  return v[0];
}

Error ErrorOf(std::string_view bytes, bool eof = false) {
  const Outcome o = One(bytes, eof);
  EXPECT_EQ(o.state, State::kError);
  return o.error;
}

TEST(ResponseParserStatus, GarbageFailsAtFirstByte) {
  ResponseParser p;
  EXPECT_EQ(p.Feed("X", 1), 0u);
  EXPECT_EQ(p.state(), State::kError);
  EXPECT_EQ(p.error(), Error::kBadStatusLine);
  EXPECT_TRUE(p.started());

  EXPECT_EQ(ErrorOf("GARBAGE\r\n\r\n"), Error::kBadStatusLine);
  EXPECT_EQ(ErrorOf("<html>oops</html>"), Error::kBadStatusLine);
  EXPECT_EQ(ErrorOf("HTTQ/1.1 200 OK\r\n\r\n"), Error::kBadStatusLine);
  EXPECT_EQ(ErrorOf("http/1.1 200 OK\r\n\r\n"), Error::kBadStatusLine);
}

TEST(ResponseParserStatus, MalformedStatusCodes) {
  EXPECT_EQ(ErrorOf("HTTP/1.1 20 OK\r\n\r\n"), Error::kBadStatusLine);
  EXPECT_EQ(ErrorOf("HTTP/1.1 2000 OK\r\n\r\n"), Error::kBadStatusLine);
  EXPECT_EQ(ErrorOf("HTTP/1.1 20x OK\r\n\r\n"), Error::kBadStatusLine);
  EXPECT_EQ(ErrorOf("HTTP/1.1 099 Low\r\n\r\n"), Error::kBadStatusLine);
  EXPECT_EQ(ErrorOf("HTTP/1.1  200 OK\r\n\r\n"), Error::kBadStatusLine);
  EXPECT_EQ(ErrorOf("HTTP/1.1\r\n\r\n"), Error::kBadStatusLine);
  EXPECT_EQ(ErrorOf("HTTP/\r\n\r\n"), Error::kBadStatusLine);
}

TEST(ResponseParserStatus, BadVersions) {
  EXPECT_EQ(ErrorOf("HTTP/2 200 OK\r\n\r\n"), Error::kBadVersion);
  EXPECT_EQ(ErrorOf("HTTP/2.0 200 OK\r\n\r\n"), Error::kBadVersion);
  EXPECT_EQ(ErrorOf("HTTP/0.9 200 OK\r\n\r\n"), Error::kBadVersion);
  EXPECT_EQ(ErrorOf("HTTP/1.10 200 OK\r\n\r\n"), Error::kBadVersion);
  EXPECT_EQ(ErrorOf("HTTP/1. 200 OK\r\n\r\n"), Error::kBadVersion);
}

TEST(ResponseParserStatus, EmptyOrMissingReasonAccepted) {
  EXPECT_EQ(One("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"), Ok(200, 0, true));
  EXPECT_EQ(One("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"), Ok(200, 0, true));
  EXPECT_EQ(One("HTTP/1.1 599 Weird Custom Reason\r\nContent-Length: 1\r\n\r\nx"),
            Ok(599, 1, true));
}

TEST(ResponseParserStatus, HigherMinorVersionTreatedAsHttp11) {
  EXPECT_EQ(One("HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n"), Ok(200, 0, true));
}

TEST(ResponseParserStatus, LeadingEmptyLinesTolerated) {
  EXPECT_EQ(One("\r\n\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), Ok(200, 2, true));
  EXPECT_EQ(ErrorOf("\r\r\nHTTP/1.1 200 OK\r\n\r\n"), Error::kBadStatusLine);
}

// ---------------------------------------------------------------------------
// EOF handling.

TEST(ResponseParserEof, TruncatedBodyThenEof) {
  const Outcome o = One("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", true);
  EXPECT_EQ(o.state, State::kError);
  EXPECT_EQ(o.error, Error::kTruncated);
  EXPECT_EQ(o.body, 5u);
}

TEST(ResponseParserEof, ServerClosingMidHeaders) {
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nContent-Le", true), Error::kTruncated);
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\n", true), Error::kTruncated);
  EXPECT_EQ(ErrorOf("HTT", true), Error::kTruncated);
}

TEST(ResponseParserEof, ServerClosingMidChunk) {
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", true),
            Error::kTruncated);
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", true),
            Error::kTruncated);
}

TEST(ResponseParserEof, IdleCloseIsNotAnError) {
  ResponseParser p;
  EXPECT_EQ(p.OnEof(), State::kComplete);
  EXPECT_FALSE(p.started());
  EXPECT_EQ(p.status(), 0);
  EXPECT_FALSE(p.keep_alive());
}

TEST(ResponseParserEof, NoLengthReadsUntilClose) {
  const Outcome o = One("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome body", true);
  EXPECT_EQ(o, Ok(200, 9, false));
  ResponseParser p;
  const std::string s = "HTTP/1.1 200 OK\r\n\r\nabc";
  EXPECT_EQ(p.Feed(s.data(), s.size()), s.size());
  EXPECT_EQ(p.state(), State::kNeedMore);
}

// ---------------------------------------------------------------------------
// Header limits and malformed fields.

TEST(ResponseParserHeaders, HugeHeaderLineBoundedMemory) {
  const size_t limit = 4096;
  ResponseParser p(limit);
  const std::string head = "HTTP/1.1 200 OK\r\nX-Big: ";
  ASSERT_EQ(p.Feed(head.data(), head.size()), head.size());
  const std::string piece(1000, 'a');
  size_t fed = head.size();
  for (int i = 0; i < 1000 && p.state() == State::kNeedMore; ++i) {
    fed += p.Feed(piece.data(), piece.size());
    EXPECT_LE(p.buffered_bytes(), limit + 4);
  }
  EXPECT_EQ(p.state(), State::kError);
  EXPECT_EQ(p.error(), Error::kHeadersTooLarge);
  EXPECT_LE(fed, limit);
  EXPECT_LE(p.buffered_bytes(), limit);
}

TEST(ResponseParserHeaders, ManySmallHeadersOverLimit) {
  std::string s = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 5000; ++i) s += "X-H" + std::to_string(i) + ": v\r\n";
  s += "\r\n";
  const std::vector<Outcome> v = ParseStream(s, {}, false, false, 8192);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].error, Error::kHeadersTooLarge);
  // A header section just under the limit is fine.
  const std::string small =
      "HTTP/1.1 200 OK\r\nX-A: " + std::string(8000, 'b') + "\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(ParseStream(small, {}, false, false, 8192), std::vector<Outcome>{Ok(200, 0, true)});
}

TEST(ResponseParserHeaders, EndlessInterimResponsesHitTheLimit) {
  std::string s;
  while (s.size() < 70000) s += "HTTP/1.1 100 Continue\r\n\r\n";
  EXPECT_EQ(ErrorOf(s), Error::kHeadersTooLarge);
}

TEST(ResponseParserHeaders, ObsFoldRejected) {
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nX-A: one\r\n  two\r\nContent-Length: 0\r\n\r\n"),
            Error::kBadHeader);
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nX-A: one\r\n\ttwo\r\n\r\n"), Error::kBadHeader);
}

TEST(ResponseParserHeaders, MalformedFieldLines) {
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n"), Error::kBadHeader);
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\n: empty-name\r\n\r\n"), Error::kBadHeader);
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello"), Error::kBadHeader);
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n"), Error::kBadHeader);
}

TEST(ResponseParserHeaders, NamesAreCaseInsensitive) {
  EXPECT_EQ(One("HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh: 3\r\n\r\nabc"), Ok(200, 3, true));
  EXPECT_EQ(One("HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: CHUNKED\r\n\r\n1\r\na\r\n0\r\n\r\n"),
            Ok(200, 1, true, 0, true));
  EXPECT_EQ(One("HTTP/1.1 200 OK\r\nCONNECTION: Close\r\ncontent-length: 0\r\n\r\n"),
            Ok(200, 0, false));
}

TEST(ResponseParserHeaders, LfOnlyLineEndings) {
  EXPECT_EQ(One("HTTP/1.1 200 OK\nContent-Length: 2\nServer: x\n\nok"), Ok(200, 2, true));
  EXPECT_EQ(One("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nok\n0\nX-T: 1\n\n"),
            Ok(200, 2, true, 0, true));
}

TEST(ResponseParserHeaders, ConnectionSemantics) {
  EXPECT_EQ(One("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx"), Ok(200, 1, false));
  EXPECT_EQ(One("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx"),
            Ok(200, 1, true));
  EXPECT_EQ(One("HTTP/1.1 200 OK\r\nConnection: upgrade, close\r\nContent-Length: 1\r\n\r\nx"),
            Ok(200, 1, false));
  EXPECT_EQ(One("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx"),
            Ok(200, 1, true));
}

// ---------------------------------------------------------------------------
// Content-Length.

TEST(ResponseParserLength, RejectsBadValues) {
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"), Error::kBadContentLength);
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n"), Error::kBadContentLength);
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n"), Error::kBadContentLength);
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n"), Error::kBadContentLength);
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n"), Error::kBadContentLength);
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n"), Error::kBadContentLength);
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
            Error::kBadContentLength);
}

TEST(ResponseParserLength, ConflictingDuplicates) {
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
            Error::kConflictingLength);
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n"), Error::kConflictingLength);
  // Identical duplicates and lists are accepted (RFC 9110 8.6).
  EXPECT_EQ(One("HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nok"),
            Ok(200, 2, true));
  EXPECT_EQ(One("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok"), Ok(200, 2, true));
}

TEST(ResponseParserLength, LargeLengthIsCountedNotBuffered) {
  ResponseParser p;
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n";
  ASSERT_EQ(p.Feed(head.data(), head.size()), head.size());
  const std::string block(65536, 'z');
  uint64_t sent = 0;
  while (p.state() == State::kNeedMore) {
    sent += p.Feed(block.data(), block.size());
    EXPECT_EQ(p.buffered_bytes(), 0u);
  }
  EXPECT_EQ(p.state(), State::kComplete);
  EXPECT_EQ(sent, 10000000u);
  EXPECT_EQ(p.body_bytes(), 10000000u);
}

// ---------------------------------------------------------------------------
// Chunked.

constexpr std::string_view kChunkedHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

std::string Chunked(std::string_view body) { return std::string(kChunkedHead) + std::string(body); }

TEST(ResponseParserChunked, BadChunkSizes) {
  EXPECT_EQ(ErrorOf(Chunked("zz\r\n")), Error::kBadChunk);
  EXPECT_EQ(ErrorOf(Chunked("\r\n")), Error::kBadChunk);
  EXPECT_EQ(ErrorOf(Chunked("-1\r\n")), Error::kBadChunk);
  EXPECT_EQ(ErrorOf(Chunked("0x5\r\n")), Error::kBadChunk);
  EXPECT_EQ(ErrorOf(Chunked("5 6\r\nhello\r\n")), Error::kBadChunk);
  EXPECT_EQ(ErrorOf(Chunked("5\rX")), Error::kBadChunk);
  EXPECT_EQ(ErrorOf(Chunked(";ext\r\n")), Error::kBadChunk);
}

TEST(ResponseParserChunked, SizeOverflow) {
  // 2^64 does not fit; 2^64-1 does (and then waits for that much data).
  EXPECT_EQ(ErrorOf(Chunked("10000000000000000\r\n")), Error::kBadChunk);
  EXPECT_EQ(ErrorOf(Chunked("fffffffffffffffff\r\n")), Error::kBadChunk);
  ResponseParser p;
  const std::string s = Chunked("ffffffffffffffff\r\nabc");
  EXPECT_EQ(p.Feed(s.data(), s.size()), s.size());
  EXPECT_EQ(p.state(), State::kNeedMore);
  EXPECT_EQ(p.body_bytes(), 3u);
}

TEST(ResponseParserChunked, MissingCrlfAfterData) {
  EXPECT_EQ(ErrorOf(Chunked("5\r\nhelloX\r\n0\r\n\r\n")), Error::kBadChunk);
  EXPECT_EQ(ErrorOf(Chunked("5\r\nhello\rX0\r\n\r\n")), Error::kBadChunk);
}

TEST(ResponseParserChunked, ExtensionsAndWhitespace) {
  EXPECT_EQ(One(Chunked("5;name=value;flag\r\nhello\r\n3 ; x=\"q;r\"\r\nabc\r\n0;last\r\n\r\n")),
            Ok(200, 8, true, 0, true));
  EXPECT_EQ(One(Chunked("A\r\n0123456789\r\n0\r\n\r\n")), Ok(200, 10, true, 0, true));
  EXPECT_EQ(One(Chunked("0005\r\nhello\r\n0\r\n\r\n")), Ok(200, 5, true, 0, true));
}

TEST(ResponseParserChunked, OverlongChunkLineRejected) {
  EXPECT_EQ(ErrorOf(Chunked("5;" + std::string(5000, 'x') + "\r\nhello\r\n0\r\n\r\n")),
            Error::kBadChunk);
  EXPECT_EQ(ErrorOf(Chunked(std::string(5000, '0') + "5\r\nhello\r\n0\r\n\r\n")), Error::kBadChunk);
}

TEST(ResponseParserChunked, Trailers) {
  EXPECT_EQ(One(Chunked("4\r\nwiki\r\n5\r\npedia\r\n0\r\nExpires: never\r\nX-Sum: 42\r\n\r\n")),
            Ok(200, 9, true, 0, true));
  EXPECT_EQ(ErrorOf(Chunked("0\r\nnot a trailer\r\n\r\n")), Error::kBadHeader);
  EXPECT_EQ(ErrorOf(Chunked("0\r\n folded\r\n\r\n")), Error::kBadHeader);
  // Trailers count against the header limit.
  EXPECT_EQ(ErrorOf(Chunked("0\r\nX-Big: " + std::string(70000, 'a') + "\r\n\r\n")),
            Error::kHeadersTooLarge);
}

TEST(ResponseParserChunked, ChunkedWinsOverContentLengthAndClosesConnection) {
  EXPECT_EQ(One("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
                "3\r\nabc\r\n0\r\n\r\n"),
            Ok(200, 3, false, 0, true));
}

TEST(ResponseParserChunked, TransferCodingLists) {
  EXPECT_EQ(One("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"),
            Ok(200, 2, true, 0, true));
  EXPECT_EQ(One("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
                "2\r\nab\r\n0\r\n\r\n"),
            Ok(200, 2, true, 0, true));
  // chunked not last: the body runs until close (RFC 9112 6.3).
  EXPECT_EQ(One("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nrawbytes", true),
            Ok(200, 8, false));
  // HTTP/1.0 with Transfer-Encoding: framing is faulty, never reuse.
  EXPECT_EQ(One("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
                "1\r\na\r\n0\r\n\r\n"),
            Ok(200, 1, false, 0, true));
}

// ---------------------------------------------------------------------------
// No-body responses, interim responses, pipelining.

TEST(ResponseParserNoBody, HeadWithContentLength) {
  const std::string s =
      "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: "
      "1234\r\n\r\n";
  const std::vector<Outcome> v = ParseWhole(s, false, /*head=*/true);
  EXPECT_EQ(v, (std::vector<Outcome>{Ok(200, 0, true), Ok(200, 0, true)}));
  ExpectSplitInvariant(s, false, true);
  ResponseParser p;
  p.Reset(true);
  EXPECT_EQ(p.Feed(s.data(), s.size()), s.size() / 2);
  EXPECT_EQ(p.state(), State::kComplete);
}

TEST(ResponseParserNoBody, NoBodyStatuses) {
  EXPECT_EQ(One("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"), Ok(204, 0, true));
  EXPECT_EQ(One("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Ok(304, 0, true));
}

TEST(ResponseParserInterim, ContinueAndEarlyHintsBeforeFinal) {
  const std::string s =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </b.js>; rel=preload\r\nConnection: close\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  // The 103's Connection: close does not leak into the final response.
  EXPECT_EQ(One(s), Ok(200, 2, true, 3));
}

TEST(ResponseParserInterim, SwitchingProtocolsCompletesAndLeavesTheRest) {
  const std::string s =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
      "\x81\x05hello";
  ResponseParser p;
  const size_t n = p.Feed(s.data(), s.size());
  EXPECT_EQ(p.state(), State::kComplete);
  EXPECT_EQ(p.status(), 101);
  EXPECT_FALSE(p.keep_alive());
  EXPECT_EQ(s.substr(n), "\x81\x05hello");
}

TEST(ResponseParserPipeline, SeveralResponsesInOneBuffer) {
  const std::string a = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  const std::string b =
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  const std::string c = "HTTP/1.1 204 No Content\r\n\r\n";
  const std::string d =
      "HTTP/1.1 503 Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy";
  const std::string all = a + b + c + d;
  ResponseParser p;
  size_t off = 0;
  const size_t sizes[] = {a.size(), b.size(), c.size(), d.size()};
  const int statuses[] = {200, 201, 204, 503};
  for (int i = 0; i < 4; ++i) {
    p.Reset(false);
    const size_t n = p.Feed(all.data() + off, all.size() - off);
    EXPECT_EQ(n, sizes[i]) << "response " << i;
    EXPECT_EQ(p.state(), State::kComplete);
    EXPECT_EQ(p.status(), statuses[i]);
    off += n;
  }
  EXPECT_FALSE(p.keep_alive());
  EXPECT_EQ(off, all.size());
  EXPECT_EQ(ParseWhole(all, false),
            (std::vector<Outcome>{Ok(200, 5, true), Ok(201, 3, true, 0, true), Ok(204, 0, true),
                                  Ok(503, 4, false)}));
  ExpectSplitInvariant(all, false);
}

// ---------------------------------------------------------------------------
// Lifecycle.

TEST(ResponseParserLifecycle, FeedAfterCompleteOrErrorConsumesNothing) {
  ResponseParser p;
  const std::string s = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nEXTRA";
  EXPECT_EQ(p.Feed(s.data(), s.size()), s.size() - 5);
  EXPECT_EQ(p.Feed("more", 4), 0u);
  EXPECT_EQ(p.state(), State::kComplete);
  p.Reset(false);
  EXPECT_FALSE(p.started());
  EXPECT_EQ(p.Feed("BAD", 3), 0u);
  EXPECT_EQ(p.state(), State::kError);
  EXPECT_EQ(p.Feed("HTTP/1.1", 8), 0u);
  EXPECT_EQ(p.OnEof(), State::kError);
  EXPECT_EQ(p.error(), Error::kBadStatusLine);
}

TEST(ResponseParserLifecycle, ResetAfterErrorParsesAgain) {
  ResponseParser p(128);
  const std::string big = "HTTP/1.1 200 OK\r\nX: " + std::string(500, 'q');
  p.Feed(big.data(), big.size());
  EXPECT_EQ(p.error(), Error::kHeadersTooLarge);
  p.Reset(false);
  EXPECT_EQ(p.error(), Error::kNone);
  EXPECT_EQ(p.header_bytes(), 0u);
  const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
  EXPECT_EQ(p.Feed(ok.data(), ok.size()), ok.size());
  EXPECT_EQ(p.state(), State::kComplete);
  EXPECT_TRUE(p.keep_alive());
}

TEST(ResponseParserLifecycle, UnexpectedDataAndErrorNames) {
  ResponseParser p;
  p.FailUnexpectedData();
  EXPECT_EQ(p.state(), State::kError);
  EXPECT_EQ(p.error(), Error::kUnexpectedData);
  EXPECT_STREQ(ResponseParser::ErrorName(Error::kUnexpectedData), "unexpected_data");
  EXPECT_STREQ(ResponseParser::ErrorName(Error::kBadChunk), "bad_chunk");
  EXPECT_STREQ(ResponseParser::ErrorName(Error::kHeadersTooLarge), "headers_too_large");
  EXPECT_STREQ(ResponseParser::ErrorName(Error::kNone), "none");
}

TEST(ResponseParserLifecycle, StartedTracksFirstByte) {
  ResponseParser p;
  EXPECT_FALSE(p.started());
  p.Feed("H", 1);
  EXPECT_TRUE(p.started());
  EXPECT_EQ(p.state(), State::kNeedMore);
}

}  // namespace
}  // namespace vitals
