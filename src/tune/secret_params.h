// Parameters that hold (or lead to) a secret: a password, a passphrase, a connection string
// with password=.  vitals tune never changes them: a backup would have to store the old secret
// and the plan and audit would print it.  Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace vitals {

// True when `name` of `component` ("postgres" | "redis" | "host") is secret-bearing:
//   redis: requirepass, masterauth, tls-key-file-pass, tls-client-key-file-pass, any name
//          containing "pass";
//   postgres: primary_conninfo, ssl_passphrase_command, any name containing "password",
//          "passphrase" or "conninfo".
// Names are compared case-insensitively.  Host sysctls are never secret-bearing.
bool IsSecretBearingParameter(std::string_view component, std::string_view name);

// The refusal for a --set on such a parameter: what, why, what to do instead.
std::string SecretParameterRefusal(std::string_view component, std::string_view name);

}  // namespace vitals
