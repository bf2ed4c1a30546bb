#include "load/http_request.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace vitals {
namespace {

Url MustParse(std::string_view text) {
  Result<Url> u = ParseUrl(text);
  EXPECT_TRUE(u.ok()) << u.status().ToString();
  return u.ok() ? *u : Url{};
}

std::string Build(std::string_view url, const RequestSpec& spec) {
  Result<HttpRequest> r = BuildRequest(MustParse(url), spec);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->bytes : std::string();
}

TEST(HttpRequestTest, DefaultGet) {
  EXPECT_EQ(Build("http://127.0.0.1:8080/api?x=1", RequestSpec{}),
            "GET /api?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: " + DefaultUserAgent() +
                "\r\n\r\n");
  EXPECT_EQ(DefaultUserAgent().rfind("vitals/", 0), 0u);
}

TEST(HttpRequestTest, DefaultPortOmittedFromHostAndIpv6Bracketed) {
  EXPECT_NE(Build("http://localhost/", RequestSpec{}).find("\r\nHost: localhost\r\n"),
            std::string::npos);
  EXPECT_NE(Build("http://[::1]:9000/", RequestSpec{}).find("\r\nHost: [::1]:9000\r\n"),
            std::string::npos);
}

TEST(HttpRequestTest, PostWithBodyAndHeaders) {
  RequestSpec spec;
  spec.method = "POST";
  spec.body = R"({"a":1})";
  spec.headers.push_back(*ParseHeaderFlag("Content-Type: application/json"));
  spec.headers.push_back(*ParseHeaderFlag("X-Trace:   abc  "));
  const std::string bytes = Build("http://127.0.0.1/submit", spec);
  EXPECT_EQ(bytes,
            "POST /submit HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: " + DefaultUserAgent() +
                "\r\nContent-Type: application/json\r\nX-Trace: abc\r\nContent-Length: 7\r\n\r\n"
                R"({"a":1})");
}

TEST(HttpRequestTest, EmptyPostStillSendsContentLength) {
  RequestSpec spec;
  spec.method = "POST";
  EXPECT_NE(Build("http://127.0.0.1/", spec).find("\r\nContent-Length: 0\r\n"), std::string::npos);
  spec.method = "DELETE";
  EXPECT_EQ(Build("http://127.0.0.1/", spec).find("Content-Length"), std::string::npos);
}

TEST(HttpRequestTest, UserHostAndAgentReplaceOurs) {
  RequestSpec spec;
  spec.headers.push_back({"host", "example.test"});
  spec.headers.push_back({"User-Agent", "curl/8"});
  const std::string bytes = Build("http://127.0.0.1:8080/", spec);
  EXPECT_EQ(bytes, "GET / HTTP/1.1\r\nhost: example.test\r\nUser-Agent: curl/8\r\n\r\n");
}

TEST(HttpRequestTest, ConnectionCloseOnlyWhenAsked) {
  RequestSpec spec;
  EXPECT_EQ(Build("http://127.0.0.1/", spec).find("Connection"), std::string::npos);
  spec.connection_close = true;
  Result<HttpRequest> r = BuildRequest(MustParse("http://127.0.0.1/"), spec);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->connection_close);
  EXPECT_NE(r->bytes.find("\r\nConnection: close\r\n\r\n"), std::string::npos);

  RequestSpec user;
  user.headers.push_back({"Connection", "close"});
  r = BuildRequest(MustParse("http://127.0.0.1/"), user);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->connection_close);
  // Sent once, as the user wrote it.
  const size_t first = r->bytes.find("Connection");
  EXPECT_EQ(r->bytes.find("Connection", first + 1), std::string::npos);
}

TEST(HttpRequestTest, HeadExpectsNoBody) {
  RequestSpec spec;
  spec.method = "HEAD";
  Result<HttpRequest> r = BuildRequest(MustParse("http://127.0.0.1/"), spec);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->no_body_expected);
  EXPECT_EQ(r->bytes.rfind("HEAD / HTTP/1.1\r\n", 0), 0u);
}

TEST(HttpRequestTest, RejectsBadMethod) {
  for (const char* m : {"", "GE T", "GET\r\nX: y", "G(ET", "GET\n"}) {
    RequestSpec spec;
    spec.method = m;
    Result<HttpRequest> r = BuildRequest(MustParse("http://127.0.0.1/"), spec);
    ASSERT_FALSE(r.ok()) << m;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find("bad HTTP method"), std::string::npos);
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos) << "raw LF echoed";
  }
}

