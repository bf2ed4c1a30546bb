// Scenario YAML -> Scenario.  yaml-cpp builds the node tree; this file walks it with one
// YamlReader helper per value kind (core/yaml_reader.h, load/yaml_headers.h), so that every error
// carries the node's position and the field path. yaml-cpp throws; nothing escapes
// LoadScenario/ParseScenario except a Status.
#include "load/scenario.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/units.h"
#include "load/yaml_headers.h"

namespace vitals {
namespace {

constexpr int64_t kMaxTotalNs = 365LL * 24 * 3600 * 1'000'000'000;  // guards int64 sums

// `Base` + `path` as text, so that a base_url path prefix (/api) is kept.
std::string JoinUrl(const std::string& base, const std::string& path) {
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b + path;
}

std::string NamesList(const std::vector<std::string>& names) {
  return fmt::format("{}", fmt::join(names, ", "));
}

class ScenarioParser {
 public:
  ScenarioParser(const YAML::Node& root, const std::string& file) : root_(root), r_(file) {
    sc_.file = file;
    sc_.name = std::filesystem::path(file).stem().string();
  }

  Result<Scenario> Parse() {
    if (!root_.IsDefined() || root_.IsNull()) {
      return Status::InvalidArgument(fmt::format(
          "{}: the scenario is empty; expected a mapping with base_url, requests and phases "
          "(see docs/scenario.md)",
          sc_.file));
    }
    VITALS_RETURN_IF_ERROR(r_.Keys(root_, "",
                                   {"name", "description", "base_url", "defaults", "requests",
                                    "phases", "thresholds", "observe"}));
    if (root_["name"]) {
      Result<std::string> s = r_.Str(root_["name"], "name");
      if (!s.ok()) return s.status();
      sc_.name = *s;
    }
    if (root_["description"]) {
      Result<std::string> s = r_.Str(root_["description"], "description");
      if (!s.ok()) return s.status();
      sc_.description = *s;
    }
    VITALS_RETURN_IF_ERROR(ParseBase());
    VITALS_RETURN_IF_ERROR(ParseDefaults());
    VITALS_RETURN_IF_ERROR(ParseRequests());
    VITALS_RETURN_IF_ERROR(ParsePhases());
    VITALS_RETURN_IF_ERROR(ParseThresholds());
    VITALS_RETURN_IF_ERROR(ParseObserve());
    return std::move(sc_);
  }

 private:
  Status ParseBase() {
    const YAML::Node n = root_["base_url"];
    if (!n) return Status::Ok();
    Result<std::string> s = r_.Str(n, "base_url");
    if (!s.ok()) return s.status();
    if (s->find_first_of("?#") != std::string::npos) {
      return r_.Err(n, "base_url",
                    fmt::format("expected scheme://host[:port][/prefix] without a "
                                "query or fragment, got '{}'; put those in each "
                                "request's path",
                                RedactSecrets(*s)));
    }
    Result<Url> url = ParseUrl(*s);
    if (!url.ok()) return r_.Err(n, "base_url", url.status().message());
    sc_.base_url = *s;
    sc_.base = *url;
    return Status::Ok();
  }

  Status ParseDefaults() {
    const YAML::Node n = root_["defaults"];
    if (!n) return Status::Ok();
    VITALS_RETURN_IF_ERROR(r_.Keys(n, "defaults", {"timeout", "headers"}));
    if (n["timeout"]) {
      Result<int64_t> d = r_.Duration(n["timeout"], "defaults.timeout");
      if (!d.ok()) return d.status();
      sc_.defaults.timeout_ns = *d;
    }
    if (n["headers"]) {
      auto h = detail::YamlHeaders(r_, n["headers"], "defaults.headers");
      if (!h.ok()) return h.status();
      sc_.defaults.headers = std::move(*h);
    }
    return Status::Ok();
  }

  Status ParseRequests() {
    const YAML::Node list = root_["requests"];
    if (!list || list.IsNull() || (list.IsSequence() && list.size() == 0)) {
      return r_.Err(list && !list.IsNull() ? list : detail::KeyNode(root_, "requests"), "requests",
                    "expected at least one request, e.g. - {name: home, method: GET, path: /}");
    }
    if (!list.IsSequence()) {
      return r_.Err(list, "requests",
                    "expected a list of requests, got " + detail::DescribeNode(list));
    }
    for (size_t i = 0; i < list.size(); ++i) {
      const YAML::Node n = list[i];
      const std::string field = fmt::format("requests[{}]", i);
      Result<ScenarioRequest> req = ParseRequest(n, field);
      if (!req.ok()) return req.status();
      for (const ScenarioRequest& other : sc_.requests) {
        if (other.name == req->name) {
          return r_.Err(n["name"] ? n["name"] : n, field + ".name",
                        fmt::format("request name '{}' is used twice; names must be unique "
                                    "(thresholds refer to them as {{request:NAME}})",
                                    req->name));
        }
      }
      sc_.requests.push_back(std::move(*req));
    }
    return Status::Ok();
  }

