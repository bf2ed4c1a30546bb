// The host CPU counters the load engine's noise figures need (core/host_counters.h), read
// from /proc/stat and /proc/pressure/cpu.
//
// Errors: NotFound / Io / Parse naming the file when /proc/stat cannot be read; a missing
// /proc/pressure/cpu (no PSI) is not an error: psi_cpu_some_us stays absent.
// Thread-safety: none needed (reads files).
#pragma once

#include <string>

#include "core/host_counters.h"

namespace vitals {

Result<HostCpuCounters> ReadHostCpuCounters(const std::string& proc_dir = "/proc");

}  // namespace vitals
