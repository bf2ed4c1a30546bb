// Executing a parsed template (template_parse.cc builds the tree).
#include "alerting/template.h"

#include <fmt/format.h>

#include "alerting/go_format.h"
#include "alerting/template_internal.h"

namespace vitals::alerting {
namespace detail {
namespace {

LabelMap ToMap(const promql::Labels& l) {
  LabelMap m;
  for (const auto& item : l.items()) m[item.name] = item.value;
  return m;
}

class Executor {
 public:
  Executor(const std::string& name, const TemplateData& data, const TemplateQuery& query)
      : name_(name), data_(data), query_(query) {
    vars_.emplace_back("$", Root{&data_});
    vars_.emplace_back("$labels", ToMap(data_.labels));
    vars_.emplace_back("$value", data_.value);
    vars_.emplace_back("$externalLabels", ToMap(data_.external_labels));
    vars_.emplace_back("$externalURL", data_.external_url);
  }

  Status Run(const std::vector<TemplateNode>& nodes, const TValue& dot, std::string* out) {
    for (const TemplateNode& n : nodes) {
      switch (n.kind) {
        case TemplateNode::Kind::kText:
          *out += n.text;
          break;
        case TemplateNode::Kind::kAction: {
          auto v = EvalPipeline(n.pipe, dot);
          if (!v.ok()) return v.status();
          if (n.pipe.declare.empty()) *out += PrintValue(*v);
          break;
        }
        case TemplateNode::Kind::kIf:
        case TemplateNode::Kind::kWith: {
          size_t mark = vars_.size();
          auto v = EvalPipeline(n.pipe, dot);
          if (!v.ok()) return v.status();
          Status st;
          if (Truth(*v)) {
            st = Run(n.body, n.kind == TemplateNode::Kind::kWith ? *v : dot, out);
          } else {
            st = Run(n.else_body, dot, out);
          }
          vars_.resize(mark);
          if (!st.ok()) return st;
          break;
        }
        case TemplateNode::Kind::kRange: {
          size_t mark = vars_.size();
          auto v = EvalPipeline(n.pipe, dot);
          if (!v.ok()) return v.status();
          std::vector<TValue> items;
          if (auto* list = std::get_if<SampleList>(&*v)) {
            for (const auto& s : *list) items.emplace_back(s);
          } else if (auto* m = std::get_if<LabelMap>(&*v)) {
            for (const auto& [k, val] : *m) items.emplace_back(val);
          } else if (!std::holds_alternative<Nil>(*v)) {
            return Error(n.pipe.line, fmt::format("range can't iterate over {}", PrintValue(*v)));
          }
          Status st;
          for (const TValue& item : items) {
            st = Run(n.body, item, out);
            if (!st.ok()) break;
          }
          if (st.ok() && items.empty()) st = Run(n.else_body, dot, out);
          vars_.resize(mark);
          if (!st.ok()) return st;
          break;
        }
      }
    }
    return Status::Ok();
  }

 private:
  Status Error(int line, const std::string& msg) const {
    return Status::InvalidArgument(fmt::format("template: {}:{}: {}", name_, line, msg));
  }

  Result<TValue> EvalPipeline(const Pipeline& p, const TValue& dot) {
    TValue last;
    bool have_last = false;
    for (const Command& c : p.commands) {
      const Operand& head = c.args[0];
      if (head.kind == Operand::Kind::kFunction) {
        std::vector<TValue> args;
        for (size_t i = 1; i < c.args.size(); ++i) {
          auto a = EvalOperand(c.args[i], dot, p.line);
          if (!a.ok()) return a;
          args.push_back(std::move(*a));
        }
        if (have_last) args.push_back(last);
        auto r = CallFunction(head.name, args, query_);
        if (!r.ok()) {
          return Error(p.line, fmt::format("executing \"{}\" at <{}>: error calling {}: {}", name_,
                                           head.name, head.name, r.status().message()));
        }
        last = std::move(*r);
      } else {
        auto v = EvalOperand(head, dot, p.line);
        if (!v.ok()) return v;
        last = std::move(*v);
      }
      have_last = true;
    }
    if (!p.declare.empty()) {
      if (p.assign) {
        for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
          if (it->first == p.declare) {
            it->second = last;
            return last;
          }
        }
        return Error(p.line, fmt::format("undefined variable: {}", p.declare));
      }
      vars_.emplace_back(p.declare, last);
    }
    return last;
  }

