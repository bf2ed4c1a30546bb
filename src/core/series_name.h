// How a server-side series observed during a run (`vitals load --observe`, docs/observe.md)
// is named to people: "pg_dead_tuples{public.orders}", or the bare name when the subject adds
// nothing (the whole server, the process, the runtime).  One rule for the summary (observe/),
// the reports (report/) and `vitals compare` (gate/), so a series reads the same everywhere.
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace vitals {

// `name` when `subject` is empty or one of "overall", "server", "process", "go", "jvm";
// otherwise "name{subject}".
std::string SeriesDisplayName(std::string_view name, std::string_view subject);

}  // namespace vitals
