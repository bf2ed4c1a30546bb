// The TLS seam without a network: a TlsClient and a TlsServer handshake over a non-blocking
// socketpair, driven step by step the way the event loops drive them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <string>

#include "net/tls_pair.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;

TEST_F(TlsPairTest, VerifiedHandshakeCarriesBytesBothWays) {
  TlsClientOptions o;
  o.ca_file = ca_file_;
  Pair p;
  Outcome out = Handshake(leaf_, o, "localhost", p);
  ASSERT_EQ(out.client, HandshakeStatus::kDone) << out.message;
  ASSERT_EQ(out.server, HandshakeStatus::kDone);
  EXPECT_EQ(TlsClient::Alpn(p.client), "http/1.1");
  EXPECT_FALSE(TlsClient::Resumed(p.client));
  size_t n = 0;
  ASSERT_EQ(p.client.io->write(p.client, "GET / HTTP/1.1\r\n\r\n", 18, &n), IoStatus::kOk);
  EXPECT_EQ(n, 18u);
  char buf[64];
  ASSERT_EQ(p.server.io->read(p.server, buf, sizeof buf, &n), IoStatus::kOk);
  EXPECT_EQ(std::string(buf, n), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(p.client.io->read(p.client, buf, sizeof buf, &n), IoStatus::kRetry);
}

TEST_F(TlsPairTest, IpLiteralIsCheckedAgainstTheCertificatesAddresses) {
  TlsClientOptions o;
  o.ca_file = ca_file_;
  Pair p;
  Outcome out = Handshake(leaf_, o, "127.0.0.1", p);
  EXPECT_EQ(out.client, HandshakeStatus::kDone) << out.message;
}

TEST_F(TlsPairTest, SelfSignedCertificateFailsWithTheReasonAndTheFix) {
  auto self = MakeLocalhostCertificate();
  ASSERT_TRUE(self.ok());
  TlsClientOptions o;
  o.ca_file = ca_file_;
  Pair p;
  Outcome out = Handshake(*self, o, "localhost", p);
  EXPECT_EQ(out.client, HandshakeStatus::kError);
  EXPECT_EQ(p.client.error, NetError::kTlsHandshake);
  EXPECT_EQ(out.message,
            "certificate verify failed: self-signed certificate; pass --cacert FILE or --insecure");
}

TEST_F(TlsPairTest, InsecureAcceptsAnyCertificate) {
  auto self = MakeLocalhostCertificate();
  ASSERT_TRUE(self.ok());
  TlsClientOptions o;
  o.insecure = true;
  Pair p;
  Outcome out = Handshake(*self, o, "other.test", p);
  EXPECT_EQ(out.client, HandshakeStatus::kDone) << out.message;
}

TEST_F(TlsPairTest, HostnameMismatchNamesTheHost) {
  TlsClientOptions o;
  o.ca_file = ca_file_;
  Pair p;
  Outcome out = Handshake(leaf_, o, "wrong.test", p);
  EXPECT_EQ(out.client, HandshakeStatus::kError);
  EXPECT_THAT(out.message, HasSubstr("the certificate does not name 'wrong.test'"));
  EXPECT_THAT(out.message, HasSubstr("--resolve"));
}

TEST_F(TlsPairTest, ExpiredCertificateIsRefused) {
  CertSpec spec;
  spec.common_name = "localhost";
  spec.alt_names = {"DNS:localhost"};
  spec.not_before_s = -7200;
  spec.not_after_s = -3600;
  spec.issuer = &ca_;
  auto expired = MakeCertificate(spec);
  ASSERT_TRUE(expired.ok());
  TlsClientOptions o;
  o.ca_file = ca_file_;
  Pair p;
  Outcome out = Handshake(*expired, o, "localhost", p);
  EXPECT_EQ(out.client, HandshakeStatus::kError);
  EXPECT_EQ(out.message,
            "certificate verify failed: certificate has expired; pass --cacert FILE or --insecure");
}

TEST_F(TlsPairTest, NotTlsAtAllIsSaid) {
  TlsClientOptions o;
  o.insecure = true;
  auto client = TlsClient::Create(o, "localhost");
  ASSERT_TRUE(client.ok());
  Pair p;
  ASSERT_TRUE((*client)->Attach(p.client).ok());
  std::string message;
  EXPECT_EQ((*client)->Handshake(p.client, &message), HandshakeStatus::kRetry);
  // A plain HTTP server answers the ClientHello with an HTTP error.
  const char kPlain[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
  ASSERT_EQ(write(p.fds[1], kPlain, sizeof kPlain - 1), ssize_t(sizeof kPlain - 1));
  EXPECT_EQ((*client)->Handshake(p.client, &message), HandshakeStatus::kError);
  EXPECT_THAT(message, HasSubstr("the server does not speak TLS on this port"));
}

TEST_F(TlsPairTest, SessionIsResumedOnTheNextConnection) {
  TlsClientOptions o;
  o.ca_file = ca_file_;
  auto server = TlsServer::Create(leaf_);
  ASSERT_TRUE(server.ok());
  auto client = TlsClient::Create(o, "localhost");
  ASSERT_TRUE(client.ok());
  for (int i = 0; i < 2; ++i) {
    Pair p;
    ASSERT_TRUE((*server)->Attach(p.server).ok());
    ASSERT_TRUE((*client)->Attach(p.client).ok());
    Outcome out = Drive(**client, p);
    ASSERT_EQ(out.client, HandshakeStatus::kDone) << out.message;
    ASSERT_EQ(out.server, HandshakeStatus::kDone);
    // TLS 1.3 tickets arrive after the handshake: a read picks them up.
    char buf[16];
    size_t n = 0;
    EXPECT_EQ(p.client.io->read(p.client, buf, sizeof buf, &n), IoStatus::kRetry);
    EXPECT_EQ(TlsClient::Resumed(p.client), i == 1) << "connection " << i;
  }
}

TEST(TlsClientOptionsTest, BadFilesAreUsageErrorsNamingTheFlag) {
  TlsClientOptions o;
  o.ca_file = "/nonexistent/ca.pem";
  auto c = TlsClient::Create(o, "localhost");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr("--cacert /nonexistent/ca.pem"));
  TlsClientOptions k;
  k.cert_file = "/nonexistent/client.pem";
  auto c2 = TlsClient::Create(k, "localhost");
  ASSERT_FALSE(c2.ok());
  EXPECT_THAT(c2.status().message(), HasSubstr("--cert and --key go together"));
}

TEST_F(TlsPairTest, Tls13SuitesAreOfferedInTheBrowsersOrderOrAsAsked) {
  for (const char* asked : {"", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_256_GCM_SHA384"}) {
    TlsClientOptions o;
    o.ca_file = ca_file_;
    if (*asked) o.tls13_ciphers = asked;
    Pair p;
    Outcome out = Handshake(leaf_, o, "localhost", p);
    ASSERT_EQ(out.client, HandshakeStatus::kDone) << out.message;
    // OpenSSL's server follows the client's order: the default puts AES-128-GCM first.
    EXPECT_STREQ(SSL_CIPHER_standard_name(SSL_get_current_cipher(p.client.ssl.get())),
                 *asked ? asked : "TLS_AES_128_GCM_SHA256");
  }
}

TEST(TlsClientOptionsTest, UnknownTls13SuitesAreNamed) {
  for (const char* bad : {"TLS_AES_128_GCM_SHA256:AES999", "", "TLS_AES_128_GCM_SHA256:"}) {
    TlsClientOptions o;
    o.tls13_ciphers = bad;
    auto c = TlsClient::Create(o, "localhost");
    ASSERT_FALSE(c.ok()) << "'" << bad << "'";
    EXPECT_EQ(c.status().code(), Status::Code::kInvalidArgument);
    EXPECT_THAT(c.status().message(), HasSubstr("--tls13-ciphers: '"));
    EXPECT_THAT(c.status().message(), HasSubstr("TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384"));
  }
  TlsClientOptions o;
  o.tls13_ciphers = "TLS_AES_128_GCM_SHA256:AES999";
  EXPECT_THAT(TlsClient::Create(o, "localhost").status().message(), HasSubstr("'AES999'"));
}

TEST(TlsCertTest, MadeCertificateParsesWithItsNames) {
  auto c = MakeLocalhostCertificate();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_THAT(c->cert_pem, HasSubstr("-----BEGIN CERTIFICATE-----"));
  EXPECT_THAT(c->key_pem, HasSubstr("-----BEGIN PRIVATE KEY-----"));
  PemKeyPair broken{"not pem", "not pem"};
  CertSpec spec;
  spec.issuer = &broken;
  auto bad = MakeCertificate(spec);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace vitals
