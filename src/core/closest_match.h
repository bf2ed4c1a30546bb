// "Did you mean" hints for every parser of names a user types (scenario keys, threshold
// metrics, policy keys).
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vitals::detail {

// The candidate closest to `word` by edit distance (case-insensitive), or "" when none is
// close enough to be a plausible typo.
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace vitals::detail
