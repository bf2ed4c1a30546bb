// H2Session against nghttp2's own server session, in memory: bytes are pumped between the two
// with no socket, so each protocol event (answers, RST_STREAM, GOAWAY, oversized headers,
// garbage) is exact and repeatable.
#include "load/h2_session.h"

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <cstring>
#include <map>
#include <string>

namespace vitals {
namespace {

// A scripted HTTP/2 server: answers each request by its :path.
//   /ok     200 "ok"          /big    200 with a 1 MiB body
//   /reset  RST_STREAM INTERNAL_ERROR          /huge   200 with ~80 KiB of headers
//   /echo   200 with the request body's size as the body
class Server {
 public:
  explicit Server(uint32_t window = 65535) {
    nghttp2_session_callbacks* cbs = nullptr;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_header_callback(cbs, &Server::OnHeader);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &Server::OnFrame);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &Server::OnData);
    nghttp2_option* opt = nullptr;
    nghttp2_option_new(&opt);
    nghttp2_option_set_max_send_header_block_length(opt, 1 << 20);
    nghttp2_session_server_new2(&s_, cbs, this, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cbs);
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 50},
                                   {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, window}};
    nghttp2_submit_settings(s_, NGHTTP2_FLAG_NONE, iv, 2);
    big_.assign(1 << 20, 'b');
  }
  ~Server() { nghttp2_session_del(s_); }

  // Moves bytes both ways until neither side has anything to say.
  void Pump(H2Session& client) {
    for (int i = 0; i < 100000; ++i) {
      std::string out;
      ASSERT_TRUE(client.Produce(&out).ok());
      if (!out.empty()) {
        ASSERT_GE(
            nghttp2_session_mem_recv(s_, reinterpret_cast<const uint8_t*>(out.data()), out.size()),
            0);
      }
      std::string in;
      const uint8_t* d = nullptr;
      ssize_t n;
      while ((n = nghttp2_session_mem_send(s_, &d)) > 0)
        in.append(reinterpret_cast<const char*>(d), size_t(n));
      if (!in.empty()) {
        ASSERT_TRUE(client.Feed(in.data(), in.size()).ok());
      }
      if (out.empty() && in.empty()) return;
    }
    FAIL() << "the sessions never went quiet";
  }

  void GoAwayAfter(int32_t last) { goaway_last_ = last; }
  size_t received_body() const { return received_body_; }

 private:
  static Server* Self(void* u) { return static_cast<Server*>(u); }
  static int OnHeader(nghttp2_session*, const nghttp2_frame* f, const uint8_t* name, size_t nl,
                      const uint8_t* value, size_t vl, uint8_t, void* u) {
    if (nl == 5 && std::memcmp(name, ":path", 5) == 0) {
      Self(u)->paths_[f->hd.stream_id] = std::string(reinterpret_cast<const char*>(value), vl);
    }
    return 0;
  }
  static int OnData(nghttp2_session*, uint8_t, int32_t id, const uint8_t*, size_t len, void* u) {
    Self(u)->bodies_[id] += len;
    Self(u)->received_body_ += len;
    return 0;
  }
  static ssize_t Read(nghttp2_session*, int32_t, uint8_t* buf, size_t len, uint32_t* flags,
                      nghttp2_data_source* src, void*) {
    auto* body = static_cast<std::string*>(src->ptr);
    const size_t n = std::min(len, body->size());
    std::memcpy(buf, body->data(), n);
    body->erase(0, n);
    if (body->empty()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return ssize_t(n);
  }
  static int OnFrame(nghttp2_session* s, const nghttp2_frame* f, void* u) {
    Server* self = Self(u);
    if ((f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) ||
        !(f->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
      return 0;
    }
    const int32_t id = f->hd.stream_id;
    if (self->goaway_last_ > 0 && !self->goaway_sent_) {
      self->goaway_sent_ = true;
      nghttp2_submit_goaway(s, NGHTTP2_FLAG_NONE, self->goaway_last_, NGHTTP2_NO_ERROR, nullptr, 0);
    }
    if (self->goaway_last_ > 0 && id > self->goaway_last_) return 0;
    const std::string path = self->paths_[id];
    if (path == "/reset") {
      nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, id, NGHTTP2_INTERNAL_ERROR);
      return 0;
    }
    std::string& body = self->out_[id];
    std::vector<std::string> big_values;
    std::vector<nghttp2_nv> nva;
    auto add = [&](const std::string& n, const std::string& v) {
      nva.push_back(nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(n.data())),
                               reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), n.size(),
                               v.size(), NGHTTP2_NV_FLAG_NONE});
    };
    static const std::string kStatus = ":status", k200 = "200", kBig = "x-big";
    add(kStatus, k200);
    if (path == "/huge") {
      big_values.assign(8, std::string(10000, 'h'));
      for (const std::string& v : big_values) add(kBig, v);
    }
    body = path == "/big" ? self->big_ : path == "/echo" ? std::to_string(self->bodies_[id]) : "ok";
    nghttp2_data_provider prd{};
    prd.source.ptr = &body;
    prd.read_callback = &Server::Read;
    nghttp2_submit_response(s, id, nva.data(), nva.size(), &prd);
    return 0;
  }

  nghttp2_session* s_ = nullptr;
  std::map<int32_t, std::string> paths_, out_;
  std::map<int32_t, size_t> bodies_;
  std::string big_;
  size_t received_body_ = 0;
  int32_t goaway_last_ = 0;
  bool goaway_sent_ = false;
};

