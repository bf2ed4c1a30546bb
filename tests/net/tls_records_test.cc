// vitals' own TLS 1.3 record layer (net/tls_records.h) against OpenSSL's server side: the
// switch after the first answer, every TLS 1.3 suite, megabytes both ways through small and
// large reads and a full socket, KeyUpdate, close_notify, forged records, and the cases that
// stay with OpenSSL.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include "net/tls_pair.h"
#include "net/tls_records.h"

namespace vitals {
namespace {

std::string Pattern(size_t n, int seed) {
  std::string s(n, '\0');
  uint32_t x = uint32_t(seed) * 2654435761u + 1;
  for (char& c : s) {
    x = x * 1103515245u + 12345u;
    c = char(x >> 16);
  }
  return s;
}

// Moves `data` from one end to the other through their transports, both non-blocking on the
// socketpair (which holds far less than a megabyte), reading `chunk` bytes at a time.  The
// first `sent` bytes of `data` were written already (and are still to be read).
std::string Move(Link& from, Link& to, const std::string& data, size_t chunk, size_t sent = 0) {
  std::string got;
  std::vector<char> buf(chunk);
  size_t off = sent;
  for (int round = 0; round < 200000 && got.size() < data.size(); ++round) {
    if (off < data.size()) {
      size_t n = 0;
      const IoStatus st = from.io->write(from, data.data() + off, data.size() - off, &n);
      if (st == IoStatus::kError) {
        ADD_FAILURE() << "write failed: " << NetErrorName(from.error);
        return got;
      }
      if (st == IoStatus::kOk) off += n;
    }
    for (;;) {
      size_t n = 0;
      const IoStatus st = to.io->read(to, buf.data(), buf.size(), &n);
      if (st == IoStatus::kError) {
        ADD_FAILURE() << "read failed: " << NetErrorName(to.error);
        return got;
      }
      if (st == IoStatus::kRetry) break;
      if (n == 0) {
        ADD_FAILURE() << "unexpected end of stream";
        return got;
      }
      got.append(buf.data(), n);
    }
  }
  return got;
}

class TlsRecordsTest : public TlsPairTest {
 protected:
  // Handshake with `server_setup` applied to the server's SSL first; true when both are done.
  bool Connect(Pair& p, const TlsClientOptions& options,
               const std::function<void(SSL*)>& server_setup = nullptr) {
    auto server = TlsServer::Create(leaf_);
    auto client = TlsClient::Create(options, "localhost");
    if (!server.ok() || !client.ok()) return false;
    server_ = std::move(server).value();
    client_ = std::move(client).value();
    if (!server_->Attach(p.server).ok() || !client_->Attach(p.client).ok()) return false;
    if (server_setup) server_setup(p.server.ssl.get());
    Outcome out = Drive(*client_, p);
    EXPECT_EQ(out.client, HandshakeStatus::kDone) << out.message;
    return out.client == HandshakeStatus::kDone && out.server == HandshakeStatus::kDone;
  }

  // One request and answer on OpenSSL's records, then the second request, at which the client
  // may move to its own records.
  void FirstExchanges(Pair& p) {
    EXPECT_EQ(Move(p.client, p.server, "GET /1", 64), "GET /1");
    EXPECT_FALSE(TlsClient::OwnRecords(p.client)) << "switched before any answer";
    EXPECT_EQ(Move(p.server, p.client, "answer 1", 64), "answer 1");
    EXPECT_EQ(Move(p.client, p.server, "GET /2", 64), "GET /2");
  }