  Result<ScenarioRequest> ParseRequest(const YAML::Node& n, const std::string& field) {
    VITALS_RETURN_IF_ERROR(r_.Keys(
        n, field, {"name", "method", "path", "url", "headers", "body", "weight", "timeout"}));
    ScenarioRequest req;
    req.timeout_ns = sc_.defaults.timeout_ns;
    const YAML::Node path = n["path"], url = n["url"];
    if (path && url) {
      return r_.Err(url, field, "give either 'path' (joined to base_url) or 'url', not both");
    }
    if (!path && !url) {
      return r_.Err(n, field, "missing 'path' (e.g. path: /login) or 'url'");
    }
    std::string text;
    const YAML::Node& at = path ? path : url;
    if (path) {
      Result<std::string> p = r_.Str(path, field + ".path");
      if (!p.ok()) return p.status();
      if (p->empty() || (*p)[0] != '/') {
        return r_.Err(
            path, field + ".path",
            fmt::format("expected a path starting with '/', got {}", detail::DescribeNode(path)));
      }
      if (!sc_.base) {
        return r_.Err(path, field + ".path",
                      "a path needs base_url at the top of the file (e.g. base_url: "
                      "http://127.0.0.1:8080), or give this request a full url");
      }
      req.path = *p;
      text = JoinUrl(sc_.base_url, *p);
    } else {
      Result<std::string> u = r_.Str(url, field + ".url");
      if (!u.ok()) return u.status();
      text = *u;
    }
    Result<Url> parsed = ParseUrl(text);
    if (!parsed.ok()) {
      return r_.Err(at, field + (path ? ".path" : ".url"), parsed.status().message());
    }
    req.url = *parsed;
    req.name = req.path.empty() ? req.url.target : req.path;
    if (n["name"]) {
      Result<std::string> s = r_.Name(n["name"], field + ".name");
      if (!s.ok()) return s.status();
      req.name = *s;
    }
    if (n["method"]) {
      Result<std::string> m = r_.Str(n["method"], field + ".method");
      if (!m.ok()) return m.status();
      static const char* kMethods[] = {"GET",   "HEAD",    "POST",    "PUT",  "DELETE",
                                       "PATCH", "OPTIONS", "CONNECT", "TRACE"};
      for (const char* known : kMethods) {
        if (*m != known && detail::AsciiLower(*m) == detail::AsciiLower(known)) {
          return r_.Err(n["method"], field + ".method",
                        fmt::format("methods are case-sensitive and sent as written; did you "
                                    "mean '{}'?",
                                    known));
        }
      }
      req.spec.method = *m;
    }
    // Defaults first, then the request's own headers, which replace a default of the same name.
    std::vector<HttpHeader> own;
    if (n["headers"]) {
      auto h = detail::YamlHeaders(r_, n["headers"], field + ".headers");
      if (!h.ok()) return h.status();
      own = std::move(*h);
    }
    for (const HttpHeader& d : sc_.defaults.headers) {
      bool replaced = std::any_of(own.begin(), own.end(), [&](const HttpHeader& h) {
        return detail::AsciiLower(h.name) == detail::AsciiLower(d.name);
      });
      if (!replaced) req.spec.headers.push_back(d);
    }
    for (HttpHeader& h : own) req.spec.headers.push_back(std::move(h));
    if (n["body"]) {
      const YAML::Node b = n["body"];
      if (!b.IsScalar()) {
        return r_.Err(b, field + ".body",
                      fmt::format("expected a string, got {}; quote JSON bodies: body: "
                                  "'{{\"u\":\"a\"}}'",
                                  detail::DescribeNode(b)));
      }
      req.spec.body = b.Scalar();
    }
    if (n["weight"]) {
      Result<double> w = r_.Num(n["weight"], field + ".weight", "a weight (a number > 0)");
      if (!w.ok()) return w.status();
      if (!(*w > 0)) {
        return r_.Err(n["weight"], field + ".weight",
                      fmt::format("expected a weight > 0, got {}; remove the request to stop "
                                  "sending it",
                                  detail::DescribeNode(n["weight"])));
      }
      req.weight = *w;
    }
    if (n["timeout"]) {
      Result<int64_t> d = r_.Duration(n["timeout"], field + ".timeout");
      if (!d.ok()) return d.status();
      req.timeout_ns = *d;
    }
    // Validates the method token, the headers against each other and the body framing.
    Result<HttpRequest> built = BuildRequest(req.url, req.spec);
    if (!built.ok()) return r_.Err(n, field, built.status().message());
    return req;
  }

