#include "collect/prom_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace vitals {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsMetricNameChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '_' || c == ':'; }
bool IsLabelNameChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '_'; }

// Quotes a token for an error message: printable, and short even when a
// fuzzer or a broken exporter hands us a megabyte-long token.
std::string Quote(std::string_view s) {
  constexpr size_t kMax = 60;
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > kMax) out += "...";
  out += '"';
  return out;
}

// name{a="1",b="2"}, shortened for messages.
std::string SeriesString(const PromSample& s) {
  std::string out = s.name;
  if (!s.labels.empty()) {
    out += '{';
    for (size_t i = 0; i < s.labels.size(); ++i) {
      if (i > 0) out += ',';
      out += s.labels[i].name + "=" + Quote(s.labels[i].value);
    }
    out += '}';
  }
  if (out.size() > 200) out = out.substr(0, 200) + "...";
  return out;
}

Status LineError(int line, std::string_view what) {
  return Status::Parse(fmt::format("line {}: {}", line, what));
}

// Go's strconv.ParseFloat as Prometheus uses it, minus hex floats: an optional
// sign, decimal digits with optional fraction and exponent, or Inf/Infinity/NaN
// in any case.  The whole token must be used.
bool ParseFloatToken(std::string_view tok, double* out) {
  bool negative = false;
  if (!tok.empty() && (tok[0] == '+' || tok[0] == '-')) {
    negative = tok[0] == '-';
    tok.remove_prefix(1);
  }
  if (tok.empty() || tok[0] == '+' || tok[0] == '-') return false;
  // from_chars would also take "nan(chars)"; Go does not.
  if (tok.find('(') != std::string_view::npos) return false;
  double v = 0;
  auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
  if (ec != std::errc() || ptr != tok.data() + tok.size()) return false;
  *out = negative ? -v : v;
  return true;
}

bool ParseInt64Token(std::string_view tok, int64_t* out) {
  if (!tok.empty() && tok[0] == '+') tok.remove_prefix(1);
  if (tok.empty()) return false;
  auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), *out);
  return ec == std::errc() && ptr == tok.data() + tok.size();
}

// A position inside one line.
class Cursor {
 public:
  explicit Cursor(std::string_view line) : line_(line) {}
  bool AtEnd() const { return pos_ >= line_.size(); }
  char Peek() const { return line_[pos_]; }
  void Advance() { ++pos_; }
  void SkipBlanks() {
    while (!AtEnd() && IsBlank(line_[pos_])) ++pos_;
  }
  // Up to the next blank (or end of line).
  std::string_view Token() {
    size_t start = pos_;
    while (!AtEnd() && !IsBlank(line_[pos_])) ++pos_;
    return line_.substr(start, pos_ - start);
  }
  template <typename Pred>
  std::string_view TakeWhile(Pred pred) {
    size_t start = pos_;
    while (!AtEnd() && pred(line_[pos_])) ++pos_;
    return line_.substr(start, pos_ - start);
  }
  std::string_view Rest() const { return line_.substr(std::min(pos_, line_.size())); }

 private:
  std::string_view line_;
  size_t pos_ = 0;
};

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

bool ParseMetricType(std::string_view tok, MetricType* out) {
  std::string lower(tok);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "counter")
    *out = MetricType::kCounter;
  else if (lower == "gauge")
    *out = MetricType::kGauge;
  else if (lower == "histogram")
    *out = MetricType::kHistogram;
  else if (lower == "summary")
    *out = MetricType::kSummary;
  else if (lower == "untyped")
    *out = MetricType::kUntyped;
  else
    return false;
  return true;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Bookkeeping for the strictness checks, parallel to the family list.
struct FamilyState {
  int type_line = 0;
  int help_line = 0;
  int first_sample_line = 0;
};

