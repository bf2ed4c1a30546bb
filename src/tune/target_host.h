// Whether a --postgres DSN or --redis URL points at this machine, read from the text alone
// (nothing is resolved or contacted): tune sizes its values from this machine's RAM and cores
// unless --ram / --cores say otherwise, which is only right for a server on this machine.
#pragma once

#include <string>
#include <string_view>

namespace vitals {

// True for "localhost", 127.0.0.0/8, ::1, and a Unix socket (a host starting with '/' or '@').
bool IsLocalTuneHost(std::string_view host);

// The first host of `dsn` (key=value or URI; hostaddr wins over host; PGHOST when neither is
// given) that is NOT local, or "" when every host is local or a Unix socket.  A DSN libpq
// cannot parse gives "" (the connection reports it).
std::string PgRemoteHost(std::string_view dsn);

// The Redis URL's host when it is not local, else "" (also for a URL that does not parse).
std::string RedisRemoteHost(std::string_view url);

}  // namespace vitals
