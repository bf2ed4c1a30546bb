#include "tune/target_host.h"

#include <arpa/inet.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>

#include "collect/dsn.h"

namespace vitals {
namespace {

// Every entry of a libpq comma-separated host list that is not local; "" when none.
std::string FirstRemote(const std::string& list) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    const std::string host = list.substr(start, comma - start);
    if (!host.empty() && !IsLocalTuneHost(host)) return host;
    start = comma + 1;
  }
  return "";
}

}  // namespace

bool IsLocalTuneHost(std::string_view host) {
  if (host.empty() || host.front() == '/' || host.front() == '@') return true;
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  const std::string h(host);
  in_addr a{};
  if (inet_pton(AF_INET, h.c_str(), &a) == 1) return (ntohl(a.s_addr) >> 24) == 127;
  return false;
}

std::string PgRemoteHost(std::string_view dsn) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(std::string(dsn).c_str(), &err);
  if (opts == nullptr) {
    PQfreemem(err);
    return "";
  }
  std::string host, hostaddr;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    if (std::strcmp(o->keyword, "host") == 0) host = o->val;
    if (std::strcmp(o->keyword, "hostaddr") == 0) hostaddr = o->val;
  }
  PQconninfoFree(opts);
  if (!hostaddr.empty()) return FirstRemote(hostaddr);
  if (host.empty()) {
    const char* env = std::getenv("PGHOST");
    if (env != nullptr) host = env;
  }
  return FirstRemote(host);
}

std::string RedisRemoteHost(std::string_view url) {
  auto u = ParseRedisUrl(url);
  if (!u.ok() || IsLocalTuneHost(u->host)) return "";
  return u->host;
}

}  // namespace vitals
