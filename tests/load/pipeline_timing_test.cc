// --pipeline-timing: when the answers of a pipelined batch are read and timed.  The servers
// here write a batch's answers with a pause before the last one, so the two timings differ by
// far more than any scheduling noise.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "load/engine.h"
#include "load/engine_fixture.h"

namespace vitals {
namespace {

constexpr int kDepth = 16;

std::string Answer(size_t body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body) + "\r\n\r\n" +
         std::string(body, 'x');
}

LoadOptions Pipelined(const std::string& url, uint64_t requests, int connections, bool batch) {
  LoadOptions o;
  o.url = url;
  o.threads = 1;
  o.connections = connections;
  o.max_requests = requests;
  o.pipeline = kDepth;
  o.pipeline_batch_timing = batch;
  o.timeout_ns = 20'000'000'000;
  o.stages = {Stage{"main", 60'000'000'000, double(connections), double(connections)}};
  return o;
}

// 15 answers at once, the 16th 100 ms later.  Answer timing: 15 of 16 answers are fast, so
// the median is far below 100 ms.  Batch timing: after the first batch (answer sizes not
// known yet, read on arrival) every answer waits for the 16th, so the median is >= 100 ms.
TEST(PipelineTiming, BatchTimingStopsEveryClockAtTheBatchEnd) {
  BadServer s([](int fd, int n) {
    if (n % kDepth == kDepth - 1) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return Send(fd, Answer(2));
  });
  const uint64_t requests = 10 * kDepth;
  LoadResult answer = MustRun(Pipelined(s.url(), requests, 1, false));
  LoadResult batch = MustRun(Pipelined(s.url(), requests, 1, true));
  for (const LoadResult* r : {&answer, &batch}) {
    EXPECT_EQ(r->requests, requests);
    EXPECT_EQ(r->errors, 0u);
    EXPECT_EQ(uint64_t(r->latency_corrected.TotalCount()), requests);
  }
  EXPECT_EQ(answer.pipeline_timing, "answer");
  EXPECT_EQ(batch.pipeline_timing, "batch");
  EXPECT_LT(answer.latency_corrected.ValueAtPercentile(50), 50'000);
  EXPECT_GE(batch.latency_corrected.ValueAtPercentile(50), 95'000);
  // Only the first batch's early answers were read before the batch was whole.
  EXPECT_LT(batch.latency_corrected.ValueAtPercentile(5), 50'000);
  EXPECT_GE(batch.latency_corrected.ValueAtPercentile(15), 95'000);
}

// Answer sizes that change after being learned must neither hang nor lose a request: longer
// answers reach the mark early (the rest of that batch is read on arrival); shorter ones never
// reach it, and the grace period drops the mark.  Both then read that request on arrival.
TEST(PipelineTiming, AnswersThatChangeSizeAreStillReadInFull) {
  for (const bool grow : {true, false}) {
    SCOPED_TRACE(grow ? "answers grow" : "answers shrink");
    const int connections = 2;
    BadServer s([grow, connections](int fd, int n) {
      // The first 4 batches of each connection at one size, then another.
      const bool later = n >= 4 * kDepth * connections;
      return Send(fd, Answer(later == grow ? 40 : 4));
    });
    const uint64_t requests = 12 * kDepth * connections;
    const auto t0 = std::chrono::steady_clock::now();
    LoadResult r = MustRun(Pipelined(s.url(), requests, connections, true));
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(r.requests, requests);
    EXPECT_EQ(r.completed, requests);
    EXPECT_EQ(r.errors, 0u);
    EXPECT_EQ(r.status_codes[200], requests);
    // Shrinking answers cost at most a grace period and a tick per connection, not the
    // 20 s request timeout.
    EXPECT_LT(secs, 10.0);
    EXPECT_LT(r.latency_corrected.Max(), 5'000'000);
  }
}

// nginx ends every 1000th answer with `Connection: close`, shorter than `keep-alive`; the
// answer that closes must not teach its size (or turn batch timing off): on the next
// connection every answer is still timed at its batch's end.
TEST(PipelineTiming, AClosingAnswerDoesNotEndBatchTiming) {
  BadServer s([](int fd, int n) {
    const bool last = n % kDepth == kDepth - 1, closing = n % (4 * kDepth) == 4 * kDepth - 1;
    if (last) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    Send(fd, std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: ") +
                 (closing ? "close" : "keep-alive") + "\r\n\r\nok");
    return !closing;
  });
  const uint64_t requests = 12 * kDepth;
  LoadResult r = MustRun(Pipelined(s.url(), requests, 1, true));
  EXPECT_EQ(r.requests, requests);
  EXPECT_EQ(r.errors, 0u);
  EXPECT_EQ(r.connections_opened, 3u);
  // Only the first batch is read on arrival (15 fast answers of 192).
  EXPECT_GE(r.latency_corrected.ValueAtPercentile(15), 95'000);
}

// The grace before a mark drops is at most a quarter of the request timeout: answers that
// shrink in batches slower than half the timeout are read, not timed out (without the cap the
// grace would be twice the 250 ms batch, past the 450 ms timeout).
TEST(PipelineTiming, ShrinkingAnswersInSlowBatchesBeatTheTimeout) {
  BadServer s([](int fd, int n) {
    if (n % kDepth == kDepth - 1) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    return Send(fd, Answer(n >= 3 * kDepth ? 4 : 40));
  });
  const uint64_t requests = 8 * kDepth;
  LoadOptions o = Pipelined(s.url(), requests, 1, true);
  o.timeout_ns = 450'000'000;  // under twice the 250 ms batch latency
  LoadResult r = MustRun(o);
  EXPECT_EQ(r.requests, requests);
  EXPECT_EQ(r.errors, 0u);
  EXPECT_EQ(r.completed, requests);
}

TEST(PipelineTiming, BatchTimingNeedsAPipelineAndPlainHttp) {
  LoadOptions o = Pipelined("http://127.0.0.1:1/", 10, 1, true);
  o.pipeline = 1;
  auto r = RunLoad(o, nullptr, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("--pipeline-timing batch needs --pipeline"),
            std::string::npos)
      << r.status().ToString();
  o = Pipelined("https://127.0.0.1:1/", 10, 1, true);
  o.tls.insecure = true;
  r = RunLoad(o, nullptr, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("plain http:// only"), std::string::npos)
      << r.status().ToString();
}

}  // namespace
}  // namespace vitals
