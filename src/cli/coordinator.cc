#include "cli/coordinator.h"

#include <poll.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

#include <fmt/format.h>

#include "cli/load_segment.h"
#include "core/clock.h"
#include "load/coord_protocol.h"
#include "load/live_merge.h"

namespace vitals::cli {
namespace {

constexpr int64_t kHelloTimeoutMs = 10'000;
// Before a peer has authenticated: its frames may be this large (a hello is ~200 bytes), and
// at most this many such peers wait at once beyond the segments (the oldest is dropped), so
// whoever can reach the port cannot make the coordinator hold much memory or many sockets.
constexpr uint32_t kMaxHelloPayload = 16 * 1024;
constexpr size_t kMaxPendingExtra = 16;
// An authenticated segment's interval frames: at most this many samples each (one per
// request name per interval, and a few intervals), starting at most this long after the plan.
constexpr size_t kMaxSamplesPerFrame = 10'000;
constexpr double kLateSlackS = 120;
// After STOP, how long the segments have to send their results before they count as lost.
constexpr int64_t kStopGraceMs = 30'000;
constexpr int64_t kHeartbeatMs = 1000;

int64_t NowMs() { return MonotonicNs() / 1'000'000; }

// j[key] when it is an unsigned integer, else `fallback` (a peer's frame never throws).
uint64_t CountOr(const nlohmann::json& j, const char* key, uint64_t fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : fallback;
}

struct Peer {
  std::unique_ptr<FrameConn> conn;
  std::string addr;
  std::string nonce;
  int64_t accepted_ms = 0;
  int64_t last_heard_ms = 0;
  int index = -1;
  bool finished = false;  // sent its result, or lost
};

class Session {
 public:
  Session(FrameListener& listener, const CoordinatorConfig& config, const std::atomic<bool>* stop,
          ProgressLine* progress)
      : listener_(listener),
        cfg_(config),
        stop_(stop),
        progress_(progress),
        joined_(size_t(config.segments)),
        merger_(config.segments),
        abort_(config.thresholds) {
    out_.segments.resize(size_t(config.segments));
    for (int i = 0; i < config.segments; ++i) out_.segments[size_t(i)].index = i;
  }

  Result<CoordinatorOutcome> Run() {
    VITALS_RETURN_IF_ERROR(Join());
    Start();
    RunToEnd();
    return std::move(out_);
  }

 private:
  std::string Label(int index) const { return fmt::format("{}/{}", index + 1, cfg_.segments); }

  // Polls the listener and every open connection for up to `ms`.
  void Wait(int ms) {
    std::vector<pollfd> fds;
    fds.push_back({listener_.fd(), POLLIN, 0});
    for (auto& p : pending_) fds.push_back({p->conn->fd(), POLLIN, 0});
    for (auto& p : joined_) {
      if (p && !p->finished) fds.push_back({p->conn->fd(), POLLIN, 0});
    }
    poll(fds.data(), fds.size(), ms);
  }

  void AcceptAll() {
    std::string addr;
    while (auto c = listener_.Accept(&addr)) {
      auto p = std::make_unique<Peer>();
      p->conn = std::make_unique<FrameConn>(std::move(*c));
      p->conn->set_max_payload(kMaxHelloPayload);
      p->addr = addr;
      p->nonce = RandomNonceHex();
      p->accepted_ms = p->last_heard_ms = NowMs();
      if (p->conn
              ->Send(FrameKind::kChallenge,
                     nlohmann::json{{"nonce", p->nonce}, {"segments", cfg_.segments}})
              .ok()) {
        pending_.push_back(std::move(p));
      }
      if (pending_.size() > size_t(cfg_.segments) + kMaxPendingExtra) {
        pending_.front()->conn->Close();  // the oldest has had the longest to say hello
        pending_.erase(pending_.begin());
      }
    }
  }