H2Request Get(const std::string& path) {
  auto r = H2RequestFromHttp1("GET " + path +
                                  " HTTP/1.1\r\nHost: t.test\r\nConnection: "
                                  "keep-alive\r\nUser-Agent: vitals\r\n\r\n",
                              false);
  EXPECT_TRUE(r.ok());
  return *r;
}

std::unique_ptr<H2Session> NewSession() {
  auto s = H2Session::Create();
  EXPECT_TRUE(s.ok());
  return std::move(s).value();
}

TEST(H2RequestTest, ConvertsTheHttp1RequestLineAndDropsConnectionHeaders) {
  auto r = H2RequestFromHttp1(
      "POST /items?x=1 HTTP/1.1\r\nHost: api.test:8443\r\nConnection: close\r\n"
      "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
      true);
  ASSERT_TRUE(r.ok());
  ASSERT_GE(r->headers.size(), 6u);
  EXPECT_EQ(r->headers[0], (std::pair<std::string, std::string>(":method", "POST")));
  EXPECT_EQ(r->headers[1], (std::pair<std::string, std::string>(":path", "/items?x=1")));
  EXPECT_EQ(r->headers[2], (std::pair<std::string, std::string>(":scheme", "https")));
  EXPECT_EQ(r->headers[3], (std::pair<std::string, std::string>(":authority", "api.test:8443")));
  for (const auto& [name, value] : r->headers) {
    EXPECT_NE(name, "connection");
    EXPECT_NE(name, "host");
  }
  EXPECT_EQ(r->headers[4].first, "content-type");
  EXPECT_EQ(r->body, "hello");
  EXPECT_FALSE(H2RequestFromHttp1("nonsense", false).ok());
}

TEST(H2SessionTest, AnswersCompleteWithTheirStatusAndCountedBody) {
  Server server;
  auto client = NewSession();
  server.Pump(*client);
  EXPECT_TRUE(client->settings_received());
  EXPECT_EQ(client->RemoteMaxStreams(), 50u);
  H2Request ok = Get("/ok"), big = Get("/big");
  H2Stream a{nullptr, &ok}, b{nullptr, &big};
  ASSERT_TRUE(client->Submit(&a).ok());
  ASSERT_TRUE(client->Submit(&b).ok());
  EXPECT_EQ(client->active_streams(), 2u);
  server.Pump(*client);
  int done = 0;
  for (const H2Event& e : client->events()) {
    if (e.kind == H2Event::kDone) {
      ++done;
      EXPECT_EQ(e.stream->status, 200);
    }
  }
  EXPECT_EQ(done, 2);
  EXPECT_EQ(a.body_bytes, 2u);
  EXPECT_EQ(b.body_bytes, 1u << 20);  // through our windows: WINDOW_UPDATE works
  EXPECT_EQ(client->active_streams(), 0u);
}

TEST(H2SessionTest, LargeRequestBodyWaitsForATinyWindow) {
  Server server(/*window=*/1023);
  auto client = NewSession();
  server.Pump(*client);
  auto post =
      H2RequestFromHttp1("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1048576\r\n\r\n" +
                             std::string(1 << 20, 'p'),
                         false);
  ASSERT_TRUE(post.ok());
  H2Stream s{nullptr, &*post};
  ASSERT_TRUE(client->Submit(&s).ok());
  server.Pump(*client);
  ASSERT_EQ(client->events().size(), 2u);  // headers, done
  EXPECT_EQ(client->events()[1].kind, H2Event::kDone);
  EXPECT_EQ(server.received_body(), 1u << 20);
  EXPECT_EQ(s.body_bytes, std::to_string(1 << 20).size());
}