class Parser {
 public:
  Result<std::vector<MetricFamily>> Run(std::string_view text) {
    int line_no = 0;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view line = text.substr(pos, nl - pos);
      pos = nl + 1;
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      Cursor cur(line);
      cur.SkipBlanks();
      if (cur.AtEnd()) continue;
      Status st = cur.Peek() == '#' ? ParseComment(cur, line_no) : ParseSample(cur, line_no);
      if (!st.ok()) return st;
    }
    return std::move(families_);
  }

 private:
  size_t FamilyIndex(const std::string& name) {
    auto it = index_.find(name);
    if (it != index_.end()) return it->second;
    families_.push_back(MetricFamily{name, MetricType::kUntyped, "", {}});
    states_.emplace_back();
    index_.emplace(name, families_.size() - 1);
    return families_.size() - 1;
  }

  Status ParseComment(Cursor& cur, int line) {
    cur.Advance();  // '#'
    cur.SkipBlanks();
    std::string_view keyword = cur.Token();
    if (keyword != "HELP" && keyword != "TYPE") return Status::Ok();  // plain comment
    cur.SkipBlanks();
    std::string_view name = cur.Token();
    if (name.empty()) {
      return LineError(line, fmt::format("truncated # {} line: missing metric name", keyword));
    }
    if (!IsValidMetricName(name)) {
      return LineError(line, fmt::format("invalid metric name {} in # {} line: names match "
                                         "[a-zA-Z_:][a-zA-Z0-9_:]*",
                                         Quote(name), keyword));
    }
    size_t fi = FamilyIndex(std::string(name));
    FamilyState& state = states_[fi];
    cur.SkipBlanks();
    if (keyword == "HELP") {
      if (state.help_line != 0) {
        return LineError(line, fmt::format("second HELP line for {} (first on line {})",
                                           Quote(name), state.help_line));
      }
      std::string help;
      std::string_view raw = TrimRight(cur.Rest());
      for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\\') {
          help += raw[i];
          continue;
        }
        if (i + 1 == raw.size()) {
          return LineError(line, fmt::format("bad HELP text for {}: lone backslash at the end "
                                             "(write \\\\ for a backslash)",
                                             Quote(name)));
        }
        char e = raw[++i];
        if (e == '\\') {
          help += '\\';
        } else if (e == 'n') {
          help += '\n';
        } else {
          return LineError(line, fmt::format("bad HELP text for {}: invalid escape sequence "
                                             "\"\\{}\" (only \\\\ and \\n are allowed)",
                                             Quote(name), e));
        }
      }
      state.help_line = line;
      families_[fi].help = std::move(help);
      return Status::Ok();
    }
    // TYPE
    if (state.type_line != 0) {
      return LineError(line, fmt::format("second TYPE line for {} (first on line {})", Quote(name),
                                         state.type_line));
    }
    if (state.first_sample_line != 0) {
      return LineError(line, fmt::format("TYPE line for {} comes after its samples (first sample "
                                         "on line {}); TYPE must precede the samples",
                                         Quote(name), state.first_sample_line));
    }
    std::string_view type_tok = cur.Token();
    if (type_tok.empty()) {
      return LineError(line,
                       fmt::format("truncated # TYPE line: missing type for {}", Quote(name)));
    }
    MetricType type;
    if (!ParseMetricType(type_tok, &type)) {
      return LineError(line, fmt::format("unknown metric type {} for {} (expected counter, gauge, "
                                         "histogram, summary or untyped)",
                                         Quote(type_tok), Quote(name)));
    }
    cur.SkipBlanks();
    if (!cur.AtEnd()) {
      return LineError(line, fmt::format("unexpected text {} after the type in # TYPE line for {}",
                                         Quote(cur.Rest()), Quote(name)));
    }
    state.type_line = line;
    families_[fi].type = type;
    return Status::Ok();
  }

  Status ParseLabels(Cursor& cur, int line, std::string_view metric, PromSample* sample) {
    cur.Advance();  // '{'
    while (true) {
      cur.SkipBlanks();
      if (cur.AtEnd()) {
        return LineError(line, fmt::format("truncated line: missing '}}' after the labels of {}",
                                           Quote(metric)));
      }
      if (cur.Peek() == '}') break;
      std::string_view lname = cur.TakeWhile(IsLabelNameChar);
      if (lname.empty() || IsDigit(lname[0])) {
        std::string_view bad = lname.empty() ? cur.Token() : lname;
        return LineError(line, fmt::format("invalid label name {} in {}: label names match "
                                           "[a-zA-Z_][a-zA-Z0-9_]*",
                                           Quote(bad), Quote(metric)));
      }
      if (lname.size() >= 2 && lname[0] == '_' && lname[1] == '_') {
        return LineError(line, fmt::format("label name {} in {} is reserved (names starting with "
                                           "\"__\" are for Prometheus itself)",
                                           Quote(lname), Quote(metric)));
      }
      cur.SkipBlanks();
      if (cur.AtEnd() || cur.Peek() != '=') {
        return LineError(line, fmt::format("expected '=' after label name {} in {}", Quote(lname),
                                           Quote(metric)));
      }
      cur.Advance();
      cur.SkipBlanks();
      if (cur.AtEnd() || cur.Peek() != '"') {
        return LineError(
            line, fmt::format("bad label value for {}: expected an opening quote", Quote(lname)));
      }
      cur.Advance();
      std::string value;
      bool closed = false;
      while (!cur.AtEnd()) {
        char c = cur.Peek();
        cur.Advance();
        if (c == '"') {
          closed = true;
          break;
        }
        if (c != '\\') {
          value += c;
          continue;
        }
        if (cur.AtEnd()) break;
        char e = cur.Peek();
        cur.Advance();
        if (e == '\\' || e == '"') {
          value += e;
        } else if (e == 'n') {
          value += '\n';
        } else {
          return LineError(line, fmt::format("bad label value for {}: invalid escape sequence "
                                             "\"\\{}\" (only \\\\, \\\" and \\n are allowed)",
                                             Quote(lname), e));
        }
      }
      if (!closed) {
        return LineError(
            line, fmt::format("bad label value for {}: missing closing quote", Quote(lname)));
      }
      sample->labels.push_back(PromLabel{std::string(lname), std::move(value)});
      cur.SkipBlanks();
      if (cur.AtEnd()) {
        return LineError(line, fmt::format("truncated line: missing '}}' after the labels of {}",
                                           Quote(metric)));
      }
      if (cur.Peek() == ',') {
        cur.Advance();
        continue;
      }
      if (cur.Peek() != '}') {
        return LineError(line, fmt::format("expected ',' or '}}' after label {} in {}, found {}",
                                           Quote(lname), Quote(metric), Quote(cur.Rest())));
      }
    }
    cur.Advance();  // '}'
    std::sort(sample->labels.begin(), sample->labels.end(),
              [](const PromLabel& a, const PromLabel& b) { return a.name < b.name; });
    for (size_t i = 1; i < sample->labels.size(); ++i) {
      if (sample->labels[i].name == sample->labels[i - 1].name) {
        return LineError(line, fmt::format("duplicate label {} in {}",
                                           Quote(sample->labels[i].name), Quote(metric)));
      }
    }
    return Status::Ok();
  }

  // The family a sample name belongs to (see the header), creating an untyped
  // family of that name when there is none.
  size_t FamilyForSample(const std::string& name) {
    auto it = index_.find(name);
    if (it != index_.end()) return it->second;
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (!EndsWith(name, suffix)) continue;
      auto base = index_.find(name.substr(0, name.size() - suffix.size()));
      if (base == index_.end()) continue;
      MetricType t = families_[base->second].type;
      if (t == MetricType::kHistogram || (t == MetricType::kSummary && suffix != "_bucket")) {
        return base->second;
      }
    }
    return FamilyIndex(name);
  }

  Status CheckShape(const MetricFamily& fam, const PromSample& s, int line) {
    if (fam.type == MetricType::kHistogram) {
      if (s.name == fam.name) {
        return LineError(line,
                         fmt::format("sample {} does not belong to histogram {}: expected "
                                     "{}_bucket, {}_sum or {}_count",
                                     Quote(s.name), Quote(fam.name), fam.name, fam.name, fam.name));
      }
      if (EndsWith(s.name, "_bucket")) {
        const std::string* le = s.Label("le");
        if (le == nullptr) {
          return LineError(line,
                           fmt::format("histogram bucket {} has no \"le\" label", Quote(s.name)));
        }
        double bound;
        if (!ParseFloatToken(*le, &bound) || std::isnan(bound)) {
          return LineError(line, fmt::format("bad \"le\" label value {} for {}: expected a number "
                                             "or +Inf",
                                             Quote(*le), Quote(s.name)));
        }
      }
    } else if (fam.type == MetricType::kSummary && s.name == fam.name) {
      const std::string* q = s.Label("quantile");
      if (q == nullptr) {
        return LineError(line,
                         fmt::format("summary sample {} has no \"quantile\" label", Quote(s.name)));
      }
      double qv;
      if (!ParseFloatToken(*q, &qv)) {
        return LineError(line, fmt::format("bad \"quantile\" label value {} for {}: expected a "
                                           "number",
                                           Quote(*q), Quote(s.name)));
      }
    }
    return Status::Ok();
  }

  Status ParseSample(Cursor& cur, int line) {
    PromSample sample;
    sample.line = line;
    std::string_view name = cur.TakeWhile(IsMetricNameChar);
    bool name_ends_ok = cur.AtEnd() || IsBlank(cur.Peek()) || cur.Peek() == '{';
    if (name.empty() || IsDigit(name[0]) || !name_ends_ok) {
      std::string_view bad = name;
      if (!name_ends_ok || name.empty()) {
        std::string_view rest = cur.TakeWhile([](char c) { return !IsBlank(c) && c != '{'; });
        bad = std::string_view(name.data(), name.size() + rest.size());
      }
      return LineError(line, fmt::format("invalid metric name {}: names match "
                                         "[a-zA-Z_:][a-zA-Z0-9_:]*",
                                         Quote(bad)));
    }
    sample.name = std::string(name);
    cur.SkipBlanks();
    if (!cur.AtEnd() && cur.Peek() == '{') {
      VITALS_RETURN_IF_ERROR(ParseLabels(cur, line, name, &sample));
      cur.SkipBlanks();
    }
    if (cur.AtEnd()) {
      return LineError(line, fmt::format("truncated line: missing value for {}", Quote(name)));
    }
    std::string_view value_tok = cur.Token();
    if (!ParseFloatToken(value_tok, &sample.value)) {
      return LineError(line, fmt::format("bad value {} for {}: expected a float such as 1, "
                                         "2.5e3, NaN, +Inf or -Inf",
                                         Quote(value_tok), Quote(name)));
    }
    cur.SkipBlanks();
    if (!cur.AtEnd()) {
      std::string_view ts_tok = cur.Token();
      int64_t ts;
      if (!ParseInt64Token(ts_tok, &ts)) {
        return LineError(line, fmt::format("bad timestamp {} for {}: expected an integer number "
                                           "of milliseconds since the epoch",
                                           Quote(ts_tok), Quote(name)));
      }
      sample.timestamp_ms = ts;
      cur.SkipBlanks();
      if (!cur.AtEnd()) {
        return LineError(line, fmt::format("unexpected text {} after the timestamp of {}",
                                           Quote(cur.Rest()), Quote(name)));
      }
    }

    size_t fi = FamilyForSample(sample.name);
    MetricFamily& fam = families_[fi];
    VITALS_RETURN_IF_ERROR(CheckShape(fam, sample, line));

    // A repeated series would be counted twice by every sum we take later.
    std::string key = sample.name;
    for (const PromLabel& l : sample.labels) {
      key += '\0';
      key += l.name;
      key += '\0';
      key += l.value;
    }
    auto [it, inserted] = series_.emplace(std::move(key), line);
    if (!inserted) {
      return LineError(line, fmt::format("duplicate series {} (first on line {})",
                                         SeriesString(sample), it->second));
    }
    if (states_[fi].first_sample_line == 0) states_[fi].first_sample_line = line;
    fam.samples.push_back(std::move(sample));
    return Status::Ok();
  }

  std::vector<MetricFamily> families_;
  std::vector<FamilyState> states_;
  std::unordered_map<std::string, size_t> index_;
  std::unordered_map<std::string, int> series_;  // series key -> first line
};

}  // namespace

std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kSummary:
      return "summary";
    case MetricType::kUntyped:
      break;
  }
  return "untyped";
}

const std::string* PromSample::Label(std::string_view label_name) const {
  for (const PromLabel& l : labels) {
    if (l.name == label_name) return &l.value;
  }
  return nullptr;
}

bool ParsePromFloat(std::string_view text, double* out) { return ParseFloatToken(text, out); }

bool IsValidMetricName(std::string_view name) {
  if (name.empty() || IsDigit(name[0])) return false;
  return std::all_of(name.begin(), name.end(), IsMetricNameChar);
}

Result<std::vector<MetricFamily>> ParsePromText(std::string_view text) {
  return Parser().Run(text);
}

}  // namespace vitals
