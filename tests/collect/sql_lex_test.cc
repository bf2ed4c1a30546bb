#include "collect/sql_lex.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vitals::detail {
namespace {

// "kind:text" per token, joined by spaces: easy to read in a failure.
std::string Lexed(std::string_view sql) {
  static const char* kKinds[] = {"w", "q", "p", "lit", "n", "op", "."};
  std::string out;
  for (const SqlToken& t : LexSql(sql)) {
    if (!out.empty()) out += ' ';
    out += std::string(kKinds[t.kind]) + ":" + t.text;
  }
  return out;
}

TEST(LexSql, WordsAreLowerCasedQuotedNamesKeptAsWritten) {
  EXPECT_EQ(Lexed(R"(SELECT "Order""Id" FROM Shop.Orders)"),
            R"(w:select q:Order"Id w:from w:shop .:. w:orders)");
}

TEST(LexSql, LiteralsAndCommentsNeverLookLikeSql) {
  // Every kind of literal becomes one placeholder; keywords inside them are gone.
  EXPECT_EQ(Lexed("SELECT 'a''; DROP' , E'it\\'s where', $$ where $$, $t$ x $t$ -- where\n"
                  "/* where */ FROM t"),
            "w:select lit:? .:, lit:? .:, lit:? .:, lit:? w:from w:t");
}

TEST(LexSql, ParametersNumbersAndOperators) {
  EXPECT_EQ(Lexed("WHERE a<>$12 AND b >= 1.5e3 AND c ~~* $1;"),
            "w:where w:a op:<> p:12 w:and w:b op:>= n:1.5e3 w:and w:c op:~~* p:1 .:;");
}

TEST(LexSql, UnterminatedInputEndsTheListWithoutFailing) {
  EXPECT_EQ(Lexed("SELECT 'open"), "w:select lit:?");
  EXPECT_EQ(Lexed("SELECT /* open"), "w:select");
  EXPECT_EQ(Lexed("SELECT \"open"), "w:select q:open");
  EXPECT_EQ(Lexed("SELECT $$ open"), "w:select lit:?");
}

TEST(LexSql, IdentifiersMayHoldDollarsAndNonAscii) {
  EXPECT_EQ(Lexed("SELECT a$b, \xC3\xA9t\xC3\xA9"), "w:select w:a$b .:, w:\xC3\xA9t\xC3\xA9");
  EXPECT_TRUE(SqlIdentChar('$'));
  EXPECT_FALSE(SqlIdentChar('-'));
  EXPECT_EQ(SqlDollarTagLength("$1$", 0), 0u);  // $1 is a parameter, not a tag
  EXPECT_EQ(SqlDollarTagLength("$ab$", 0), 4u);
}

}  // namespace
}  // namespace vitals::detail