TEST(H2SessionTest, RstStreamIsAResetWithItsCode) {
  Server server;
  auto client = NewSession();
  H2Request reset = Get("/reset");
  H2Stream s{nullptr, &reset};
  server.Pump(*client);
  ASSERT_TRUE(client->Submit(&s).ok());
  server.Pump(*client);
  ASSERT_EQ(client->events().size(), 1u);
  EXPECT_EQ(client->events()[0].kind, H2Event::kReset);
  EXPECT_EQ(client->events()[0].error_code, uint32_t(NGHTTP2_INTERNAL_ERROR));
  EXPECT_EQ(client->events()[0].stream, &s);
}

TEST(H2SessionTest, GoAwayRefusesTheStreamsAboveLastStreamId) {
  Server server;
  server.GoAwayAfter(1);
  auto client = NewSession();
  server.Pump(*client);
  H2Request ok = Get("/ok");
  H2Stream s1{nullptr, &ok}, s3{nullptr, &ok}, s5{nullptr, &ok};
  ASSERT_TRUE(client->Submit(&s1).ok());
  ASSERT_TRUE(client->Submit(&s3).ok());
  ASSERT_TRUE(client->Submit(&s5).ok());
  server.Pump(*client);
  EXPECT_TRUE(client->going_away());
  int goaway = 0, done = 0, refused = 0;
  for (const H2Event& e : client->events()) {
    if (e.kind == H2Event::kGoAway) {
      ++goaway;
      EXPECT_EQ(e.last_stream_id, 1);
    } else if (e.kind == H2Event::kDone) {
      ++done;
      EXPECT_EQ(e.stream, &s1);
    } else if (e.kind == H2Event::kReset) {
      ++refused;
      EXPECT_EQ(e.error_code, uint32_t(NGHTTP2_REFUSED_STREAM));
    }
  }
  EXPECT_EQ(goaway, 1);
  EXPECT_EQ(done, 1);
  EXPECT_EQ(refused, 2);
  EXPECT_TRUE(client->Over());  // nothing left: the connection can be replaced
}

TEST(H2SessionTest, OversizedResponseHeadersResetTheStream) {
  Server server;
  auto client = NewSession();
  server.Pump(*client);
  H2Request huge = Get("/huge"), ok = Get("/ok");
  H2Stream h{nullptr, &huge}, o{nullptr, &ok};
  ASSERT_TRUE(client->Submit(&h).ok());
  ASSERT_TRUE(client->Submit(&o).ok());
  server.Pump(*client);
  bool reset = false, other_done = false;
  for (const H2Event& e : client->events()) {
    if (e.kind == H2Event::kReset && e.stream == &h) {
      reset = true;
      EXPECT_EQ(e.error_code, H2Session::kHeadersTooLarge);
    }
    if (e.kind == H2Event::kDone && e.stream == &o) other_done = true;
  }
  EXPECT_TRUE(reset);
  EXPECT_TRUE(other_done);  // the connection survives one bad stream
  EXPECT_LE(h.header_bytes, H2Session::kMaxHeaderListBytes + 10032);
}

TEST(H2SessionTest, GarbageFromTheServerIsAProtocolError) {
  auto client = NewSession();
  std::string out;
  ASSERT_TRUE(client->Produce(&out).ok());  // preface + SETTINGS
  const std::string garbage = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  const Status st = client->Feed(garbage.data(), garbage.size());
  out.clear();
  (void)client->Produce(&out);
  EXPECT_TRUE(!st.ok() || !client->error().empty() || client->Over())
      << "a non-HTTP/2 answer went unnoticed";
}

TEST(H2SessionTest, CancelForgetsTheStream) {
  Server server;
  auto client = NewSession();
  server.Pump(*client);
  H2Request big = Get("/big");
  H2Stream s{nullptr, &big};
  ASSERT_TRUE(client->Submit(&s).ok());
  client->Cancel(&s);
  EXPECT_EQ(s.id, 0);
  server.Pump(*client);
  for (const H2Event& e : client->events()) EXPECT_NE(e.stream, &s);
  EXPECT_EQ(client->active_streams(), 0u);
}

}  // namespace
}  // namespace vitals
