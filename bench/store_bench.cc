// What the run store costs a load run: BeginRun, one AppendIntervals per 1 s interval, and
// CompleteRun, for a realistic run (1000 req/s, latencies 0.5..20 ms, 2 phases).  The
// "per_request" counters divide the store's time by the requests the run made: compare them
// with the engine's CPU per request (several microseconds of syscalls and parsing) to see the
// store's share.  The store file lives in $TMPDIR (or /tmp).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "load/result.h"
#include "store/store.h"

namespace vitals {
namespace {

constexpr uint64_t kRate = 1000;  // requests per 1 s interval

class TempStore {
 public:
  TempStore() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/vitals-store-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) != nullptr) dir_ = tmpl;
    auto s = Store::Open(dir_ + "/vitals.db");
    if (s.ok()) store_.emplace(std::move(s).value());
  }
  ~TempStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Store* get() { return store_ ? &*store_ : nullptr; }

 private:
  std::string dir_;
  std::optional<Store> store_;
};

// One interval of kRate requests; latencies spread 500 us .. 20 ms with a slow tail.
IntervalSample Interval(double start_s, const std::string& phase) {
  IntervalSample s;
  s.start_s = start_s;
  s.phase = phase;
  s.requests = kRate;
  s.errors = 2;
  uint64_t x = 88172645463325252ULL ^ uint64_t(start_s * 1000);
  for (uint64_t i = 0; i < kRate; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    int64_t v = 500 + int64_t(x % 4000);
    if (i % 100 == 0) v += int64_t(x % 16000);
    s.latency_corrected.Record(v);
    s.latency_uncorrected.Record(v - v / 8);
  }
  return s;
}

LoadResult Run(int seconds) {
  LoadResult r;
  r.target = "http://127.0.0.1:8080/";
  r.method = "GET";
  r.model = "open";
  r.duration_s = seconds;
  r.rate_asked = r.rate_achieved = double(kRate);
  for (int i = 0; i < seconds; ++i) {
    r.intervals.push_back(Interval(i, i < seconds / 2 ? "ramp" : "steady"));
    r.requests += kRate;
    (void)r.latency_corrected.Add(r.intervals.back().latency_corrected);
    (void)r.latency_uncorrected.Add(r.intervals.back().latency_uncorrected);
    r.ttfb.RecordN(400, kRate);
    r.connect_time.RecordN(80, 4);
  }
  for (const char* name : {"ramp", "steady"}) {
    PhaseResult p;
    p.name = name;
    for (const IntervalSample& s : r.intervals) {
      if (s.phase != name) continue;
      p.requests += s.requests;
      (void)p.latency_corrected.Add(s.latency_corrected);
      (void)p.latency_uncorrected.Add(s.latency_uncorrected);
    }
    r.phases.push_back(std::move(p));
  }
  return r;
}

RunStart Start() {
  RunStart s;
  s.target = "http://127.0.0.1:8080/";
  s.method = "GET";
  s.model = "open";
  s.config_json = R"({"rate": 1000, "duration": "60s", "connections": 50})";
  s.tags = {{"commit", "abc123"}};
  s.env.vitals_version = "bench";
  return s;
}

void BM_BeginRun(benchmark::State& state) {
  TempStore ts;
  if (ts.get() == nullptr) return state.SkipWithError("cannot open a store in TMPDIR");
  const RunStart start = Start();
  for (auto _ : state) {
    auto id = ts.get()->BeginRun(start);
    if (!id.ok()) return state.SkipWithError(id.status().ToString().c_str());
    benchmark::DoNotOptimize(id);
  }
}
BENCHMARK(BM_BeginRun)->Unit(benchmark::kMicrosecond);

// One 1 s interval of 1000 requests: what the engine does once per second while it runs.
void BM_AppendInterval(benchmark::State& state) {
  TempStore ts;
  if (ts.get() == nullptr) return state.SkipWithError("cannot open a store in TMPDIR");
  auto id = ts.get()->BeginRun(Start());
  const std::vector<IntervalSample> one = {Interval(0, "steady")};
  for (auto _ : state) {
    Status st = ts.get()->AppendIntervals(*id, one);
    if (!st.ok()) return state.SkipWithError(st.ToString().c_str());
  }
  state.counters["per_request"] =
      benchmark::Counter(double(state.iterations() * kRate),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_AppendInterval)->Unit(benchmark::kMicrosecond);

// CompleteRun of a 60 s run whose intervals were all streamed (the common case).
void BM_CompleteRun60s(benchmark::State& state) {
  TempStore ts;
  if (ts.get() == nullptr) return state.SkipWithError("cannot open a store in TMPDIR");
  const LoadResult result = Run(60);
  for (auto _ : state) {
    state.PauseTiming();
    auto id = ts.get()->BeginRun(Start());
    Status st = ts.get()->AppendIntervals(*id, result.intervals);
    state.ResumeTiming();
    if (st.ok()) st = ts.get()->CompleteRun(*id, result, "[]", "pass");
    if (!st.ok()) return state.SkipWithError(st.ToString().c_str());
  }
}
BENCHMARK(BM_CompleteRun60s)->Unit(benchmark::kMillisecond);

// The whole store cost of a 60 s run at 1000 req/s (60,000 requests): BeginRun, 60 x
// AppendIntervals, CompleteRun.  per_request is the store's time divided by those requests.
void BM_WholeRun60s(benchmark::State& state) {
  TempStore ts;
  if (ts.get() == nullptr) return state.SkipWithError("cannot open a store in TMPDIR");
  const LoadResult result = Run(60);
  const RunStart start = Start();
  // One batch per second, as the engine hands them over (built outside the timing: copying a
  // histogram is the caller's cost, not the store's).
  std::vector<std::vector<IntervalSample>> batches;
  for (const IntervalSample& s : result.intervals) batches.push_back({s});
  for (auto _ : state) {
    auto id = ts.get()->BeginRun(start);
    if (!id.ok()) return state.SkipWithError(id.status().ToString().c_str());
    for (const auto& batch : batches) {
      Status st = ts.get()->AppendIntervals(*id, batch);
      if (!st.ok()) return state.SkipWithError(st.ToString().c_str());
    }
    Status st = ts.get()->CompleteRun(*id, result, "[]", "pass");
    if (!st.ok()) return state.SkipWithError(st.ToString().c_str());
  }
  state.counters["per_request"] =
      benchmark::Counter(double(state.iterations() * result.requests),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_WholeRun60s)->Unit(benchmark::kMillisecond);

// Reading a completed 60 s run back (what `vitals runs show` does).
void BM_GetRun60s(benchmark::State& state) {
  TempStore ts;
  if (ts.get() == nullptr) return state.SkipWithError("cannot open a store in TMPDIR");
  const LoadResult result = Run(60);
  auto id = ts.get()->BeginRun(Start());
  Status st = ts.get()->CompleteRun(*id, result, "[]", "pass");
  if (!st.ok()) return state.SkipWithError(st.ToString().c_str());
  for (auto _ : state) {
    auto run = ts.get()->GetRun(*id);
    if (!run.ok()) return state.SkipWithError(run.status().ToString().c_str());
    benchmark::DoNotOptimize(run);
  }
}
BENCHMARK(BM_GetRun60s)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vitals
