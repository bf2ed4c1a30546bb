// The incident record built from a real store file holding synthetic runs and checks.
#include "incident/incident.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/units.h"
#include "load/thresholds.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace vitals {
namespace {

using testing::MakeInterval;
using testing::MakeResult;
using testing::MakeStart;
using testing::TempDir;

constexpr int64_t kStart = 1'800'000'000'000;  // the run's start, Unix ms

// A 30 s run at 100 req/s whose intervals 10..19 answer in ~3 s, with 12 errors each.
LoadResult DegradedResult(const std::string& target) {
  LoadResult r = MakeResult(30, 100, 1000, target);
  r.started_unix_ms = kStart;
  r.requests = r.errors = 0;
  r.latency_corrected = Histogram();
  for (int i = 10; i < 20; ++i) {
    IntervalSample s = MakeInterval(i, 100, 3'000'000, 100'000, r.intervals[i].phase);
    s.errors = 12;
    r.intervals[i] = std::move(s);
  }
  for (auto& s : r.intervals) {
    r.requests += s.requests;
    r.errors += s.errors;
    (void)r.latency_corrected.Add(s.latency_corrected);
  }
  r.error_rate = double(r.errors) / double(r.requests);
  return r;
}

std::string CheckJson(const std::string& id, const std::string& level, const std::string& title,
                      const std::string& priority = "P1") {
  nlohmann::json f = {{"id", id},
                      {"component", "prometheus"},
                      {"level", level},
                      {"priority", priority},
                      {"title", title},
                      {"subject", "/api"},
                      {"evidence", "p95 3.1s"},
                      {"action", "look at " + id},
                      {"runbook", "docs/runbooks/service.md#latency"},
                      {"source", "003"}};
  return nlohmann::json({{"findings", {f}}}).dump();
}

class IncidentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.File("v.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_.emplace(std::move(*s));
  }

  // Stores the degraded run with a p(95)<1s threshold (failed); returns its id.
  std::string AddRun(const std::string& target = "http://127.0.0.1:8080/api") {
    LoadResult r = DegradedResult(target);
    auto id = store_->BeginRun(MakeStart(kStart, target));
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    auto t = ParseThreshold("p(95)<1s");
    EXPECT_TRUE(t.ok());
    auto verdicts = EvaluateAll({*t}, r);
    EXPECT_FALSE(verdicts[0].ok);
    Status st = store_->CompleteRun(*id, r, ThresholdsJson(verdicts).dump(), "fail");
    EXPECT_TRUE(st.ok()) << st.ToString();
    return *id;
  }

  void AddCheck(int64_t at_ms, const std::string& json) {
    CheckRecord c;
    c.started_unix_ms = at_ms - 3000;
    c.finished_unix_ms = at_ms;
    c.components = "prometheus";
    c.findings_json = json;
    auto id = store_->RecordCheck(c);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
  }

  IncidentOptions Window(int64_t from_ms, int64_t to_ms) {
    IncidentOptions o;
    o.from_unix_ms = from_ms;
    o.to_unix_ms = to_ms;
    return o;
  }

  TempDir dir_;
  std::optional<Store> store_;
};

TEST_F(IncidentTest, ImpactIsTheDegradedIntervalsAndSeverityP2) {
  AddRun();
  auto rec = BuildIncident(*store_, Window(kStart - 60'000, kStart + 90'000));
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  const IncidentImpact& im = rec->impact;
  ASSERT_TRUE(im.degraded);
  // Answers of intervals 10..19 were slow; they were sent ~3.1 s (their p95) earlier.
  EXPECT_EQ(im.seen_start_unix_ms, kStart + 10'000);
  EXPECT_EQ(im.seen_end_unix_ms, kStart + 20'000);
  EXPECT_NEAR(double(im.start_unix_ms), double(kStart + 10'000 - 3'095), 20);
  EXPECT_NEAR(double(im.end_unix_ms), double(kStart + 20'000 - 3'095), 20);
  EXPECT_NEAR(im.duration_s, 10, 0.05);
  EXPECT_EQ(im.requests, 1000u);
  EXPECT_EQ(im.failed, 120u);
  EXPECT_NEAR(im.failed_share, 0.12, 1e-9);
  EXPECT_EQ(im.severity, "P2");
  EXPECT_GT(im.worst_p95_us, 2e6);
  EXPECT_LT(im.worst_p95_us, 5e6);
  EXPECT_EQ(im.degraded_slots, 10);
  // The failed threshold is named as the reason of a degraded slot.
  bool named = false;
  for (const auto& s : rec->slots) {
    for (const auto& why : s.reasons) named = named || why.find("p(95)<1s fails") == 0;
  }
  EXPECT_TRUE(named);
  EXPECT_EQ(rec->runs.size(), 1u);
  EXPECT_EQ(rec->runs[0].breached, std::vector<std::string>{"p(95)<1s"});
}

TEST_F(IncidentTest, TimelineIsOrderedAndHasTheBreachAndRunEvents) {
  AddRun();
  AddCheck(kStart + 15'000, CheckJson("prom.latency", "critical", "p95 latency high"));
  auto rec = BuildIncident(*store_, Window(kStart - 60'000, kStart + 90'000));
  ASSERT_TRUE(rec.ok());
  std::vector<std::string> kinds;
  for (size_t i = 0; i < rec->timeline.size(); ++i) {
    if (i > 0) {
      EXPECT_LE(rec->timeline[i - 1].unix_ms, rec->timeline[i].unix_ms);
    }
    kinds.push_back(rec->timeline[i].kind);
  }
  auto at = [&](const std::string& k) {
    return std::find(kinds.begin(), kinds.end(), k) - kinds.begin();
  };
  ASSERT_LT(at("run_start"), int(kinds.size()));
  EXPECT_LT(at("run_start"), at("breach_began"));
  EXPECT_LT(at("breach_began"), at("finding"));
  EXPECT_LT(at("finding"), at("breach_ended"));
  EXPECT_LT(at("breach_ended"), at("run_end"));
  EXPECT_EQ(rec->timeline[at("breach_began")].unix_ms, kStart + 10'000);
  EXPECT_EQ(rec->timeline[at("breach_ended")].unix_ms, kStart + 20'000);
  EXPECT_EQ(rec->timeline[at("degradation_began")].unix_ms, rec->impact.start_unix_ms);
  EXPECT_EQ(rec->timeline[at("degradation_ended")].unix_ms, rec->impact.end_unix_ms);
}

TEST_F(IncidentTest, CausesAreRankedByLevelThenOnset) {
  AddRun();
  // Seen long before, at the onset, and after it; one warning seen at the onset.
  AddCheck(kStart - 5 * 60'000, CheckJson("redis.hit_ratio", "critical", "cache hit ratio low"));
  AddCheck(kStart + 10'500, CheckJson("prom.latency", "critical", "p95 latency high"));
  AddCheck(kStart + 10'200, CheckJson("host.cpu", "warning", "CPU busy", "P2"));
  AddCheck(kStart + 19'000, CheckJson("pg.connections", "critical", "connections near max"));
  // Outside the 15 min lookback: not a candidate.
  AddCheck(kStart - 16 * 60'000, CheckJson("old.thing", "critical", "old"));
  auto rec = BuildIncident(*store_, Window(kStart - 20 * 60'000, kStart + 90'000));
  ASSERT_TRUE(rec.ok());
  ASSERT_EQ(rec->causes.size(), 4u);
  EXPECT_EQ(rec->causes[0].id, "redis.hit_ratio");  // critical, before the onset
  EXPECT_EQ(rec->causes[1].id, "prom.latency");     // critical, 3.5 s after
  EXPECT_EQ(rec->causes[2].id, "pg.connections");   // critical, 12 s after
  EXPECT_EQ(rec->causes[3].id, "host.cpu");         // warning
  EXPECT_EQ(rec->causes[0].rank, 1);
  EXPECT_NEAR(rec->causes[1].onset_gap_s, 3.595, 0.03);  // seen 0.5 s after the first slow answer
  EXPECT_NE(rec->ranking.find("critical first"), std::string::npos);
}

// What vitals tune changed joins the record: every audited step on the timeline, and changes
// applied before the degradation (and not rolled back before it) as a cause candidate whose
// action is the rollback.  A backup rolled back before the onset is no candidate.
TEST_F(IncidentTest, TuneChangesJoinTheTimelineAndBecomeACause) {
  AddRun();
  auto save = [&](int64_t at_ms, const std::vector<TuneAuditEntry>& steps) {
    TuneBackupInfo info;
    info.created_unix_ms = at_ms;
    info.components = "postgres";
    info.items = 1;
    info.state = "applied";
    info.checksum = "c";
    auto id = store_->SaveTuneBackup(info, "{}");
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    for (const TuneAuditEntry& e : steps) EXPECT_TRUE(store_->AppendTuneAudit(*id, e).ok());
    return *id;
  };
  const std::string applied = save(
      kStart + 4'000, {{kStart + 4'000, "tune", "backup saved", "ok"},
                       {kStart + 5'000, "postgres", "ALTER SYSTEM SET work_mem = '64kB'", "ok"},
                       {kStart + 5'100, "postgres", "SELECT pg_reload_conf()", "ok"}});
  save(kStart + 1'000, {{kStart + 1'000, "redis", "CONFIG SET maxmemory 1gb", "ok"},
                        {kStart + 2'000, "tune", "rollback (--rollback) verified", "ok"}});
  auto rec = BuildIncident(*store_, Window(kStart - 60'000, kStart + 90'000));
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  int tune_events = 0;
  for (const IncidentEvent& e : rec->timeline) {
    if (e.kind != "tune") continue;
    ++tune_events;
    EXPECT_EQ(e.source.rfind("tune ", 0), 0u) << e.source;
  }
  EXPECT_EQ(tune_events, 5);
  const IncidentCause* change = nullptr;
  for (const IncidentCause& c : rec->causes) {
    if (c.id == "tune.change") {
      EXPECT_EQ(change, nullptr) << "only the backup that was not rolled back";
      change = &c;
    }
  }
  ASSERT_NE(change, nullptr);
  EXPECT_EQ(change->subject, applied);
  EXPECT_EQ(change->times_seen, 2);
  EXPECT_EQ(change->first_seen_unix_ms, kStart + 5'000);
  EXPECT_LT(change->onset_gap_s, 0) << "applied before the onset";
  EXPECT_NE(change->evidence.find("work_mem = '64kB'"), std::string::npos) << change->evidence;
  EXPECT_NE(change->action.find("vitals tune --rollback " + applied), std::string::npos);
  // The markdown shows the step (it is text from the store: escaped like the rest).
  EXPECT_NE(RenderIncidentMarkdown(*rec).find("tune.change"), std::string::npos);
}

TEST_F(IncidentTest, NoDegradationAndEmptyWindowsSaySo) {
  auto empty = BuildIncident(*store_, Window(kStart, kStart + 60'000));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->no_incident());
  EXPECT_NE(empty->NoIncidentMessage().find("no incident in this window"), std::string::npos);
  EXPECT_NE(RenderIncidentMarkdown(*empty).find("no incident in this window"), std::string::npos);

  // A healthy run: 1 ms answers, 1 % errors.
  LoadResult r = MakeResult(10, 100, 1000);
  r.started_unix_ms = kStart;
  auto id = store_->BeginRun(MakeStart(kStart));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store_->CompleteRun(*id, r, "", "").ok());
  auto healthy = BuildIncident(*store_, Window(kStart - 1000, kStart + 60'000));
  ASSERT_TRUE(healthy.ok());
  EXPECT_TRUE(healthy->no_incident());
  EXPECT_EQ(healthy->runs.size(), 1u);
  EXPECT_NE(healthy->NoIncidentMessage().find("1 run(s)"), std::string::npos);
}

TEST_F(IncidentTest, JsonRoundTripsAndStoresRecords) {
  AddRun();
  AddCheck(kStart + 12'000, CheckJson("prom.latency", "critical", "p95 latency high"));
  auto rec = BuildIncident(*store_, Window(kStart - 60'000, kStart + 90'000));
  ASSERT_TRUE(rec.ok());
  const std::string json = IncidentToJson(*rec);
  auto back = IncidentFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(IncidentToJson(*back), json);
  EXPECT_EQ(RenderIncidentMarkdown(*back), RenderIncidentMarkdown(*rec));

  IncidentInfo info{"", 0, rec->from_unix_ms, rec->to_unix_ms, rec->impact.severity, rec->title};
  auto id = store_->SaveIncident(info, json);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto got = store_->GetIncident(id->substr(0, 10));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->info.id, *id);
  EXPECT_EQ(got->info.severity, "P2");
  EXPECT_EQ(got->record_json, json);
  auto latest = store_->GetIncident("latest");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->info.id, *id);
  auto missing = store_->GetIncident("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("vitals incident list"), std::string::npos);
  auto list = store_->ListIncidents();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
}

TEST_F(IncidentTest, HostileTextIsEscapedInEveryFormat) {
  const std::string hostile = "http://127.0.0.1:1/<script>alert(1)</script>";
  AddRun(hostile);
  AddCheck(kStart + 12'000,
           CheckJson("x<img src=x onerror=alert(2)>", "critical", "<b>**bold**</b> | pipe"));
  auto rec = BuildIncident(*store_, Window(kStart - 60'000, kStart + 90'000));
  ASSERT_TRUE(rec.ok());
  const std::string html = RenderIncidentHtml(*rec);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("class=\"marker\""), std::string::npos);  // the timeline on the chart
  const std::string md = RenderIncidentMarkdown(*rec);
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_EQ(md.find("<b>"), std::string::npos);
  EXPECT_NE(md.find("To fill in:"), std::string::npos);
  // Every section of the practitioners' template is there.
  for (const char* h :
       {"## Summary", "## Impact", "## Timeline", "## Root-cause candidates", "## Trigger",
        "## Detection", "## Resolution", "## Action items", "## Lessons learned"}) {
    EXPECT_NE(md.find(h), std::string::npos) << h;
  }
}

// An alert that fired and resolved during a healthy-looking run marks its intervals degraded
// and puts both changes on the timeline.
TEST_F(IncidentTest, FiringAlertsMarkTheWindowAndJoinTheTimeline) {
  LoadResult r = MakeResult(20, 100, 1000);
  r.started_unix_ms = kStart;
  auto id = store_->BeginRun(MakeStart(kStart));
  ASSERT_TRUE(id.ok());
  StoredAlert fire{kStart + 5'000,
                   "HighErrorRate",
                   "pending",
                   "firing",
                   R"({"alertname": "HighErrorRate", "severity": "page"})",
                   "{}",
                   0.2};
  StoredAlert ok{kStart + 9'000,
                 "HighErrorRate",
                 "firing",
                 "inactive",
                 R"({"alertname": "HighErrorRate", "severity": "page"})",
                 "{}",
                 0.0};
  ASSERT_TRUE(store_->AddAlerts(*id, {fire, ok}).ok());
  ASSERT_TRUE(store_->CompleteRun(*id, r, "", "").ok());
  auto rec = BuildIncident(*store_, Window(kStart - 60'000, kStart + 60'000));
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  ASSERT_TRUE(rec->impact.degraded);
  EXPECT_EQ(rec->impact.seen_start_unix_ms, kStart + 5'000);
  EXPECT_EQ(rec->impact.seen_end_unix_ms, kStart + 9'000);
  EXPECT_EQ(rec->impact.severity, "");  // fast answers: below every severity level
  int firing = 0, resolved = 0;
  for (const auto& e : rec->timeline) {
    if (e.kind == "alert_firing") {
      ++firing;
      EXPECT_EQ(e.unix_ms, kStart + 5'000);
      EXPECT_NE(e.text.find("HighErrorRate"), std::string::npos);
    }
    if (e.kind == "alert_resolved") {
      ++resolved;
      EXPECT_EQ(e.unix_ms, kStart + 9'000);
    }
  }
  EXPECT_EQ(firing, 1);
  EXPECT_EQ(resolved, 1);
  bool named = false;
  for (const auto& s : rec->slots) {
    for (const auto& why : s.reasons)
      named = named || why.find("HighErrorRate") != std::string::npos;
  }
  EXPECT_TRUE(named);
  EXPECT_NE(RenderIncidentMarkdown(*rec).find("First signal vitals recorded: alert"),
            std::string::npos);
}

TEST(IncidentSeverity, LevelsWorstFirst) {
  const std::vector<double> levels = {10e6, 5e6, 2e6, 1e6};
  EXPECT_EQ(SeverityFor(11e6, levels), "P0");
  EXPECT_EQ(SeverityFor(6e6, levels), "P1");
  EXPECT_EQ(SeverityFor(3e6, levels), "P2");
  EXPECT_EQ(SeverityFor(1.5e6, levels), "P3");
  EXPECT_EQ(SeverityFor(1e6, levels), "");  // "> 1 s": exactly 1 s is below P3
}

TEST(ParseTime, FormsAndErrors) {
  const int64_t now = 1'800'000'000'000;
  EXPECT_EQ(*ParseTimeMs("2026-12-06T01:02:03Z", now), 1796518923000);
  EXPECT_EQ(*ParseTimeMs("2026-12-06T02:02:03.25+01:00", now), 1796518923250);
  EXPECT_EQ(*ParseTimeMs("2026-12-06 01:02:03z", now), 1796518923000);
  EXPECT_EQ(*ParseTimeMs("1796518923", now), 1796518923000);
  EXPECT_EQ(*ParseTimeMs("1796518923.5", now), 1796518923500);
  EXPECT_EQ(*ParseTimeMs("now", now), now);
  EXPECT_EQ(*ParseTimeMs("now-15m", now), now - 900'000);
  for (const char* bad : {"", "yesterday", "2026-12-06T01:02:03", "2026-13-06T01:02:03Z", "now-",
                          "12:00", "2026-12-06T01:02:03+0100"}) {
    auto r = ParseTimeMs(bad, now);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("RFC 3339"), std::string::npos);
  }
}

}  // namespace
}  // namespace vitals
