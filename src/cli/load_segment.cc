#include "cli/load_segment.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/coord_conn.h"
#include "cli/load_hooks.h"
#include "core/clock.h"
#include "core/units.h"
#include "load/coord_protocol.h"
#include "load/segment.h"

namespace vitals::cli {
namespace {

const char* kCmd = "vitals load";

int64_t NowMs() { return MonotonicNs() / 1'000'000; }

std::string HostName() {
  char buf[256] = "";
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

int Fail(const std::string& msg, int code = kExitFailure) {
  std::fprintf(stderr, "%s: error: %s\n", kCmd, msg.c_str());
  return code;
}

// What the reader thread learns while the segment runs.
struct LinkState {
  std::atomic<bool> done{false};
  std::atomic<bool> lost{false};     // the coordinator closed or went silent
  std::atomic<bool> stopped{false};  // the coordinator sent STOP
  std::mutex mu;
  std::string why;  // under mu
};

void ReadUntilDone(FrameConn* conn, LinkState* st, std::atomic<bool>* stop) {
  int64_t last_heard = NowMs();
  while (!st->done.load()) {
    auto f = conn->Receive(250);
    std::string why;
    if (!f.ok()) {
      why = fmt::format("lost the coordinator: {}", f.status().message());
    } else if (f->has_value()) {
      last_heard = NowMs();
      const Frame& frame = **f;
      if (frame.kind == uint8_t(FrameKind::kStop)) {
        auto j = frame.Json();
        std::lock_guard<std::mutex> lock(st->mu);
        st->why = j.ok() ? j->value("reason", std::string("stopped")) : "stopped";
        st->stopped.store(true);
        stop->store(true);
      }
      continue;
    } else if (st->done.load()) {
      return;
    } else if (NowMs() - last_heard > kCoordSilenceMs) {
      why = fmt::format("lost the coordinator: nothing heard from it for {} s",
                        kCoordSilenceMs / 1000);
    } else {
      continue;
    }
    std::lock_guard<std::mutex> lock(st->mu);
    // The coordinator closes after the result: that is the end, not a loss.
    if (!st->stopped.load() && !st->done.load()) {
      st->why = why;
      st->lost.store(true);
      stop->store(true);
    }
    return;
  }
}

}  // namespace

bool IsRefusedPlanFlag(std::string_view name) {
  static constexpr std::string_view kRefused[] = {
      "--segment",     "--segment-index",  "--segments",
      "--start-at",    "--coordinator",    "--coordinator-timeout",
      "--token-file",  "--duet",           "--observe",
      "--watch-rules", "--metrics-listen", "--csv",
      "--hlog",        "--junit",          "--json",
      "--store",       "--threads",        "-t"};
  for (std::string_view r : kRefused) {
    if (name == r) return true;
  }
  return false;
}

Status CheckSegmentOwnFlags(const CLI::App& app) {
  static const char* const kOwn[] = {"target",       "--coordinator", "--coordinator-timeout",
                                     "--token-file", "--segment",     "--segment-index",
                                     "--segments",   "--threads",     "--quiet",
                                     "--json",       "--help"};
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->count() == 0) continue;
    const std::string name = opt->get_name();
    if (std::find(std::begin(kOwn), std::end(kOwn), name) == std::end(kOwn)) {
      return Status::InvalidArgument(fmt::format(
          "{} with --coordinator: the plan (rate, stages, thresholds, ...) comes from the "
          "coordinator; pass it to vitals coordinate instead",
          name));
    }
  }
  return Status::Ok();
}

Result<std::string> CoordinatorToken(const std::string& token_file) {
  if (token_file.empty()) {
    const char* env = std::getenv("VITALS_COORDINATOR_TOKEN");
    return std::string(env ? env : "");
  }
  std::ifstream in(token_file);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return Status::InvalidArgument(fmt::format(
        "--token-file {}: cannot read it (a file holding the shared token on its first line)",
        token_file));
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.pop_back();
  }
  if (line.empty()) {
    return Status::InvalidArgument(fmt::format(
        "--token-file {}: the first line is empty; put the shared token there", token_file));
  }
  return line;
}

