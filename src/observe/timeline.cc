#include "observe/timeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

#include "rules/evaluate.h"

namespace vitals {
namespace {

struct Track {
  ObservedFinding out;
  bool counted = false;  // a stretch reached `for`
  bool in_stretch = false;
  double stretch_start = 0;
  int64_t for_ns = 0;
  int last_sample = -1;  // index of the component's last firing sample
  int stretch_samples = 0;
};

// The finding shown for an episode: its first reading at the highest level it reached (the
// value's direction - a ratio that falls, a latency that rises - is the rule's, not ours).
bool Worse(const Finding& a, const Finding& b) {
  return a.level == Level::kCritical && b.level != Level::kCritical;
}

}  // namespace

std::string PhaseAt(const std::vector<RunPhase>& phases, double t_s) {
  std::string name;
  for (const RunPhase& p : phases) {
    if (t_s >= p.start_s) name = p.name;
  }
  return name;
}

std::vector<ObservedFinding> EvaluateOverTime(const std::vector<RuleSet>& rules,
                                              const std::vector<ObservedComponent>& components,
                                              const std::vector<RunPhase>& phases,
                                              double merge_gap_s, double max_step_s) {
  std::map<std::string, int64_t> for_of;
  for (const RuleSet& set : rules) {
    for (const Rule& r : set.rules) for_of[r.id] = r.for_ns;
  }
  std::vector<ObservedFinding> out;
  for (const ObservedComponent& c : components) {
    std::map<std::pair<std::string, std::string>, Track> tracks;
    const int n = int(c.samples.size());
    auto close = [&](Track& t) {
      if (t.counted) out.push_back(std::move(t.out));
      t.out = ObservedFinding{};
      t.counted = false;
    };
    for (int i = 0; i < n; ++i) {
      const ObservedSample& s = c.samples[i];
      for (const Finding& f : Evaluate(rules, {s.collection})) {
        Track& t = tracks[{f.id, f.subject}];
        // A stretch is consecutive readings: a failed or missing reading (a gap of more than
        // one and a half periods) ends it.
        const bool contiguous =
            t.last_sample == i - 1 && t.in_stretch && s.t_s - c.samples[i - 1].t_s <= max_step_s;
        if (!contiguous) {
          // A new stretch: a new episode unless it follows the last one closely.
          if (t.counted && s.t_s - t.out.end_s > merge_gap_s) close(t);
          t.in_stretch = true;
          t.stretch_start = s.t_s;
          t.stretch_samples = 0;
        }
        t.last_sample = i;
        t.for_ns = for_of[f.id];
        ++t.stretch_samples;
        const bool held = (s.t_s - t.stretch_start) * 1e9 >= double(t.for_ns) - 1e6;
        if (held) {
          if (!t.counted) {
            t.counted = true;
            t.out.onset_s = t.stretch_start;
            t.out.phase = PhaseAt(phases, t.stretch_start);
            t.out.finding = f;
            t.out.samples = t.stretch_samples;
          } else {
            if (Worse(f, t.out.finding)) t.out.finding = f;
            ++t.out.samples;
          }
          t.out.end_s = s.t_s;
        }
      }
      // Stretches that did not fire on this sample end here.
      for (auto& [key, t] : tracks) {
        if (t.last_sample != i) t.in_stretch = false;
      }
    }
    for (auto& [key, t] : tracks) {
      // Still holding at the end: the last reading fired and counted for this episode.
      t.out.active_at_end = t.counted && t.last_sample == n - 1 && t.in_stretch &&
                            t.out.end_s == c.samples[n - 1].t_s;
      close(t);
    }
  }
  std::sort(out.begin(), out.end(), [](const ObservedFinding& a, const ObservedFinding& b) {
    if (a.onset_s != b.onset_s) return a.onset_s < b.onset_s;
    return a.finding.id < b.finding.id;
  });
  return out;
}

std::string DescribeOnset(const ObservedFinding& f) {
  std::string when = fmt::format("began at {:.1f}s", f.onset_s);
  if (!f.phase.empty()) when += " in phase " + f.phase;
  if (f.active_at_end) {
    when += ", still at the end";
  } else if (f.end_s > f.onset_s) {
    when += fmt::format(", last seen at {:.1f}s", f.end_s);
  }
  return when;
}

}  // namespace vitals
