// `vitals load --http2` end to end: Debian's nginx (start_nginx_h2: h2c with prior knowledge,
// h2 over TLS with ALPN, a listener that sends GOAWAY every 50 requests, /reset answered with
// RST_STREAM) and nghttpd (start_nghttpd: 1023-byte flow-control windows, POST echoed back).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "integration/child_process.h"
#include "integration/require_server.h"

namespace vitals {
namespace {

using testing::EnvOrEmpty;
using ::testing::HasSubstr;
using testing::RunVitals;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/vitals-h2-test-" + std::to_string(getpid()) + "-" +
         name;
}

#define REQUIRE_NGINX_H2()                                                        \
  VITALS_REQUIRE_SERVER("VITALS_TEST_NGINX_H2C_URL",                              \
                        "scripts/test starts it: source scripts/lib/servers.sh; " \
                        "start_nginx_h2")
#define REQUIRE_NGHTTPD()                                                         \
  VITALS_REQUIRE_SERVER("VITALS_TEST_NGHTTPD_URL",                                \
                        "scripts/test starts it: source scripts/lib/servers.sh; " \
                        "start_nghttpd (Debian package nghttp2-server)")

// Runs `vitals load --http2 ... --json` with one thread; the parsed result (exit code in
// *code, stdout in *out).
nlohmann::json Load(std::vector<std::string> args, int* code, std::string* out) {
  const std::string json = TempPath("result.json");
  args.insert(args.begin(), {"load", "--http2"});
  for (const char* a : {"--json", "", "-q", "--no-store", "-t", "1"}) args.push_back(a);
  args[args.size() - 5] = json;
  std::string err;
  *code = RunVitals(args, out, &err);
  std::ifstream in(json);
  if (!in) {
    ADD_FAILURE() << "no result JSON; stderr: " << err;
    return nlohmann::json::object();
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::remove(json.c_str());
  return nlohmann::json::parse(ss.str());
}

uint64_t U(const nlohmann::json& j, const char* a, const char* b = nullptr) {
  const nlohmann::json& v = b ? j.value(a, nlohmann::json::object()).value(b, nlohmann::json())
                              : j.value(a, nlohmann::json());
  return v.is_number_unsigned() ? v.get<uint64_t>() : 0;
}

TEST(LoadH2Nginx, H2cClosedModelKeepsConnectionsTimesStreamsInFlight) {
  REQUIRE_NGINX_H2();
  int code = 0;
  std::string out;
  auto j = Load(
      {EnvOrEmpty("VITALS_TEST_NGINX_H2C_URL"), "-c", "4", "--streams", "10", "--requests", "4000"},
      &code, &out);
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(U(j, "requests"), 4000u);
  EXPECT_EQ(U(j, "status_codes", "200"), 4000u) << out;
  EXPECT_EQ(U(j, "errors"), 0u) << out;
  EXPECT_EQ(U(j, "connections", "opened"), 4u);  // 40 requests in flight on 4 connections
  EXPECT_EQ(U(j, "connections", "max_inflight"), 40u);
  EXPECT_EQ(j["http2"]["streams"].get<int>(), 10);
  EXPECT_EQ(U(j, "http2", "goaways"), 0u);
  EXPECT_THAT(out, HasSubstr("http/2 streams per connection 10"));
}

TEST(LoadH2Nginx, H2OverTlsNegotiatesAlpnAndUsesTheServersStreamLimit) {
  REQUIRE_NGINX_H2();
  int code = 0;
  std::string out;
  // No --streams: nginx advertises 128 concurrent streams, vitals uses at most 100.
  auto j = Load({EnvOrEmpty("VITALS_TEST_NGINX_H2_URL"), "--cacert",
                 EnvOrEmpty("VITALS_TEST_H2_TLS_DIR") + "/ca.pem", "-c", "2", "--requests", "3000"},
                &code, &out);
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(U(j, "status_codes", "200"), 3000u) << out;
  EXPECT_EQ(U(j, "errors"), 0u) << out;
  EXPECT_EQ(U(j, "connections", "opened"), 2u);
  EXPECT_EQ(U(j, "tls_handshake_us", "count"), 2u);
  EXPECT_EQ(U(j, "connections", "max_inflight"), 200u);
  EXPECT_EQ(j["tls_session"], "TLSv1.3 TLS_AES_128_GCM_SHA256, ALPN h2");
}

TEST(LoadH2Nginx, OpenModelKeepsItsScheduleOverStreams) {
  REQUIRE_NGINX_H2();
  int code = 0;
  std::string out;
  auto j = Load({EnvOrEmpty("VITALS_TEST_NGINX_H2C_URL"), "--rate", "500", "-d", "3s", "-c", "2",
                 "--max-connections", "2"},
                &code, &out);
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(j["model"], "open");
  EXPECT_EQ(U(j, "requests"), 1500u);
  EXPECT_EQ(U(j, "errors"), 0u) << out;
  EXPECT_EQ(U(j, "dropped"), 0u);
  EXPECT_EQ(U(j, "connections", "opened"), 2u);  // every request found a free stream
  EXPECT_NEAR(j["rate"]["achieved"].get<double>(), 500.0, 10.0);
}

TEST(LoadH2Nginx, RstStreamIsItsOwnErrorKindWithTheCode) {
  REQUIRE_NGINX_H2();
  int code = 0;
  std::string out;
  // nginx answers `return 444` on HTTP/2 with RST_STREAM; the connection stays up.
  auto j = Load({EnvOrEmpty("VITALS_TEST_NGINX_H2C_URL") + "reset", "-c", "1", "--streams", "5",
                 "--requests", "40", "--keep-going"},
                &code, &out);
  EXPECT_EQ(U(j, "requests"), 40u) << out;
  EXPECT_EQ(U(j, "errors_by_kind", "h2_rst_stream"), 40u) << out;
  EXPECT_THAT(j["error_details"]["h2_rst_stream"].get<std::string>(), HasSubstr("RST_STREAM"));
  EXPECT_EQ(U(j, "connections", "opened"), 1u);
  EXPECT_THAT(out, HasSubstr("h2_rst_stream=40"));
}

TEST(LoadH2Nginx, GoAwayMidRunRetriesRefusedStreamsOnANewConnection) {
  REQUIRE_NGINX_H2();
  int code = 0;
  std::string out;
  // keepalive_requests 50: nginx sends GOAWAY after 50 requests on a connection; the streams
  // in flight above its last stream id are refused and go again on the replacement.
  auto j = Load({EnvOrEmpty("VITALS_TEST_NGINX_H2_GOAWAY_URL"), "-c", "2", "--streams", "10",
                 "--requests", "1000"},
                &code, &out);
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(U(j, "requests"), 1000u);
  EXPECT_EQ(U(j, "status_codes", "200"), 1000u) << out;
  EXPECT_EQ(U(j, "errors"), 0u) << out;
  EXPECT_GE(U(j, "http2", "goaways"), 15u) << out;  // ~1000 / 50, less the last ones
  EXPECT_GE(U(j, "connections", "opened"), 16u) << out;
  EXPECT_GT(U(j, "http2", "streams_retried"), 0u) << out;
}

TEST(LoadH2Nginx, DefaultStreamsFollowTheServersLimit) {
  REQUIRE_NGINX_H2();
  int code = 0;
  std::string out;
  // No --streams: that listener allows 16 concurrent streams, so 2 connections keep 32
  // requests in flight (never the 200 of the default cap, which nghttp2 would queue).
  auto j = Load({EnvOrEmpty("VITALS_TEST_NGINX_H2_GOAWAY_URL"), "-c", "2", "--requests", "2000"},
                &code, &out);
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(U(j, "status_codes", "200"), 2000u) << out;
  EXPECT_EQ(U(j, "connections", "max_inflight"), 32u) << out;
}

TEST(LoadH2Nginx, TlsServerWithoutH2IsNamedInTheHandshakeError) {
  REQUIRE_NGINX_H2();
  VITALS_REQUIRE_SERVER("VITALS_TEST_NGINX_TLS_URL", "start_nginx_tls");
  int code = 0;
  std::string out;
  auto j = Load({EnvOrEmpty("VITALS_TEST_NGINX_TLS_URL"), "--cacert",
                 EnvOrEmpty("VITALS_TEST_TLS_DIR") + "/ca.pem", "-c", "1", "--requests", "3"},
                &code, &out);
  // nginx refuses the handshake when no ALPN protocol is shared ("no application protocol").
  // Each connection attempt fails once (counted as a failed connection) with its request.
  EXPECT_GE(U(j, "errors_by_kind", "tls_handshake"), 1u) << out;
  EXPECT_EQ(U(j, "errors_by_kind", "tls_handshake"), U(j, "connections", "failed")) << out;
  EXPECT_EQ(U(j, "errors"), 3u) << out;
  ASSERT_TRUE(j["error_details"].contains("tls_handshake")) << out;
  EXPECT_THAT(j["error_details"]["tls_handshake"].get<std::string>(),
              HasSubstr("does not offer HTTP/2 (ALPN h2)"));
}

TEST(LoadH2Nginx, Http11ServerIsAnHttp2ProtocolErrorThatSaysSo) {
  VITALS_REQUIRE_SERVER("VITALS_TEST_NGINX_URL", "start_nginx");
  int code = 0;
  std::string out;
  // A plain HTTP/1.1 nginx answers our connection preface with a 400 and closes.
  auto j = Load({EnvOrEmpty("VITALS_TEST_NGINX_URL"), "-c", "1", "--requests", "3"}, &code, &out);
  EXPECT_GE(U(j, "errors_by_kind", "h2_protocol"), 1u) << out;
  EXPECT_EQ(U(j, "errors_by_kind", "h2_protocol"), U(j, "connections", "failed")) << out;
  EXPECT_EQ(U(j, "errors"), 3u) << out;
  EXPECT_EQ(U(j, "completed"), 0u) << out;
  ASSERT_TRUE(j["error_details"].contains("h2_protocol")) << out;
  EXPECT_THAT(j["error_details"]["h2_protocol"].get<std::string>(),
              HasSubstr("does this port speak HTTP/2"));
}

TEST(LoadH2Nghttpd, TinyFlowControlWindowsMoveAMegabyteBothWays) {
  REQUIRE_NGHTTPD();
  const std::string body = TempPath("body.bin");
  std::ofstream(body) << std::string(1 << 20, 'q');
  int code = 0;
  std::string out;
  // nghttpd's windows are 1023 bytes: the 1 MiB request body goes out as the server's
  // WINDOW_UPDATEs allow, and comes back echoed (--echo-upload) through ours.
  auto j = Load({EnvOrEmpty("VITALS_TEST_NGHTTPD_URL") + "big", "-X", "POST", "--body", "@" + body,
                 "-c", "1", "--streams", "2", "--requests", "4", "--timeout", "30s"},
                &code, &out);
  std::remove(body.c_str());
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(U(j, "status_codes", "200"), 4u) << out;
  EXPECT_GE(U(j, "bytes", "written"), 4u << 20);
  EXPECT_GE(U(j, "bytes", "read"), 4u << 20);
  // And a plain GET of a 1 MiB file.
  auto k = Load({EnvOrEmpty("VITALS_TEST_NGHTTPD_URL") + "big", "-c", "1", "--requests", "3"},
                &code, &out);
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(U(k, "status_codes", "200"), 3u) << out;
  EXPECT_GE(U(k, "bytes", "read"), 3u << 20);
}

TEST(LoadH2Nghttpd, AWindowNeverOpenedEndsInTimeoutsNotAHang) {
  REQUIRE_NGHTTPD();
  int code = 0;
  std::string out;
  // The server's stream window is 0 and never opens: the request bodies cannot leave.  Each
  // stream times out (and is cancelled with RST_STREAM); the run ends on time.
  auto j = Load({EnvOrEmpty("VITALS_TEST_NGHTTPD_SHUT_URL") + "big", "-X", "POST", "--body",
                 std::string(4096, 'z'), "-c", "1", "--streams", "4", "--requests", "8",
                 "--timeout", "500ms", "--keep-going"},
                &code, &out);
  EXPECT_EQ(U(j, "requests"), 8u) << out;
  EXPECT_EQ(U(j, "errors_by_kind", "timeout"), 8u) << out;
  EXPECT_EQ(U(j, "completed"), 0u) << out;
  EXPECT_LT(j["duration_s"].get<double>(), 5.0) << out;  // 2 rounds of 4 streams x 500 ms
}

TEST(LoadH2Flags, StreamsAndPipelineNeedTheRightProtocol) {
  std::string out, err;
  EXPECT_EQ(RunVitals({"load", "http://127.0.0.1:1/", "--streams", "4", "--requests", "1",
                       "--no-store", "-q"},
                      &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("--streams needs --http2"));
  EXPECT_EQ(RunVitals({"load", "http://127.0.0.1:1/", "--http2", "--pipeline", "4", "--requests",
                       "1", "--no-store", "-q"},
                      &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("--pipeline and --http2"));
  EXPECT_EQ(RunVitals({"load", "--help"}, &out, &err), 0);
  EXPECT_THAT(out, HasSubstr("--http2"));
  EXPECT_THAT(out, HasSubstr("--streams"));
}

}  // namespace
}  // namespace vitals
