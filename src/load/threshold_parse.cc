// ParseThreshold: a hand-written scanner over the expression, so that every error can say what
// was expected and at which column (the grammar is in thresholds.h and docs/scenario.md).
#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "core/units.h"
#include "load/thresholds.h"

namespace vitals {
namespace {

constexpr std::string_view kMetricList =
    "p(N), avg, med, min, max, error_rate, rate, requests, errors, dropped, late_sends, "
    "alerts_firing, "
    "status_NNN or status_Nxx";
constexpr std::string_view kOpList = "<, <=, >, >=, == or !=";

bool IsLatency(ThresholdMetric m) {
  return m == ThresholdMetric::kPercentile || m == ThresholdMetric::kAvg ||
         m == ThresholdMetric::kMed || m == ThresholdMetric::kMin || m == ThresholdMetric::kMax;
}

bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// k6 metric names users will try first, and what to write instead.
std::string K6Hint(std::string_view ident) {
  if (ident == "http_req_duration") return "; vitals names the statistic: p(95)<500ms, avg<200ms";
  if (ident == "http_req_failed") return "; write error_rate<1%";
  if (ident == "http_reqs") return "; write rate>=100 (req/s) or requests>=1000";
  return "";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Result<Threshold> Parse() {
    // Names end up in JSON, XML and terminals: refuse bytes none of them can carry.
    if (size_t bad = detail::FirstInvalidUtf8(s_); bad != std::string_view::npos) {
      return Error(bad, "invalid UTF-8");
    }
    for (size_t i = 0; i < s_.size(); ++i) {
      const auto c = static_cast<unsigned char>(s_[i]);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return Error(i, fmt::format("unexpected control character 0x{:02x}", c));
      }
    }
    t_.expr = std::string(s_);
    VITALS_RETURN_IF_ERROR(ParseMetric());
    SkipSpace();
    if (Peek() == '{') VITALS_RETURN_IF_ERROR(ParseScope());
    VITALS_RETURN_IF_ERROR(ParseOp());
    VITALS_RETURN_IF_ERROR(ParseValue());
    VITALS_RETURN_IF_ERROR(ParseWindow());
    VITALS_RETURN_IF_ERROR(CheckCombination());
    return std::move(t_);
  }

 private:
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool AtEnd() const { return pos_ >= s_.size(); }
  void SkipSpace() {
    while (pos_ < s_.size() && IsSpace(s_[pos_])) ++pos_;
  }
  std::string_view Ident() {
    size_t b = pos_;
    while (pos_ < s_.size() && IsIdentChar(s_[pos_])) ++pos_;
    return s_.substr(b, pos_ - b);
  }
  // Up to the next whitespace (a value or a window).
  std::string_view Word() {
    size_t b = pos_;
    while (pos_ < s_.size() && !IsSpace(s_[pos_])) ++pos_;
    return s_.substr(b, pos_ - b);
  }
  std::string Got() const {
    if (AtEnd()) return "the end";
    return fmt::format("'{}'", s_[pos_]);
  }
  Status Error(size_t at, std::string_view what) const {
    return Status::InvalidArgument(
        fmt::format("threshold '{}': {} at column {}", s_, what, at + 1));
  }

  Status ParseMetric() {
    SkipSpace();
    const size_t at = pos_;
    std::string_view id = Ident();
    if (id.empty()) {
      return Error(at, fmt::format("expected a metric such as p(95), avg, error_rate or rate, "
                                   "got {}",
                                   Got()));
    }
    if (id == "p") return ParsePercentile();
    if (id.size() > 1 && id[0] == 'p' &&
        std::all_of(id.begin() + 1, id.end(), [](char c) { return std::isdigit(uint8_t(c)); })) {
      return Error(at + 1, fmt::format("expected '(' after 'p': write p({})", id.substr(1)));
    }
    static const std::pair<std::string_view, ThresholdMetric> kNames[] = {
        {"avg", ThresholdMetric::kAvg},
        {"med", ThresholdMetric::kMed},
        {"min", ThresholdMetric::kMin},
        {"max", ThresholdMetric::kMax},
        {"error_rate", ThresholdMetric::kErrorRate},
        {"rate", ThresholdMetric::kRate},
        {"requests", ThresholdMetric::kRequests},
        {"errors", ThresholdMetric::kErrors},
        {"dropped", ThresholdMetric::kDropped},
        {"late_sends", ThresholdMetric::kLateSends},
        {"alerts_firing", ThresholdMetric::kAlertsFiring},
    };
    for (const auto& [name, metric] : kNames) {
      if (id == name) {
        t_.metric = metric;
        return Status::Ok();
      }
    }
    if (id.substr(0, 7) == "status_") return ParseStatus(at, id.substr(7));
    std::vector<std::string> names = {"p", "status_5xx"};
    for (const auto& [name, metric] : kNames) names.emplace_back(name);
    std::string hint = K6Hint(id);
    if (hint.empty()) {
      std::string near = detail::ClosestMatch(id, names);
      if (near == "p") near = "p(95)";
      if (!near.empty()) hint = fmt::format("; did you mean '{}'?", near);
    }
    return Error(at, fmt::format("unknown metric '{}'{} (expected {})", id, hint, kMetricList));
  }

