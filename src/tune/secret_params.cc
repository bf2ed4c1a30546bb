#include "tune/secret_params.h"

#include <cctype>

#include <fmt/format.h>

namespace vitals {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool Contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

bool IsSecretBearingParameter(std::string_view component, std::string_view name) {
  const std::string n = Lower(name);
  if (component == "redis") {
    // requirepass, masterauth, tls-key-file-pass, tls-client-key-file-pass, and any future
    // "*pass*" parameter.
    return n == "masterauth" || Contains(n, "pass");
  }
  if (component == "postgres") {
    return Contains(n, "password") || Contains(n, "passphrase") || Contains(n, "conninfo");
  }
  return false;
}

std::string SecretParameterRefusal(std::string_view component, std::string_view name) {
  return fmt::format(
      "--set {}:{}: vitals tune does not change secret-bearing parameters ({}): change it "
      "yourself; a backup would have to store the secret",
      component, name, name);
}

}  // namespace vitals