  // rate: N | {from: A, to: B}
  Status ParseLevel(const YAML::Node& n, const std::string& field, bool connections,
                    ScenarioPhase* ph) {
    const std::string expected = connections ? "expected a number of connections or {from, to}"
                                             : "expected a number or {from, to}";
    auto one = [&](const YAML::Node& v, const std::string& f) -> Result<double> {
      Result<double> x = r_.Num(v, f, connections ? "a number of connections" : "a rate (req/s)");
      if (!x.ok()) return x;
      if (*x < 0)
        return r_.Err(v, f, fmt::format("expected a level >= 0, got {}", detail::DescribeNode(v)));
      if (connections && *x != std::floor(*x)) {
        return r_.Err(
            v, f,
            fmt::format("expected a whole number of connections, got {}", detail::DescribeNode(v)));
      }
      if (connections && *x > 1e6) return r_.Err(v, f, "expected at most 1000000 connections");
      if (!connections && *x > 1e9) return r_.Err(v, f, "expected a rate of at most 1e9 req/s");
      return x;
    };
    if (n.IsMap()) {
      VITALS_RETURN_IF_ERROR(r_.Keys(n, field, {"from", "to"}));
      if (!n["from"] || !n["to"]) {
        return r_.Err(n, field,
                      fmt::format("{}; missing '{}'", expected, n["from"] ? "to" : "from"));
      }
      Result<double> from = one(n["from"], field + ".from");
      if (!from.ok()) return from.status();
      Result<double> to = one(n["to"], field + ".to");
      if (!to.ok()) return to.status();
      ph->start = *from;
      ph->end = *to;
    } else {
      if (!n.IsScalar() || !ParseDouble(n.Scalar()).ok()) {
        return r_.Err(n, field, fmt::format("{}, got {}", expected, detail::DescribeNode(n)));
      }
      Result<double> v = one(n, field);
      if (!v.ok()) return v.status();
      ph->start = ph->end = *v;
    }
    if (!(std::max(ph->start, ph->end) > 0)) {
      return r_.Err(n, field,
                    connections ? "a phase needs at least 1 connection at some point"
                                : "a phase needs a rate above 0 at some point");
    }
    return Status::Ok();
  }

