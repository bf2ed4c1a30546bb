// Masking passwords before anything is printed, logged or stored.
//
// Every layer that shows a target (URLs, DSNs) or an error message that may quote one passes
// the text through RedactSecrets.  It masks, anywhere in the text:
//   scheme://user:secret@host           -> scheme://user:***@host   (also ://:secret@host)
//   KEY=secret, KEY = secret             -> KEY=***    where KEY ends in "password"
//                                           (password, sslpassword, PASSWORD) or is the whole
//                                           word passwd, pwd or pass (libpq DSNs, URL queries)
//   KEY='a b\' c'                        -> KEY='***'  (libpq quoting, backslash escapes)
// A value ends at whitespace, '&', ';' or '"'.  Masking too much (nopassword=1) is accepted;
// showing a secret is not.  Everything else is copied unchanged.
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace vitals {

std::string RedactSecrets(std::string_view text);

}  // namespace vitals
