#include "target/http_request_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace vitals {
namespace {

using Outcome = RequestParser::Outcome;

TEST(RequestParser, ParsesASimpleGet) {
  RequestParser p;
  RequestHead h;
  std::string req = "GET /api/users?id=7 HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n";
  ASSERT_EQ(p.Parse(req, &h), Outcome::kComplete);
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.target, "/api/users?id=7");
  EXPECT_EQ(h.version_minor, 1);
  EXPECT_TRUE(h.keep_alive);
  EXPECT_EQ(h.content_length, 0);
  EXPECT_EQ(h.head_bytes, req.size());
}

TEST(RequestParser, PipelinedRequestsParseOneAfterAnother) {
  std::string buf =
      "GET /a HTTP/1.1\r\n\r\n"
      "POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz"
      "GET /c HTTP/1.1\r\nConnection: close\r\n\r\n";
  RequestParser p;
  RequestHead h;
  std::string_view rest = buf;
  ASSERT_EQ(p.Parse(rest, &h), Outcome::kComplete);
  EXPECT_EQ(h.target, "/a");
  rest.remove_prefix(h.head_bytes);
  p.Reset();
  ASSERT_EQ(p.Parse(rest, &h), Outcome::kComplete);
  EXPECT_EQ(h.method, "POST");
  EXPECT_EQ(h.content_length, 3);
  rest.remove_prefix(h.head_bytes + 3);
  p.Reset();
  ASSERT_EQ(p.Parse(rest, &h), Outcome::kComplete);
  EXPECT_EQ(h.target, "/c");
  EXPECT_FALSE(h.keep_alive);
  EXPECT_EQ(h.head_bytes, rest.size());
}

TEST(RequestParser, HeadSplitAtEveryByteBoundary) {
  const std::string req =
      "PUT /k HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\nConnection: keep-alive\r\n\r\n";
  for (size_t split = 1; split < req.size(); ++split) {
    RequestParser p;
    RequestHead h;
    ASSERT_EQ(p.Parse(std::string_view(req).substr(0, split), &h), Outcome::kIncomplete)
        << "split " << split;
    ASSERT_EQ(p.Parse(req, &h), Outcome::kComplete) << "split " << split;
    EXPECT_EQ(h.content_length, 12);
    EXPECT_EQ(h.head_bytes, req.size());
  }
}

TEST(RequestParser, ByteByByteFeeding) {
  const std::string req = "GET / HTTP/1.1\r\nA: b\r\n\r\n";
  RequestParser p;
  RequestHead h;
  for (size_t n = 1; n < req.size(); ++n) {
    ASSERT_EQ(p.Parse(std::string_view(req).substr(0, n), &h), Outcome::kIncomplete) << n;
  }
  EXPECT_EQ(p.Parse(req, &h), Outcome::kComplete);
}

TEST(RequestParser, Http10ClosesUnlessKeepAlive) {
  RequestParser p;
  RequestHead h;
  ASSERT_EQ(p.Parse("GET / HTTP/1.0\r\n\r\n", &h), Outcome::kComplete);
  EXPECT_EQ(h.version_minor, 0);
  EXPECT_FALSE(h.keep_alive);
  p.Reset();
  ASSERT_EQ(p.Parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &h), Outcome::kComplete);
  EXPECT_TRUE(h.keep_alive);
  p.Reset();
  ASSERT_EQ(p.Parse("GET / HTTP/1.1\r\nconnection: upgrade, CLOSE\r\n\r\n", &h),
            Outcome::kComplete);
  EXPECT_FALSE(h.keep_alive);
}

TEST(RequestParser, LenientWithBareLfAndLeadingEmptyLines) {
  RequestParser p;
  RequestHead h;
  std::string req = "\r\n\r\nGET /x HTTP/1.1\nHost: a\n\n";
  ASSERT_EQ(p.Parse(req, &h), Outcome::kComplete);
  EXPECT_EQ(h.target, "/x");
  EXPECT_EQ(h.head_bytes, req.size());
}

TEST(RequestParser, ExpectContinue) {
  RequestParser p;
  RequestHead h;
  ASSERT_EQ(p.Parse("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 9\r\n\r\n", &h),
            Outcome::kComplete);
  EXPECT_TRUE(h.expect_continue);
}

struct Bad {
  const char* request;
  int status;
  const char* reason;
};

class RequestParserBad : public ::testing::TestWithParam<Bad> {};

TEST_P(RequestParserBad, AnswersTheRightStatus) {
  RequestParser p;
  RequestHead h;
  ASSERT_EQ(p.Parse(GetParam().request, &h), Outcome::kError) << GetParam().request;
  EXPECT_EQ(p.error_status(), GetParam().status);
  EXPECT_STREQ(p.error_reason(), GetParam().reason);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, RequestParserBad,
    ::testing::Values(
        Bad{"GARBAGE\r\n\r\n", 400, "Bad Request Line"},
        Bad{"GET /\r\n\r\n", 400, "Bad Request Line"},
        Bad{"GET  / HTTP/1.1\r\n\r\n", 400, "Bad Request Line"},
        Bad{"G(T / HTTP/1.1\r\n\r\n", 400, "Bad Method"},
        Bad{"GET / HTTX/1.1\r\n\r\n", 400, "Bad HTTP Version"},
        Bad{"GET / HTTP/2.0\r\n\r\n", 505, "HTTP Version Not Supported"},
        Bad{"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400, "Bad Header"},
        Bad{"GET / HTTP/1.1\r\nBad Name: v\r\n\r\n", 400, "Bad Header Name"},
        Bad{"GET / HTTP/1.1\r\nA: b\r\n  folded\r\n\r\n", 400, "Obsolete Line Folding"},
        Bad{"POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n", 400, "Bad Content-Length"},
        Bad{"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "Bad Content-Length"},
        Bad{"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400,
            "Conflicting Content-Length"},
        Bad{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501,
            "Transfer-Encoding Not Supported; send Content-Length"},
        Bad{"POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", 413, "Content Too Large"}));

TEST(RequestParser, OversizedHeadersGet431EvenBeforeTheEnd) {
  ParserLimits limits;
  limits.max_head_bytes = 1024;
  RequestParser p(limits);
  RequestHead h;
  std::string req = "GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'a');
  EXPECT_EQ(p.Parse(req, &h), Outcome::kError);  // no end of head yet, already too long
  EXPECT_EQ(p.error_status(), 431);

  RequestParser q(limits);
  std::string complete = "GET / HTTP/1.1\r\nX-Big: " + std::string(1100, 'a') + "\r\n\r\n";
  EXPECT_EQ(q.Parse(complete, &h), Outcome::kError);
  EXPECT_EQ(q.error_status(), 431);

  RequestParser r(limits);
  std::string long_uri = "GET /" + std::string(2000, 'u');
  EXPECT_EQ(r.Parse(long_uri, &h), Outcome::kError);
  EXPECT_EQ(r.error_status(), 414);
}

TEST(RequestParser, JustUnderTheLimitIsFine) {
  ParserLimits limits;
  limits.max_head_bytes = 1024;
  RequestParser p(limits);
  RequestHead h;
  std::string prefix = "GET / HTTP/1.1\r\nX: ";
  std::string req = prefix + std::string(1024 - prefix.size() - 4, 'a') + "\r\n\r\n";
  ASSERT_EQ(req.size(), 1024u);
  EXPECT_EQ(p.Parse(req, &h), Outcome::kComplete);
}

}  // namespace
}  // namespace vitals
