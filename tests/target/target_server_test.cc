// In-process tests of the event loop: pipelining order, delays on the timer
// heap, request bodies, HEAD, error handling and multi-threaded listening.
// Traffic goes to 127.0.0.1 only.
#include "target/target_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "target/test_http_client.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using testing::HttpResponse;
using testing::TestHttpClient;
using Clock = std::chrono::steady_clock;

std::unique_ptr<TargetServer> StartTarget(TargetOptions o) {
  o.listen = "127.0.0.1:0";
  auto s = TargetServer::Start(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

TEST(TargetServer, AnswersOkAndResolvesPortZero) {
  auto server = StartTarget({});
  ASSERT_NE(server, nullptr);
  EXPECT_GT(server->port(), 0);
  EXPECT_EQ(server->url(), "http://127.0.0.1:" + std::to_string(server->port()) + "/");
  TestHttpClient c(server->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  HttpResponse r;
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(r.headers.count("connection"), 0u);  // keep-alive is the 1.1 default
  // Same connection again (keep-alive).
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\n\r\n"));
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(server->Totals().requests, 2u);
}

TEST(TargetServer, PipelinedResponsesStayInOrderBehindADelayedOne) {
  TargetOptions o;
  o.latency = *ParseLatencySpec("30ms");
  auto server = StartTarget(o);
  ASSERT_NE(server, nullptr);
  TestHttpClient c(server->port());
  auto t0 = Clock::now();
  // /slow is delayed 30 ms, /healthz is immediate but must wait its turn.
  ASSERT_TRUE(c.Send("GET /slow HTTP/1.1\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n"));
  HttpResponse first, second;
  ASSERT_TRUE(c.Read(&first));
  ASSERT_TRUE(c.Read(&second));
  EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(30));
  EXPECT_EQ(first.body, "ok");
  EXPECT_EQ(second.body, "ok\n");
}

TEST(TargetServer, ManyPipelinedRequestsAllAnswered) {
  TargetOptions o;
  o.latency = *ParseLatencySpec("uniform:0..2ms");
  auto server = StartTarget(o);
  ASSERT_NE(server, nullptr);
  TestHttpClient c(server->port());
  std::string batch;
  for (int i = 0; i < 1000; ++i) batch += "GET /p HTTP/1.1\r\n\r\n";  // > the 256 queue bound
  ASSERT_TRUE(c.Send(batch));
  for (int i = 0; i < 1000; ++i) {
    HttpResponse r;
    ASSERT_TRUE(c.Read(&r)) << i;
    ASSERT_EQ(r.status, 200);
  }
  EXPECT_EQ(server->Totals().requests, 1000u);
}

TEST(TargetServer, BodiesAreSkippedEvenWhenSplit) {
  auto server = StartTarget({});
  ASSERT_NE(server, nullptr);
  TestHttpClient c(server->port());
  ASSERT_TRUE(c.Send("POST /upload HTTP/1.1\r\nContent-Length: 10\r\n\r\nhello"));
  HttpResponse r;
  EXPECT_FALSE(c.Read(&r, 100));  // body incomplete: no answer yet
  ASSERT_TRUE(c.Send("world"));
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\n\r\n"));
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(server->RenderMetrics(),
              HasSubstr("http_requests_total{method=\"POST\",path=\"/upload\",code=\"200\"} 1\n"));
}

TEST(TargetServer, HeadHasNoBodyAndExpectContinueIsHonoured) {
  TargetOptions o;
  o.body_bytes = 100;
  auto server = StartTarget(o);
  ASSERT_NE(server, nullptr);
  TestHttpClient c(server->port());
  ASSERT_TRUE(c.Send("HEAD / HTTP/1.1\r\n\r\n"));
  HttpResponse r;
  ASSERT_TRUE(c.Read(&r, 5000, /*head_request=*/true));
  EXPECT_EQ(r.headers["content-length"], "100");
  EXPECT_EQ(r.body, "");
  ASSERT_TRUE(c.Send("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.status, 100);
  ASSERT_TRUE(c.Send("hi"));
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), 100u);
}

TEST(TargetServer, BadRequestGets400AndClose) {
  auto server = StartTarget({});
  ASSERT_NE(server, nullptr);
  TestHttpClient c(server->port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\n\r\nNONSENSE\r\n\r\nGET / HTTP/1.1\r\n\r\n"));
  HttpResponse r;
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.status, 200);  // the good request before the bad one is answered
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(c.WaitForClose());  // nothing after the bad request is answered
}

TEST(TargetServer, OversizedHeadGets431) {
  TargetOptions o;
  o.limits.max_head_bytes = 1024;
  auto server = StartTarget(o);
  ASSERT_NE(server, nullptr);
  TestHttpClient c(server->port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n"));
  HttpResponse r;
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.status, 431);
  EXPECT_TRUE(c.WaitForClose());
}

TEST(TargetServer, Http10ConnectionCloses) {
  auto server = StartTarget({});
  ASSERT_NE(server, nullptr);
  TestHttpClient c(server->port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.0\r\n\r\n"));
  HttpResponse r;
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(c.WaitForClose());
}

TEST(TargetServer, SeveralThreadsShareThePort) {
  TargetOptions o;
  o.threads = 3;
  auto server = StartTarget(o);
  ASSERT_NE(server, nullptr);
  for (int i = 0; i < 30; ++i) {
    TestHttpClient c(server->port());
    ASSERT_TRUE(c.Send("GET /t HTTP/1.1\r\n\r\n"));
    HttpResponse r;
    ASSERT_TRUE(c.Read(&r));
    EXPECT_EQ(r.status, 200);
  }
  EXPECT_EQ(server->Totals().requests, 30u);
  server->Stop();
  server->Stop();  // idempotent
}

TEST(TargetServer, RefusesNonLoopbackWithoutAllowExternal) {
  TargetOptions o;
  o.listen = "0.0.0.0:0";
  auto s = TargetServer::Start(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("not a loopback address"));
  EXPECT_THAT(s.status().message(), HasSubstr("--allow-external"));
}

TEST(TargetServer, PortInUseIsAnIoErrorThatSaysWhatToDo) {
  auto first = StartTarget({});
  ASSERT_NE(first, nullptr);
  TargetOptions o;
  o.listen = "127.0.0.1:" + std::to_string(first->port());
  auto second = TargetServer::Start(o);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kIo);
  EXPECT_THAT(second.status().message(), HasSubstr("cannot listen on 127.0.0.1:"));
  EXPECT_THAT(second.status().message(), HasSubstr("port 0"));
}

TEST(TargetServer, InvalidOptionsAreRejected) {
  TargetOptions o;
  o.threads = 0;
  auto s = TargetServer::Start(o);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("--threads must be in 1..256"));
  o = {};
  o.error_status = 200;
  s = TargetServer::Start(o);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("--error-status must be an HTTP error status"));
}

}  // namespace
}  // namespace vitals
