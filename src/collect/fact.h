// Facts: what a collector observed, in a shape the rule engine can read.
//
// A collector (host, prometheus, postgres, redis) turns what it reads into a
// list of Facts.  A Fact is one row of one kind ("pg.table", "redis.info",
// "host.cpu", "http.endpoint"), about one subject (a table name, an endpoint,
// "host"), with named numeric fields and named text fields.  Rules (src/rules)
// select facts by kind and evaluate conditions over their fields; the text
// fields fill in the evidence and the action (e.g. a CREATE INDEX statement).
//
// Collectors never decide severity: that is the rules' job, so that every
// threshold lives in YAML where users can override it.
//
// Thread-safety: plain values.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace vitals {

struct Fact {
  std::string component;  // "host" | "prometheus" | "postgres" | "redis"
  std::string kind;       // dotted, component-prefixed: "pg.table", "redis.memory"
  std::string subject;    // what the fact is about: "public.orders", "/api/users", "host"
  std::map<std::string, double> num;  // numeric fields, SI units in names (_s, _bytes, _ratio)
  std::map<std::string, std::string> text;  // text fields (names, SQL, commands)
};

// What one collector run produced.  A collector that could not reach its
// component returns a non-ok Status instead (see each collector's header);
// checks that ran with too few privileges are listed in `limited` with the
// reason, and their facts are simply absent.
struct Collection {
  std::string component;
  std::vector<Fact> facts;
  std::vector<std::string> limited;  // "pg_stat_statements: extension not installed", ...
};

}  // namespace vitals