  void Refuse(Peer& p, const std::string& reason) {
    (void)p.conn->Send(FrameKind::kRefuse, nlohmann::json{{"reason", reason}});
    std::fprintf(stderr, "vitals coordinate: refused a segment from %s: %s\n", p.addr.c_str(),
                 reason.c_str());
    p.conn->Close();
  }

  // Checks a hello; an accepted peer moves to joined_.  Returns false when `p` was closed.
  void OnHello(std::unique_ptr<Peer>& p, const nlohmann::json& j) {
    // Types first: a hello from anyone must never throw (nlohmann's value() does on a type
    // mismatch), whatever it holds.
    for (const char* key : {"count", "index"}) {
      if (j.contains(key) && !j[key].is_number_integer()) {
        return Refuse(*p, fmt::format("malformed hello: '{}' is not an integer", key));
      }
    }
    for (const char* key : {"mac", "host", "plan_hash", "nonce"}) {
      if (j.contains(key) && !j[key].is_string()) {
        return Refuse(*p, fmt::format("malformed hello: '{}' is not a string", key));
      }
    }
    const int64_t count64 = j.value("count", int64_t{0});
    const int64_t index64 = j.value("index", int64_t{-1});
    const int count = count64 < 0 || count64 > 1'000'000 ? 0 : int(count64);
    const int index = index64 < -1 || index64 > 1'000'000 ? -1 : int(index64);
    const std::string mac = j.value("mac", std::string());
    if (!cfg_.token.empty() &&
        !ConstantTimeEqual(HelloMac(cfg_.token, p->nonce, index, count), mac)) {
      return Refuse(*p, mac.empty()
                            ? "authentication required: this coordinator has a token; give the "
                              "segment the same one (VITALS_COORDINATOR_TOKEN or --token-file)"
                            : "authentication failed: the segment's token does not match the "
                              "coordinator's (VITALS_COORDINATOR_TOKEN or --token-file on both "
                              "sides)");
    }
    if (count != cfg_.segments) {
      return Refuse(*p, fmt::format("this coordinator runs {} segments but the segment was "
                                    "started as one of {} (--segments / --segment I/N)",
                                    cfg_.segments, count));
    }
    if (index < 0 || index >= cfg_.segments) {
      return Refuse(*p, fmt::format("segment index {} is out of range 0..{} (0-based)", index,
                                    cfg_.segments - 1));
    }
    const std::string hash = j.value("plan_hash", std::string());
    if (!hash.empty() && hash != cfg_.plan_hash) {
      return Refuse(*p, fmt::format("segment {} was started with another plan than the "
                                    "coordinator's ({}): its scenario or URL differs; start it "
                                    "with the same one, or with none (the coordinator sends it)",
                                    Label(index), cfg_.plan_name));
    }
    if (started_) {
      return Refuse(*p,
                    fmt::format("the run has started; segment {} cannot join now", Label(index)));
    }
    if (joined_[size_t(index)]) {
      return Refuse(*p, fmt::format("segment {} has already joined (from {}); each index once",
                                    Label(index), out_.segments[size_t(index)].peer));
    }
    p->index = index;
    p->conn->set_max_payload(kMaxFramePayload);  // authenticated: its result may be large
    nlohmann::json welcome = nlohmann::json::object();
    if (!cfg_.token.empty()) {
      // Our proof to the segment (mutual authentication, coord_protocol.h).
      welcome["mac"] = WelcomeMac(cfg_.token, j.value("nonce", std::string()), index, count);
    }
    if (!p->conn->Send(FrameKind::kWelcome, welcome).ok()) {
      p->conn->Close();
      return;
    }
    SegmentSeen& s = out_.segments[size_t(index)];
    s.host = j.value("host", std::string());
    if (s.host.empty()) s.host = p->addr;
    s.peer = p->addr;
    s.joined_unix_ms = WallClockMs();
    if (!quiet_joins_) {
      std::fprintf(stderr, "vitals coordinate: segment %s joined from %s (%s)\n",
                   Label(index).c_str(), s.host.c_str(), p->addr.c_str());
    }
    joined_[size_t(index)] = std::move(p);
  }