  Result<TValue> EvalOperand(const Operand& op, const TValue& dot, int line) {
    TValue v;
    switch (op.kind) {
      case Operand::Kind::kLiteral:
        return op.literal;
      case Operand::Kind::kDot:
        v = dot;
        break;
      case Operand::Kind::kField:
        v = dot;
        break;
      case Operand::Kind::kVariable: {
        bool found = false;
        for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
          if (it->first == op.name) {
            v = it->second;
            found = true;
            break;
          }
        }
        if (!found) return Error(line, fmt::format("undefined variable \"{}\"", op.name));
        break;
      }
      case Operand::Kind::kSub: {
        auto r = EvalPipeline(*op.sub, dot);
        if (!r.ok()) return r;
        v = std::move(*r);
        break;
      }
      case Operand::Kind::kFunction: {
        auto r = CallFunction(op.name, {}, query_);
        if (!r.ok()) return Error(line, r.status().message());
        v = std::move(*r);
        break;
      }
    }
    for (const std::string& f : op.fields) {
      auto next = Field(v, f, line);
      if (!next.ok()) return next;
      v = std::move(*next);
    }
    return v;
  }

  Result<TValue> Field(const TValue& v, const std::string& f, int line) const {
    if (auto* root = std::get_if<Root>(&v)) {
      if (f == "Labels") return TValue(ToMap(root->data->labels));
      if (f == "Value") return TValue(root->data->value);
      if (f == "ExternalLabels") return TValue(ToMap(root->data->external_labels));
      if (f == "ExternalURL") return TValue(root->data->external_url);
    } else if (auto* m = std::get_if<LabelMap>(&v)) {
      auto it = m->find(f);
      return TValue(it == m->end() ? std::string() : it->second);  // missingkey=zero
    } else if (auto* s = std::get_if<TemplateSample>(&v)) {
      if (f == "Labels") return TValue(ToMap(s->labels));
      if (f == "Value") return TValue(s->value);
    } else if (std::holds_alternative<Nil>(v)) {
      return TValue(Nil{});
    }
    return Error(line, fmt::format("can't evaluate field {} in type {}", f, TypeName(v)));
  }

  const std::string& name_;
  const TemplateData& data_;
  const TemplateQuery& query_;
  std::vector<std::pair<std::string, TValue>> vars_;
};

}  // namespace

std::string TypeName(const TValue& v) {
  switch (v.index()) {
    case 0:
      return "<nil>";
    case 1:
      return "bool";
    case 2:
      return "int";
    case 3:
      return "float64";
    case 4:
      return "string";
    case 5:
      return "map[string]string";
    case 6:
      return "*template.sample";
    case 7:
      return "template.queryResult";
    default:
      return "*template.tmplData";
  }
}

std::string PrintValue(const TValue& v) {
  if (std::holds_alternative<Nil>(v)) return "<no value>";
  if (auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) return GoFloat(*d);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* m = std::get_if<LabelMap>(&v)) {
    std::string out = "map[";
    bool first = true;
    for (const auto& [k, val] : *m) {
      out += (first ? "" : " ") + k + ":" + val;
      first = false;
    }
    return out + "]";
  }
  if (auto* s = std::get_if<TemplateSample>(&v)) {
    return fmt::format("{{{} {}}}", PrintValue(ToMap(s->labels)), GoFloat(s->value));
  }
  if (auto* l = std::get_if<SampleList>(&v)) {
    std::string out = "[";
    for (size_t i = 0; i < l->size(); ++i) out += (i ? " " : "") + PrintValue((*l)[i]);
    return out + "]";
  }
  return "{}";
}

bool Truth(const TValue& v) {
  if (std::holds_alternative<Nil>(v)) return false;
  if (auto* b = std::get_if<bool>(&v)) return *b;
  if (auto* i = std::get_if<int64_t>(&v)) return *i != 0;
  if (auto* d = std::get_if<double>(&v)) return *d != 0;
  if (auto* s = std::get_if<std::string>(&v)) return !s->empty();
  if (auto* m = std::get_if<LabelMap>(&v)) return !m->empty();
  if (auto* l = std::get_if<SampleList>(&v)) return !l->empty();
  return true;
}

}  // namespace detail

Result<Template> Template::Parse(std::string_view text, std::string name) {
  auto nodes = detail::ParseTemplate(text, name);
  if (!nodes.ok()) return nodes.status();
  Template t;
  t.name_ = std::move(name);
  t.nodes_ = std::make_shared<const std::vector<detail::TemplateNode>>(std::move(*nodes));
  return t;
}

Result<std::string> Template::Execute(const TemplateData& data, const TemplateQuery& query) const {
  std::string out;
  detail::Executor ex(name_, data, query);
  Status st = ex.Run(*nodes_, detail::Root{&data}, &out);
  if (!st.ok()) return st;
  return out;
}

bool Template::is_literal() const {
  for (const auto& n : *nodes_) {
    if (n.kind != detail::TemplateNode::Kind::kText) return false;
  }
  return true;
}

Result<std::string> ExpandTemplate(std::string_view text, const std::string& name,
                                   const TemplateData& data, const TemplateQuery& query) {
  auto t = Template::Parse(text, name);
  if (!t.ok()) return t.status();
  return t->Execute(data, query);
}

}  // namespace vitals::alerting
