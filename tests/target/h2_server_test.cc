// H2ServerSession (vitals target --http2) against nghttp2's own client session, in memory.
#include "target/h2_server.h"

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace vitals {
namespace {

// A raw nghttp2 client that records each stream's status, body and close code.
class Client {
 public:
  struct Stream {
    int status = -1;
    std::string body;
    int64_t closed = -1;  // error code once closed
  };

  Client() {
    nghttp2_session_callbacks* cbs = nullptr;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_header_callback(cbs, &Client::OnHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &Client::OnData);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &Client::OnClose);
    nghttp2_session_client_new(&s_, cbs, this);
    nghttp2_session_callbacks_del(cbs);
    nghttp2_submit_settings(s_, NGHTTP2_FLAG_NONE, nullptr, 0);
  }
  ~Client() { nghttp2_session_del(s_); }

  int32_t Get(const std::string& path, const std::string& extra_value = "") {
    std::vector<std::pair<std::string, std::string>> h = {
        {":method", "GET"}, {":path", path}, {":scheme", "http"}, {":authority", "t"}};
    if (!extra_value.empty()) {
      h.emplace_back("x-big", extra_value);
      h.emplace_back("x-big2", extra_value);
    }
    std::vector<nghttp2_nv> nva;
    for (auto& [n, v] : h) {
      nva.push_back(nghttp2_nv{reinterpret_cast<uint8_t*>(n.data()),
                               reinterpret_cast<uint8_t*>(v.data()), n.size(), v.size(),
                               NGHTTP2_NV_FLAG_NONE});
    }
    return nghttp2_submit_request(s_, nullptr, nva.data(), nva.size(), nullptr, nullptr);
  }
  void Reset(int32_t id) { nghttp2_submit_rst_stream(s_, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL); }

  // Bytes both ways until quiet.
  void Pump(H2ServerSession& server) {
    for (int i = 0; i < 10000; ++i) {
      std::string out;
      const uint8_t* d = nullptr;
      ssize_t n;
      while ((n = nghttp2_session_mem_send(s_, &d)) > 0) {
        out.append(reinterpret_cast<const char*>(d), size_t(n));
      }
      if (!out.empty()) {
        ASSERT_TRUE(server.Feed(out.data(), out.size()).ok());
      }
      std::string in;
      ASSERT_TRUE(server.Produce(&in).ok());
      if (!in.empty()) {
        ASSERT_GE(
            nghttp2_session_mem_recv(s_, reinterpret_cast<const uint8_t*>(in.data()), in.size()),
            0);
      }
      if (out.empty() && in.empty()) return;
    }
    FAIL() << "never quiet";
  }

  std::map<int32_t, Stream> streams;

 private:
  static Client* Self(void* u) { return static_cast<Client*>(u); }
  static int OnHeader(nghttp2_session*, const nghttp2_frame* f, const uint8_t* name, size_t nl,
                      const uint8_t* value, size_t vl, uint8_t, void* u) {
    if (nl == 7 && std::memcmp(name, ":status", 7) == 0) {
      Self(u)->streams[f->hd.stream_id].status =
          std::stoi(std::string(reinterpret_cast<const char*>(value), vl));
    }
    return 0;
  }
  static int OnData(nghttp2_session*, uint8_t, int32_t id, const uint8_t* d, size_t len, void* u) {
    Self(u)->streams[id].body.append(reinterpret_cast<const char*>(d), len);
    return 0;
  }
  static int OnClose(nghttp2_session*, int32_t id, uint32_t code, void* u) {
    Self(u)->streams[id].closed = code;
    return 0;
  }
  nghttp2_session* s_ = nullptr;
};

std::unique_ptr<H2ServerSession> NewServer() {
  auto s = H2ServerSession::Create();
  EXPECT_TRUE(s.ok());
  return std::move(s).value();
}

TEST(H2ServerSessionTest, AnswersInAnyOrderWithStatusAndBody) {
  auto server = NewServer();
  Client client;
  const int32_t a = client.Get("/a");
  const int32_t b = client.Get("/b?x=1");
  client.Pump(*server);
  ASSERT_EQ(server->requests().size(), 2u);
  EXPECT_EQ(server->requests()[0].path, "/a");
  EXPECT_EQ(server->requests()[1].path, "/b?x=1");
  EXPECT_EQ(server->requests()[0].method, "GET");
  server->requests().clear();
  // The second request is due first: it leaves first.
  server->Respond(b, 503, "text/plain", "injected error 503\n", false);
  client.Pump(*server);
  EXPECT_EQ(client.streams[b].status, 503);
  EXPECT_EQ(client.streams[b].closed, 0);
  EXPECT_EQ(client.streams[a].closed, -1);
  server->Respond(a, 200, "text/plain", "", false, std::string(100000, 'o'));
  client.Pump(*server);
  EXPECT_EQ(client.streams[a].status, 200);
  EXPECT_EQ(client.streams[a].body.size(), 100000u);
  EXPECT_EQ(client.streams[a].closed, 0);
}

TEST(H2ServerSessionTest, AnswerToAStreamTheClientResetIsDropped) {
  auto server = NewServer();
  Client client;
  const int32_t a = client.Get("/a");
  client.Pump(*server);
  ASSERT_EQ(server->requests().size(), 1u);
  client.Reset(a);
  client.Pump(*server);
  server->Respond(a, 200, "text/plain", "ok", false);  // no crash, nothing sent
  client.Pump(*server);
  EXPECT_EQ(client.streams[a].status, -1);
}

TEST(H2ServerSessionTest, OversizedRequestHeadersResetOnlyThatStream) {
  auto server = NewServer();
  Client client;
  const int32_t big = client.Get("/big", std::string(40000, 'h'));  // 80 KB of headers
  const int32_t ok = client.Get("/ok");
  client.Pump(*server);
  ASSERT_EQ(server->requests().size(), 1u);
  EXPECT_EQ(server->requests()[0].path, "/ok");
  server->requests().clear();
  EXPECT_GT(client.streams[big].closed, 0);  // reset by the server
  server->Respond(ok, 200, "text/plain", "ok", false);
  client.Pump(*server);
  EXPECT_EQ(client.streams[ok].status, 200);
}

TEST(H2ServerSessionTest, SessionEndsWithBodiesInFlightWithoutLeaking) {
  auto server = NewServer();
  Client client;
  const int32_t a = client.Get("/a");
  client.Pump(*server);
  server->Respond(a, 200, "text/plain", "", false, std::string(1 << 20, 'o'));
  std::string some;
  ASSERT_TRUE(server->Produce(&some).ok());
  EXPECT_FALSE(some.empty());
  server.reset();  // streams still open, a body half sent: ASan's leak check is the assertion
}

TEST(H2ServerSessionTest, GarbageIsAnError) {
  auto server = NewServer();
  const std::string http1 = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
  const Status st = server->Feed(http1.data(), http1.size());
  std::string out;
  (void)server->Produce(&out);
  EXPECT_TRUE(!st.ok() || server->Over());
}

}  // namespace
}  // namespace vitals
