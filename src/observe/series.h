// The server-side series of an observed run: named, documented numbers taken
// from the samplers' facts (docs/observe.md lists every name).
//
// Thread-safety: pure functions over plain values.
#pragma once

#include <string>
#include <vector>

#include "observe/observer.h"

namespace vitals {

struct SeriesPoint {
  double t_s = 0;  // since the run's start
  double value = 0;
};

struct ServerSeries {
  std::string name;                 // "redis_hit_ratio", "process_resident_memory_bytes", ...
  std::string component;            // "redis"
  std::string subject;              // the fact's subject: "127.0.0.1:6379", "overall", "items"
  std::string unit;                 // "ratio", "bytes", "per_s", "s", "count", "cores"
  std::vector<SeriesPoint> points;  // time order
};

// One series per (name, subject) found in the samples, in the order of the
// documented table (target latency first).
std::vector<ServerSeries> ExtractSeries(const std::vector<ObservedComponent>& components);

// The documented series names with unit and meaning, for --help and docs.
struct SeriesInfo {
  const char* name;
  const char* component;
  const char* kind;   // fact kind
  const char* field;  // fact field
  const char* unit;
  const char* subject;  // required subject ("" = any)
};
const std::vector<SeriesInfo>& SeriesCatalog();

// "redis_hit_ratio{127.0.0.1:6379}" or the bare name when the subject is the component's only one.
std::string SeriesLabel(const ServerSeries& s);

}  // namespace vitals
