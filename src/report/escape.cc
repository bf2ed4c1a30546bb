#include "report/escape.h"

#include <algorithm>

namespace vitals {

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case 0:
        out += "\xEF\xBF\xBD";  // U+FFFD
        break;
      default:
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) break;
        out += ch;
    }
  }
  return out;
}

std::string SafeHref(std::string_view url) {
  if (url.empty()) return "";
  auto starts = [&](std::string_view prefix) {
    if (url.size() < prefix.size()) return false;
    return std::equal(prefix.begin(), prefix.end(), url.begin(), [](char a, char b) {
      return a == (b >= 'A' && b <= 'Z' ? char(b - 'A' + 'a') : b);
    });
  };
  if (starts("http://") || starts("https://")) return HtmlEscape(url);
  // A relative reference has no scheme: no ':' before the first '/', '?' or '#'.  Browsers
  // strip tabs and newlines inside schemes ("java\tscript:"), so any control byte refuses it.
  for (char c : url) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "";
    if (c == '/' || c == '?' || c == '#') break;
    if (c == ':' || c == '\\') return "";
  }
  return HtmlEscape(url);
}

namespace {

// Appends `c` to Markdown text, made literal.  Line breaks are the caller's business.
void AppendMarkdownChar(char c, std::string* out) {
  switch (c) {
    case '|':
    case '\\':
    case '`':
    case '*':
    case '_':
    case '[':
    case ']':
    case '#':
    case '!':
    case '~':
      *out += '\\';
      *out += c;
      break;
    case '<':
      *out += "&lt;";
      break;
    case '>':
      *out += "&gt;";
      break;
    case '&':
      *out += "&amp;";
      break;
    case '\r':
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t') break;
      *out += c;
  }
}

}  // namespace

std::string MarkdownCell(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    if (c == '\n') {
      out += "<br>";
    } else {
      AppendMarkdownChar(c, &out);
    }
  }
  return out;
}

std::string MarkdownText(std::string_view text, int indent) {
  std::string out;
  out.reserve(text.size() + 8);
  bool line_start = true;
  for (char c : text) {
    if (c == '\n') {
      out += '\n';
      out.append(size_t(std::max(indent, 0)), ' ');
      line_start = true;
      continue;
    }
    // A line starting with "-", "+" or "1." would become a list item; "=" a heading underline.
    if (line_start && (c == '-' || c == '+' || c == '=')) out += '\\';
    line_start = false;
    AppendMarkdownChar(c, &out);
  }
  return out;
}

std::string MarkdownCode(std::string_view text, bool table_cell) {
  if (text.find_first_of("<>&") != std::string_view::npos) {
    return table_cell ? MarkdownCell(text) : MarkdownText(text);
  }
  size_t longest = 0, run = 0;
  std::string body;
  body.reserve(text.size());
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
    if (c == '\n' || c == '\r' || c == '\t') {
      body += ' ';
    } else if (c == '|' && table_cell) {
      body += "\\|";
    } else if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) {
      body += c;
    }
  }
  const std::string fence(longest + 1, '`');
  // A space pads a body that starts or ends with a backtick (CommonMark strips one).
  const bool pad = !body.empty() && (body.front() == '`' || body.back() == '`');
  return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

std::string TerminalSafe(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\n') || u == 0x7f) c = '?';
  }
  return out;
}

}  // namespace vitals
