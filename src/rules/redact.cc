#include "rules/redact.h"

#include <cctype>

namespace vitals {
namespace {

constexpr std::string_view kMask = "****";

bool IsEnd(char c) { return std::isspace(static_cast<unsigned char>(c)) || c == '&' || c == ';'; }

// Masks user:secret@ in every "scheme://authority".
std::string MaskUserinfo(std::string_view in) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t scheme = in.find("://", pos);
    if (scheme == std::string_view::npos) break;
    size_t start = scheme + 3;
    size_t end = start;
    while (end < in.size() && in[end] != '/' && in[end] != '?' && in[end] != '#' &&
           !std::isspace(static_cast<unsigned char>(in[end])) && in[end] != '"' &&
           in[end] != '\'') {
      ++end;
    }
    std::string_view authority = in.substr(start, end - start);
    size_t at = authority.rfind('@');
    size_t colon = at == std::string_view::npos ? std::string_view::npos : authority.find(':');
    out.append(in.substr(pos, start - pos));
    if (colon != std::string_view::npos && colon < at) {
      out.append(authority.substr(0, colon + 1));
      out.append(kMask);
      out.append(authority.substr(at));
    } else {
      out.append(authority);
    }
    pos = end;
  }
  out.append(in.substr(pos));
  return out;
}

bool KeyBefore(std::string_view s, size_t eq, std::string_view key) {
  if (eq < key.size()) return false;
  size_t start = eq - key.size();
  for (size_t i = 0; i < key.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[start + i])) != key[i]) return false;
  }
  // Whole word: preceded by start, space, '?', '&', ';' or ','.
  return start == 0 ||
         !(std::isalnum(static_cast<unsigned char>(s[start - 1])) || s[start - 1] == '_');
}

}  // namespace

std::string MaskSecrets(std::string_view text) {
  std::string s = MaskUserinfo(text);
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    out += c;
    ++i;
    if (c != '=') continue;
    size_t eq = i - 1;
    // Allow "password = secret" as libpq does.
    size_t key_end = eq;
    while (key_end > 0 && s[key_end - 1] == ' ') --key_end;
    if (!(KeyBefore(s, key_end, "password") || KeyBefore(s, key_end, "passwd") ||
          KeyBefore(s, key_end, "pwd") || KeyBefore(s, key_end, "pass"))) {
      continue;
    }
    while (i < s.size() && s[i] == ' ') out += s[i++];
    if (i < s.size() && s[i] == '\'') {
      size_t close = i + 1;
      while (close < s.size() && s[close] != '\'') close += s[close] == '\\' ? 2 : 1;
      i = close < s.size() ? close + 1 : s.size();
    } else {
      while (i < s.size() && !IsEnd(s[i])) ++i;
    }
    out.append(kMask);
  }
  return out;
}

}  // namespace vitals
