#include "load/schedule.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <fmt/format.h>

#include "core/units.h"

namespace vitals {

LoadPlan::LoadPlan(std::vector<Stage> stages, LoadModel default_model)
    : stages_(std::move(stages)) {
  double cum = 0;
  int64_t t = 0;
  for (Stage& s : stages_) {
    if (!s.model) s.model = default_model;
    const bool open = *s.model == LoadModel::kOpen;
    rate_start_.push_back(open ? s.start : 0);
    rate_end_.push_back(open ? s.end : 0);
    start_ns_.push_back(t);
    cum_start_.push_back(cum);
    cum += (rate_start_.back() + rate_end_.back()) / 2.0 * (double(s.duration_ns) / 1e9);
    t += s.duration_ns;
  }
  total_ns_ = t;
  total_cum_ = cum;
}

Status LoadPlan::Validate(const std::vector<Stage>& stages) {
  if (stages.empty()) return Status::InvalidArgument("the load plan has no stages");
  for (size_t i = 0; i < stages.size(); ++i) {
    const Stage& s = stages[i];
    if (s.duration_ns <= 0) {
      return Status::InvalidArgument(
          fmt::format("stage {} ('{}'): duration must be > 0", i + 1, s.name));
    }
    if (!(s.start >= 0) || !(s.end >= 0) || !std::isfinite(s.start) || !std::isfinite(s.end)) {
      return Status::InvalidArgument(
          fmt::format("stage {} ('{}'): levels must be finite and >= 0", i + 1, s.name));
    }
  }
  return Status::Ok();
}

int LoadPlan::StageAt(int64_t t_ns) const {
  for (size_t i = stages_.size(); i-- > 0;) {
    if (t_ns >= start_ns_[i]) return int(i);
  }
  return 0;
}

double LoadPlan::LevelAt(int64_t t_ns) const {
  int i = StageAt(t_ns);
  const Stage& s = stages_[i];
  double f = double(t_ns - start_ns_[i]) / double(s.duration_ns);
  f = std::clamp(f, 0.0, 1.0);
  return s.start + (s.end - s.start) * f;
}

double LoadPlan::ConnectionsAt(int64_t t_ns) const {
  return ModelAt(t_ns) == LoadModel::kClosed ? LevelAt(t_ns) : 0;
}

bool LoadPlan::HasOpenStage() const {
  return std::any_of(stages_.begin(), stages_.end(),
                     [](const Stage& s) { return *s.model == LoadModel::kOpen; });
}

bool LoadPlan::HasClosedStage() const {
  return std::any_of(stages_.begin(), stages_.end(),
                     [](const Stage& s) { return *s.model == LoadModel::kClosed; });
}

double LoadPlan::CumulativeAt(int64_t t_ns) const {
  if (t_ns <= 0) return 0;
  if (t_ns >= total_ns_) return total_cum_;
  int i = StageAt(t_ns);
  const Stage& s = stages_[i];
  double tau = double(t_ns - start_ns_[i]) / 1e9;
  double d = double(s.duration_ns) / 1e9;
  return cum_start_[i] + rate_start_[i] * tau +
         (rate_end_[i] - rate_start_[i]) * tau * tau / (2 * d);
}

uint64_t LoadPlan::TotalRequests() const {
  // Request k is due at N^-1(k); k is in the plan when its due time < total.
  // With a tiny tolerance so that 1000 req/s for 10 s is exactly 10000.
  double n = total_cum_ - 1e-9 * std::max(1.0, total_cum_);
  return n <= 0 ? 0 : uint64_t(std::floor(n)) + 1;
}

int64_t LoadPlan::DueNs(uint64_t k) const {
  if (k >= TotalRequests()) return -1;
  double target = double(k);
  // Last stage whose start integral is <= k (stages with zero rate are skipped
  // naturally because their integral does not grow).
  size_t i = stages_.size() - 1;
  while (i > 0 && cum_start_[i] > target) --i;
  while (i + 1 < stages_.size() && cum_start_[i + 1] <= target &&
         cum_start_[i + 1] > cum_start_[i]) {
    ++i;
  }
  const Stage& s = stages_[i];
  double d = double(s.duration_ns) / 1e9;
  double c = target - cum_start_[i];
  double a = (rate_end_[i] - rate_start_[i]) / (2 * d);
  double b = rate_start_[i];
  double tau;
  if (c <= 0) {
    tau = 0;
  } else if (std::fabs(a) < 1e-12) {
    tau = b > 0 ? c / b : d;
  } else {
    double disc = b * b + 4 * a * c;
    tau = disc <= 0 ? d : 2 * c / (b + std::sqrt(disc));
  }
  tau = std::clamp(tau, 0.0, d);
  return start_ns_[i] + int64_t(std::llround(tau * 1e9));
}

Result<std::vector<Stage>> ParseStages(const std::string& text) {
  std::vector<Stage> out;
  std::stringstream ss(text);
  std::string item;
  double prev = 0;
  while (std::getline(ss, item, ',')) {
    auto colon = item.find(':');
    auto bad = [&](const std::string& why) {
      return Status::InvalidArgument(fmt::format(
          "--stages item {} '{}': {}; expected DURATION:LEVEL or DURATION:FROM-TO, e.g. "
          "30s:100,1m:100,10s:500",
          out.size() + 1, item, why));
    };
    if (colon == std::string::npos) return bad("missing ':'");
    auto dur = ParseDurationNs(item.substr(0, colon));
    if (!dur.ok()) return bad(dur.status().message());
    if (*dur <= 0) return bad("duration must be > 0");
    std::string level = item.substr(colon + 1);
    Stage s{fmt::format("stage {}", out.size() + 1), *dur, prev, 0};
    auto dash = level.find('-');
    if (dash != std::string::npos && dash > 0) {
      auto from = ParseDouble(level.substr(0, dash));
      auto to = ParseDouble(level.substr(dash + 1));
      if (!from.ok() || !to.ok() || *from < 0 || *to < 0) return bad("levels must be numbers >= 0");
      s.start = *from;
      s.end = *to;
    } else {
      auto to = ParseDouble(level);
      if (!to.ok() || *to < 0) return bad("level must be a number >= 0");
      s.end = *to;
    }
    prev = s.end;
    out.push_back(std::move(s));
  }
  if (out.empty()) return Status::InvalidArgument("--stages is empty; e.g. 30s:100,1m:100,10s:500");
  return out;
}

}  // namespace vitals