  Status ParsePhases() {
    const YAML::Node list = root_["phases"];
    if (!list || list.IsNull() || (list.IsSequence() && list.size() == 0)) {
      return r_.Err(list && !list.IsNull() ? list : detail::KeyNode(root_, "phases"), "phases",
                    "expected at least one phase, e.g. - {name: steady, duration: 1m, model: "
                    "open, rate: 100}");
    }
    if (!list.IsSequence()) {
      return r_.Err(list, "phases", "expected a list of phases, got " + detail::DescribeNode(list));
    }
    int64_t total = 0;
    for (size_t i = 0; i < list.size(); ++i) {
      const YAML::Node n = list[i];
      const std::string field = fmt::format("phases[{}]", i);
      VITALS_RETURN_IF_ERROR(
          r_.Keys(n, field, {"name", "duration", "model", "rate", "connections"}));
      ScenarioPhase ph;
      ph.name = fmt::format("phase {}", i + 1);
      if (n["name"]) {
        Result<std::string> s = r_.Name(n["name"], field + ".name");
        if (!s.ok()) return s.status();
        ph.name = *s;
      }
      for (const ScenarioPhase& other : sc_.phases) {
        if (other.name == ph.name) {
          return r_.Err(
              n["name"] ? n["name"] : n, field + ".name",
              fmt::format("phase name '{}' is used twice; names must be unique", ph.name));
        }
      }
      if (!n["duration"]) return r_.Err(n, field, "missing 'duration' (e.g. duration: 30s)");
      Result<int64_t> d = r_.Duration(n["duration"], field + ".duration");
      if (!d.ok()) return d.status();
      ph.duration_ns = *d;
      if (*d > kMaxTotalNs - total) {
        return r_.Err(n["duration"], field + ".duration",
                      "the phases add up to more than 365 days");
      }
      total += *d;
      const YAML::Node rate = n["rate"], conns = n["connections"];
      if (n["model"]) {
        Result<std::string> m = r_.Str(n["model"], field + ".model");
        if (!m.ok()) return m.status();
        if (*m == "open") {
          ph.model = LoadModel::kOpen;
        } else if (*m == "closed") {
          ph.model = LoadModel::kClosed;
        } else {
          return r_.Err(n["model"], field + ".model",
                        fmt::format("expected open (a request rate) or closed (a number of "
                                    "connections), got {}",
                                    detail::DescribeNode(n["model"])));
        }
      } else if (rate && conns) {
        return r_.Err(n, field,
                      "give either rate (open model) or connections (closed model), "
                      "not both, or set model:");
      } else {
        ph.model = conns ? LoadModel::kClosed : LoadModel::kOpen;
      }
      const bool closed = ph.model == LoadModel::kClosed;
      const YAML::Node level = closed ? conns : rate;
      const YAML::Node other = closed ? rate : conns;
      if (other) {
        return r_.Err(other, field + (closed ? ".rate" : ".connections"),
                      closed ? "a closed-model phase sets 'connections'; 'rate' belongs to "
                               "model: open"
                             : "an open-model phase sets 'rate' (req/s); 'connections' belongs "
                               "to model: closed");
      }
      if (!level) {
        return r_.Err(n, field,
                      closed ? "missing 'connections' (e.g. connections: 10)"
                             : "missing 'rate' (e.g. rate: 100 or rate: {from: 10, "
                               "to: 200})");
      }
      VITALS_RETURN_IF_ERROR(
          ParseLevel(level, field + (closed ? ".connections" : ".rate"), closed, &ph));
      sc_.phases.push_back(std::move(ph));
    }
    return Status::Ok();
  }

  // Thresholds may only name phases and requests that exist.
  Status CheckScope(const YAML::Node& at, const std::string& field, const Threshold& t) const {
    auto check = [&](const std::string& kind, const std::string& name,
                     const std::vector<std::string>& names) -> Status {
      if (name.empty() || std::find(names.begin(), names.end(), name) != names.end()) {
        return Status::Ok();
      }
      std::string near = detail::ClosestMatch(name, names);
      return r_.Err(at, field,
                    fmt::format("threshold '{}': no {} named '{}'{} ({}s: {})", t.expr, kind, name,
                                near.empty() ? "" : fmt::format("; did you mean '{}'?", near), kind,
                                NamesList(names)));
    };
    std::vector<std::string> phases, requests;
    for (const ScenarioPhase& p : sc_.phases) phases.push_back(p.name);
    for (const ScenarioRequest& q : sc_.requests) requests.push_back(q.name);
    VITALS_RETURN_IF_ERROR(check("phase", t.phase, phases));
    return check("request", t.request, requests);
  }

  // observe: [host, "postgres=postgresql://...", "redis=redis://...", "prometheus=http://..."]
  Status ParseObserve() {
    const YAML::Node list = root_["observe"];
    if (!list || list.IsNull()) return Status::Ok();
    if (!list.IsSequence()) {
      return r_.Err(list, "observe",
                    "expected a list like [host, \"redis=redis://127.0.0.1:6379\"], got " +
                        detail::DescribeNode(list));
    }
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string field = fmt::format("observe[{}]", i);
      Result<std::string> s = r_.Str(list[i], field);
      if (!s.ok()) return s.status();
      const std::string component = s->substr(0, s->find('='));
      const bool has_value = s->find('=') != std::string::npos && s->size() > component.size() + 1;
      const bool ok =
          (component == "host" && !has_value) ||
          ((component == "postgres" || component == "redis" || component == "prometheus") &&
           has_value);
      if (!ok) {
        return r_.Err(list[i], field,
                      fmt::format("expected host, postgres=DSN, redis=URL or prometheus=URL, got "
                                  "'{}'",
                                  RedactSecrets(*s)));
      }
      sc_.observe.push_back(*s);
    }
    return Status::Ok();
  }

