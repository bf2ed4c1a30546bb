// `vitals load https://...` end to end: Debian's nginx with a CA made by scripts/lib/servers.sh
// (start_nginx_tls: VITALS_TEST_NGINX_TLS_URL, VITALS_TEST_NGINX_MTLS_URL, VITALS_TEST_TLS_DIR)
// and `vitals target --tls` (self-signed, or certificates this test makes).
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
#include "net/tls_cert.h"

namespace vitals {
namespace {

using testing::Child;
using testing::EnvOrEmpty;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunVitals;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/vitals-tls-test-" + std::to_string(getpid()) + "-" +
         name;
}

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::remove(path.c_str());
  return nlohmann::json::parse(ss.str());
}

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

#define REQUIRE_NGINX_TLS()                                                       \
  VITALS_REQUIRE_SERVER("VITALS_TEST_NGINX_TLS_URL",                              \
                        "scripts/test starts it: source scripts/lib/servers.sh; " \
                        "start_nginx_tls")

std::string CaFile() { return EnvOrEmpty("VITALS_TEST_TLS_DIR") + "/ca.pem"; }

// The port of an https://127.0.0.1:PORT/ URL.
std::string PortOf(const std::string& url) {
  const size_t colon = url.rfind(':');
  return url.substr(colon + 1, url.find('/', colon) - colon - 1);
}

// Runs `vitals load` with --json and returns the parsed result (exit code in *code).
nlohmann::json Load(std::vector<std::string> args, int* code, std::string* out = nullptr,
                    std::string* err = nullptr) {
  const std::string json = TempPath("result.json");
  args.insert(args.begin(), "load");
  for (const char* a : {"--json", "", "-q", "--no-store", "-t", "1"}) args.push_back(a);
  args[args.size() - 5] = json;
  std::string o, e;
  *code = RunVitals(args, &o, &e);
  if (out) *out = o;
  if (err) *err = e;
  std::ifstream probe(json);
  if (!probe) return nlohmann::json::object();
  probe.close();
  return ReadJson(json);
}

TEST(LoadTlsNginx, VerifiedKeepAliveCountsOneHandshakePerConnection) {
  REQUIRE_NGINX_TLS();
  int code = 0;
  std::string out, err;
  auto j = Load({EnvOrEmpty("VITALS_TEST_NGINX_TLS_URL"), "--cacert", CaFile(), "-c", "4",
                 "--requests", "4000"},
                &code, &out, &err);
  ASSERT_EQ(code, 0) << err;
  EXPECT_EQ(j["requests"].get<uint64_t>(), 4000u);
  EXPECT_EQ(j["status_codes"]["200"].get<uint64_t>(), 4000u) << out;
  EXPECT_EQ(j["errors"].get<uint64_t>(), 0u) << out;
  EXPECT_EQ(j["connections"]["opened"].get<uint64_t>(), 4u);
  EXPECT_EQ(j["tls_handshake_us"]["count"].get<uint64_t>(), 4u);
  EXPECT_EQ(
      j["tls_handshakes"]["full"].get<uint64_t>() + j["tls_handshakes"]["resumed"].get<uint64_t>(),
      4u);
  EXPECT_GT(j["tls_handshake_us"]["p50"].get<double>(), 0);
  EXPECT_THAT(out, HasSubstr("tls handshake"));
  // What was negotiated: TLS 1.3, the browsers' first suite, HTTP/1.1 by ALPN.
  EXPECT_EQ(j["tls_session"], "TLSv1.3 TLS_AES_128_GCM_SHA256, ALPN http/1.1");
  EXPECT_THAT(out, HasSubstr("resumed; TLSv1.3 TLS_AES_128_GCM_SHA256, ALPN http/1.1"));
}

