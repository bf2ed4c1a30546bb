#include "core/redact.h"

#include <cctype>
#include <cstring>

namespace vitals {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }
bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// True when text[0, end) ends with `key` (case-insensitive) and, for `whole`, the key is a
// whole word.
bool KeyEndsAt(std::string_view text, size_t end, std::string_view key, bool whole) {
  if (end < key.size()) return false;
  const size_t start = end - key.size();
  for (size_t i = 0; i < key.size(); ++i) {
    if (Lower(text[start + i]) != key[i]) return false;
  }
  return !whole || start == 0 || !IsWordChar(text[start - 1]);
}

bool IsSecretKey(std::string_view text, size_t end) {
  return KeyEndsAt(text, end, "password", false) || KeyEndsAt(text, end, "passwd", true) ||
         KeyEndsAt(text, end, "pwd", true) || KeyEndsAt(text, end, "pass", true);
}

// Whether the text before "://" ends in a redis or rediss scheme.
bool IsRedisScheme(std::string_view before) {
  for (std::string_view scheme : {std::string_view("rediss"), std::string_view("redis")}) {
    if (before.size() >= scheme.size() && before.substr(before.size() - scheme.size()) == scheme &&
        (before.size() == scheme.size() ||
         !std::isalnum(static_cast<unsigned char>(before[before.size() - scheme.size() - 1])))) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string RedactSecrets(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    // URL userinfo: "://user:pass@" -> "://user:***@".
    if (text.compare(i, 3, "://") == 0) {
      out.append("://");
      i += 3;
      size_t end = i;
      while (end < text.size() && std::strchr("/?# \t\r\n\"'<>", text[end]) == nullptr) ++end;
      const std::string_view authority = text.substr(i, end - i);
      const size_t at = authority.rfind('@');
      if (at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        const size_t colon = userinfo.find(':');
        if (colon != std::string_view::npos) {
          out.append(userinfo.substr(0, colon));
          out.append(":***");
          i += at;  // continue at '@'
        } else if (IsRedisScheme(text.substr(0, i - 3))) {
          // redis://SECRET@host: Redis reads user info without ':' as the password.
          out.append("***");
          i += at;
        }
      }
      continue;
    }
    const char c = text[i];
    out += c;
    ++i;
    if (c != '=') continue;
    // "key=value" or "key = value" (libpq allows spaces around '=').
    size_t key_end = i - 1;
    while (key_end > 0 && text[key_end - 1] == ' ') --key_end;
    if (!IsSecretKey(text, key_end)) continue;
    while (i < text.size() && text[i] == ' ') out += text[i++];
    if (i < text.size() && text[i] == '\'') {
      size_t j = i + 1;
      while (j < text.size() && text[j] != '\'') j += (text[j] == '\\') ? 2 : 1;
      out.append("'***'");
      i = j < text.size() ? j + 1 : text.size();
    } else {
      size_t j = i;
      while (j < text.size() && std::strchr(" \t\r\n&;\"", text[j]) == nullptr) ++j;
      out.append("***");
      i = j;
    }
  }
  return out;
}

}  // namespace vitals
