// Masking passwords before anything is printed or stored.
//
// `vitals check` prints component targets (DSNs, URLs) and collector error
// messages; none of them may show a password.  This is the rules layer's own
// helper (src/net/url.h's RedactSecrets did not exist when it was written);
// it masks, anywhere in the text:
//   scheme://user:secret@host     -> scheme://user:****@host   (also ://:secret@)
//   password=secret (key=value DSNs and URL queries; also passwd=, pwd=,
//   quoted 'values' included)    -> password=****
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace vitals {

std::string MaskSecrets(std::string_view text);

}  // namespace vitals
