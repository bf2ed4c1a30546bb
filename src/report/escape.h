// Escaping of text that a run's target or user controls (URLs, header and body snippets,
// scenario, phase and request names, tags, finding text, query text from PostgreSQL) before
// it goes into an HTML, Markdown or terminal report.
//
// Every function takes arbitrary bytes and never fails.  Invalid UTF-8 is kept as is in HTML
// (browsers show U+FFFD) and is never able to end an element or attribute, because only ASCII
// bytes are special there.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace vitals {

// Text for HTML element content or a quoted attribute value ("..." or '...'), including
// inline SVG text: & < > " ' become entities.  NUL becomes U+FFFD.  Other control characters
// except tab, LF and CR are dropped (they are not allowed in HTML text).
std::string HtmlEscape(std::string_view text);

// An href for a link to `url`, already attribute-escaped, or "" when the URL must not be a
// link: only http://, https:// and scheme-less relative references (runbook paths such as
// "docs/runbooks/host.md#cpu-busy") are allowed, so "javascript:" and "data:" never are.
std::string SafeHref(std::string_view url);

// Text inside a Markdown table cell: | is escaped (GFM splits cells on it even in code
// spans), line breaks become <br>, and the characters Markdown or HTML would interpret
// (\ ` * _ [ ] < > & # ! ~) are made literal, so a name like "<script>" or "**x**" renders
// as typed and never as markup.
std::string MarkdownCell(std::string_view text);

// Text for a Markdown paragraph or list item: as MarkdownCell, but line breaks stay line
// breaks (each following line indented by `indent` spaces to stay in a list item).
std::string MarkdownText(std::string_view text, int indent = 0);

// A Markdown code span showing `text` literally, for ids, expressions and URLs: the fence is
// one backtick longer than the longest backtick run inside and line breaks become spaces.  In
// a table cell (`table_cell`) | becomes \| (GFM splits cells on | even inside code spans and
// shows \| as |).  Text holding < > or & is rendered as MarkdownCell / MarkdownText escaped
// text instead: entities are not decoded inside code spans, and some renderers pass raw HTML
// in code spans through, so markup never goes into one.
std::string MarkdownCode(std::string_view text, bool table_cell = true);

// Text for a terminal: control characters other than tab and LF (ESC sequences that could
// recolour, move the cursor or retitle the terminal) become '?'.
std::string TerminalSafe(std::string_view text);

}  // namespace vitals
