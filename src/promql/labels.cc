#include "promql/labels.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace vitals::promql {

Labels::Labels(std::vector<Label> labels) : items_(std::move(labels)) {
  std::erase_if(items_, [](const Label& l) { return l.value.empty(); });
  std::sort(items_.begin(), items_.end(),
            [](const Label& a, const Label& b) { return a.name < b.name; });
}

std::string_view Labels::Get(std::string_view name) const {
  for (const Label& l : items_) {
    if (l.name == name) return l.value;
  }
  return {};
}

bool Labels::Has(std::string_view name) const { return !Get(name).empty(); }

void Labels::Set(std::string_view name, std::string_view value) {
  auto it = std::lower_bound(items_.begin(), items_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != items_.end() && it->name == name) {
    if (value.empty()) {
      items_.erase(it);
    } else {
      it->value = std::string(value);
    }
    return;
  }
  if (!value.empty()) items_.insert(it, Label{std::string(name), std::string(value)});
}

void Labels::Remove(std::string_view name) { Set(name, ""); }

Labels Labels::WithoutName() const {
  Labels out = *this;
  out.Remove(kMetricName);
  return out;
}

Labels Labels::Filter(const std::vector<std::string>& names, bool keep) const {
  Labels out;
  for (const Label& l : items_) {
    bool listed = std::find(names.begin(), names.end(), l.name) != names.end();
    if (listed == keep) out.items_.push_back(l);
  }
  return out;
}

std::string Labels::Key() const {
  std::string key;
  for (const Label& l : items_) {
    key += l.name;
    key += '\xff';
    key += l.value;
    key += '\xfe';
  }
  return key;
}

std::string Labels::ToString() const {
  std::string out(Get(kMetricName));
  std::string body;
  for (const Label& l : items_) {
    if (l.name == kMetricName) continue;
    if (!body.empty()) body += ", ";
    body += l.name + "=\"";
    for (char c : l.value) {
      if (c == '"' || c == '\\') body += '\\';
      if (c == '\n') {
        body += "\\n";
        continue;
      }
      body += c;
    }
    body += '"';
  }
  if (!body.empty() || out.empty()) out += "{" + body + "}";
  return out;
}

double StaleNaN() { return std::bit_cast<double>(uint64_t{0x7ff0000000000002ULL}); }

bool IsStaleNaN(double v) { return std::bit_cast<uint64_t>(v) == 0x7ff0000000000002ULL; }

}  // namespace vitals::promql