  void ServePending() {
    for (auto& p : pending_) {
      p->conn->ReadAvailable();
      auto f = p->conn->Next();
      if (!f.ok() && p->conn->closed()) {
        p->conn->Close();  // gone before its hello (a port scan, a refused segment's retry)
      } else if (!f.ok()) {
        Refuse(*p, f.status().message());
      } else if (f->has_value()) {
        const Frame& frame = **f;
        auto j = frame.Json();
        if (frame.kind != uint8_t(FrameKind::kHello) || !j.ok()) {
          Refuse(*p, "expected a hello frame first");
        } else {
          OnHello(p, *j);
        }
      } else if (NowMs() - p->accepted_ms > kHelloTimeoutMs) {
        p->conn->Close();
      }
    }
    std::erase_if(pending_, [](const auto& p) { return !p || p->conn->fd() < 0; });
  }

  void HeartbeatAll() {
    const int64_t now = NowMs();
    if (now < next_heartbeat_) return;
    next_heartbeat_ = now + kHeartbeatMs;
    for (auto& p : joined_) {
      if (p && !p->finished) (void)p->conn->Send(FrameKind::kHeartbeat, nlohmann::json::object());
    }
  }

  void StopAll(const std::string& reason) {
    if (stopping_) return;
    stopping_ = true;
    stop_deadline_ms_ = NowMs() + kStopGraceMs;
    std::fprintf(stderr, "vitals coordinate: stopping every segment: %s\n", reason.c_str());
    for (auto& p : joined_) {
      if (p && !p->finished)
        (void)p->conn->Send(FrameKind::kStop, nlohmann::json{{"reason", reason}});
    }
  }

  Status Join() {
    const int64_t deadline = NowMs() + cfg_.join_timeout_ms;
    for (;;) {
      int n = 0;
      for (auto& p : joined_) n += p ? 1 : 0;
      if (n == cfg_.segments) return Status::Ok();
      std::string missing;
      for (int i = 0; i < cfg_.segments; ++i) {
        if (!joined_[size_t(i)]) missing += (missing.empty() ? "" : ", ") + Label(i);
      }
      const bool interrupted = stop_ && stop_->load();
      if (interrupted || NowMs() >= deadline) {
        const std::string why =
            interrupted ? fmt::format("interrupted while waiting for segment(s) {}", missing)
                        : fmt::format(
                              "segment{} {} did not join within {} s (--join-timeout); "
                              "nothing was started.  Start them with vitals load "
                              "--coordinator HOST:PORT --segment I/{} (is the address "
                              "reachable from their machines, and the token the same?)",
                              cfg_.segments - n > 1 ? "s" : "", missing,
                              cfg_.join_timeout_ms / 1000, cfg_.segments);
        for (auto& p : joined_) {
          if (p) (void)p->conn->Send(FrameKind::kStop, nlohmann::json{{"reason", why}});
        }
        return Status::Unavailable(why);
      }
      Wait(100);
      AcceptAll();
      ServePending();
      for (int i = 0; i < cfg_.segments; ++i) {
        auto& p = joined_[size_t(i)];
        if (!p) continue;
        p->conn->ReadAvailable();
        // Before the start a segment only heartbeats; anything else is ignored.
        for (;;) {
          auto f = p->conn->Next();
          if (!f.ok()) {
            std::fprintf(stderr, "vitals coordinate: segment %s left before the start (%s)\n",
                         Label(i).c_str(), f.status().message().c_str());
            p.reset();
            break;
          }
          if (!f->has_value()) break;
        }
      }
      HeartbeatAll();
    }
  }

