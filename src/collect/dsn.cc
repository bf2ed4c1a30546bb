#include "collect/dsn.h"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace vitals {
namespace {

constexpr std::string_view kMask = "***";

struct Span {
  size_t begin = 0;
  size_t end = 0;  // exclusive
};

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      int v = 0;
      std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      out.push_back(static_cast<char>(v));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Where the passwords are in `dsn` (byte ranges of the raw text).
std::vector<Span> FindPasswords(std::string_view dsn) {
  std::vector<Span> spans;
  size_t scheme = dsn.find("://");
  if (scheme != std::string_view::npos) {
    size_t start = scheme + 3;
    size_t query = dsn.find('?', start);
    size_t cut = query == std::string_view::npos ? dsn.size() : query;
    // The last '@' before the query ends the user info, so an unencoded '@'
    // or '/' inside a password is still masked whole.
    size_t at = dsn.substr(0, cut).rfind('@');
    if (at != std::string_view::npos && at > start) {
      size_t colon = dsn.find(':', start);
      if (colon != std::string_view::npos && colon < at && colon + 1 < at) {
        spans.push_back({colon + 1, at});
      } else if ((colon == std::string_view::npos || colon > at) &&
                 (dsn.substr(0, scheme) == "redis" || dsn.substr(0, scheme) == "rediss")) {
        // redis://SECRET@host: Redis reads user info without ':' as the password.
        spans.push_back({start, at});
      }
    }
    // ?password=...&...
    size_t pos = cut;
    while (pos < dsn.size()) {
      size_t key_begin = pos + 1;
      size_t amp = dsn.find('&', key_begin);
      size_t key_end = amp == std::string_view::npos ? dsn.size() : amp;
      std::string_view kv = dsn.substr(key_begin, key_end - key_begin);
      size_t eq = kv.find('=');
      if (eq != std::string_view::npos && IEquals(kv.substr(0, eq), "password") &&
          eq + 1 < kv.size()) {
        spans.push_back({key_begin + eq + 1, key_end});
      }
      pos = key_end;
    }
    return spans;
  }
  // key=value pairs (libpq): password = value | 'quoted \' value'
  size_t i = 0;
  while (i < dsn.size()) {
    while (i < dsn.size() && std::isspace(static_cast<unsigned char>(dsn[i]))) ++i;
    size_t key_begin = i;
    while (i < dsn.size() && dsn[i] != '=' && !std::isspace(static_cast<unsigned char>(dsn[i]))) {
      ++i;
    }
    std::string_view key = dsn.substr(key_begin, i - key_begin);
    while (i < dsn.size() && std::isspace(static_cast<unsigned char>(dsn[i]))) ++i;
    if (i >= dsn.size() || dsn[i] != '=') break;  // not key=value text
    ++i;
    while (i < dsn.size() && std::isspace(static_cast<unsigned char>(dsn[i]))) ++i;
    size_t value_begin = i;
    if (i < dsn.size() && dsn[i] == '\'') {
      ++i;
      while (i < dsn.size() && dsn[i] != '\'') i += dsn[i] == '\\' ? 2 : 1;
      if (i < dsn.size()) ++i;  // closing quote
      i = std::min(i, dsn.size());
    } else {
      while (i < dsn.size() && !std::isspace(static_cast<unsigned char>(dsn[i]))) ++i;
    }
    if (IEquals(key, "password") && i > value_begin) spans.push_back({value_begin, i});
  }
  return spans;
}

}  // namespace

std::string MaskDsn(std::string_view dsn) {
  std::vector<Span> spans = FindPasswords(dsn);
  std::string out;
  size_t pos = 0;
  for (const Span& s : spans) {  // spans are in increasing order
    out.append(dsn.substr(pos, s.begin - pos));
    out.append(kMask);
    pos = s.end;
  }
  out.append(dsn.substr(pos));
  return out;
}

std::vector<std::string> DsnSecrets(std::string_view dsn) {
  std::vector<std::string> secrets;
  for (const Span& s : FindPasswords(dsn)) {
    std::string_view raw = dsn.substr(s.begin, s.end - s.begin);
    if (raw.size() >= 2 && raw.front() == '\'' && raw.back() == '\'') {
      std::string unquoted;
      for (size_t i = 1; i + 1 < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 2 < raw.size()) ++i;
        unquoted.push_back(raw[i]);
      }
      if (!unquoted.empty()) secrets.push_back(unquoted);
    }
    secrets.emplace_back(raw);
    std::string decoded = PercentDecode(raw);
    if (decoded != raw) secrets.push_back(decoded);
  }
  return secrets;
}

std::string ScrubSecrets(std::string message, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    size_t pos = 0;
    while ((pos = message.find(secret, pos)) != std::string::npos) {
      message.replace(pos, secret.size(), kMask);
      pos += kMask.size();
    }
  }
  return message;
}

Result<RedisUrl> ParseRedisUrl(std::string_view url) {
  auto bad = [&](std::string_view what) {
    return Status::InvalidArgument(
        fmt::format("bad Redis URL '{}': {} (expected redis://[[user]:password@]host[:port][/db])",
                    MaskDsn(url), what));
  };
  RedisUrl out;
  std::string_view rest = url;
  if (rest.rfind("rediss://", 0) == 0) {
    return bad("rediss:// (TLS) is not supported yet; use redis:// through a TLS tunnel");
  }
  if (rest.rfind("redis://", 0) == 0) {
    rest.remove_prefix(8);
  } else if (rest.find("://") != std::string_view::npos) {
    return bad("unknown scheme");
  }
  // Password may hold '@' or '/': user info ends at the last '@'.
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      // redis://secret@host is how many clients spell "password only".
      out.password = PercentDecode(userinfo);
    } else {
      out.user = PercentDecode(userinfo.substr(0, colon));
      out.password = PercentDecode(userinfo.substr(colon + 1));
    }
  }
  size_t slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (size_t q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (size_t q = hostport.find('?'); q != std::string_view::npos) hostport = hostport.substr(0, q);
  std::string_view host = hostport, port;
  if (!hostport.empty() && hostport.front() == '[') {  // [::1]:6379
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) return bad("unclosed '[' in IPv6 host");
    host = hostport.substr(1, close - 1);
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("expected ':' after ']'");
      port = after.substr(1);
    }
  } else if (size_t colon = hostport.rfind(':'); colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  }
  if (host.empty()) return bad("missing host");
  out.host = std::string(host);
  if (!port.empty()) {
    int p = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || ptr != port.data() + port.size() || p < 1 || p > 65535) {
      return bad(fmt::format("port must be 1..65535, got '{}'", port));
    }
    out.port = p;
  }
  if (!path.empty()) {
    int db = 0;
    auto [ptr, ec] = std::from_chars(path.data(), path.data() + path.size(), db);
    if (ec != std::errc() || ptr != path.data() + path.size() || db < 0) {
      return bad(fmt::format("database must be a number like /0, got '/{}'", path));
    }
    out.db = db;
  }
  return out;
}

}  // namespace vitals
