#include "net/url.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>

namespace vitals {
namespace {

Url Parse(std::string_view text) {
  Result<Url> u = ParseUrl(text);
  EXPECT_TRUE(u.ok()) << text << ": " << u.status().ToString();
  return u.ok() ? *u : Url{};
}

std::string ErrorOf(std::string_view text) {
  Result<Url> u = ParseUrl(text);
  EXPECT_FALSE(u.ok()) << text;
  if (u.ok()) return "";
  EXPECT_EQ(u.status().code(), Status::Code::kInvalidArgument);
  return u.status().message();
}

TEST(ParseUrlTest, Basic) {
  const Url u = Parse("http://127.0.0.1:8080/api/v1?x=1&y=2");
  EXPECT_EQ(u.scheme, "http");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.target, "/api/v1?x=1&y=2");
  EXPECT_EQ(u.userinfo, "");
  EXPECT_FALSE(u.ipv6);
  EXPECT_FALSE(u.tls());
  EXPECT_EQ(u.HostHeader(), "127.0.0.1:8080");
}

TEST(ParseUrlTest, Defaults) {
  Url u = Parse("http://localhost");
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.target, "/");
  EXPECT_EQ(u.HostHeader(), "localhost");
  u = Parse("HTTPS://Example.COM");
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.host, "example.com");
  EXPECT_EQ(u.port, 443);
  EXPECT_TRUE(u.tls());
  EXPECT_EQ(u.HostHeader(), "example.com");
  EXPECT_EQ(Parse("https://h:443/").HostHeader(), "h");
  EXPECT_EQ(Parse("https://h:80/").HostHeader(), "h:80");
  EXPECT_EQ(Parse("http://h:/x").port, 80);  // empty port means default (RFC 3986)
}

TEST(ParseUrlTest, QueryWithoutPathAndFragment) {
  EXPECT_EQ(Parse("http://h?q=1").target, "/?q=1");
  EXPECT_EQ(Parse("http://h/p#section").target, "/p");
  EXPECT_EQ(Parse("http://h#frag").target, "/");
}

TEST(ParseUrlTest, Ipv6) {
  Url u = Parse("http://[::1]:9090/metrics");
  EXPECT_TRUE(u.ipv6);
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 9090);
  EXPECT_EQ(u.HostHeader(), "[::1]:9090");
  u = Parse("http://[FE80::1]/");
  EXPECT_EQ(u.host, "fe80::1");
  EXPECT_EQ(u.HostHeader(), "[fe80::1]");
}

TEST(ParseUrlTest, Userinfo) {
  const Url u = Parse("http://alice:s3cret@127.0.0.1:81/x");
  EXPECT_EQ(u.userinfo, "alice:s3cret");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.Redacted(), "http://alice:***@127.0.0.1:81/x");
  EXPECT_EQ(Parse("http://bob@h/").Redacted(), "http://bob@h/");
  // '@' inside the password: the last '@' ends userinfo.
  const Url v = Parse("http://u:p@ss@h/");
  EXPECT_EQ(v.userinfo, "u:p@ss");
  EXPECT_EQ(v.host, "h");
  EXPECT_EQ(v.Redacted().find("p@ss"), std::string::npos);
}

TEST(ParseUrlTest, Errors) {
  EXPECT_EQ(ErrorOf("localhost:8080/x"),
            "bad URL 'localhost:8080/x': missing scheme (add http:// or https://); "
            "expected http://host[:port]/path");
  EXPECT_NE(ErrorOf("").find("empty"), std::string::npos);
  EXPECT_NE(ErrorOf("ftp://h/").find("unsupported scheme 'ftp'"), std::string::npos);
  EXPECT_NE(ErrorOf("http:///path").find("missing host"), std::string::npos);
  EXPECT_NE(ErrorOf("http://h:0/").find("out of range"), std::string::npos);
  EXPECT_NE(ErrorOf("http://h:65536/").find("out of range"), std::string::npos);
  EXPECT_NE(ErrorOf("http://h:99999999999999999999/").find("out of range"), std::string::npos);
  EXPECT_NE(ErrorOf("http://h:80a/").find("not a number"), std::string::npos);
  EXPECT_NE(ErrorOf("http://h:-1/").find("not a number"), std::string::npos);
  EXPECT_NE(ErrorOf("http://[::1/").find("unclosed '['"), std::string::npos);
  EXPECT_NE(ErrorOf("http://[zz::1]/").find("not an IPv6 address"), std::string::npos);
  EXPECT_NE(ErrorOf("http://[fe80::1%25eth0]/").find("zone"), std::string::npos);
  EXPECT_NE(ErrorOf("http://[::1]x/").find("after ']'"), std::string::npos);
  EXPECT_NE(ErrorOf("http://ho st/").find("invalid character ' ' in host"), std::string::npos);
  EXPECT_NE(ErrorOf("http://h/a b").find("percent-encode"), std::string::npos);
  EXPECT_NE(ErrorOf("http://h/a\r\nX: y").find("percent-encode"), std::string::npos);
  EXPECT_NE(ErrorOf("http://h/\xc3\xa9").find("percent-encode"), std::string::npos);
}

