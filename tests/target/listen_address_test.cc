#include "target/listen_address.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vitals {
namespace {

using ::testing::HasSubstr;

TEST(ParseListenAddress, AcceptedForms) {
  struct Case {
    const char* text;
    const char* host_port;
    bool loopback;
  };
  for (const Case& c :
       {Case{"127.0.0.1:8080", "127.0.0.1:8080", true}, Case{"[::1]:9000", "[::1]:9000", true},
        Case{":7000", "127.0.0.1:7000", true}, Case{"7000", "127.0.0.1:7000", true},
        Case{"localhost:0", "127.0.0.1:0", true}, Case{"127.1.2.3:1", "127.1.2.3:1", true},
        Case{"0.0.0.0:80", "0.0.0.0:80", false}, Case{"[::]:80", "[::]:80", false},
        Case{"10.0.0.5:80", "10.0.0.5:80", false}}) {
    auto a = ParseListenAddress(c.text);
    ASSERT_TRUE(a.ok()) << c.text << ": " << a.status().ToString();
    EXPECT_EQ(a->HostPort(), c.host_port);
    EXPECT_EQ(a->IsLoopback(), c.loopback) << c.text;
  }
  auto a = ParseListenAddress("[::1]:8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->Url(), "http://[::1]:8080/");
}

TEST(ParseListenAddress, Malformed) {
  struct Case {
    const char* text;
    const char* part;
  };
  for (const Case& c : {Case{"127.0.0.1:99999", "port '99999' is not in 0..65535"},
                        Case{"127.0.0.1:", "port '' is not in 0..65535"},
                        Case{"example.com:80", "'example.com' is not an IP address"},
                        Case{"::1:80", "put an IPv6 address in brackets"},
                        Case{"[::1]80", "missing ':PORT'"}, Case{"[::1:80", "missing ']'"}}) {
    auto a = ParseListenAddress(c.text);
    ASSERT_FALSE(a.ok()) << c.text;
    EXPECT_THAT(a.status().message(), HasSubstr(std::string("bad listen address '") + c.text));
    EXPECT_THAT(a.status().message(), HasSubstr(c.part));
    EXPECT_THAT(a.status().message(), HasSubstr("expected HOST:PORT"));
  }
}

}  // namespace
}  // namespace vitals
