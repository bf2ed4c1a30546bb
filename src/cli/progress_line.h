// Live progress of a load run on stderr.
//   Terminal: one line rewritten in place about 10 times a second:
//     [steady] 12.3s/40s  ETA 28s  402 req/s  p50 2.10ms  p99 19.5ms  errors 3 (0.1%)
//   Not a terminal (CI logs): the same facts as a plain line every `plain_every_s` seconds.
//   Quiet: nothing.
// Thread-safety: one owner (the engine calls it on its thread).
#pragma once

#include <cstdio>
#include <string>

#include "load/engine.h"

namespace vitals::cli {

class ProgressLine {
 public:
  // `label` starts each plain line ("vitals load", "vitals demo").
  ProgressLine(std::FILE* out, bool quiet, std::string label = "vitals load",
               double plain_every_s = 5.0);
  void Update(const Progress& p);
  // Clears the terminal line (call before printing the summary).
  void Done();
  // The text of one update (no "\r" or escape codes), for tests and plain output.
  static std::string Format(const Progress& p);

 private:
  std::FILE* out_;
  std::string label_;
  bool quiet_, tty_;
  double plain_every_s_;
  double next_plain_s_;
  bool drawn_ = false;
};

}  // namespace vitals::cli