Result<std::string> TargetHash(const std::string& target, std::string* scenario_text) {
  const bool url = target.find("://") != std::string::npos;
  if (url) {
    if (scenario_text) scenario_text->clear();
    return Sha256Hex("url\n" + target);
  }
  std::ifstream in(target, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument(
        fmt::format("{}: cannot read the scenario file (does it exist?)", target));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (scenario_text) *scenario_text = ss.str();
  return Sha256Hex("scenario\n" + ss.str());
}

int RunCoordinatedSegment(const SegmentJoin& join) {
  Segment seg;
  if (!join.segment_flag.empty()) {
    auto s = ParseSegment(join.segment_flag);
    if (!s.ok()) return ReportError(kCmd, s.status());
    seg = *s;
  } else if (join.segment_index >= 0 && join.segment_count > 0) {
    auto s = MakeSegment(join.segment_index, join.segment_count);
    if (!s.ok())
      return ReportError(kCmd, Status::InvalidArgument("--segment-index: " + s.status().message()));
    seg = *s;
  } else {
    return ReportError(
        kCmd, Status::InvalidArgument("--coordinator needs this process's segment: --segment I/N "
                                      "(1-based) or --segment-index I --segments N (0-based)"));
  }
  auto hp = ParseHostPort("--coordinator", join.coordinator);
  if (!hp.ok()) return ReportError(kCmd, hp.status());
  auto timeout = ParseDurationNs(join.timeout, 1'000'000'000);
  if (!timeout.ok() || *timeout <= 0) {
    return ReportError(
        kCmd, Status::InvalidArgument(fmt::format(
                  "--coordinator-timeout '{}': expected a duration, e.g. 30s", join.timeout)));
  }
  const int64_t timeout_ms = std::max<int64_t>(1, *timeout / 1'000'000);
  auto token = CoordinatorToken(join.token_file);
  if (!token.ok()) return ReportError(kCmd, token.status());
  std::string plan_hash;
  if (!join.target.empty()) {
    auto h = TargetHash(join.target, nullptr);
    if (!h.ok()) return ReportError(kCmd, h.status());
    plan_hash = *h;
  }
  const std::string label = seg.Label();

  auto conn_or = FrameConn::Connect(*hp, timeout_ms);
  if (!conn_or.ok()) return Fail(conn_or.status().message());
  FrameConn conn = std::move(conn_or).value();

  // Challenge -> hello -> welcome or refuse.
  auto ch = conn.Receive(std::min<int64_t>(timeout_ms, kCoordSilenceMs));
  if (!ch.ok()) return Fail(fmt::format("joining {}: {}", join.coordinator, ch.status().message()));
  if (!ch->has_value() || (*ch)->kind != uint8_t(FrameKind::kChallenge)) {
    return Fail(
        fmt::format("{} did not greet like a vitals coordinator (no challenge)", join.coordinator));
  }
  auto chj = (*ch)->Json();
  if (!chj.ok()) return Fail(chj.status().message());
  const auto nonce_it = chj->find("nonce");
  const std::string nonce =
      nonce_it != chj->end() && nonce_it->is_string() ? nonce_it->get<std::string>() : "";
  // Our own challenge: with a token, the coordinator must prove it knows it too (its welcome
  // carries WelcomeMac), or the segment takes no plan from it.
  const std::string my_nonce = RandomNonceHex();
  nlohmann::json hello = {
      {"index", seg.index},
      {"count", seg.count},
      {"host", HostName()},
      {"nonce", my_nonce},
      {"mac", token->empty() ? "" : HelloMac(*token, nonce, seg.index, seg.count)}};
  if (!plan_hash.empty()) hello["plan_hash"] = plan_hash;
  if (Status st = conn.Send(FrameKind::kHello, hello); !st.ok()) return Fail(st.message());
  auto answer = conn.Receive(kCoordSilenceMs);
  if (!answer.ok() || !answer->has_value()) {
    return Fail(fmt::format("the coordinator at {} did not answer segment {}'s hello{}",
                            join.coordinator, label,
                            answer.ok() ? "" : ": " + answer.status().message()));
  }
  if ((*answer)->kind == uint8_t(FrameKind::kRefuse)) {
    auto j = (*answer)->Json();
    return Fail(fmt::format("the coordinator at {} refused segment {}: {}", join.coordinator, label,
                            j.ok() ? j->value("reason", std::string("?")) : "?"),
                kExitUsage);
  }
  if ((*answer)->kind != uint8_t(FrameKind::kWelcome)) {
    return Fail(
        fmt::format("unexpected {} frame from the coordinator", FrameKindName((*answer)->kind)));
  }
  if (!token->empty()) {
    auto wj = (*answer)->Json();
    bool proved = false;
    if (wj.ok() && wj->contains("mac") && (*wj)["mac"].is_string()) {
      proved = ConstantTimeEqual(WelcomeMac(*token, my_nonce, seg.index, seg.count),
                                 (*wj)["mac"].get<std::string>());
    }
    if (!proved) {
      return Fail(fmt::format("{} did not prove it knows the token (its welcome has no valid "
                              "mac): not a vitals coordinator with the same token; no plan "
                              "taken from it",
                              join.coordinator),
                  kExitUsage);
    }
  }
  if (!join.quiet) {
    std::fprintf(stderr, "%s: segment %s joined the coordinator at %s; waiting for the plan\n",
                 kCmd, label.c_str(), join.coordinator.c_str());
  }

  // Wait for the plan; the coordinator heartbeats while other segments join.
  nlohmann::json plan;
  int64_t last_heard = NowMs();
  for (;;) {
    auto f = conn.Receive(500);
    if (!f.ok()) return Fail("lost the coordinator before the start: " + f.status().message());
    if (!f->has_value()) {
      if (NowMs() - last_heard > kCoordSilenceMs) {
        return Fail(
            fmt::format("lost the coordinator before the start: nothing heard from it "
                        "for {} s",
                        kCoordSilenceMs / 1000));
      }
      continue;
    }
    last_heard = NowMs();
    const Frame& frame = **f;
    if (frame.kind == uint8_t(FrameKind::kHeartbeat)) continue;
    auto j = frame.Json();
    if (!j.ok()) return Fail(j.status().message());
    if (frame.kind == uint8_t(FrameKind::kStop)) {
      return Fail("the coordinator ended the run before it started: " +
                  j->value("reason", std::string("?")));
    }
    if (frame.kind == uint8_t(FrameKind::kPlan)) {
      plan = std::move(j).value();
      break;
    }
  }
  if (!plan["args"].is_array() || !plan["start_unix_ms"].is_number_integer()) {
    return Fail("the coordinator's plan frame lacks args or start_unix_ms");
  }

  // The scenario travels as text; it runs from a private temp file.
  std::string target = plan.value("target", std::string());
  std::string scenario_path;
  const std::string scenario = plan.value("scenario", std::string());
  if (!scenario.empty()) {
    const char* dir = std::getenv("TMPDIR");
    std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/vitals-plan-XXXXXX.yaml";
    int fd = mkstemps(tmpl.data(), 5);
    if (fd < 0)
      return Fail("cannot write the plan's scenario to " + tmpl + ": " + std::strerror(errno));
    const bool ok = write(fd, scenario.data(), scenario.size()) == ssize_t(scenario.size());
    close(fd);
    if (!ok) return Fail("cannot write the plan's scenario to " + tmpl);
    scenario_path = target = tmpl;
  }
  const int64_t start_ms = plan["start_unix_ms"].get<int64_t>();
  std::vector<std::string> args = {"vitals load", target};
  for (const auto& a : plan["args"]) {
    if (!a.is_string()) continue;
    const std::string s = a.get<std::string>();
    if (IsRefusedPlanFlag(s.substr(0, s.find('=')))) {
      if (!scenario_path.empty()) std::remove(scenario_path.c_str());
      return Fail(fmt::format("the coordinator's plan has {}, which a plan never carries (it "
                              "would make this segment write files or listen); refused",
                              s.substr(0, s.find('='))),
                  kExitUsage);
    }
    args.push_back(s);
  }
  args.insert(
      args.end(),
      {"--segment-index", std::to_string(seg.index), "--segments", std::to_string(seg.count),
       "--start-at", fmt::format("{}.{:03}", start_ms / 1000, start_ms % 1000), "--no-store"});
  if (join.threads > 0) args.insert(args.end(), {"--threads", std::to_string(join.threads)});
  if (join.quiet) args.push_back("--quiet");
  if (!join.json_out.empty()) args.insert(args.end(), {"--json", join.json_out});

  LinkState link;
  std::mutex send_mu;
  std::thread reader;
  int64_t next_heartbeat = 0;
  LoadHooks hooks;
  hooks.command = kCmd;
  hooks.on_start = [&](std::atomic<bool>* stop) {
    reader = std::thread(ReadUntilDone, &conn, &link, stop);
  };
  hooks.on_interval = [&](const std::vector<IntervalSample>& samples) {
    std::lock_guard<std::mutex> lock(send_mu);
    // A send that fails means the coordinator is gone: the reader sees it and stops the run.
    (void)conn.Send(FrameKind::kInterval, nlohmann::json{{"samples", IntervalsToJson(samples)}});
    return Status::Ok();
  };
  hooks.on_progress = [&](const Progress& p) {
    const int64_t now = NowMs();
    if (now < next_heartbeat) return;
    next_heartbeat = now + 1000;
    std::lock_guard<std::mutex> lock(send_mu);
    (void)conn.Send(FrameKind::kHeartbeat, nlohmann::json{{"requests", p.requests},
                                                          {"errors", p.errors},
                                                          {"inflight", p.inflight},
                                                          {"elapsed_s", p.elapsed_s}});
  };
  hooks.on_result = [&](const LoadResult& r, int code) {
    {
      std::lock_guard<std::mutex> lock(link.mu);
      link.done.store(true);  // from here a closed connection is the end, not a loss
    }
    if (!link.lost.load()) {
      std::lock_guard<std::mutex> lock(send_mu);
      (void)conn.Send(FrameKind::kResult, nlohmann::json{{"result", ToJson(r, -1)}});
    }
    if (reader.joinable()) reader.join();
    std::lock_guard<std::mutex> lock(link.mu);
    if (link.lost.load()) {
      std::fprintf(stderr, "%s: error: segment %s stopped: %s\n", kCmd, label.c_str(),
                   link.why.c_str());
      return kExitFailure;
    }
    if (link.stopped.load()) {
      std::fprintf(stderr, "%s: segment %s stopped by the coordinator: %s\n", kCmd, label.c_str(),
                   link.why.c_str());
      return r.failure.empty() ? kExitOk : kExitFailure;
    }
    // The segment's own verdicts judge only its share: the coordinator judges the run.
    return code == kExitThresholds ? kExitOk : code;
  };
  const int code = RunLoadWithHooks(args, &hooks);
  link.done.store(true);
  if (reader.joinable()) reader.join();
  if (!scenario_path.empty()) std::remove(scenario_path.c_str());
  return code;
}

}  // namespace vitals::cli
