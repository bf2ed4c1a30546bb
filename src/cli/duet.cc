#include "cli/duet.h"

#include <cstdio>
#include <optional>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/progress_line.h"
#include "load/result.h"
#include "load/thresholds.h"
#include "net/url.h"
#include "report/load_summary.h"
#include "report/verdict_table.h"

namespace vitals::cli {
namespace {

const char* kCmd = "vitals load";

std::string PairId() {
  std::random_device rd;
  return fmt::format("{:08x}", uint32_t(rd()));
}

// Side B's options: A's, aimed at url_b (the whole URL for a single-URL run; its scheme,
// host and port for each request of a scenario, whose paths stay).
Result<LoadOptions> SideB(const LoadOptions& a, const std::string& url_b) {
  auto base = ParseUrl(url_b);
  if (!base.ok()) return Status::InvalidArgument("--duet: " + base.status().message());
  LoadOptions b = a;
  b.url = url_b;
  for (LoadRequest& r : b.requests) {
    r.url.scheme = base->scheme;
    r.url.host = base->host;
    r.url.port = base->port;
    r.url.ipv6 = base->ipv6;
    r.url.userinfo = base->userinfo;
  }
  return b;
}

struct Side {
  LoadOptions options;
  std::unique_ptr<RunOutputs> outputs;
  std::optional<Result<LoadResult>> result;
  std::vector<ThresholdVerdict> verdicts;
};

}  // namespace

int RunDuetLoad(LoadOptions a, const DuetArgs& args, const std::atomic<bool>* stop) {
  if (!args.outputs.csv_path.empty() || !args.outputs.hlog_path.empty()) {
    return ReportError(kCmd, Status::InvalidArgument(
                                 "--csv and --hlog write one run's series; with --duet there "
                                 "are two runs: read them from the store (vitals report RUN)"));
  }
  auto b_or = SideB(a, args.url_b);
  if (!b_or.ok()) return ReportError(kCmd, b_or.status());
  const std::string pair = PairId();
  Side sides[2];
  sides[0].options = std::move(a);
  sides[1].options = std::move(b_or).value();
  const int threads = sides[0].options.threads + sides[1].options.threads;
  for (int i = 0; i < 2; ++i) {
    LoadOptions& o = sides[i].options;
    o.tags.emplace_back(kDuetTag, pair);
    o.tags.emplace_back(kDuetSideTag, i == 0 ? "a" : "b");
    o.process_threads = threads;
    auto out = RunOutputs::Open(args.outputs, &o);
    if (!out.ok()) {
      if (i == 1) sides[0].outputs->Fail("side B could not start: " + out.status().message());
      return ReportError(kCmd, out.status());
    }
    sides[i].outputs = std::move(out).value();
  }
  ProgressLine progress(stderr, args.quiet);
  std::thread side_b([&] { sides[1].result.emplace(RunLoad(sides[1].options, stop, nullptr)); });
  sides[0].result.emplace(
      RunLoad(sides[0].options, stop, [&](const Progress& p) { progress.Update(p); }));
  side_b.join();
  progress.Done();

  int rc = kExitOk;
  for (int i = 0; i < 2; ++i) {
    Side& s = sides[i];
    const char* name = i == 0 ? "A" : "B";
    if (!s.result->ok()) {
      s.outputs->Fail(s.result->status().message());
      std::fprintf(stderr, "%s: duet side %s failed:\n", kCmd, name);
      rc = ReportError(kCmd, s.result->status());
      continue;
    }
    LoadResult& r = s.result->value();
    Status stored = s.outputs->Finish(s.options, &r, &s.verdicts);
    std::printf("== duet side %s\n", name);
    std::fputs(FormatLoadSummary(r).c_str(), stdout);
    if (!s.verdicts.empty()) std::printf("\n%s", FormatVerdictTable(s.verdicts).c_str());
    if (s.outputs->stored() && stored.ok()) {
      std::printf("\nStored as run %s (duet %s, side %s)\n\n", s.outputs->run_id().c_str(),
                  pair.c_str(), i == 0 ? "a" : "b");
    }
    if (!stored.ok()) rc = ReportError(kCmd, stored);
    if (!r.failure.empty()) {  // nothing succeeded on this side: stored as failed
      std::fprintf(stderr, "%s: error: duet side %s: %s\n", kCmd, name, r.failure.c_str());
      rc = kExitFailure;
    }
    if (rc == kExitOk && r.stopped_by_caller) rc = kExitInterrupted;
    if (rc == kExitOk && !s.verdicts.empty() && !AllPassed(s.verdicts)) rc = kExitThresholds;
  }
  if (sides[1].outputs->stored()) {
    std::printf("Compare the pair: vitals compare --duet %s   (or vitals gate --duet --run %s)\n",
                sides[1].outputs->run_id().c_str(), sides[1].outputs->run_id().c_str());
  }
  std::fflush(stdout);
  if (!args.json_out.empty() && sides[0].result->ok() && sides[1].result->ok()) {
    const std::string doc =
        fmt::format("{{\"duet\": \"{}\", \"a\": {}, \"b\": {}}}\n", pair,
                    ToJson(sides[0].result->value()), ToJson(sides[1].result->value()));
    if (Status st = WriteTextFile(args.json_out, doc); !st.ok()) return ReportError(kCmd, st);
  }
  return rc;
}

Result<std::pair<gate::RunData, gate::RunData>> LoadDuetPair(Store& store,
                                                             const std::string& name) {
  auto run = gate::LoadRun(&store, name);
  if (!run.ok()) return run.status();
  std::string pair;
  for (const auto& [k, v] : run->tags) {
    if (k == kDuetTag) pair = v;
  }
  if (pair.empty()) {
    return Status::InvalidArgument(fmt::format(
        "run {} is not part of a duet (no {}= tag): make one with `vitals load URL_A --duet "
        "URL_B`, or compare two runs without --duet",
        run->id, kDuetTag));
  }
  RunFilter filter;
  filter.tags = {{kDuetTag, pair}};
  auto listed = store.ListRuns(filter);
  if (!listed.ok()) return listed.status();
  std::optional<gate::RunData> sides[2];
  for (const RunInfo& info : *listed) {
    std::string side;
    for (const auto& [k, v] : info.tags) {
      if (k == kDuetSideTag) side = v;
    }
    if (side != "a" && side != "b") continue;
    auto r = gate::LoadRun(&store, info.id);
    if (!r.ok()) return r.status();
    sides[side == "a" ? 0 : 1].emplace(std::move(r).value());
  }
  if (!sides[0] || !sides[1]) {
    return Status::InvalidArgument(fmt::format(
        "duet {}: side {} is missing or did not complete (see `vitals runs list --tag {}={}`)",
        pair, sides[0] ? "b" : "a", kDuetTag, pair));
  }
  sides[0]->label = fmt::format("duet {} side a", pair);
  sides[1]->label = fmt::format("duet {} side b", pair);
  return std::make_pair(std::move(*sides[0]), std::move(*sides[1]));
}

}  // namespace vitals::cli