  void Start() {
    started_ = true;
    out_.start_unix_ms = WallClockMs() + cfg_.start_delay_ms;
    nlohmann::json plan = cfg_.plan;
    plan["start_unix_ms"] = out_.start_unix_ms;
    // On stdout, with the listening line: the run's record (and a sync point for scripts).
    std::printf("vitals coordinate: all %d segments joined; the run starts in %.1f s\n",
                cfg_.segments, double(cfg_.start_delay_ms) / 1000);
    std::fflush(stdout);
    for (int i = 0; i < cfg_.segments; ++i) {
      Peer& p = *joined_[size_t(i)];
      p.last_heard_ms = NowMs();
      if (!p.conn->Send(FrameKind::kPlan, plan).ok()) Lose(i, "could not send it the plan");
    }
  }

  void Lose(int i, const std::string& reason) {
    Peer& p = *joined_[size_t(i)];
    if (p.finished) return;
    p.finished = true;
    p.conn->Close();
    merger_.Close(i);
    SegmentSeen& s = out_.segments[size_t(i)];
    s.lost = true;
    s.lost_reason = reason;
    s.left_unix_ms = WallClockMs();
    s.lost_at_s = std::max(0.0, double(s.left_unix_ms - out_.start_unix_ms) / 1000);
    if (progress_) progress_->Done();
    std::fprintf(stderr,
                 "vitals coordinate: segment %s (%s) lost at %.1f s: %s; its share (%.1f %% of "
                 "the plan) is missing from this run\n",
                 Label(i).c_str(), s.host.c_str(), s.lost_at_s, reason.c_str(),
                 100.0 * (cfg_.shares.empty() ? 1.0 / cfg_.segments : cfg_.shares[size_t(i)]));
    if (cfg_.abort_on_loss) {
      StopAll(fmt::format("segment {} was lost (--on-segment-loss abort)", Label(i)));
    }
  }

  void ServeSegment(int i) {
    Peer& p = *joined_[size_t(i)];
    SegmentSeen& s = out_.segments[size_t(i)];
    p.conn->ReadAvailable();
    for (;;) {
      auto f = p.conn->Next();
      if (!f.ok()) return Lose(i, f.status().message());
      if (!f->has_value()) break;
      p.last_heard_ms = NowMs();
      const Frame& frame = **f;
      auto j = frame.Json();
      if (!j.ok()) return Lose(i, j.status().message());
      switch (FrameKind(frame.kind)) {
        case FrameKind::kInterval: {
          auto samples = IntervalsFromJson((*j)["samples"]);
          if (!samples.ok()) return Lose(i, samples.status().message());
          // An interval belongs to the plan's time: one far past it would wait in the merger
          // forever, and a frame of very many samples would be held whole.
          if (samples->size() > kMaxSamplesPerFrame) {
            return Lose(i, fmt::format("an interval frame of {} samples (at most {})",
                                       samples->size(), kMaxSamplesPerFrame));
          }
          for (const IntervalSample& x : *samples) {
            const bool late = cfg_.planned_s > 0 && x.start_s > cfg_.planned_s + kLateSlackS;
            if (!(x.start_s >= 0) || late) {
              return Lose(i, fmt::format("an interval at {:.1f} s, outside the plan's {:.0f} s",
                                         x.start_s, cfg_.planned_s));
            }
          }
          if (Status st = merger_.Add(i, *samples); !st.ok()) return Lose(i, st.message());
          break;
        }
        case FrameKind::kHeartbeat:
          s.requests = CountOr(*j, "requests", s.requests);
          s.errors = CountOr(*j, "errors", s.errors);
          s.inflight = CountOr(*j, "inflight", s.inflight);
          break;
        case FrameKind::kResult:
          if (!j->contains("result") || !(*j)["result"].is_string()) {
            return Lose(i, "malformed result frame: 'result' is not a string");
          }
          s.result_json = (*j)["result"].get<std::string>();
          s.left_unix_ms = WallClockMs();
          p.finished = true;
          merger_.Close(i);
          p.conn->Close();
          return;
        default:
          break;
      }
    }
    if (NowMs() - p.last_heard_ms > kCoordSilenceMs) {
      Lose(i, fmt::format("nothing heard from it for {} s", kCoordSilenceMs / 1000));
    }
  }

