// The functions alert templates may call: Prometheus' own (humanize ...,
// first, value, label, reReplaceAll, query) and Go's builtins that rule
// files use (eq ... len, index, printf).  Behaviour and wording follow
// Prometheus' template/template.go and Go's text/template.
#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>

#include "alerting/go_format.h"
#include "alerting/template_internal.h"

namespace vitals::alerting::detail {
namespace {

const std::set<std::string>& Known() {
  static const std::set<std::string> k = {"humanize",
                                          "humanize1024",
                                          "humanizeDuration",
                                          "humanizePercentage",
                                          "printf",
                                          "toUpper",
                                          "toLower",
                                          "title",
                                          "first",
                                          "value",
                                          "label",
                                          "reReplaceAll",
                                          "query",
                                          "eq",
                                          "ne",
                                          "lt",
                                          "le",
                                          "gt",
                                          "ge",
                                          "and",
                                          "or",
                                          "not",
                                          "len",
                                          "index"};
  return k;
}

Result<double> ToFloat(const TValue& v) {
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<int64_t>(&v)) return double(*i);
  if (auto* s = std::get_if<std::string>(&v)) {
    char* end = nullptr;
    double d = std::strtod(s->c_str(), &end);
    if (s->empty() || *end != '\0') {
      return Status::InvalidArgument(
          fmt::format("strconv.ParseFloat: parsing {}: invalid syntax", GoQuote(*s)));
    }
    return d;
  }
  return Status::InvalidArgument(fmt::format("can't convert {} to float", TypeName(v)));
}

Result<std::string> ToString(const TValue& v, const char* fn) {
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  return Status::InvalidArgument(
      fmt::format("wrong type for value; expected string; got {} (in {})", TypeName(v), fn));
}

Status Arity(const std::string& name, const std::vector<TValue>& args, size_t n) {
  if (args.size() == n) return Status::Ok();
  return Status::InvalidArgument(
      fmt::format("wrong number of args for {}: want {} got {}", name, n, args.size()));
}

std::string Humanize(double v) {
  if (v == 0 || !std::isfinite(v)) return GoPrecG(v, 4);
  static const char* kBig[] = {"k", "M", "G", "T", "P", "E", "Z", "Y"};
  static const char* kSmall[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string prefix;
  if (std::fabs(v) >= 1) {
    for (const char* p : kBig) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
  } else {
    for (const char* p : kSmall) {
      if (std::fabs(v) >= 1) break;
      prefix = p;
      v *= 1000;
    }
  }
  return GoPrecG(v, 4) + prefix;
}

std::string Humanize1024(double v) {
  if (std::fabs(v) <= 1 || !std::isfinite(v)) return GoPrecG(v, 4);
  static const char* kPrefixes[] = {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};
  std::string prefix;
  for (const char* p : kPrefixes) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return GoPrecG(v, 4) + prefix;
}

std::string HumanizeDuration(double v) {
  if (!std::isfinite(v)) return GoPrecG(v, 4);
  if (v == 0) return GoPrecG(v, 4) + "s";
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    int64_t d = int64_t(v);
    int64_t secs = d % 60, mins = (d / 60) % 60, hours = (d / 3600) % 24, days = d / 86400;
    if (days != 0) return fmt::format("{}{}d {}h {}m {}s", sign, days, hours, mins, secs);
    if (hours != 0) return fmt::format("{}{}h {}m {}s", sign, hours, mins, secs);
    if (mins != 0) return fmt::format("{}{}m {}s", sign, mins, secs);
    return sign + GoPrecG(v, 4) + "s";
  }
  static const char* kSmall[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string prefix;
  for (const char* p : kSmall) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return GoPrecG(v, 4) + prefix + "s";
}

std::string Title(std::string s) {
  unsigned char prev = ' ';
  for (char& c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    bool sep = !(std::isalnum(prev) || prev == '_' || prev >= 0x80);
    if (sep) c = char(std::toupper(u));
    prev = u;
  }
  return s;
}

// Go's Regexp.ReplaceAllString: $1, ${1}, $name, ${name} in `repl`.
Result<std::string> ReReplaceAll(const std::string& pattern, const std::string& repl,
                                 const std::string& text) {
  RE2 re(pattern, RE2::Quiet);
  if (!re.ok()) {
    return Status::InvalidArgument(fmt::format("error parsing regexp: {}", re.error()));
  }
  int n = re.NumberOfCapturingGroups();
  std::vector<re2::StringPiece> groups(size_t(n) + 1);
  const auto& names = re.NamedCapturingGroups();
  std::string out;
  size_t pos = 0;
  re2::StringPiece input(text);
  while (pos <= text.size()) {
    if (!re.Match(input, pos, text.size(), RE2::UNANCHORED, groups.data(), n + 1)) break;
    size_t start = size_t(groups[0].data() - text.data());
    size_t end = start + groups[0].size();
    out.append(text, pos, start - pos);
    for (size_t i = 0; i < repl.size(); ++i) {
      if (repl[i] != '$' || i + 1 >= repl.size()) {
        out += repl[i];
        continue;
      }
      if (repl[i + 1] == '$') {
        out += '$';
        ++i;
        continue;
      }
      std::string name;
      size_t j = i + 1;
      if (repl[j] == '{') {
        size_t close = repl.find('}', j);
        if (close == std::string::npos) {
          out += repl[i];
          continue;
        }
        name = repl.substr(j + 1, close - j - 1);
        j = close + 1;
      } else {
        while (j < repl.size() &&
               (std::isalnum(static_cast<unsigned char>(repl[j])) || repl[j] == '_'))
          ++j;
        name = repl.substr(i + 1, j - i - 1);
      }
      if (name.empty()) {
        out += repl[i];
        continue;
      }
      int idx = -1;
      if (std::all_of(name.begin(), name.end(),
                      [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        idx = std::atoi(name.c_str());
      } else if (auto it = names.find(name); it != names.end()) {
        idx = it->second;
      }
      if (idx >= 0 && idx <= n && groups[size_t(idx)].data() != nullptr) {
        out.append(groups[size_t(idx)].data(), groups[size_t(idx)].size());
      }
      i = j - 1;
    }
    if (end == start) {
      if (start < text.size()) out += text[start];
      pos = start + 1;
    } else {
      pos = end;
    }
  }
  if (pos < text.size()) out.append(text, pos, std::string::npos);
  return out;
}

// Go's comparison builtins: basic kinds must agree (int vs float64 is an error).
Result<int> Compare(const TValue& a, const TValue& b, bool ordered) {
  if (a.index() != b.index()) return Status::InvalidArgument("incompatible types for comparison");
  if (auto* x = std::get_if<double>(&a)) {
    double y = std::get<double>(b);
    return *x < y ? -1 : *x > y ? 1 : (*x == y ? 0 : 2);
  }
  if (auto* x = std::get_if<int64_t>(&a)) {
    int64_t y = std::get<int64_t>(b);
    return *x < y ? -1 : *x > y ? 1 : 0;
  }
  if (auto* x = std::get_if<std::string>(&a)) {
    int c = x->compare(std::get<std::string>(b));
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (auto* x = std::get_if<bool>(&a)) {
    if (ordered) return Status::InvalidArgument("invalid type for comparison");
    return *x == std::get<bool>(b) ? 0 : 1;
  }
  return Status::InvalidArgument("invalid type for comparison");
}

}  // namespace

bool IsKnownFunction(const std::string& name) { return Known().count(name) > 0; }

bool IsUnsupportedPrometheusFunction(const std::string& name) {
  static const std::set<std::string> k = {
      "args",        "externalURL",   "graphLink",   "humanizeTimestamp",
      "match",       "parseDuration", "pathPrefix",  "safeHtml",
      "sortByLabel", "stripPort",     "stripDomain", "strvalue",
      "tableLink",   "tmpl",          "toTime",      "urlQueryEscape",
      "call",        "html",          "js",          "print",
      "println",     "slice",         "urlquery",    "humanizeDurationMs"};
  return k.count(name) > 0;
}

Result<TValue> CallFunction(const std::string& name, const std::vector<TValue>& args,
                            const TemplateQuery& query) {
  auto one_float = [&]() -> Result<double> {
    Status st = Arity(name, args, 1);
    if (!st.ok()) return st;
    return ToFloat(args[0]);
  };
  if (name == "humanize" || name == "humanize1024" || name == "humanizeDuration" ||
      name == "humanizePercentage") {
    auto v = one_float();
    if (!v.ok()) return v.status();
    if (name == "humanize") return TValue(Humanize(*v));
    if (name == "humanize1024") return TValue(Humanize1024(*v));
    if (name == "humanizeDuration") return TValue(HumanizeDuration(*v));
    return TValue(GoPrecG(*v * 100, 4) + "%");
  }
  if (name == "printf") {
    if (args.empty())
      return Status::InvalidArgument("wrong number of args for printf: want at least 1 got 0");
    auto f = ToString(args[0], "printf");
    if (!f.ok()) return f.status();
    return TValue(GoSprintf(*f, std::vector<TValue>(args.begin() + 1, args.end())));
  }
  if (name == "toUpper" || name == "toLower" || name == "title") {
    Status st = Arity(name, args, 1);
    if (!st.ok()) return st;
    auto s = ToString(args[0], name.c_str());
    if (!s.ok()) return s.status();
    std::string out = *s;
    if (name == "title") return TValue(Title(out));
    for (char& c : out) {
      c = name == "toUpper" ? char(std::toupper(static_cast<unsigned char>(c)))
                            : char(std::tolower(static_cast<unsigned char>(c)));
    }
    return TValue(out);
  }
  if (name == "first") {
    Status st = Arity(name, args, 1);
    if (!st.ok()) return st;
    auto* list = std::get_if<SampleList>(&args[0]);
    if (list == nullptr) return Status::InvalidArgument("first() expects a query result");
    if (list->empty()) return Status::InvalidArgument("first() called on vector with no elements");
    return TValue((*list)[0]);
  }
  if (name == "value") {
    Status st = Arity(name, args, 1);
    if (!st.ok()) return st;
    auto* s = std::get_if<TemplateSample>(&args[0]);
    if (s == nullptr) return Status::InvalidArgument("value() expects a sample (from first)");
    return TValue(s->value);
  }
  if (name == "label") {
    Status st = Arity(name, args, 2);
    if (!st.ok()) return st;
    auto l = ToString(args[0], "label");
    if (!l.ok()) return l.status();
    auto* s = std::get_if<TemplateSample>(&args[1]);
    if (s == nullptr) return Status::InvalidArgument("label() expects a sample (from first)");
    return TValue(std::string(s->labels.Get(*l)));
  }
  if (name == "reReplaceAll") {
    Status st = Arity(name, args, 3);
    if (!st.ok()) return st;
    auto p = ToString(args[0], "reReplaceAll");
    auto r = ToString(args[1], "reReplaceAll");
    auto t = ToString(args[2], "reReplaceAll");
    if (!p.ok()) return p.status();
    if (!r.ok()) return r.status();
    if (!t.ok()) return t.status();
    auto out = ReReplaceAll(*p, *r, *t);
    if (!out.ok()) return out.status();
    return TValue(*out);
  }
  if (name == "query") {
    Status st = Arity(name, args, 1);
    if (!st.ok()) return st;
    auto q = ToString(args[0], "query");
    if (!q.ok()) return q.status();
    if (!query) return Status::InvalidArgument("query is not available in this template");
    auto r = query(*q);
    if (!r.ok()) return r.status();
    return TValue(SampleList(std::move(*r)));
  }
  if (name == "eq" || name == "ne" || name == "lt" || name == "le" || name == "gt" ||
      name == "ge") {
    Status st = Arity(name, args, 2);
    if (!st.ok()) return st;
    auto c = Compare(args[0], args[1], name != "eq" && name != "ne");
    if (!c.ok()) return c.status();
    int v = *c;
    if (name == "eq") return TValue(v == 0);
    if (name == "ne") return TValue(v != 0);
    if (name == "lt") return TValue(v == -1);
    if (name == "le") return TValue(v == -1 || v == 0);
    if (name == "gt") return TValue(v == 1);
    return TValue(v == 1 || v == 0);
  }
  if (name == "and" || name == "or") {
    if (args.empty())
      return Status::InvalidArgument(fmt::format("wrong number of args for {}", name));
    for (const TValue& a : args) {
      if (Truth(a) != (name == "and")) return a;
    }
    return args.back();
  }
  if (name == "not") {
    Status st = Arity(name, args, 1);
    if (!st.ok()) return st;
    return TValue(!Truth(args[0]));
  }
  if (name == "len") {
    Status st = Arity(name, args, 1);
    if (!st.ok()) return st;
    if (auto* s = std::get_if<std::string>(&args[0])) return TValue(int64_t(s->size()));
    if (auto* m = std::get_if<LabelMap>(&args[0])) return TValue(int64_t(m->size()));
    if (auto* l = std::get_if<SampleList>(&args[0])) return TValue(int64_t(l->size()));
    return Status::InvalidArgument(fmt::format("len of type {}", TypeName(args[0])));
  }
  if (name == "index") {
    Status st = Arity(name, args, 2);
    if (!st.ok()) return st;
    auto* m = std::get_if<LabelMap>(&args[0]);
    auto k = ToString(args[1], "index");
    if (m == nullptr || !k.ok())
      return Status::InvalidArgument("index expects a label map and a name");
    auto it = m->find(*k);
    return TValue(it == m->end() ? std::string() : it->second);
  }
  return Status::InvalidArgument(fmt::format("function \"{}\" not defined", name));
}

std::string GoSprintf(const std::string& format, const std::vector<TValue>& args) {
  std::string out;
  size_t argi = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    size_t j = i + 1;
    std::string flags;
    while (j < format.size() &&
           std::string_view("+-# 0").find(format[j]) != std::string_view::npos) {
      flags += format[j++];
    }
    std::string width;
    while (j < format.size() && std::isdigit(static_cast<unsigned char>(format[j])))
      width += format[j++];
    int prec = -1;
    if (j < format.size() && format[j] == '.') {
      ++j;
      prec = 0;
      while (j < format.size() && std::isdigit(static_cast<unsigned char>(format[j]))) {
        prec = prec * 10 + (format[j++] - '0');
      }
    }
    if (j >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    char verb = format[j];
    i = j;
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (argi >= args.size()) {
      out += fmt::format("%!{}(MISSING)", verb);
      continue;
    }
    const TValue& a = args[argi++];
    std::string spec = "%" + flags + width + (prec >= 0 ? "." + std::to_string(prec) : "");
    auto pad = [&](std::string s) {
      size_t w = width.empty() ? 0 : size_t(std::atoi(width.c_str()));
      if (s.size() >= w) return s;
      bool left = flags.find('-') != std::string::npos;
      return left ? s + std::string(w - s.size(), ' ') : std::string(w - s.size(), ' ') + s;
    };
    auto bad = [&]() { return fmt::format("%!{}({}={})", verb, TypeName(a), PrintValue(a)); };
    char buf[512];
    if (auto* d = std::get_if<double>(&a)) {
      if (verb == 'v' || ((verb == 'g' || verb == 'G') && prec < 0)) {
        std::string s = GoFloat(*d);
        if (verb == 'G') std::transform(s.begin(), s.end(), s.begin(), ::toupper);
        out += pad(s);
      } else if (std::string_view("fFeEgG").find(verb) != std::string_view::npos) {
        if (!std::isfinite(*d)) {
          out += pad(GoFloat(*d));
        } else {
          std::snprintf(buf, sizeof buf, (spec + verb).c_str(), *d);
          out += buf;
        }
      } else {
        out += bad();
      }
    } else if (auto* n = std::get_if<int64_t>(&a)) {
      if (verb == 'd' || verb == 'v' || verb == 'x' || verb == 'X' || verb == 'o') {
        char v = verb == 'v' ? 'd' : verb;
        std::snprintf(buf, sizeof buf, (spec + "ll" + v).c_str(), static_cast<long long>(*n));
        out += buf;
      } else {
        out += bad();
      }
    } else if (auto* s = std::get_if<std::string>(&a)) {
      if (verb == 's' || verb == 'v') {
        out += pad(prec >= 0 ? s->substr(0, size_t(prec)) : *s);
      } else if (verb == 'q') {
        out += pad(GoQuote(*s));
      } else {
        out += bad();
      }
    } else if (auto* b = std::get_if<bool>(&a)) {
      out += (verb == 't' || verb == 'v') ? pad(*b ? "true" : "false") : bad();
    } else if (std::holds_alternative<Nil>(a)) {
      out += fmt::format("%!{}(<nil>)", verb);
    } else {
      out += verb == 'v' || verb == 's' ? pad(PrintValue(a)) : bad();
    }
  }
  if (argi < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = argi; k < args.size(); ++k) {
      out += (k > argi ? ", " : "") + TypeName(args[k]) + "=" + PrintValue(args[k]);
    }
    out += ")";
  }
  return out;
}

}  // namespace vitals::alerting::detail
