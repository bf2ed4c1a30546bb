// Every shipped host rule points to a section of our own runbook page that
// exists (GitHub heading anchors), so a user following the link lands on it.
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "rules/loader.h"

namespace vitals {
namespace {

// GitHub's heading anchor: lower case, spaces to '-', other punctuation dropped.
std::string Slug(const std::string& heading) {
  std::string out;
  for (char c : heading) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_') {
      out += static_cast<char>(std::tolower(u));
    } else if (c == ' ') {
      out += '-';
    }
  }
  return out;
}

std::set<std::string> Anchors(const std::string& path) {
  std::ifstream in(path);
  std::set<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    size_t hashes = line.find_first_not_of('#');
    if (hashes > 0 && hashes != std::string::npos && line[hashes] == ' ') {
      out.insert(Slug(line.substr(hashes + 1)));
    }
  }
  return out;
}

TEST(RunbookLinksTest, SlugMatchesGitHub) {
  EXPECT_EQ(Slug("CPU busy"), "cpu-busy");
  EXPECT_EQ(Slug("Capturing /proc"), "capturing-proc");
}

TEST(RunbookLinksTest, HostRulesPointToExistingSections) {
  auto shipped = LoadShippedRules();
  ASSERT_TRUE(shipped.ok()) << shipped.status().ToString();
  int checked = 0;
  for (const auto& set : *shipped) {
    for (const auto& r : set.rules) {
      if (r.component != "host") continue;
      size_t hash = r.runbook.find('#');
      ASSERT_NE(hash, std::string::npos) << r.id << ": runbook needs a #section";
      std::string file = std::string(VITALS_SOURCE_DIR) + "/" + r.runbook.substr(0, hash);
      EXPECT_EQ(Anchors(file).count(r.runbook.substr(hash + 1)), 1u)
          << r.id << ": no heading for " << r.runbook;
      EXPECT_FALSE(r.source.empty()) << r.id;
      ++checked;
    }
  }
  EXPECT_GE(checked, 10);
}

}  // namespace
}  // namespace vitals