TEST(ParseUrlTest, ErrorsNeverEchoPassword) {
  const std::string msg = ErrorOf("http://u:hunter2@h:bad/");
  EXPECT_EQ(msg.find("hunter2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("u:***@"), std::string::npos) << msg;
}

TEST(ResolveTest, NumericLiterals) {
  Result<ResolvedAddress> a = Resolve(Parse("http://127.0.0.1:8080/"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->addr.ss_family, AF_INET);
  EXPECT_EQ(a->len, sizeof(sockaddr_in));
  EXPECT_EQ(a->text, "127.0.0.1:8080");
  EXPECT_TRUE(a->loopback);

  a = Resolve(Parse("http://[::1]:81/"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->addr.ss_family, AF_INET6);
  EXPECT_EQ(a->text, "[::1]:81");
  EXPECT_TRUE(a->loopback);

  a = Resolve(Parse("http://10.1.2.3/"));
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->loopback);
  EXPECT_EQ(a->text, "10.1.2.3:80");
  const auto* sa = reinterpret_cast<const sockaddr_in*>(&a->addr);
  EXPECT_EQ(ntohs(sa->sin_port), 80);
}

TEST(ResolveTest, Localhost) {
  Result<ResolvedAddress> a = Resolve(Parse("http://localhost:9999/"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE(a->loopback) << a->text;
}

TEST(ResolveTest, UnknownHostIsUnavailable) {
  // .invalid is reserved (RFC 2606) and never resolves.
  Result<ResolvedAddress> a = Resolve(Parse("http://no-such-host.invalid/"));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(a.status().message().find("cannot resolve host 'no-such-host.invalid'"),
            std::string::npos);
}

TEST(RedactSecretsTest, Urls) {
  EXPECT_EQ(RedactSecrets("postgres://app:s3cret@db:5432/prod"), "postgres://app:***@db:5432/prod");
  EXPECT_EQ(RedactSecrets("redis://:pw@127.0.0.1:6379/0"), "redis://:***@127.0.0.1:6379/0");
  EXPECT_EQ(RedactSecrets("connect to http://u:p@h/x failed; retry http://v:q@h2"),
            "connect to http://u:***@h/x failed; retry http://v:***@h2");
  EXPECT_EQ(RedactSecrets("http://u:p@ss@h/"), "http://u:***@h/");
  // Nothing secret: unchanged.
  EXPECT_EQ(RedactSecrets("http://user@h/path?a=b"), "http://user@h/path?a=b");
  EXPECT_EQ(RedactSecrets("http://h:8080/x"), "http://h:8080/x");
  EXPECT_EQ(RedactSecrets("no urls here"), "no urls here");
  EXPECT_EQ(RedactSecrets(""), "");
}

TEST(RedactSecretsTest, KeyValues) {
  EXPECT_EQ(RedactSecrets("host=db user=app password=s3cret dbname=x"),
            "host=db user=app password=*** dbname=x");
  EXPECT_EQ(RedactSecrets("host=db password='with space \\' quote' port=5"),
            "host=db password='***' port=5");
  EXPECT_EQ(RedactSecrets("PASSWORD=abc"), "PASSWORD=***");
  EXPECT_EQ(RedactSecrets("sslpassword=k1 x"), "sslpassword=*** x");
  EXPECT_EQ(RedactSecrets("postgresql://h/db?user=a&password=b&sslmode=require"),
            "postgresql://h/db?user=a&password=***&sslmode=require");
  EXPECT_EQ(RedactSecrets("password='unterminated"), "password='***'");
  EXPECT_EQ(RedactSecrets("password="), "password=***");
}

}  // namespace
}  // namespace vitals
