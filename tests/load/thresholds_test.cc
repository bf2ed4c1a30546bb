#include "load/thresholds.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace vitals {
namespace {

Threshold Parse(std::string_view text) {
  Result<Threshold> t = ParseThreshold(text);
  EXPECT_TRUE(t.ok()) << text << ": " << t.status().message();
  return t.ok() ? *t : Threshold{};
}

std::string ParseError(std::string_view text) {
  Result<Threshold> t = ParseThreshold(text);
  EXPECT_FALSE(t.ok()) << text << " parsed";
  return t.ok() ? "" : t.status().message();
}

// ---- parsing ----

TEST(ThresholdParse, Percentiles) {
  Threshold t = Parse("p(95)<500ms");
  EXPECT_EQ(t.expr, "p(95)<500ms");
  EXPECT_EQ(t.metric, ThresholdMetric::kPercentile);
  EXPECT_DOUBLE_EQ(t.percentile, 95);
  EXPECT_EQ(t.op, ThresholdOp::kLt);
  EXPECT_DOUBLE_EQ(t.limit, 500'000);  // microseconds
  EXPECT_EQ(t.window_ns, 0);
  EXPECT_FALSE(t.uncorrected);

  t = Parse("p(99.9)<2s");
  EXPECT_DOUBLE_EQ(t.percentile, 99.9);
  EXPECT_DOUBLE_EQ(t.limit, 2'000'000);
  EXPECT_EQ(ThresholdMetricName(t), "p(99.9)");

  t = Parse("  p( 50 ) <= 750us  ");
  EXPECT_EQ(t.expr, "p( 50 ) <= 750us");
  EXPECT_DOUBLE_EQ(t.percentile, 50);
  EXPECT_EQ(t.op, ThresholdOp::kLe);
  EXPECT_DOUBLE_EQ(t.limit, 750);
}

TEST(ThresholdParse, LatencyStatistics) {
  EXPECT_EQ(Parse("avg<200ms").metric, ThresholdMetric::kAvg);
  EXPECT_EQ(Parse("med<100ms").metric, ThresholdMetric::kMed);
  EXPECT_EQ(Parse("min>=1us").metric, ThresholdMetric::kMin);
  Threshold t = Parse("max<1s");
  EXPECT_EQ(t.metric, ThresholdMetric::kMax);
  EXPECT_DOUBLE_EQ(t.limit, 1e6);
  EXPECT_EQ(ThresholdUnit(t), "us");
}

TEST(ThresholdParse, RatesAndCounts) {
  Threshold t = Parse("error_rate<1%");
  EXPECT_EQ(t.metric, ThresholdMetric::kErrorRate);
  EXPECT_DOUBLE_EQ(t.limit, 0.01);
  EXPECT_EQ(ThresholdUnit(t), "fraction");
  EXPECT_DOUBLE_EQ(Parse("error_rate<0.02").limit, 0.02);

  t = Parse("rate>=950");
  EXPECT_EQ(t.metric, ThresholdMetric::kRate);
  EXPECT_EQ(t.op, ThresholdOp::kGe);
  EXPECT_DOUBLE_EQ(t.limit, 950);
  EXPECT_DOUBLE_EQ(Parse("rate > 99.5/s").limit, 99.5);

  t = Parse("status_5xx==0");
  EXPECT_EQ(t.metric, ThresholdMetric::kStatusClass);
  EXPECT_EQ(t.status, 5);
  EXPECT_EQ(t.op, ThresholdOp::kEq);
  t = Parse("status_4xx<10");
  EXPECT_EQ(t.status, 4);
  EXPECT_DOUBLE_EQ(t.limit, 10);
  t = Parse("status_503==0");
  EXPECT_EQ(t.metric, ThresholdMetric::kStatusCode);
  EXPECT_EQ(t.status, 503);
  EXPECT_EQ(ThresholdMetricName(t), "status_503");

  EXPECT_EQ(Parse("requests>1000").metric, ThresholdMetric::kRequests);
  EXPECT_EQ(Parse("errors!=3").op, ThresholdOp::kNe);
  EXPECT_EQ(Parse("dropped==0").metric, ThresholdMetric::kDropped);
  EXPECT_EQ(Parse("late_sends<5").metric, ThresholdMetric::kLateSends);
  EXPECT_EQ(Parse("alerts_firing==0").metric, ThresholdMetric::kAlertsFiring);
  EXPECT_EQ(Parse("errors>2").op, ThresholdOp::kGt);
}

TEST(ThresholdParse, WindowsAndScopes) {
  Threshold t = Parse("p(99)<800ms over 10s");
  EXPECT_EQ(t.window_ns, 10'000'000'000);
  EXPECT_DOUBLE_EQ(t.limit, 800'000);

  t = Parse("p(95){phase:steady}<300ms");
  EXPECT_EQ(t.phase, "steady");
  EXPECT_TRUE(t.request.empty());

  t = Parse("error_rate{request:login}<0.5%");
  EXPECT_EQ(t.request, "login");
  EXPECT_DOUBLE_EQ(t.limit, 0.005);

  t = Parse("p(95){uncorrected}<1s");
  EXPECT_TRUE(t.uncorrected);

  t = Parse("p(99){ phase: stage 2 , request:GET /, uncorrected }<1s over 1m");
  EXPECT_EQ(t.phase, "stage 2");
  EXPECT_EQ(t.request, "GET /");
  EXPECT_TRUE(t.uncorrected);
  EXPECT_EQ(t.window_ns, 60'000'000'000);

  EXPECT_EQ(Parse("dropped{phase:spike}==0").phase, "spike");
  EXPECT_EQ(Parse("rate{phase:steady}>=190 over 5s").window_ns, 5'000'000'000);
}

TEST(ThresholdParse, ErrorsSayWhatAndWhere) {
  EXPECT_EQ(ParseError("p(95<500ms"),
            "threshold 'p(95<500ms': expected ')' after the percentile at column 5");
  EXPECT_EQ(ParseError("p95<500ms"),
            "threshold 'p95<500ms': expected '(' after 'p': write p(95) "
            "at column 2");
  EXPECT_EQ(ParseError("p(95)<500"),
            "threshold 'p(95)<500': expected a duration with a unit (us, ms, s), e.g. 500ms, got "
            "'500' (a bare number is ambiguous; k6 reads it as ms) at column 7");
  EXPECT_EQ(ParseError("p(95)=500ms"),
            "threshold 'p(95)=500ms': expected an operator; write '==' to compare for equality "
            "at column 6");
  EXPECT_EQ(ParseError("p(95) 500ms"),
            "threshold 'p(95) 500ms': expected an operator (<, <=, >, >=, == or !=) after the "
            "metric, got '5' at column 7");
  EXPECT_EQ(
      ParseError("p(101)<1s"),
      "threshold 'p(101)<1s': expected a percentile between 0 and 100, got '101' at column 3");
  EXPECT_EQ(ParseError("p()<1s"),
            "threshold 'p()<1s': expected a percentile between 0 and 100 "
            "after 'p(', got ')' at column 3");
  EXPECT_EQ(ParseError(""),
            "threshold '': expected a metric such as p(95), avg, error_rate or rate, got the end "
            "at column 1");
  EXPECT_EQ(ParseError("error_rate<150%"),
            "threshold 'error_rate<150%': expected a percent like 1% or a fraction in [0, 1], got "
            "'150%' at column 12");
  EXPECT_EQ(ParseError("rate>=fast"),
            "threshold 'rate>=fast': expected a rate in req/s (a number >= 0), got 'fast' at "
            "column 7");
  EXPECT_EQ(ParseError("status_4xx<-1"),
            "threshold 'status_4xx<-1': expected a count (a number >= 0), got '-1' at column 12");
  EXPECT_EQ(ParseError("status_600==0"),
            "threshold 'status_600==0': expected a status code (100-599) like status_503 or a "
            "class like status_5xx, got 'status_600' at column 8");
  EXPECT_EQ(ParseError("p(95)<500ms over"),
            "threshold 'p(95)<500ms over': expected a window after 'over', e.g. over 10s at "
            "column 17");
  EXPECT_EQ(ParseError("p(95)<500ms over 0s"),
            "threshold 'p(95)<500ms over 0s': the window must be longer than 0 at column 18");
  EXPECT_EQ(ParseError("p(95)<500ms for 10s"),
            "threshold 'p(95)<500ms for 10s': unexpected 'for'; a threshold ends after its value "
            "or with 'over WINDOW', e.g. over 10s at column 13");
  EXPECT_EQ(ParseError("p(95)<500ms over 10s please"),
            "threshold 'p(95)<500ms over 10s please': unexpected 'please' after the window at "
            "column 22");
  EXPECT_EQ(ParseError("p(95)<500ms over ten"),
            "threshold 'p(95)<500ms over ten': expected a window duration like 10s or 1m, got "
            "'ten' at column 18");
}

TEST(ThresholdParse, UnknownNamesSuggestTheClosest) {
  EXPECT_EQ(ParseError("avgg<5ms"),
            "threshold 'avgg<5ms': unknown metric 'avgg'; did you mean 'avg'? (expected p(N), "
            "avg, med, min, max, error_rate, rate, requests, errors, dropped, late_sends, "
            "alerts_firing, status_NNN or status_Nxx) at column 1");
  EXPECT_NE(ParseError("eror_rate<1%").find("did you mean 'error_rate'?"), std::string::npos);
  EXPECT_NE(ParseError("http_req_duration<500ms").find("vitals names the statistic"),
            std::string::npos);
  EXPECT_EQ(ParseError("latency<5ms").find("did you mean"), std::string::npos);
  EXPECT_EQ(ParseError("p(95){phas:steady}<1s"),
            "threshold 'p(95){phas:steady}<1s': unknown scope 'phas'; did you mean 'phase'? "
            "(expected phase:NAME, request:NAME or uncorrected) at column 7");
  EXPECT_EQ(ParseError("p(95){phase:steady<1s"),
            "threshold 'p(95){phase:steady<1s': expected ',' or '}' to close the scope opened at "
            "column 6, got the end at column 22");
  EXPECT_EQ(ParseError("p(95){phase:}<1s"),
            "threshold 'p(95){phase:}<1s': expected a phase name after 'phase:' at column 13");
  EXPECT_EQ(ParseError("p(95){phase:a,phase:b}<1s"),
            "threshold 'p(95){phase:a,phase:b}<1s': 'phase' given twice in the scope at column 15");
}

TEST(ThresholdParse, RefusesBytesReportsCannotCarry) {
  EXPECT_EQ(ParseError("p(95){phase:\xff}<1s"),
            "threshold 'p(95){phase:\xff}<1s': invalid UTF-8 at column 13");
  EXPECT_EQ(ParseError("p(95){phase:a\x01}<1s"),
            "threshold 'p(95){phase:a\x01}<1s': unexpected control character 0x01 at column 14");
  EXPECT_EQ(Parse("p(95){phase:m\xc3\xa9t\xc3\xa9o}<1s").phase, "m\xc3\xa9t\xc3\xa9o");
}

TEST(ThresholdParse, RefusesThresholdsThatCannotBeEvaluated) {
  EXPECT_EQ(ParseError("error_rate{uncorrected}<1%"),
            "threshold 'error_rate{uncorrected}<1%': 'uncorrected' applies only to latency "
            "metrics (p(N), avg, med, min, max), not error_rate at column 12");
  EXPECT_EQ(ParseError("status_5xx<1 over 10s"),
            "threshold 'status_5xx<1 over 10s': status_5xx cannot be evaluated over a window "
            "(intervals carry requests, errors and latency only); remove 'over' at column 14");
  EXPECT_EQ(ParseError("status_5xx{phase:x}==0"),
            "threshold 'status_5xx{phase:x}==0': status_5xx is counted for the whole run only; "
            "remove the scope at column 11");
  EXPECT_NE(ParseError("dropped{request:a}==0").find("not per request"), std::string::npos);
  EXPECT_NE(ParseError("late_sends<1 over 5s").find("remove 'over'"), std::string::npos);
  EXPECT_NE(ParseError("alerts_firing==0 over 5s").find("remove 'over'"), std::string::npos);
  EXPECT_NE(ParseError("alerts_firing{phase:a}==0")
                .find("alerts_firing is counted for the whole run only"),
            std::string::npos);
}

// ---- evaluation on hand-built results ----

// `n` values of `value_us` each.
Histogram Hist(std::initializer_list<std::pair<int64_t, int64_t>> values) {
  Histogram h;
  for (const auto& [value, n] : values) h.RecordN(value, n);
  return h;
}

LoadResult SampleRun() {
  LoadResult r;
  r.requests = 1000;
  r.completed = 1000;
  r.errors = 5;
  r.error_rate = 0.005;
  r.rate_achieved = 100;
  r.duration_s = 10;
  r.dropped = 2;
  r.late_sends = 7;
  r.alerts_firing = 2;
  r.status_codes = {{200, 990}, {404, 5}, {503, 5}};
  // 950 fast (10 ms) and 50 slow (600 ms) answers: p95 is fast, p96 is slow.
  r.latency_corrected = Hist({{10'000, 950}, {600'000, 50}});
  r.latency_uncorrected = Hist({{10'000, 1000}});
  PhaseResult smoke;
  smoke.name = "smoke";
  smoke.duration_s = 1;
  smoke.requests = 100;
  smoke.latency_corrected = Hist({{5'000, 100}});
  PhaseResult steady;
  steady.name = "steady";
  steady.duration_s = 9;
  steady.requests = 900;
  steady.errors = 5;
  steady.dropped = 2;
  steady.latency_corrected = Hist({{20'000, 880}, {800'000, 20}});
  steady.latency_uncorrected = Hist({{20'000, 900}});
  r.phases = {smoke, steady};
  return r;
}

TEST(ThresholdEvaluate, PercentilePassAndFail) {
  const LoadResult r = SampleRun();
  ThresholdVerdict v = Evaluate(Parse("p(95)<500ms"), r);
  EXPECT_TRUE(v.ok) << v.message;
  EXPECT_TRUE(v.has_value);
  EXPECT_NEAR(v.value, 10'000, 10);  // highest equivalent value of the 10 ms bucket
  EXPECT_EQ(v.unit, "us");
  EXPECT_EQ(v.value_text, "10.0ms");
  EXPECT_EQ(v.message, "p(95) = 10.0ms (limit < 500ms)");
  EXPECT_FALSE(v.window.has_value());

  v = Evaluate(Parse("p(96)<500ms"), r);
  EXPECT_FALSE(v.ok);
  EXPECT_NEAR(v.value, 600'000, 600);
  EXPECT_EQ(v.message, "p(96) = 600ms (limit < 500ms)");

  v = Evaluate(Parse("p(99){uncorrected}<500ms"), r);
  EXPECT_TRUE(v.ok) << v.message;
  EXPECT_EQ(v.message, "p(99){uncorrected} = 10.0ms (limit < 500ms)");

  EXPECT_TRUE(Evaluate(Parse("max>=600ms"), r).ok);
  EXPECT_FALSE(Evaluate(Parse("max<600ms"), r).ok);
  EXPECT_TRUE(Evaluate(Parse("med<11ms"), r).ok);
  EXPECT_TRUE(Evaluate(Parse("min<=10ms"), r).ok);
  v = Evaluate(Parse("avg<30ms"), r);  // (950 * 10 + 50 * 600) / 1000 = 39.5 ms
  EXPECT_FALSE(v.ok);
  EXPECT_NEAR(v.value, 39'500, 100);
}

TEST(ThresholdEvaluate, ErrorRateRateAndStatus) {
  const LoadResult r = SampleRun();
  ThresholdVerdict v = Evaluate(Parse("error_rate<1%"), r);
  EXPECT_TRUE(v.ok);
  EXPECT_DOUBLE_EQ(v.value, 0.005);
  EXPECT_EQ(v.unit, "fraction");
  EXPECT_EQ(v.message, "error_rate = 0.5% (limit < 1%)");
  v = Evaluate(Parse("error_rate<0.1%"), r);
  EXPECT_FALSE(v.ok);

  EXPECT_TRUE(Evaluate(Parse("rate>=95"), r).ok);
  v = Evaluate(Parse("rate>=950"), r);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.message, "rate = 100.0 req/s (limit >= 950.0 req/s)");

  v = Evaluate(Parse("status_5xx==0"), r);
  EXPECT_FALSE(v.ok);
  EXPECT_DOUBLE_EQ(v.value, 5);
  EXPECT_EQ(v.unit, "count");
  EXPECT_TRUE(Evaluate(Parse("status_503<10"), r).ok);
  EXPECT_FALSE(Evaluate(Parse("status_404==0"), r).ok);
  EXPECT_TRUE(Evaluate(Parse("status_2xx>=990"), r).ok);
  EXPECT_TRUE(Evaluate(Parse("status_3xx==0"), r).ok);
  EXPECT_FALSE(Evaluate(Parse("dropped==0"), r).ok);
  EXPECT_TRUE(Evaluate(Parse("late_sends<=7"), r).ok);
  EXPECT_FALSE(Evaluate(Parse("alerts_firing==0"), r).ok);
  EXPECT_EQ(Evaluate(Parse("alerts_firing==0"), r).value, 2);
  EXPECT_TRUE(Evaluate(Parse("requests>=1000"), r).ok);
  EXPECT_TRUE(Evaluate(Parse("errors!=0"), r).ok);
}

TEST(ThresholdEvaluate, PhaseScope) {
  const LoadResult r = SampleRun();
  ThresholdVerdict v = Evaluate(Parse("p(95){phase:steady}<300ms"), r);  // 855th of 900: fast
  EXPECT_TRUE(v.ok) << v.message;
  EXPECT_NEAR(v.value, 20'000, 20);
  v = Evaluate(Parse("p(99){phase:steady}<300ms"), r);  // 891st of 900: slow
  EXPECT_FALSE(v.ok);
  EXPECT_NEAR(v.value, 800'000, 800);
  EXPECT_TRUE(Evaluate(Parse("p(99){phase:steady,uncorrected}<300ms"), r).ok);
  EXPECT_TRUE(Evaluate(Parse("p(99){phase:smoke}<6ms"), r).ok);
  v = Evaluate(Parse("rate{phase:steady}>=100"), r);
  EXPECT_TRUE(v.ok);
  EXPECT_DOUBLE_EQ(v.value, 100);
  EXPECT_TRUE(Evaluate(Parse("error_rate{phase:smoke}==0"), r).ok);
  EXPECT_FALSE(Evaluate(Parse("dropped{phase:steady}==0"), r).ok);

  v = Evaluate(Parse("p(95){phase:soak}<1s"), r);
  EXPECT_FALSE(v.ok);
  EXPECT_FALSE(v.has_value);
  EXPECT_EQ(v.value_text, "-");
  EXPECT_EQ(v.message, "no data: no phase named 'soak' in this run (phases: 'smoke', 'steady')");
}

TEST(ThresholdEvaluate, NoRequestsIsNoDataNotAPass) {
  LoadResult r;
  ThresholdVerdict v = Evaluate(Parse("p(95)<500ms"), r);
  EXPECT_FALSE(v.ok);
  EXPECT_FALSE(v.has_value);
  EXPECT_EQ(v.message, "no data: no requests for p(95)");
  EXPECT_FALSE(Evaluate(Parse("error_rate<1%"), r).ok);
  // Counts of nothing are well defined.
  EXPECT_TRUE(Evaluate(Parse("status_5xx==0"), r).ok);
}

IntervalSample Sample(double start_s, uint64_t fast, uint64_t slow, uint64_t errors,
                      std::string request = "", std::string phase = "steady") {
  IntervalSample s;
  s.start_s = start_s;
  s.length_s = 1;
  s.phase = std::move(phase);
  s.request = std::move(request);
  s.requests = fast + slow;
  s.errors = errors;
  s.latency_corrected.RecordN(10'000, int64_t(fast));
  s.latency_corrected.RecordN(900'000, int64_t(slow));
  s.latency_uncorrected.RecordN(10'000, int64_t(fast + slow));
  return s;
}

// 30 one-second intervals of 100 fast requests; second 12 has 20 slow ones instead.
std::vector<IntervalSample> SpikeAt12() {
  std::vector<IntervalSample> out;
  for (int i = 0; i < 30; ++i) out.push_back(i == 12 ? Sample(i, 80, 20, 0) : Sample(i, 100, 0, 0));
  return out;
}

TEST(ThresholdEvaluate, RequestScopeMergesIntervals) {
  LoadResult r = SampleRun();
  r.intervals = {Sample(0, 10, 0, 0, "login"), Sample(1, 10, 0, 1, "login"),
                 Sample(2, 10, 0, 0, "login"), Sample(0, 100, 0, 0, "home")};
  ThresholdVerdict v = Evaluate(Parse("error_rate{request:login}<0.5%"), r);
  EXPECT_FALSE(v.ok);
  EXPECT_NEAR(v.value, 1.0 / 30, 1e-12);
  EXPECT_EQ(v.message, "error_rate{request:login} = 3.33% (limit < 0.5%)");
  v = Evaluate(Parse("rate{request:login}>=3"), r);  // 30 requests over the 10 s run
  EXPECT_TRUE(v.ok) << v.message;
  EXPECT_DOUBLE_EQ(v.value, 3);
  EXPECT_TRUE(Evaluate(Parse("error_rate{request:home}==0"), r).ok);
  v = Evaluate(Parse("p(95){request:logout}<1s"), r);
  EXPECT_FALSE(v.has_value);
  EXPECT_EQ(v.message, "no data: no interval samples for p(95){request:logout} in this run");
}

TEST(ThresholdEvaluate, WindowTripsOnlyWhereTheSpikeIs) {
  LoadResult r;
  r.intervals = SpikeAt12();
  for (const IntervalSample& s : r.intervals) {
    ASSERT_TRUE(r.latency_corrected.Add(s.latency_corrected).ok());
    r.requests += s.requests;
  }
  // Over the whole run the 20 slow answers are 0.67 % of 3000: p99 is fast.
  EXPECT_TRUE(Evaluate(Parse("p(99)<800ms"), r).ok);

  ThresholdVerdict v = Evaluate(Parse("p(99)<800ms over 5s"), r);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.windows, 26);        // windows end at seconds 5..30
  EXPECT_EQ(v.windows_failed, 5);  // the five windows that contain second 12
  ASSERT_TRUE(v.window.has_value());
  EXPECT_DOUBLE_EQ(v.window->start_s, 8);  // first of the equally bad windows
  EXPECT_DOUBLE_EQ(v.window->end_s, 13);
  EXPECT_NEAR(v.value, 900'000, 900);
  EXPECT_EQ(v.message,
            "worst 5.00s window 8-13s: p(99) = 900ms (limit < 800ms); 5 of 26 windows failed");

  // The uncorrected histogram has no slow answers: every window passes; the worst is the
  // closest to the limit (all equal: the first).
  v = Evaluate(Parse("p(99){uncorrected}<800ms over 5s"), r);
  EXPECT_TRUE(v.ok) << v.message;
  EXPECT_EQ(v.windows_failed, 0);
  EXPECT_DOUBLE_EQ(v.window->start_s, 0);

  // A window that is not a whole number of intervals is rounded up to one.
  v = Evaluate(Parse("p(99)<800ms over 2500ms"), r);
  EXPECT_EQ(v.windows, 28);  // 3-interval windows end at seconds 3..30
  EXPECT_EQ(v.windows_failed, 3);
}

TEST(ThresholdEvaluate, WindowValuesEqualMergedHistograms) {
  // Windows are summed incrementally; their statistics must equal those of Histogram::Add.
  LoadResult r;
  uint64_t x = 12345;
  for (int i = 0; i < 20; ++i) {
    IntervalSample s;
    s.start_s = i;
    for (int k = 0; k < 200; ++k) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      const int64_t v = int64_t((x >> 33) % 2'000'000) + (i == 7 ? 3'000'000 : 0);
      s.latency_corrected.Record(k == 0 && i == 3 ? 0 : v);
    }
    s.requests = 200;
    r.intervals.push_back(s);
  }
  for (const char* metric : {"p(0)", "p(50)", "p(99.9)", "p(100)", "med", "avg", "min", "max"}) {
    Threshold t = Parse(std::string(metric) + "<1h over 4s");
    double expected = -1;
    for (size_t k = 3; k < r.intervals.size(); ++k) {
      Histogram merged;
      for (size_t j = k - 3; j <= k; ++j)
        ASSERT_TRUE(merged.Add(r.intervals[j].latency_corrected).ok());
      Threshold whole = t;
      whole.window_ns = 0;
      LoadResult one;
      one.latency_corrected = merged;
      expected = std::max(expected, Evaluate(whole, one).value);
    }
    ThresholdVerdict v = Evaluate(t, r);
    EXPECT_EQ(v.windows, 17) << metric;
    EXPECT_DOUBLE_EQ(v.value, expected) << metric;
  }
}

TEST(ThresholdEvaluate, WindowedErrorRateAndRate) {
  LoadResult r;
  r.intervals = SpikeAt12();
  r.intervals[20] = Sample(20, 100, 0, 10);  // 10 % errors in one second
  r.intervals[25] = Sample(25, 0, 0, 0);     // a second without requests
  ThresholdVerdict v = Evaluate(Parse("error_rate<5% over 5s"), r);
  EXPECT_TRUE(v.ok) << v.message;
  EXPECT_DOUBLE_EQ(v.value, 10.0 / 500);
  v = Evaluate(Parse("error_rate<5% over 1s"), r);
  EXPECT_FALSE(v.ok);
  EXPECT_DOUBLE_EQ(v.window->start_s, 20);
  EXPECT_DOUBLE_EQ(v.window->end_s, 21);
  EXPECT_EQ(v.windows, 29);  // the idle second has no error rate
  EXPECT_EQ(v.windows_failed, 1);

  v = Evaluate(Parse("rate>=90 over 5s"), r);
  EXPECT_FALSE(v.ok);
  EXPECT_DOUBLE_EQ(v.value, 80);  // 400 requests in the 5 s windows around the idle second
  EXPECT_EQ(v.windows_failed, 5);
}

TEST(ThresholdEvaluate, WindowPerPhaseAndPartialRun) {
  LoadResult r;
  for (int i = 0; i < 10; ++i) r.intervals.push_back(Sample(i, 100, i < 5 ? 50 : 0, 0, "", "ramp"));
  for (int i = 10; i < 20; ++i) r.intervals.push_back(Sample(i, 100, 0, 0));
  EXPECT_FALSE(Evaluate(Parse("p(99)<800ms over 5s"), r).ok);
  ThresholdVerdict v = Evaluate(Parse("p(99){phase:steady}<800ms over 5s"), r);
  EXPECT_TRUE(v.ok) << v.message;
  EXPECT_EQ(v.windows, 6);
  EXPECT_DOUBLE_EQ(v.window->start_s, 10);

  LoadResult shorter;
  shorter.intervals = {Sample(0, 100, 0, 0), Sample(1, 100, 0, 0), Sample(2, 90, 10, 0)};
  v = Evaluate(Parse("p(95)<800ms over 10s"), shorter);
  EXPECT_TRUE(v.ok) << v.message;
  ASSERT_TRUE(v.window.has_value());
  EXPECT_DOUBLE_EQ(v.window->end_s, 3);
  EXPECT_EQ(v.message,
            "run shorter than the 10.0s window, judged once over 0-3s: p(95) = 10.0ms (limit < "
            "800ms)");
}

TEST(ThresholdJson, CarriesVerdictFields) {
  const LoadResult r = SampleRun();
  std::vector<Threshold> ts = {Parse("p(95)<500ms"), Parse("p(95){phase:nope}<1s")};
  ts[0].abort_on_fail = true;
  std::vector<ThresholdVerdict> vs = EvaluateAll(ts, r);
  EXPECT_FALSE(AllPassed(vs));
  nlohmann::json j = ThresholdsJson(vs);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["expr"], "p(95)<500ms");
  EXPECT_EQ(j[0]["ok"], true);
  EXPECT_NEAR(j[0]["value"].get<double>(), 10'000, 10);
  EXPECT_EQ(j[0]["limit"], 500'000.0);
  EXPECT_EQ(j[0]["unit"], "us");
  EXPECT_EQ(j[0]["abort_on_fail"], true);
  EXPECT_FALSE(j[0].contains("window"));
  EXPECT_EQ(j[1]["ok"], false);
  EXPECT_TRUE(j[1]["value"].is_null());

  LoadResult w;
  w.intervals = SpikeAt12();
  j = ThresholdsJson({Evaluate(Parse("p(99)<800ms over 5s"), w)});
  EXPECT_EQ(j[0]["window"]["start_s"], 8.0);
  EXPECT_EQ(j[0]["window"]["end_s"], 13.0);
  EXPECT_EQ(j[0]["window"]["failed"], 5);
}

// ---- aborting ----

std::vector<IntervalSample> First(const std::vector<IntervalSample>& all, size_t n) {
  return {all.begin(), all.begin() + std::ptrdiff_t(n)};
}

TEST(ThresholdAbort, OnlyWhenAsked) {
  Threshold t = Parse("p(99)<800ms over 5s");
  EXPECT_FALSE(ShouldAbort(t, SpikeAt12()));
  t.abort_on_fail = true;
  EXPECT_TRUE(ShouldAbort(t, SpikeAt12()));
}

TEST(ThresholdAbort, WindowAbortsWhenTheFailingWindowCompletes) {
  Threshold t = Parse("p(99)<800ms over 5s");
  t.abort_on_fail = true;
  const std::vector<IntervalSample> all = SpikeAt12();
  EXPECT_FALSE(ShouldAbort(t, First(all, 12)));
  EXPECT_TRUE(ShouldAbort(t, First(all, 13)));  // window 8-13 is complete

  // The same decision, fed one interval at a time.
  AbortMonitor m({t, Parse("p(50)<1ms")});  // the second has no abort_on_fail: ignored
  ASSERT_TRUE(m.active());
  for (size_t i = 0; i < 12; ++i) EXPECT_FALSE(m.Observe({all[i]}).has_value()) << i;
  std::optional<ThresholdVerdict> v = m.Observe({all[12]});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->expr, "p(99)<800ms over 5s");
  EXPECT_FALSE(v->ok);
  EXPECT_DOUBLE_EQ(v->window->start_s, 8);
  EXPECT_DOUBLE_EQ(v->window->end_s, 13);
  EXPECT_EQ(v->message, "aborting: 5.00s window 8-13s: p(99) = 900ms (limit < 800ms)");

  EXPECT_FALSE(AbortMonitor({Parse("p(99)<800ms over 5s")}).active());
}

TEST(ThresholdAbort, IntervalSplitAcrossCallsIsJudgedWhole) {
  // Second 12 arrives in two parts (two phases sharing the interval): the window is judged
  // again when its last slot grows.
  Threshold t = Parse("p(99)<800ms over 5s");
  t.abort_on_fail = true;
  AbortMonitor m({t});
  for (int i = 0; i < 12; ++i) ASSERT_FALSE(m.Observe({Sample(i, 100, 0, 0)}).has_value());
  EXPECT_FALSE(m.Observe({Sample(12, 80, 0, 0, "", "ramp")}).has_value());
  std::optional<ThresholdVerdict> v = m.Observe({Sample(12, 0, 20, 0, "", "steady")});
  ASSERT_TRUE(v.has_value());
  EXPECT_DOUBLE_EQ(v->window->start_s, 8);
  EXPECT_DOUBLE_EQ(v->window->end_s, 13);
}

TEST(ThresholdAbort, DelayAbortEvalSkipsEarlyWindows) {
  Threshold t = Parse("p(99)<800ms over 5s");
  t.abort_on_fail = true;
  t.delay_abort_eval_ns = 20'000'000'000;
  // Every window holding second 12 ends by second 17, before the delay: no abort ...
  EXPECT_FALSE(ShouldAbort(t, SpikeAt12()));
  // ... but the final verdict still fails.
  LoadResult r;
  r.intervals = SpikeAt12();
  EXPECT_FALSE(Evaluate(t, r).ok);
}

TEST(ThresholdAbort, WholeRunWaitsForEnoughData) {
  Threshold t = Parse("error_rate<1%");
  t.abort_on_fail = true;
  std::vector<IntervalSample> bad;
  for (int i = 0; i < 8; ++i) bad.push_back(Sample(i, 100, 0, 50));
  EXPECT_FALSE(ShouldAbort(t, First(bad, 4)));  // 4 s < kMinAbortEvalNs
  EXPECT_TRUE(ShouldAbort(t, First(bad, 5)));

  std::vector<IntervalSample> thin;  // 10 requests a second: 80 < kMinAbortRequests
  for (int i = 0; i < 8; ++i) thin.push_back(Sample(i, 10, 0, 5));
  EXPECT_FALSE(ShouldAbort(t, thin));

  Threshold delayed = t;
  delayed.delay_abort_eval_ns = 7'000'000'000;
  EXPECT_FALSE(ShouldAbort(delayed, First(bad, 6)));
  EXPECT_TRUE(ShouldAbort(delayed, First(bad, 7)));
}

TEST(ThresholdAbort, MonotoneCountsAbortAtOnceOthersNever) {
  std::vector<IntervalSample> s = {Sample(0, 100, 0, 7), Sample(1, 100, 0, 8)};
  Threshold errors = Parse("errors<10");
  errors.abort_on_fail = true;
  EXPECT_FALSE(ShouldAbort(errors, First(s, 1)));
  EXPECT_TRUE(ShouldAbort(errors, s));  // 15 errors can only grow

  Threshold requests = Parse("requests>1000");
  requests.abort_on_fail = true;
  EXPECT_FALSE(ShouldAbort(requests, s));  // may still be reached
  Threshold status = Parse("status_5xx==0");
  status.abort_on_fail = true;
  EXPECT_FALSE(ShouldAbort(status, s));  // not in interval samples: judged at the end
}

TEST(ThresholdAbort, MonitorKeepsOnlyOneWindowOfSlots) {
  // A long run fed one interval at a time stays correct after old slots are dropped.
  Threshold t = Parse("p(99)<800ms over 3s");
  t.abort_on_fail = true;
  AbortMonitor m({t});
  for (int i = 0; i < 500; ++i) ASSERT_FALSE(m.Observe({Sample(i, 100, 0, 0)}).has_value()) << i;
  std::optional<ThresholdVerdict> v = m.Observe({Sample(500, 0, 100, 0)});
  ASSERT_TRUE(v.has_value());
  EXPECT_DOUBLE_EQ(v->window->start_s, 498);
  EXPECT_DOUBLE_EQ(v->window->end_s, 501);
}

TEST(Utf8, FindsTheFirstIllFormedByte) {
  EXPECT_EQ(detail::FirstInvalidUtf8("plain"), std::string_view::npos);
  EXPECT_EQ(detail::FirstInvalidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
            std::string_view::npos);
  EXPECT_EQ(detail::FirstInvalidUtf8("ab\xc3"), 2u);            // truncated
  EXPECT_EQ(detail::FirstInvalidUtf8("a\xc0\xaf"), 1u);         // overlong '/'
  EXPECT_EQ(detail::FirstInvalidUtf8("\xed\xa0\x80"), 0u);      // surrogate
  EXPECT_EQ(detail::FirstInvalidUtf8("\xf4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(detail::FirstInvalidUtf8("x\x80"), 1u);             // lone continuation
}

TEST(ClosestMatch, SuggestsPlausibleTypos) {
  const std::vector<std::string> keys = {"weight", "method", "headers", "timeout"};
  EXPECT_EQ(detail::ClosestMatch("wieght", keys), "weight");
  EXPECT_EQ(detail::ClosestMatch("Header", keys), "headers");
  EXPECT_EQ(detail::ClosestMatch("xyz", keys), "");
  EXPECT_EQ(detail::ClosestMatch("", keys), "");
}

}  // namespace
}  // namespace vitals
