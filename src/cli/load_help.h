// The footer of `vitals load --help` (kept apart from the flag handling in load_command.cc).
#pragma once

namespace vitals::cli {

extern const char* const kLoadFooter;

}  // namespace vitals::cli
