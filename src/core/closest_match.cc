#include "core/closest_match.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace vitals::detail {

std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  const std::string w = lower(word);
  if (w.size() > 64) return "";  // not a typo; keeps the O(n*m) table small for fuzzed input
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const std::string& cand : candidates) {
    const std::string c = lower(cand);
    // Levenshtein distance with one row.
    std::vector<size_t> row(c.size() + 1);
    for (size_t j = 0; j <= c.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= w.size(); ++i) {
      size_t diag = row[0];
      row[0] = i;
      for (size_t j = 1; j <= c.size(); ++j) {
        size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (w[i - 1] == c[j - 1] ? 0 : 1)});
        diag = up;
      }
    }
    if (row[c.size()] < best_d) {
      best_d = row[c.size()];
      best = cand;
    }
  }
  // A plausible typo: at most one edit for short words, two for longer ones, and never more
  // than a third of the word changed.
  const size_t allowed = std::max<size_t>(1, std::min<size_t>(2, w.size() / 3));
  return best_d <= allowed ? best : "";
}

}  // namespace vitals::detail