TEST(HttpRequestTest, RejectsInjectedHeadersGivenDirectly) {
  RequestSpec spec;
  spec.headers.push_back({"X-A", "ok\r\nX-Injected: 1"});
  Result<HttpRequest> r = BuildRequest(MustParse("http://127.0.0.1/"), spec);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("control character"), std::string::npos);
  EXPECT_NE(r.status().message().find("\\x0d\\x0a"), std::string::npos);

  RequestSpec agent;
  agent.user_agent = "x\ny";
  EXPECT_FALSE(BuildRequest(MustParse("http://127.0.0.1/"), agent).ok());
}

TEST(HttpRequestTest, ContentLengthAndTransferEncodingFromUser) {
  RequestSpec spec;
  spec.method = "PUT";
  spec.body = "abc";
  spec.headers.push_back({"Content-Length", "3"});
  const std::string ok = Build("http://127.0.0.1/", spec);
  EXPECT_NE(ok.find("Content-Length: 3\r\n"), std::string::npos);
  EXPECT_EQ(ok.find("Content-Length", ok.find("Content-Length") + 1), std::string::npos);

  spec.headers = {{"Content-Length", "4"}};
  Result<HttpRequest> bad = BuildRequest(MustParse("http://127.0.0.1/"), spec);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("does not match the body size 3"), std::string::npos);

  spec.headers = {{"Transfer-Encoding", "chunked"}};
  bad = BuildRequest(MustParse("http://127.0.0.1/"), spec);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("Transfer-Encoding"), std::string::npos);

  spec.headers = {{"Host", "a"}, {"HOST", "b"}};
  EXPECT_FALSE(BuildRequest(MustParse("http://127.0.0.1/"), spec).ok());
}

TEST(HttpRequestTest, RequestBytesParseAsHttp) {
  // Round trip: what we build is a well-formed message (status line aside).
  RequestSpec spec;
  spec.method = "POST";
  spec.body = "hello";
  const std::string bytes = Build("http://127.0.0.1:1234/p", spec);
  const size_t end = bytes.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(bytes.substr(end + 4), "hello");
  EXPECT_EQ(bytes.find('\n'), bytes.find("\r\n") + 1);
}

TEST(ParseHeaderFlagTest, Valid) {
  Result<HttpHeader> h = ParseHeaderFlag("Authorization: Bearer abc: def");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->name, "Authorization");
  EXPECT_EQ(h->value, "Bearer abc: def");
  h = ParseHeaderFlag("X-Empty:");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->value, "");
  h = ParseHeaderFlag("X-Tab:\tv\t");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->value, "v");
}

TEST(ParseHeaderFlagTest, Invalid) {
  struct Case {
    const char* text;
    const char* message_part;
  };
  for (const Case& c :
       {Case{"NoColon", "missing ':'"}, Case{": value", "empty name"},
        Case{"Bad Name: v", "bad header name"}, Case{"X-A: one\r\nX-B: two", "control character"},
        Case{"X-A: nul\x01", "control character"}}) {
    Result<HttpHeader> h = ParseHeaderFlag(c.text);
    ASSERT_FALSE(h.ok()) << c.text;
    EXPECT_EQ(h.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(h.status().message().find(c.message_part), std::string::npos) << h.status().message();
    EXPECT_NE(h.status().message().find("bad header"), std::string::npos);
  }
}

TEST(ReadBodyArgTest, LiteralAndFile) {
  Result<std::string> lit = ReadBodyArg("plain text");
  ASSERT_TRUE(lit.ok());
  EXPECT_EQ(*lit, "plain text");

  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("vitals_body_" + std::to_string(::getpid()));
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string("bin\0ary\r\n", 9);
  }
  Result<std::string> file = ReadBodyArg("@" + path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(*file, std::string("bin\0ary\r\n", 9));
}

TEST(ReadBodyArgTest, ErrorsNameThePath) {
  Result<std::string> missing = ReadBodyArg("@/nonexistent/vitals/body.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("'/nonexistent/vitals/body.json'"), std::string::npos);
  EXPECT_NE(missing.status().message().find("No such file"), std::string::npos);

  Result<std::string> dir = ReadBodyArg("@/tmp");
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.status().message().find("is a directory"), std::string::npos);

  Result<std::string> empty = ReadBodyArg("@");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("@path"), std::string::npos);
}

}  // namespace
}  // namespace vitals