  Status ParsePercentile() {
    if (Peek() != '(') return Error(pos_, "expected '(' after 'p', e.g. p(95)");
    ++pos_;
    SkipSpace();
    const size_t at = pos_;
    while (pos_ < s_.size() && (std::isdigit(uint8_t(s_[pos_])) || s_[pos_] == '.')) ++pos_;
    std::string_view num = s_.substr(at, pos_ - at);
    if (num.empty()) {
      return Error(
          at, fmt::format("expected a percentile between 0 and 100 after 'p(', got {}", Got()));
    }
    Result<double> p = ParseDouble(num);
    if (!p.ok() || *p < 0 || *p > 100) {
      return Error(at, fmt::format("expected a percentile between 0 and 100, got '{}'", num));
    }
    SkipSpace();
    if (Peek() != ')') return Error(pos_, "expected ')' after the percentile");
    ++pos_;
    t_.metric = ThresholdMetric::kPercentile;
    t_.percentile = *p;
    return Status::Ok();
  }

  Status ParseStatus(size_t at, std::string_view rest) {
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (rest.size() == 3 && digit(rest[0]) && rest[1] == 'x' && rest[2] == 'x' && rest[0] >= '1' &&
        rest[0] <= '5') {
      t_.metric = ThresholdMetric::kStatusClass;
      t_.status = rest[0] - '0';
      return Status::Ok();
    }
    if (rest.size() == 3 && digit(rest[0]) && digit(rest[1]) && digit(rest[2])) {
      int code = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
      if (code >= 100 && code <= 599) {
        t_.metric = ThresholdMetric::kStatusCode;
        t_.status = code;
        return Status::Ok();
      }
    }
    return Error(at + 7, fmt::format("expected a status code (100-599) like status_503 or a class "
                                     "like status_5xx, got 'status_{}'",
                                     rest));
  }

  Status ParseScope() {
    const size_t open = pos_;
    scope_at_ = pos_;
    ++pos_;  // '{'
    for (;;) {
      SkipSpace();
      const size_t at = pos_;
      std::string_view key = Ident();
      if (key == "uncorrected") {
        if (t_.uncorrected) return Error(at, "'uncorrected' given twice in the scope");
        t_.uncorrected = true;
        uncorrected_at_ = at;
      } else if (key == "phase" || key == "request") {
        std::string& out = key == "phase" ? t_.phase : t_.request;
        if (!out.empty()) return Error(at, fmt::format("'{}' given twice in the scope", key));
        SkipSpace();
        if (Peek() != ':') {
          return Error(pos_, fmt::format("expected ':' after '{}', e.g. {{{}:{}}}", key, key,
                                         key == "phase" ? "steady" : "login"));
        }
        ++pos_;
        const size_t vb = pos_;
        while (pos_ < s_.size() && s_[pos_] != ',' && s_[pos_] != '}') ++pos_;
        std::string_view name = Trim(s_.substr(vb, pos_ - vb));
        if (name.empty()) return Error(vb, fmt::format("expected a {} name after '{}:'", key, key));
        out = std::string(name);
        if (key == "request") request_at_ = at;
      } else if (key.empty()) {
        return Error(at, fmt::format("expected phase:NAME, request:NAME or uncorrected in the "
                                     "scope, got {}",
                                     Got()));
      } else {
        std::string near = detail::ClosestMatch(key, {"phase", "request", "uncorrected"});
        return Error(at, fmt::format("unknown scope '{}'{} (expected phase:NAME, request:NAME or "
                                     "uncorrected)",
                                     key, near.empty() ? "" : "; did you mean '" + near + "'?"));
      }
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') {
        ++pos_;
        return Status::Ok();
      }
      return Error(pos_, fmt::format("expected ',' or '}}' to close the scope opened at column {}, "
                                     "got {}",
                                     open + 1, Got()));
    }
  }

