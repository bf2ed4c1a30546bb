// Test harness for the TLS seam: a TlsClient and a TlsServer over a non-blocking socketpair,
// driven step by step the way the event loops drive them (tests/net only).
#pragma once

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "net/tls_cert.h"
#include "net/tls_client.h"
#include "net/tls_server.h"
#include "net/transport.h"

namespace vitals {

inline std::string WriteTemp(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/vitals-tls-" + std::to_string(getpid()) + "-" + name;
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return path;
}

struct Pair {
  int fds[2] = {-1, -1};
  Link client, server;
  Pair() {
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds);
    client.fd = fds[0];
    server.fd = fds[1];
  }
  ~Pair() {
    client.Reset();
    server.Reset();
    close(fds[0]);
    close(fds[1]);
  }
};

struct Outcome {
  HandshakeStatus client = HandshakeStatus::kRetry;
  HandshakeStatus server = HandshakeStatus::kRetry;
  std::string message;
};

// Steps both sides until neither can progress (each step is non-blocking; a socketpair needs
// no waiting, so a bounded number of rounds always settles).
inline Outcome Drive(TlsClient& client, Pair& p) {
  Outcome o;
  for (int round = 0; round < 50; ++round) {
    if (o.client == HandshakeStatus::kRetry) o.client = client.Handshake(p.client, &o.message);
    if (o.server == HandshakeStatus::kRetry) o.server = TlsServer::Handshake(p.server);
    if (o.client != HandshakeStatus::kRetry && o.server != HandshakeStatus::kRetry) break;
    if (o.client == HandshakeStatus::kError) break;
  }
  return o;
}

class TlsPairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CertSpec ca_spec;
    ca_spec.common_name = "test CA";
    ca_spec.is_ca = true;
    auto ca = MakeCertificate(ca_spec);
    ASSERT_TRUE(ca.ok()) << ca.status().message();
    ca_ = *ca;
    CertSpec leaf;
    leaf.common_name = "localhost";
    leaf.alt_names = {"DNS:localhost", "IP:127.0.0.1"};
    leaf.issuer = &ca_;
    auto l = MakeCertificate(leaf);
    ASSERT_TRUE(l.ok()) << l.status().message();
    leaf_ = *l;
    ca_file_ = WriteTemp("ca.pem", ca_.cert_pem);
  }
  void TearDown() override { std::remove(ca_file_.c_str()); }

  Outcome Handshake(const PemKeyPair& identity, const TlsClientOptions& options,
                    const std::string& name, Pair& p) {
    auto server = TlsServer::Create(identity);
    EXPECT_TRUE(server.ok()) << server.status().message();
    auto client = TlsClient::Create(options, name);
    EXPECT_TRUE(client.ok()) << client.status().message();
    if (!server.ok() || !client.ok()) return {};
    EXPECT_TRUE((*server)->Attach(p.server).ok());
    EXPECT_TRUE((*client)->Attach(p.client).ok());
    server_ = std::move(server).value();
    client_ = std::move(client).value();  // outlives the links (sessions point back at it)
    return Drive(*client_, p);
  }

  PemKeyPair ca_, leaf_;
  std::string ca_file_;
  std::unique_ptr<TlsServer> server_;
  std::unique_ptr<TlsClient> client_;
};

}  // namespace vitals