  void OnMerged(const std::vector<IntervalSample>& merged) {
    if (merged.empty()) return;
    if (out_.aborted_by.empty() && abort_.active()) {
      if (auto v = abort_.Observe(merged)) {
        out_.aborted_by = v->message.empty() ? v->expr : v->expr + ": " + v->message;
        StopAll("abort_on_fail threshold failed on the merged run: " + out_.aborted_by);
      }
    }
    // The progress line shows the newest merged interval (all requests).
    const IntervalSample* best = nullptr;
    for (const IntervalSample& s : merged) {
      if (s.request.empty() && (!best || s.start_s > best->start_s ||
                                (s.start_s == best->start_s && s.requests > best->requests))) {
        best = &s;
      }
    }
    if (!best) return;
    last_.has_interval = true;
    last_.phase = best->phase;
    last_.interval_rate = best->length_s > 0 ? double(best->requests) / best->length_s : 0;
    last_.interval_errors = best->errors;
    const Histogram& h = best->latency_corrected;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    last_.interval_p50_us = h.TotalCount() ? double(h.ValueAtPercentile(50)) : nan;
    last_.interval_p99_us = h.TotalCount() ? double(h.ValueAtPercentile(99)) : nan;
  }

  void ShowProgress() {
    if (!progress_) return;
    Progress p = last_;
    if (p.phase.empty()) p.phase = "starting";
    p.elapsed_s = std::max(0.0, double(WallClockMs() - out_.start_unix_ms) / 1000);
    p.total_s = cfg_.planned_s;
    for (const SegmentSeen& s : out_.segments) {
      p.requests += s.requests;
      p.errors += s.errors;
      p.inflight += s.inflight;
    }
    progress_->Update(p);
  }

  void RunToEnd() {
    for (;;) {
      bool live = false;
      for (auto& p : joined_) live |= !p->finished;
      if (!live) break;
      Wait(100);
      AcceptAll();
      ServePending();
      for (int i = 0; i < cfg_.segments; ++i) {
        if (!joined_[size_t(i)]->finished) ServeSegment(i);
      }
      OnMerged(merger_.TakeComplete());
      if (stopping_ && NowMs() > stop_deadline_ms_) {
        for (int i = 0; i < cfg_.segments; ++i) {
          if (!joined_[size_t(i)]->finished) {
            Lose(i, fmt::format("no result within {} s of the stop", kStopGraceMs / 1000));
          }
        }
      }
      if (stop_ && stop_->load() && !out_.stopped_by_caller) {
        out_.stopped_by_caller = true;
        StopAll("the coordinator was interrupted (Ctrl-C / SIGTERM)");
      }
      HeartbeatAll();
      ShowProgress();
    }
    OnMerged(merger_.TakeComplete());
    if (progress_) progress_->Done();
  }

  FrameListener& listener_;
  const CoordinatorConfig& cfg_;
  const std::atomic<bool>* stop_;
  ProgressLine* progress_;
  std::vector<std::unique_ptr<Peer>> pending_;
  std::vector<std::unique_ptr<Peer>> joined_;  // by index
  LiveMerger merger_;
  AbortMonitor abort_;
  CoordinatorOutcome out_;
  Progress last_;
  bool started_ = false, stopping_ = false, quiet_joins_ = false;
  int64_t next_heartbeat_ = 0;
  int64_t stop_deadline_ms_ = 0;
};

}  // namespace

Result<CoordinatorOutcome> RunCoordinator(FrameListener& listener, const CoordinatorConfig& config,
                                          const std::atomic<bool>* stop, ProgressLine* progress) {
  Session s(listener, config, stop, progress);
  return s.Run();
}

}  // namespace vitals::cli