  Status ParseOp() {
    SkipSpace();
    const size_t at = pos_;
    std::string_view two = s_.substr(pos_, std::min<size_t>(2, s_.size() - pos_));
    if (two == "<=")
      t_.op = ThresholdOp::kLe;
    else if (two == ">=")
      t_.op = ThresholdOp::kGe;
    else if (two == "==")
      t_.op = ThresholdOp::kEq;
    else if (two == "!=")
      t_.op = ThresholdOp::kNe;
    else if (Peek() == '<')
      t_.op = ThresholdOp::kLt;
    else if (Peek() == '>')
      t_.op = ThresholdOp::kGt;
    else if (Peek() == '=')
      return Error(at, "expected an operator; write '==' to compare for equality");
    else {
      return Error(
          at, fmt::format("expected an operator ({}) after the metric, got {}", kOpList, Got()));
    }
    pos_ += ThresholdOpText(t_.op).size();
    return Status::Ok();
  }

  Status ParseValue() {
    SkipSpace();
    const size_t at = pos_;
    std::string_view word = Word();
    const std::string_view op = ThresholdOpText(t_.op);
    if (IsLatency(t_.metric)) {
      if (word.empty())
        return Error(at, fmt::format("expected a duration like 500ms after '{}'", op));
      Result<int64_t> ns = ParseDurationNs(word);
      if (!ns.ok() || *ns < 0) {
        bool bare = ParseDouble(word).ok();
        return Error(
            at, fmt::format("expected a duration with a unit (us, ms, s), e.g. 500ms, got "
                            "'{}'{}",
                            word, bare ? " (a bare number is ambiguous; k6 reads it as ms)" : ""));
      }
      t_.limit = double(*ns) / 1e3;
      return Status::Ok();
    }
    if (t_.metric == ThresholdMetric::kErrorRate) {
      if (word.empty()) return Error(at, fmt::format("expected a percent like 1% after '{}'", op));
      Result<double> f = ParseFraction(word);
      if (!f.ok()) {
        return Error(
            at, fmt::format("expected a percent like 1% or a fraction in [0, 1], got '{}'", word));
      }
      t_.limit = *f;
      return Status::Ok();
    }
    std::string_view what = t_.metric == ThresholdMetric::kRate ? "a rate in req/s" : "a count";
    if (word.empty()) return Error(at, fmt::format("expected {} after '{}'", what, op));
    std::string_view num = word;
    if (t_.metric == ThresholdMetric::kRate && num.size() > 2 &&
        num.substr(num.size() - 2) == "/s") {
      num.remove_suffix(2);
    }
    Result<double> v = ParseDouble(num);
    if (!v.ok() || *v < 0 || !(std::isdigit(uint8_t(num[0])) || num[0] == '.')) {
      return Error(at, fmt::format("expected {} (a number >= 0), got '{}'", what, word));
    }
    t_.limit = *v;
    return Status::Ok();
  }

  Status ParseWindow() {
    SkipSpace();
    if (AtEnd()) return Status::Ok();
    const size_t at = pos_;
    std::string_view word = Word();
    if (word != "over") {
      return Error(at, fmt::format("unexpected '{}'; a threshold ends after its value or with "
                                   "'over WINDOW', e.g. over 10s",
                                   word));
    }
    over_at_ = at;
    SkipSpace();
    const size_t wat = pos_;
    std::string_view w = Word();
    if (w.empty()) return Error(wat, "expected a window after 'over', e.g. over 10s");
    Result<int64_t> ns = ParseDurationNs(w);
    if (!ns.ok()) {
      return Error(wat, fmt::format("expected a window duration like 10s or 1m, got '{}'", w));
    }
    if (*ns <= 0) return Error(wat, "the window must be longer than 0");
    t_.window_ns = *ns;
    SkipSpace();
    if (!AtEnd()) {
      return Error(pos_, fmt::format("unexpected '{}' after the window", s_.substr(pos_)));
    }
    return Status::Ok();
  }