  TlsClientOptions Options() {
    TlsClientOptions o;
    o.ca_file = ca_file_;
    return o;
  }
};

class TlsRecordsSuiteTest : public TlsRecordsTest,
                            public ::testing::WithParamInterface<const char*> {};

TEST_P(TlsRecordsSuiteTest, TakesOverAfterTheFirstAnswerAndCarriesMegabytes) {
  Pair p;
  ASSERT_TRUE(Connect(p, Options(), [](SSL* s) { SSL_set_ciphersuites(s, GetParam()); }));
  EXPECT_STREQ(SSL_CIPHER_standard_name(SSL_get_current_cipher(p.client.ssl.get())), GetParam());
  FirstExchanges(p);
  ASSERT_TRUE(TlsClient::OwnRecords(p.client));
  const std::string big = Pattern(1 << 20, 1);
  EXPECT_TRUE(Move(p.server, p.client, big, 64 * 1024) == big) << "server to client, 64 KiB reads";
  const std::string mid = Pattern(100 * 1024, 2);
  EXPECT_TRUE(Move(p.server, p.client, mid, 100) == mid) << "server to client, 100-byte reads";
  const std::string up = Pattern(1 << 20, 3);
  EXPECT_TRUE(Move(p.client, p.server, up, 64 * 1024) == up) << "client to server";
  EXPECT_EQ(Move(p.server, p.client, "last", 64), "last");
  EXPECT_GT(p.client.records->records_opened(), 64u);  // 1 MiB is at least 64 records
  EXPECT_GT(p.client.records->records_sealed(), 64u);
}

INSTANTIATE_TEST_SUITE_P(Suites, TlsRecordsSuiteTest,
                         ::testing::Values("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                           "TLS_CHACHA20_POLY1305_SHA256"));

TEST_F(TlsRecordsTest, KeyUpdatesFromTheServerAreFollowedAndAnswered) {
  Pair p;
  ASSERT_TRUE(Connect(p, Options()));
  FirstExchanges(p);
  ASSERT_TRUE(TlsClient::OwnRecords(p.client));
  SSL* server = p.server.ssl.get();
  // Counts the KeyUpdate messages the server receives from us.
  int updates_received = 0;
  SSL_set_msg_callback(
      server, [](int write_p, int, int type, const void* buf, size_t len, SSL*, void* arg) {
        if (write_p == 0 && type == SSL3_RT_HANDSHAKE && len > 0 &&
            static_cast<const unsigned char*>(buf)[0] == SSL3_MT_KEY_UPDATE) {
          ++*static_cast<int*>(arg);
        }
      });
  SSL_set_msg_callback_arg(server, &updates_received);
  for (int i = 0; i < 3; ++i) {
    // The server asks for our update: its next write carries its KeyUpdate, and it can read
    // us only if we update our sending key after telling it so.
    ASSERT_EQ(SSL_key_update(server, SSL_KEY_UPDATE_REQUESTED), 1);
    EXPECT_EQ(Move(p.server, p.client, "after update " + std::to_string(i), 64),
              "after update " + std::to_string(i));
    EXPECT_EQ(Move(p.client, p.server, "reply " + std::to_string(i), 64),
              "reply " + std::to_string(i));
    EXPECT_EQ(updates_received, i + 1) << "the client did not answer the KeyUpdate";
  }
  // Two requests while we are silent get one answer (RFC 8446 4.6.3), and data still flows.
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(SSL_key_update(server, SSL_KEY_UPDATE_REQUESTED), 1);
    EXPECT_EQ(Move(p.server, p.client, "silent " + std::to_string(i), 64),
              "silent " + std::to_string(i));
  }
  EXPECT_EQ(Move(p.client, p.server, "after two requests", 64), "after two requests");
  EXPECT_EQ(updates_received, 4);
  ASSERT_EQ(SSL_key_update(server, SSL_KEY_UPDATE_NOT_REQUESTED), 1);
  EXPECT_EQ(Move(p.server, p.client, "one-sided", 64), "one-sided");
  EXPECT_EQ(Move(p.client, p.server, "still the old sending key", 64), "still the old sending key");
  EXPECT_EQ(updates_received, 4);
}

TEST_F(TlsRecordsTest, CloseNotifyEndsTheStream) {
  Pair p;
  ASSERT_TRUE(Connect(p, Options()));
  FirstExchanges(p);
  ASSERT_TRUE(TlsClient::OwnRecords(p.client));
  TlsServer::Shutdown(p.server);
  char buf[64];
  size_t n = 99;
  EXPECT_EQ(p.client.io->read(p.client, buf, sizeof buf, &n), IoStatus::kOk);
  EXPECT_EQ(n, 0u);
}

TEST_F(TlsRecordsTest, ForgedAndOversizedRecordsAreTlsReadErrors) {
  for (int forged = 0; forged < 2; ++forged) {
    Pair p;
    ASSERT_TRUE(Connect(p, Options()));
    FirstExchanges(p);
    ASSERT_TRUE(TlsClient::OwnRecords(p.client));
    // A record the server never sealed (authentication fails), or a length over 2^14 + 256.
    std::string raw = forged == 0 ? std::string("\x17\x03\x03\x00\x20", 5) + std::string(32, 'A')
                                  : std::string("\x17\x03\x03\x50\x00", 5);
    ASSERT_EQ(write(p.fds[1], raw.data(), raw.size()), ssize_t(raw.size()));
    char buf[64];
    size_t n = 0;
    EXPECT_EQ(p.client.io->read(p.client, buf, sizeof buf, &n), IoStatus::kError) << forged;
    EXPECT_EQ(p.client.error, NetError::kTlsRead) << forged;
  }
}

TEST_F(TlsRecordsTest, PaddedRecordsAreUnpadded) {
  Pair p;
  ASSERT_TRUE(Connect(p, Options(), [](SSL* s) { SSL_set_block_padding(s, 512); }));
  FirstExchanges(p);
  ASSERT_TRUE(TlsClient::OwnRecords(p.client));
  const std::string mid = Pattern(40 * 1024, 5);
  EXPECT_TRUE(Move(p.server, p.client, mid, 64 * 1024) == mid);
  EXPECT_EQ(Move(p.server, p.client, "x", 64), "x");  // 1 byte of content, 510 of padding
}

TEST_F(TlsRecordsTest, DataBeforeAForgedRecordIsDeliveredThenTheError) {
  Pair p;
  ASSERT_TRUE(Connect(p, Options()));
  FirstExchanges(p);
  ASSERT_TRUE(TlsClient::OwnRecords(p.client));
  size_t n = 0;
  ASSERT_EQ(p.server.io->write(p.server, "answer 2", 8, &n), IoStatus::kOk);
  const std::string forged = std::string("\x17\x03\x03\x00\x20", 5) + std::string(32, 'A');
  ASSERT_EQ(write(p.fds[1], forged.data(), forged.size()), ssize_t(forged.size()));
  char buf[64];
  ASSERT_EQ(p.client.io->read(p.client, buf, sizeof buf, &n), IoStatus::kOk);
  EXPECT_EQ(std::string(buf, n), "answer 2");
  EXPECT_TRUE(p.client.io->pending(p.client)) << "the error waits to be read";
  EXPECT_EQ(p.client.io->read(p.client, buf, sizeof buf, &n), IoStatus::kError);
  EXPECT_EQ(p.client.error, NetError::kTlsRead);
}

// OpenSSL has read the header of the next record but not its body: its header is counted, its
// body is not ours to read, so the switch must wait (or the next record would be misread).
TEST_F(TlsRecordsTest, SwitchWaitsWhileOpenSslIsInsideARecord) {
  Pair p;
  ASSERT_TRUE(Connect(p, Options()));
  EXPECT_EQ(Move(p.client, p.server, "GET /1", 64), "GET /1");
  char buf[256];
  size_t n = 0;
  EXPECT_EQ(p.client.io->read(p.client, buf, sizeof buf, &n), IoStatus::kRetry);  // tickets
  ASSERT_EQ(p.server.io->write(p.server, "answer 1", 8, &n), IoStatus::kOk);
  ASSERT_EQ(p.server.io->write(p.server, "answer 1b", 9, &n), IoStatus::kOk);
  // Take both records off the client's socket and hand it the first plus the next header.
  std::string raw(4096, '\0');
  const ssize_t got = read(p.fds[0], raw.data(), raw.size());
  ASSERT_GT(got, 10);
  raw.resize(size_t(got));
  const size_t first = 5 + (size_t(uint8_t(raw[3])) << 8 | uint8_t(raw[4]));
  ASSERT_LT(first + 5, raw.size());
  ASSERT_EQ(write(p.fds[1], raw.data(), first + 5), ssize_t(first + 5));
  ASSERT_EQ(p.client.io->read(p.client, buf, sizeof buf, &n), IoStatus::kOk);
  EXPECT_EQ(std::string(buf, n), "answer 1");
  EXPECT_EQ(p.client.io->read(p.client, buf, sizeof buf, &n), IoStatus::kRetry);  // header only
  ASSERT_EQ(p.client.io->write(p.client, "GET /2", 6, &n), IoStatus::kOk);
  EXPECT_FALSE(TlsClient::OwnRecords(p.client)) << "switched inside a record";
  ASSERT_EQ(write(p.fds[1], raw.data() + first + 5, raw.size() - first - 5),
            ssize_t(raw.size() - first - 5));
  ASSERT_EQ(p.client.io->read(p.client, buf, sizeof buf, &n), IoStatus::kOk);
  EXPECT_EQ(std::string(buf, n), "answer 1b");
  ASSERT_EQ(p.server.io->read(p.server, buf, sizeof buf, &n), IoStatus::kOk);
  EXPECT_EQ(std::string(buf, n), "GET /2");
  EXPECT_EQ(Move(p.server, p.client, "answer 2", 64), "answer 2");
  EXPECT_EQ(Move(p.client, p.server, "GET /3", 64), "GET /3");
  EXPECT_TRUE(TlsClient::OwnRecords(p.client)) << "the next write after a clean read switches";
  EXPECT_EQ(Move(p.server, p.client, "answer 3", 64), "answer 3");
}

// OpenSSL's write is blocked on a full socket when its first read succeeds: the record it has
// half written is its own, so the switch waits until OpenSSL has written it all, and the stream
// the server reads is whole across the switch.
TEST_F(TlsRecordsTest, SwitchWaitsForABlockedOpenSslWrite) {
  Pair p;
  ASSERT_TRUE(Connect(p, Options()));
  const std::string big = Pattern(1 << 20, 6);
  size_t sent = 0, n = 0;
  IoStatus st = IoStatus::kOk;
  while ((st = p.client.io->write(p.client, big.data() + sent, big.size() - sent, &n)) ==
         IoStatus::kOk) {
    sent += n;
  }
  ASSERT_EQ(st, IoStatus::kRetry);
  ASSERT_TRUE(p.client.want_write) << "the socket is full, not waiting for a read";
  ASSERT_EQ(p.server.io->write(p.server, "answer 1", 8, &n), IoStatus::kOk);
  char buf[64];
  std::string answer;
  for (int i = 0; i < 10 && answer.empty(); ++i) {
    if (p.client.io->read(p.client, buf, sizeof buf, &n) == IoStatus::kOk) answer.assign(buf, n);
  }
  ASSERT_EQ(answer, "answer 1");
  // The retry of the blocked write: still OpenSSL's.
  EXPECT_EQ(p.client.io->write(p.client, big.data() + sent, big.size() - sent, &n),
            IoStatus::kRetry);
  EXPECT_FALSE(TlsClient::OwnRecords(p.client)) << "switched with OpenSSL's record half written";
  EXPECT_TRUE(Move(p.client, p.server, big, 64 * 1024, sent) == big);
  EXPECT_TRUE(TlsClient::OwnRecords(p.client)) << "the switch happens once OpenSSL is done";
  EXPECT_EQ(Move(p.server, p.client, "answer 2", 64), "answer 2");
  EXPECT_EQ(Move(p.client, p.server, "GET /3", 64), "GET /3");
}

TEST_F(TlsRecordsTest, OpenSslKeepsTheRecordsWhenAskedAndOnTls12) {
  for (int tls12 = 0; tls12 < 2; ++tls12) {
    Pair p;
    TlsClientOptions o = Options();
    o.own_records = tls12 == 1;  // TLS 1.2 stays with OpenSSL even when own records are on
    ASSERT_TRUE(Connect(p, o, [&](SSL* s) {
      if (tls12) SSL_set_max_proto_version(s, TLS1_2_VERSION);
    }));
    EXPECT_EQ(SSL_version(p.client.ssl.get()), tls12 ? TLS1_2_VERSION : TLS1_3_VERSION);
    FirstExchanges(p);
    const std::string big = Pattern(256 * 1024, 4);
    EXPECT_TRUE(Move(p.server, p.client, big, 64 * 1024) == big);
    EXPECT_EQ(Move(p.client, p.server, "GET /3", 64), "GET /3");
    EXPECT_FALSE(TlsClient::OwnRecords(p.client)) << "tls12=" << tls12;
  }
}

}  // namespace
}  // namespace vitals
