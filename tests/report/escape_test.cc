// Escaping of target- and user-controlled text for HTML, Markdown and terminals.
#include "report/escape.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vitals {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(HtmlEscape, EscapesEverythingThatCanEndTextOrAnAttribute) {
  EXPECT_EQ(HtmlEscape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(HtmlEscape(R"(a "b" 'c' & d)"), "a &quot;b&quot; &#39;c&#39; &amp; d");
  EXPECT_EQ(HtmlEscape("</title><img src=x onerror=alert(1)>"),
            "&lt;/title&gt;&lt;img src=x onerror=alert(1)&gt;");
  // An existing entity is escaped again: the page shows what the target sent.
  EXPECT_EQ(HtmlEscape("&lt;"), "&amp;lt;");
}

TEST(HtmlEscape, KeepsUtf8AndLineBreaksDropsControls) {
  EXPECT_EQ(HtmlEscape("caf\xC3\xA9 \xE2\x86\x92 ok"), "caf\xC3\xA9 \xE2\x86\x92 ok");
  EXPECT_EQ(HtmlEscape("a\tb\nc\r"), "a\tb\nc\r");
  EXPECT_EQ(HtmlEscape(std::string("a\x01\x1b[31mb\x7f", 9)), "a[31mb");
  EXPECT_EQ(HtmlEscape(std::string("a\0b", 3)),
            "a\xEF\xBF\xBD"
            "b");
}

TEST(SafeHref, OnlyWebAndRelativeUrlsBecomeLinks) {
  EXPECT_EQ(SafeHref("docs/runbooks/host.md#cpu-busy"), "docs/runbooks/host.md#cpu-busy");
  EXPECT_EQ(SafeHref("https://example.test/a?b=1&c=\"2\""),
            "https://example.test/a?b=1&amp;c=&quot;2&quot;");
  EXPECT_EQ(SafeHref("HTTP://EXAMPLE.test/"), "HTTP://EXAMPLE.test/");
  EXPECT_EQ(SafeHref("#section"), "#section");
  EXPECT_EQ(SafeHref("javascript:alert(1)"), "");
  EXPECT_EQ(SafeHref("JavaScript:alert(1)"), "");
  EXPECT_EQ(SafeHref("java\tscript:alert(1)"), "");
  EXPECT_EQ(SafeHref("data:text/html,<script>"), "");
  EXPECT_EQ(SafeHref("vbscript:x"), "");
  EXPECT_EQ(SafeHref("\\\\evil\\share"), "");
  EXPECT_EQ(SafeHref(""), "");
  // A colon after the first slash is part of a path, not a scheme.
  EXPECT_EQ(SafeHref("docs/a:b.md"), "docs/a:b.md");
}

TEST(MarkdownCell, PipesAndLineBreaksNeverSplitTheTable) {
  EXPECT_EQ(MarkdownCell("a|b"), "a\\|b");
  EXPECT_EQ(MarkdownCell("line1\nline2\r\n"), "line1<br>line2<br>");
  EXPECT_EQ(MarkdownCell("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(MarkdownCell("**bold** _it_ `code` [x](y) a&b"),
            "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\[x\\](y) a&amp;b");
  EXPECT_EQ(MarkdownCell("back\\slash"), "back\\\\slash");
}

TEST(MarkdownText, KeepsLinesButNotListsOrHeadings) {
  EXPECT_EQ(MarkdownText("# not a heading\n- not a list", 2),
            "\\# not a heading\n  \\- not a list");
  EXPECT_EQ(MarkdownText("SELECT * FROM t WHERE a < 3"), "SELECT \\* FROM t WHERE a &lt; 3");
}

TEST(MarkdownCode, FenceOutgrowsBackticksInside) {
  EXPECT_EQ(MarkdownCode("p(95)"), "`p(95)`");
  EXPECT_EQ(MarkdownCode("a`b"), "``a`b``");
  EXPECT_EQ(MarkdownCode("`x`"), "`` `x` ``");
  EXPECT_EQ(MarkdownCode("a|b\nc"), "`a\\|b c`");
  EXPECT_EQ(MarkdownCode("a|b", false), "`a|b`");
  // Markup never goes into a code span: escaped text instead.
  EXPECT_EQ(MarkdownCode("<script>x</script>"), "&lt;script&gt;x&lt;/script&gt;");
  EXPECT_EQ(MarkdownCode("p(95)<500ms"), "p(95)&lt;500ms");
  EXPECT_EQ(MarkdownCode("a&b|c"), "a&amp;b\\|c");
}

TEST(TerminalSafe, NeutralizesEscapeSequences) {
  EXPECT_EQ(TerminalSafe("ok\x1b]0;pwned\x07 title\n\tnext"), "ok?]0;pwned? title\n\tnext");
  EXPECT_THAT(TerminalSafe("\x1b[2J"), Not(HasSubstr("\x1b")));
}

}  // namespace
}  // namespace vitals