  Status ParseThresholds() {
    const YAML::Node list = root_["thresholds"];
    if (!list || list.IsNull()) return Status::Ok();
    if (!list.IsSequence()) {
      return r_.Err(
          list, "thresholds",
          "expected a list of thresholds, e.g. - p(95)<500ms, got " + detail::DescribeNode(list));
    }
    for (size_t i = 0; i < list.size(); ++i) {
      const YAML::Node n = list[i];
      const std::string field = fmt::format("thresholds[{}]", i);
      YAML::Node expr = n;
      bool abort = false;
      int64_t delay_ns = 0;
      if (n.IsMap()) {
        VITALS_RETURN_IF_ERROR(r_.Keys(n, field, {"expr", "abort_on_fail", "delay_abort_eval"}));
        if (!n["expr"]) return r_.Err(n, field, "missing 'expr' (e.g. expr: \"p(95)<500ms\")");
        expr.reset(n["expr"]);  // not `=`: that would assign into `n` (Node is a reference)
        if (n["abort_on_fail"]) {
          Result<bool> b = r_.Bool(n["abort_on_fail"], field + ".abort_on_fail");
          if (!b.ok()) return b.status();
          abort = *b;
        }
        if (n["delay_abort_eval"]) {
          Result<int64_t> d = r_.Duration(n["delay_abort_eval"], field + ".delay_abort_eval");
          if (!d.ok()) return d.status();
          delay_ns = *d;
        }
      } else if (!n.IsScalar()) {
        return r_.Err(n, field,
                      "expected a threshold like p(95)<500ms or {expr: ..., "
                      "abort_on_fail: true}, got " +
                          detail::DescribeNode(n));
      }
      Result<std::string> text = r_.Str(expr, field);
      if (!text.ok()) return text.status();
      Result<Threshold> t = ParseThreshold(*text);
      if (!t.ok()) return r_.Err(expr, field, t.status().message());
      t->abort_on_fail = abort;
      t->delay_abort_eval_ns = delay_ns;
      VITALS_RETURN_IF_ERROR(CheckScope(expr, field, *t));
      sc_.thresholds.push_back(std::move(*t));
    }
    return Status::Ok();
  }

  const YAML::Node& root_;
  detail::YamlReader r_;
  Scenario sc_;
};

}  // namespace

std::vector<Stage> Scenario::Stages() const {
  std::vector<Stage> out;
  out.reserve(phases.size());
  for (const ScenarioPhase& p : phases) {
    out.push_back(Stage{p.name, p.duration_ns, p.start, p.end, p.model});
  }
  return out;
}

int64_t Scenario::TotalNs() const {
  int64_t t = 0;
  for (const ScenarioPhase& p : phases) t += p.duration_ns;
  return t;
}

Result<Scenario> ParseScenario(std::string_view text, std::string file) {
  // Names and bodies flow into JSON and XML reports, which need valid UTF-8; say where the
  // bad byte is rather than failing later in a report.
  if (size_t bad = detail::FirstInvalidUtf8(text); bad != std::string_view::npos) {
    const std::string_view head = text.substr(0, bad);
    const size_t line = size_t(std::count(head.begin(), head.end(), '\n')) + 1;
    const size_t nl = head.rfind('\n');
    const size_t col = bad - (nl == std::string_view::npos ? 0 : nl + 1) + 1;
    return Status::InvalidArgument(
        fmt::format("{}:{}:{}: invalid UTF-8 (byte 0x{:02x}); save the scenario as UTF-8", file,
                    line, col, static_cast<unsigned char>(text[bad])));
  }
  YAML::Node root;
  try {
    root.reset(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    // e.msg is yaml-cpp's own wording ("end of map not found", ...); the position is the part
    // users need.
    std::string where =
        e.mark.is_null() ? file : fmt::format("{}:{}:{}", file, e.mark.line + 1, e.mark.column + 1);
    return Status::InvalidArgument(
        fmt::format("{}: invalid YAML: {}", where, e.msg.empty() ? "syntax error" : e.msg));
  }
  try {
    return ScenarioParser(root, file).Parse();
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(fmt::format("{}: unexpected YAML structure: {}", file, e.msg));
  }
}

Result<Scenario> LoadScenario(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::NotFound(fmt::format("scenario file '{}' does not exist", path));
  }
  if (std::filesystem::is_directory(path, ec)) {
    return Status::InvalidArgument(
        fmt::format("scenario '{}' is a directory; expected a YAML file", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::FromErrno(fmt::format("cannot open scenario '{}'", path), errno);
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    text.append(buf, size_t(in.gcount()));
    if (text.size() > kMaxScenarioBytes) {
      return Status::InvalidArgument(
          fmt::format("scenario '{}' is larger than {} MiB; a scenario is a hand-written file",
                      path, kMaxScenarioBytes >> 20));
    }
  }
  if (in.bad()) return Status::FromErrno(fmt::format("cannot read scenario '{}'", path), errno);
  return ParseScenario(text, path);
}

}  // namespace vitals
