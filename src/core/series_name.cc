#include "core/series_name.h"

namespace vitals {

std::string SeriesDisplayName(std::string_view name, std::string_view subject) {
  if (subject.empty() || subject == "overall" || subject == "server" || subject == "process" ||
      subject == "go" || subject == "jvm") {
    return std::string(name);
  }
  std::string out(name);
  out += '{';
  out += subject;
  out += '}';
  return out;
}

}  // namespace vitals