TEST(LoadTlsNginx, ReconnectsResumeTheSessionUnlessToldNot) {
  REQUIRE_NGINX_TLS();
  const std::string url = EnvOrEmpty("VITALS_TEST_NGINX_TLS_URL");
  int code = 0;
  std::string out, err;
  // Connection: close on every request: one handshake per request.
  auto j =
      Load({url, "--cacert", CaFile(), "-c", "1", "--requests", "50", "-H", "Connection: close"},
           &code, &out, &err);
  ASSERT_EQ(code, 0) << err;
  EXPECT_EQ(j["status_codes"]["200"].get<uint64_t>(), 50u) << out;
  const uint64_t full = j["tls_handshakes"]["full"].get<uint64_t>();
  const uint64_t resumed = j["tls_handshakes"]["resumed"].get<uint64_t>();
  EXPECT_EQ(full + resumed, 50u);
  EXPECT_GE(full, 1u);             // the first connection has nothing to resume
  EXPECT_GE(resumed, 45u) << out;  // every later one offers the newest ticket

  auto k = Load({url, "--cacert", CaFile(), "-c", "1", "--requests", "20", "-H",
                 "Connection: close", "--no-tls-resume"},
                &code, &out, &err);
  ASSERT_EQ(code, 0) << err;
  EXPECT_EQ(k["tls_handshakes"]["full"].get<uint64_t>(), 20u);
  EXPECT_EQ(k["tls_handshakes"]["resumed"].get<uint64_t>(), 0u);
}

// Concurrent connections each resume from their own copy of the newest session: before,
// they shared one SSL_SESSION that OpenSSL marked not resumable when a connection using it
// ended, and about 3 % of reconnects fell back to a full handshake (87 to 135 of 3,500 with
// 5 connections).  Now only a connection's first handshake can be full.
TEST(LoadTlsNginx, ConcurrentReconnectsKeepResuming) {
  REQUIRE_NGINX_TLS();
  int code = 0;
  std::string out, err;
  auto j = Load({EnvOrEmpty("VITALS_TEST_NGINX_TLS_URL"), "--cacert", CaFile(), "-c", "8",
                 "--requests", "800", "-H", "Connection: close"},
                &code, &out, &err);
  ASSERT_EQ(code, 0) << err;
  EXPECT_EQ(j["status_codes"]["200"].get<uint64_t>(), 800u) << out;
  const uint64_t full = j["tls_handshakes"]["full"].get<uint64_t>();
  EXPECT_EQ(full + j["tls_handshakes"]["resumed"].get<uint64_t>(), 800u);
  EXPECT_LE(full, 8u) << out;
}

TEST(LoadTlsNginx, SystemStoreRefusesTheTestCaWithTheFix) {
  REQUIRE_NGINX_TLS();
  int code = 0;
  std::string out, err;
  auto j = Load({EnvOrEmpty("VITALS_TEST_NGINX_TLS_URL"), "-c", "1", "--requests", "3"}, &code,
                &out, &err);
  ASSERT_EQ(code, 0) << err;
  EXPECT_EQ(j["errors_by_kind"]["tls_handshake"].get<uint64_t>(), 3u);
  EXPECT_EQ(j["error_details"]["tls_handshake"].get<std::string>(),
            "certificate verify failed: unable to get local issuer certificate; pass --cacert "
            "FILE or --insecure");
  EXPECT_THAT(out, HasSubstr("tls_handshake: certificate verify failed"));
  EXPECT_EQ(j["connections"]["failed"].get<uint64_t>(), 3u);
}

TEST(LoadTlsNginx, HostnameMismatchAndResolveOverride) {
  REQUIRE_NGINX_TLS();
  const std::string port = PortOf(EnvOrEmpty("VITALS_TEST_NGINX_TLS_URL"));
  int code = 0;
  std::string out, err;
  // The certificate names localhost: reaching 127.0.0.1 as "localhost" verifies ...
  auto ok =
      Load({"https://localhost:" + port + "/", "--resolve", "localhost:" + port + ":127.0.0.1",
            "--cacert", CaFile(), "-c", "1", "--requests", "10"},
           &code, &out, &err);
  ASSERT_EQ(code, 0) << err;
  EXPECT_EQ(ok["status_codes"]["200"].get<uint64_t>(), 10u) << out;
  // ... as another name it does not.
  auto bad =
      Load({"https://wrong.test:" + port + "/", "--resolve", "wrong.test:" + port + ":127.0.0.1",
            "--cacert", CaFile(), "-c", "1", "--requests", "2"},
           &code, &out, &err);
  ASSERT_EQ(code, 0) << err;
  EXPECT_EQ(bad["errors_by_kind"]["tls_handshake"].get<uint64_t>(), 2u);
  EXPECT_THAT(bad["error_details"]["tls_handshake"].get<std::string>(),
              HasSubstr("the certificate does not name 'wrong.test'"));
}

