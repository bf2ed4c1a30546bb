// Connection strings of the components `vitals check` reads: masking for
// display and the Redis URL parser.
//
// Users paste DSNs and URLs with passwords in them.  Everything vitals prints
// (errors, findings, reports) shows the masked form, and error text coming
// back from a client library is scrubbed of the password before it leaves the
// collector.
//
// Forms understood by MaskDsn / DsnSecrets:
//   URL:        scheme://[user[:password]@]host[:port][/path][?key=value&password=...]
//   key=value:  host=... user=... password=secret  (libpq; values may be 'quoted')
// Text that is neither is returned unchanged (it carries no recognisable secret).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vitals {

// The DSN with every password replaced by "***": "postgresql://app:***@db:5432/shop".
std::string MaskDsn(std::string_view dsn);

// The passwords found in the DSN (raw and percent-decoded forms), for scrubbing
// messages.  Empty passwords are not returned.
std::vector<std::string> DsnSecrets(std::string_view dsn);

// `message` with every occurrence of each secret replaced by "***".
std::string ScrubSecrets(std::string message, const std::vector<std::string>& secrets);

// redis://[[user]:password@]host[:port][/db]  (also "host:port" without scheme).
struct RedisUrl {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;      // empty: AUTH with the password only (default user)
  std::string password;  // empty: no AUTH
  int db = 0;
};

// Errors: InvalidArgument naming the masked URL and what is wrong
// ("rediss:// (TLS) is not supported", "port must be 1..65535", ...).
Result<RedisUrl> ParseRedisUrl(std::string_view url);

}  // namespace vitals
