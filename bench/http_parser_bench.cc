// ResponseParser cost per response on the engine's hot path: one Reset() and
// one Feed() of a whole response, as when recv() returns it in one piece.
#include <benchmark/benchmark.h>

#include <string>

#include "load/http_response_parser.h"

namespace {

// nginx 1.22 static-file reply (tests/fixtures/http/nginx_200_static.http
// without Last-Modified/ETag/Accept-Ranges): 150 bytes.
const std::string kNginxSmall =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Date: Sun, 22 Nov 2026 22:29:56 GMT\r\n"
    "Content-Type: text/html\r\n"
    "Content-Length: 13\r\n"
    "Connection: keep-alive\r\n"
    "\r\n"
    "hello vitals\n";

// Full nginx fixture (248 bytes, 9 header fields).
const std::string kNginxFull =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Date: Sun, 22 Nov 2026 22:29:56 GMT\r\n"
    "Content-Type: text/html\r\n"
    "Content-Length: 13\r\n"
    "Last-Modified: Sun, 22 Nov 2026 22:29:51 GMT\r\n"
    "Connection: keep-alive\r\n"
    "ETag: \"6b036cdf-d\"\r\n"
    "Accept-Ranges: bytes\r\n"
    "\r\n"
    "hello vitals\n";

// Node.js chunked reply with three chunks (tests/fixtures/http/node_chunked.http).
const std::string kChunked =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Date: Sun, 22 Nov 2026 22:30:10 GMT\r\n"
    "Connection: keep-alive\r\n"
    "Keep-Alive: timeout=5\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "c\r\nfirst chunk\n\r\n"
    "1d\r\nsecond, longer chunk of text\n\r\n"
    "5\r\nlast\n\r\n"
    "0\r\n\r\n";

void ParseWhole(benchmark::State& state, const std::string& bytes) {
  vitals::ResponseParser parser;
  for (auto _ : state) {
    parser.Reset(false);
    benchmark::DoNotOptimize(parser.Feed(bytes.data(), bytes.size()));
    if (parser.state() != vitals::ResponseParser::State::kComplete) {
      state.SkipWithError("response did not complete");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
}

void BM_ParseNginxSmall(benchmark::State& state) { ParseWhole(state, kNginxSmall); }
void BM_ParseNginxFull(benchmark::State& state) { ParseWhole(state, kNginxFull); }
void BM_ParseChunked(benchmark::State& state) { ParseWhole(state, kChunked); }

// The same small response arriving in two reads split inside a header line,
// the slow path that copies the split line.
void BM_ParseNginxSmallSplit(benchmark::State& state) {
  vitals::ResponseParser parser;
  const size_t cut = kNginxSmall.find("Content-Length") + 5;
  for (auto _ : state) {
    parser.Reset(false);
    benchmark::DoNotOptimize(parser.Feed(kNginxSmall.data(), cut));
    benchmark::DoNotOptimize(parser.Feed(kNginxSmall.data() + cut, kNginxSmall.size() - cut));
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_ParseNginxSmall);
BENCHMARK(BM_ParseNginxFull);
BENCHMARK(BM_ParseChunked);
BENCHMARK(BM_ParseNginxSmallSplit);

}  // namespace