TEST(LoadTlsNginx, ClientCertificateWhenTheServerRequiresOne) {
  REQUIRE_NGINX_TLS();
  const std::string url = EnvOrEmpty("VITALS_TEST_NGINX_MTLS_URL");
  const std::string dir = EnvOrEmpty("VITALS_TEST_TLS_DIR");
  int code = 0;
  std::string out, err;
  auto with = Load({url, "--cacert", CaFile(), "--cert", dir + "/client.pem", "--key",
                    dir + "/client.key", "-c", "2", "--requests", "200"},
                   &code, &out, &err);
  ASSERT_EQ(code, 0) << err;
  EXPECT_EQ(with["status_codes"]["200"].get<uint64_t>(), 200u) << out;
  // nginx (ssl_verify_client on) answers 400 "No required SSL certificate was sent".
  auto without = Load({url, "--cacert", CaFile(), "-c", "1", "--requests", "5"}, &code, &out, &err);
  ASSERT_EQ(code, 0) << err;
  EXPECT_EQ(without["status_codes"].value("200", uint64_t(0)), 0u) << out;
  EXPECT_EQ(without["errors"].get<uint64_t>(), 5u) << out;
}

TEST(LoadTlsTarget, SelfSignedTargetNeedsInsecureWhichWarnsOnce) {
  Child target({"target", "--listen", "127.0.0.1:0", "--tls"});
  std::string ready;
  const int port = target.ReadyPort(&ready);
  ASSERT_GT(port, 0) << ready;
  EXPECT_THAT(ready, HasSubstr("https://"));
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/";
  int code = 0;
  std::string out, err;
  auto refused = Load({url, "-c", "1", "--requests", "2"}, &code, &out, &err);
  ASSERT_EQ(code, 0) << err;
  EXPECT_EQ(refused["error_details"]["tls_handshake"].get<std::string>(),
            "certificate verify failed: self-signed certificate; pass --cacert FILE or "
            "--insecure");
  auto j = Load({url, "--insecure", "-c", "8", "--requests", "2000"}, &code, &out, &err);
  ASSERT_EQ(code, 0) << err;
  EXPECT_EQ(j["status_codes"]["200"].get<uint64_t>(), 2000u) << out;
  EXPECT_EQ(j["tls_handshake_us"]["count"].get<uint64_t>(), 8u);
  size_t warnings = 0;
  for (size_t pos = err.find("--insecure"); pos != std::string::npos;
       pos = err.find("--insecure", pos + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1u) << err;
  EXPECT_THAT(err, HasSubstr("warning"));
}

// The open-model stall truth over HTTPS is one of the protocols of load_test.cc's
// LoadTargetStall.OpenModelTellsTheTruthAboutStalls.

TEST(LoadTlsTarget, ExpiredCertificateIsRefusedWithTls13Minimum) {
  CertSpec ca_spec;
  ca_spec.common_name = "integration CA";
  ca_spec.is_ca = true;
  auto ca = MakeCertificate(ca_spec);
  ASSERT_TRUE(ca.ok());
  CertSpec expired_spec;
  expired_spec.common_name = "localhost";
  expired_spec.alt_names = {"IP:127.0.0.1"};
  expired_spec.not_before_s = -7200;
  expired_spec.not_after_s = -60;
  expired_spec.issuer = &*ca;
  auto expired = MakeCertificate(expired_spec);
  ASSERT_TRUE(expired.ok());
  const std::string ca_file = TempPath("ca.pem"), cert = TempPath("cert.pem"),
                    key = TempPath("key.pem");
  WriteFile(ca_file, ca->cert_pem);
  WriteFile(cert, expired->cert_pem);
  WriteFile(key, expired->key_pem);
  Child target(
      {"target", "--listen", "127.0.0.1:0", "--tls", "--tls-cert", cert, "--tls-key", key});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  int code = 0;
  std::string out, err;
  auto j = Load({"https://127.0.0.1:" + std::to_string(port) + "/", "--cacert", ca_file, "-c", "1",
                 "--requests", "2", "--tls-min", "1.3"},
                &code, &out, &err);
  std::remove(ca_file.c_str());
  std::remove(cert.c_str());
  std::remove(key.c_str());
  ASSERT_EQ(code, 0) << err;
  EXPECT_EQ(j["error_details"]["tls_handshake"].get<std::string>(),
            "certificate verify failed: certificate has expired; pass --cacert FILE or "
            "--insecure");
}

// nginx's plain listener answers a ClientHello with an HTTP 400: OpenSSL reads it as a record
// with a wrong version.
TEST(LoadTlsNginx, PlainHttpServerOnTheTlsPortIsNamed) {
  VITALS_REQUIRE_SERVER("VITALS_TEST_NGINX_URL",
                        "scripts/test starts nginx: source scripts/lib/servers.sh; start_nginx");
  std::string url = EnvOrEmpty("VITALS_TEST_NGINX_URL");
  url.replace(0, 4, "https");
  int code = 0;
  std::string out, err;
  auto j =
      Load({url, "--insecure", "-c", "1", "--requests", "2", "--timeout", "5s"}, &code, &out, &err);
  ASSERT_EQ(code, 0) << err;
  EXPECT_EQ(j["errors_by_kind"]["tls_handshake"].get<uint64_t>(), 2u) << out;
  EXPECT_THAT(j["error_details"]["tls_handshake"].get<std::string>(),
              HasSubstr("the server does not speak TLS on this port (plain HTTP? use http://)"));
}

TEST(LoadTlsFlags, BadTlsFlagsAreUsageErrors) {
  std::string out, err;
  EXPECT_EQ(RunVitals({"load", "https://127.0.0.1:1/", "--cacert", "/nonexistent/ca.pem",
                       "--requests", "1", "--no-store", "-q"},
                      &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("--cacert /nonexistent/ca.pem"));
  EXPECT_EQ(
      RunVitals({"load", "https://127.0.0.1:1/", "--tls-min", "1.1", "--no-store"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("--tls-min '1.1': expected 1.2 or 1.3"));
  EXPECT_EQ(RunVitals({"load", "https://127.0.0.1:1/", "--resolve", "nonsense", "--no-store"}, &out,
                      &err),
            2);
  EXPECT_THAT(err, HasSubstr("expected HOST:PORT:ADDR"));
  EXPECT_EQ(RunVitals({"target", "--tls-cert", "x.pem"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("need --tls"));
}

TEST(LoadTlsTarget, HandshakeRowReachesTheStoreAndTheHtmlReport) {
  Child target({"target", "--listen", "127.0.0.1:0", "--tls"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  const std::string store = TempPath("store.db");
  std::string out, err;
  ASSERT_EQ(RunVitals({"load", "https://127.0.0.1:" + std::to_string(port) + "/", "--insecure",
                       "-c", "3", "-t", "1", "--requests", "300", "-q", "--store", store},
                      &out, &err),
            0)
      << err;
  std::string html;
  ASSERT_EQ(RunVitals({"report", "latest", "--store", store, "--format", "html"}, &html, &err), 0)
      << err;
  EXPECT_THAT(html, HasSubstr("TLS handshake (3 full, 0 resumed)"));
  std::string json;
  ASSERT_EQ(RunVitals({"report", "latest", "--store", store, "--format", "json"}, &json, &err), 0)
      << err;
  auto j = nlohmann::json::parse(json);
  EXPECT_EQ(j["tls_handshakes"]["full"].get<uint64_t>(), 3u);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((store + suffix).c_str());
}

}  // namespace
}  // namespace vitals