  // Refuses thresholds that could never be evaluated (the data does not exist at that scope).
  Status CheckCombination() const {
    const std::string name = ThresholdMetricName(t_);
    if (t_.uncorrected && !IsLatency(t_.metric)) {
      return Error(uncorrected_at_, fmt::format("'uncorrected' applies only to latency metrics "
                                                "(p(N), avg, med, min, max), not {}",
                                                name));
    }
    const bool status =
        t_.metric == ThresholdMetric::kStatusCode || t_.metric == ThresholdMetric::kStatusClass;
    const bool late =
        t_.metric == ThresholdMetric::kLateSends || t_.metric == ThresholdMetric::kAlertsFiring;
    if ((status || late) && (!t_.phase.empty() || !t_.request.empty())) {
      return Error(scope_at_,
                   fmt::format("{} is counted for the whole run only; remove the scope", name));
    }
    if (t_.metric == ThresholdMetric::kDropped && !t_.request.empty()) {
      return Error(request_at_,
                   "dropped is counted per run and per phase, not per request; "
                   "remove request:");
    }
    if ((status || late || t_.metric == ThresholdMetric::kDropped) && t_.window_ns > 0) {
      return Error(over_at_, fmt::format("{} cannot be evaluated over a window (intervals carry "
                                         "requests, errors and latency only); remove 'over'",
                                         name));
    }
    return Status::Ok();
  }

  std::string_view s_;
  size_t pos_ = 0;
  size_t scope_at_ = 0, uncorrected_at_ = 0, request_at_ = 0, over_at_ = 0;
  Threshold t_;
};

}  // namespace

Result<Threshold> ParseThreshold(std::string_view text) { return Parser(Trim(text)).Parse(); }

std::string ThresholdMetricName(const Threshold& t) {
  switch (t.metric) {
    case ThresholdMetric::kPercentile:
      return fmt::format("p({})", t.percentile);
    case ThresholdMetric::kAvg:
      return "avg";
    case ThresholdMetric::kMed:
      return "med";
    case ThresholdMetric::kMin:
      return "min";
    case ThresholdMetric::kMax:
      return "max";
    case ThresholdMetric::kErrorRate:
      return "error_rate";
    case ThresholdMetric::kRate:
      return "rate";
    case ThresholdMetric::kRequests:
      return "requests";
    case ThresholdMetric::kErrors:
      return "errors";
    case ThresholdMetric::kDropped:
      return "dropped";
    case ThresholdMetric::kLateSends:
      return "late_sends";
    case ThresholdMetric::kAlertsFiring:
      return "alerts_firing";
    case ThresholdMetric::kStatusCode:
      return fmt::format("status_{}", t.status);
    case ThresholdMetric::kStatusClass:
      return fmt::format("status_{}xx", t.status);
  }
  return "?";
}

std::string_view ThresholdOpText(ThresholdOp op) {
  switch (op) {
    case ThresholdOp::kLt:
      return "<";
    case ThresholdOp::kLe:
      return "<=";
    case ThresholdOp::kGt:
      return ">";
    case ThresholdOp::kGe:
      return ">=";
    case ThresholdOp::kEq:
      return "==";
    case ThresholdOp::kNe:
      return "!=";
  }
  return "?";
}

std::string_view ThresholdUnit(const Threshold& t) {
  if (IsLatency(t.metric)) return "us";
  if (t.metric == ThresholdMetric::kErrorRate) return "fraction";
  if (t.metric == ThresholdMetric::kRate) return "req/s";
  return "count";
}

std::string FormatThresholdValue(const Threshold& t, double value) {
  if (IsLatency(t.metric)) return FormatDurationUs(value);
  if (t.metric == ThresholdMetric::kErrorRate) return fmt::format("{:.3g}%", value * 100);
  if (t.metric == ThresholdMetric::kRate) return fmt::format("{:.1f} req/s", value);
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{:.0f}", value);
  return fmt::format("{}", value);
}

bool ThresholdHolds(ThresholdOp op, double value, double limit) {
  switch (op) {
    case ThresholdOp::kLt:
      return value < limit;
    case ThresholdOp::kLe:
      return value <= limit;
    case ThresholdOp::kGt:
      return value > limit;
    case ThresholdOp::kGe:
      return value >= limit;
    case ThresholdOp::kEq:
      return value == limit;
    case ThresholdOp::kNe:
      return value != limit;
  }
  return false;
}

namespace detail {

size_t FirstInvalidUtf8(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  auto cont = [&](size_t k) { return k < n && (byte(k) & 0xC0) == 0x80; };
  while (i < n) {
    const unsigned char c = byte(i);
    if (c < 0x80) {
      ++i;
    } else if (c >= 0xC2 && c <= 0xDF) {
      if (!cont(i + 1)) return i;
      i += 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      if (!cont(i + 1) || !cont(i + 2)) return i;
      const unsigned char c1 = byte(i + 1);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F)) return i;  // overlong, surrogate
      i += 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return i;
      const unsigned char c1 = byte(i + 1);
      if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F)) return i;  // overlong, > U+10FFFF
      i += 4;
    } else {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace detail
}  // namespace vitals
