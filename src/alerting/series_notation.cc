#include "alerting/series_notation.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "promql/parser.h"

namespace vitals::alerting {
namespace {

bool ParseNumber(const std::string& s, double* v) {
  if (s.empty() || s.find_first_of("xX") != std::string::npos) return false;  // no hex: 0x3 is axn
  char* end = nullptr;
  *v = std::strtod(s.c_str(), &end);
  return end != nullptr && *end == '\0';
}

bool ParseCount(const std::string& s, long* n) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  *n = std::strtol(s.c_str(), nullptr, 10);
  return *n <= 1'000'000;
}

}  // namespace

Result<std::vector<std::optional<double>>> ParseSeriesValues(std::string_view text) {
  std::vector<std::optional<double>> out;
  std::istringstream in{std::string(text)};
  std::string item;
  while (in >> item) {
    auto bad = [&]() {
      return Status::InvalidArgument(fmt::format(
          "bad series value item \"{}\" (expected a number, a+bxn, axn, _, _xn or stale)", item));
    };
    if (item == "_") {
      out.emplace_back(std::nullopt);
      continue;
    }
    if (item == "stale") {
      out.emplace_back(promql::StaleNaN());
      continue;
    }
    double v = 0;
    if (ParseNumber(item, &v)) {
      out.emplace_back(v);
      continue;
    }
    size_t x = item.rfind('x');
    long n = 0;
    if (x == std::string::npos || x == 0 || !ParseCount(item.substr(x + 1), &n)) return bad();
    std::string head = item.substr(0, x);
    if (head == "_") {
      for (long i = 0; i < n; ++i) out.emplace_back(std::nullopt);
      continue;
    }
    // The operator splitting a and b: a '+' or '-' not at the start and not
    // part of an exponent.
    size_t op = std::string::npos;
    for (size_t i = 1; i < head.size(); ++i) {
      if ((head[i] == '+' || head[i] == '-') && head[i - 1] != 'e' && head[i - 1] != 'E') {
        op = i;
        break;
      }
    }
    double a = 0, b = 0;
    if (op == std::string::npos) {
      if (!ParseNumber(head, &a)) return bad();
    } else {
      if (!ParseNumber(head.substr(0, op), &a) || !ParseNumber(head.substr(op + 1), &b))
        return bad();
      if (head[op] == '-') b = -b;
    }
    for (long i = 0; i <= n; ++i) out.emplace_back(a + b * double(i));
  }
  return out;
}

Result<promql::Labels> ParseSeriesLabels(std::string_view text) {
  std::string_view t = text;
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  if (t.empty() || t == "{}") return promql::Labels();
  auto parsed = promql::Parse(t);
  if (!parsed.ok()) {
    return Status::InvalidArgument(
        fmt::format("bad series labels '{}': {}", text, parsed.status().message()));
  }
  const promql::Expr& e = **parsed;
  if (e.kind != promql::ExprKind::kVectorSelector || e.offset_ms != 0) {
    return Status::InvalidArgument(
        fmt::format("bad series labels '{}': expected name{{label=\"value\", ...}}", text));
  }
  std::vector<promql::Label> labels;
  for (const auto& m : e.matchers) {
    if (m.op != promql::MatchOp::kEqual) {
      return Status::InvalidArgument(
          fmt::format("bad series labels '{}': only label=\"value\" is allowed", text));
    }
    labels.push_back({m.name, m.value});
  }
  return promql::Labels(std::move(labels));
}

}  // namespace vitals::alerting
