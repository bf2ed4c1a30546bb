// Go text/template syntax, the subset template.h lists: text and actions,
// pipelines, variables, fields, if/else/range/with/end, trim markers and
// comments.
#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

#include "alerting/template_internal.h"

namespace vitals::alerting::detail {
namespace {

struct Tok {
  enum class Kind {
    kIdent,
    kVar,
    kField,
    kDot,
    kString,
    kNumber,
    kLParen,
    kRParen,
    kPipe,
    kDeclare,
    kAssign
  };
  Kind kind;
  std::string text;
  bool space_before = false;
};

class Parser {
 public:
  Parser(std::string_view text, std::string name) : text_(text), name_(std::move(name)) {}

  Result<std::vector<TemplateNode>> Run() {
    std::string stop;
    auto nodes = ParseList(&stop);
    if (!nodes.ok()) return nodes;
    if (!stop.empty()) return Error(fmt::format("unexpected {{{{{}}}}}", stop));
    return nodes;
  }

 private:
  Status Error(const std::string& msg) const {
    return Status::InvalidArgument(fmt::format("template: {}:{}: {}", name_, line_, msg));
  }

  // Parses nodes until EOF or an {{end}} / {{else ...}}; *stop receives
  // "end", "else" (with else_rest_ holding the rest of the action) or "".
  Result<std::vector<TemplateNode>> ParseList(std::string* stop) {
    std::vector<TemplateNode> out;
    while (pos_ < text_.size()) {
      size_t open = text_.find("{{", pos_);
      std::string_view chunk =
          text_.substr(pos_, open == std::string_view::npos ? open : open - pos_);
      std::string plain(chunk);
      if (trim_next_) {
        size_t k = plain.find_first_not_of(" \t\r\n");
        plain = k == std::string::npos ? "" : plain.substr(k);
        trim_next_ = false;
      }
      if (open == std::string_view::npos) {
        AddText(&out, plain);
        pos_ = text_.size();
        break;
      }
      size_t body = open + 2;
      bool trim_left = body + 1 < text_.size() && text_[body] == '-' &&
                       std::isspace(static_cast<unsigned char>(text_[body + 1]));
      if (trim_left) {
        size_t k = plain.find_last_not_of(" \t\r\n");
        plain = k == std::string::npos ? "" : plain.substr(0, k + 1);
        body += 1;
      }
      AddText(&out, plain);
      for (char c : text_.substr(pos_, open - pos_)) line_ += c == '\n';
      size_t close = FindClose(body);
      if (close == std::string_view::npos) return Error("unclosed action");
      std::string_view inner = text_.substr(body, close - body);
      bool trim_right = false;
      if (inner.size() >= 2 && inner.back() == '-' &&
          std::isspace(static_cast<unsigned char>(inner[inner.size() - 2]))) {
        trim_right = true;
        inner.remove_suffix(1);
      }
      for (char c : text_.substr(open, close + 2 - open)) line_ += c == '\n';
      pos_ = close + 2;
      trim_next_ = trim_right;
      std::string_view trimmed = Trim(inner);
      if (trimmed.substr(0, 2) == "/*") {
        if (trimmed.size() < 4 || trimmed.substr(trimmed.size() - 2) != "*/") {
          return Error("unclosed comment");
        }
        continue;
      }
      auto toks = Lex(trimmed);
      if (!toks.ok()) return toks.status();
      std::vector<Tok>& t = *toks;
      if (t.empty()) return Error("missing value for command");
      if (t[0].kind == Tok::Kind::kIdent) {
        const std::string& kw = t[0].text;
        if (kw == "end" || kw == "else") {
          if (kw == "end" && t.size() > 1) return Error("unexpected token in end");
          *stop = kw;
          else_rest_.assign(t.begin() + 1, t.end());
          return out;
        }
        if (kw == "if" || kw == "range" || kw == "with") {
          auto node = ParseBlock(kw, std::vector<Tok>(t.begin() + 1, t.end()));
          if (!node.ok()) return node.status();
          out.push_back(std::move(*node));
          continue;
        }
        if (kw == "template" || kw == "define" || kw == "block" || kw == "break" ||
            kw == "continue") {
          return Error(fmt::format("{{{{{}}}}} is not supported by vitals", kw));
        }
      }
      TemplateNode n;
      n.kind = TemplateNode::Kind::kAction;
      auto pipe = ParsePipeline(t, 0, t.size(), true);
      if (!pipe.ok()) return pipe.status();
      n.pipe = std::move(*pipe);
      out.push_back(std::move(n));
    }
    return out;
  }

  Result<TemplateNode> ParseBlock(const std::string& kw, std::vector<Tok> cond) {
    TemplateNode n;
    n.kind = kw == "if"      ? TemplateNode::Kind::kIf
             : kw == "range" ? TemplateNode::Kind::kRange
                             : TemplateNode::Kind::kWith;
    if (cond.empty()) return Error(fmt::format("missing value for {}", kw));
    auto pipe = ParsePipeline(cond, 0, cond.size(), true);
    if (!pipe.ok()) return pipe.status();
    n.pipe = std::move(*pipe);
    std::string stop;
    auto body = ParseList(&stop);
    if (!body.ok()) return body.status();
    n.body = std::move(*body);
    if (stop.empty()) return Error(fmt::format("unexpected EOF in {}", kw));
    if (stop == "else") {
      std::vector<Tok> rest = else_rest_;
      if (!rest.empty()) {
        // {{else if c}} / {{else with c}}: a nested block sharing our {{end}}.
        if (rest[0].kind != Tok::Kind::kIdent || (rest[0].text != "if" && rest[0].text != "with")) {
          return Error("unexpected token after else");
        }
        auto nested = ParseBlock(rest[0].text, std::vector<Tok>(rest.begin() + 1, rest.end()));
        if (!nested.ok()) return nested.status();
        n.else_body.push_back(std::move(*nested));
        return n;
      }
      auto els = ParseList(&stop);
      if (!els.ok()) return els.status();
      n.else_body = std::move(*els);
      if (stop != "end")
        return Error(fmt::format("expected end; found {}", stop.empty() ? "EOF" : stop));
    }
    return n;
  }

  Result<Pipeline> ParsePipeline(const std::vector<Tok>& t, size_t b, size_t e, bool allow_decl) {
    Pipeline p;
    p.line = line_;
    if (allow_decl && e - b >= 2 && t[b].kind == Tok::Kind::kVar &&
        (t[b + 1].kind == Tok::Kind::kDeclare || t[b + 1].kind == Tok::Kind::kAssign)) {
      p.declare = t[b].text;
      p.assign = t[b + 1].kind == Tok::Kind::kAssign;
      b += 2;
    }
    Command cmd;
    size_t i = b;
    while (i < e) {
      if (t[i].kind == Tok::Kind::kPipe) {
        if (cmd.args.empty()) return Error("missing command");
        p.commands.push_back(std::move(cmd));
        cmd = Command();
        ++i;
        continue;
      }
      auto op = ParseOperand(t, &i, e);
      if (!op.ok()) return op.status();
      cmd.args.push_back(std::move(*op));
    }
    if (cmd.args.empty()) return Error("missing value for command");
    p.commands.push_back(std::move(cmd));
    for (size_t k = 0; k < p.commands.size(); ++k) {
      const Command& c = p.commands[k];
      if (c.args[0].kind != Operand::Kind::kFunction && c.args.size() > 1) {
        return Error(fmt::format("can't give argument to non-function {}", Describe(c.args[0])));
      }
      if (k > 0 && c.args[0].kind != Operand::Kind::kFunction) {
        return Error(fmt::format("non executable command in pipeline stage {}", k + 1));
      }
    }
    return p;
  }

  Result<Operand> ParseOperand(const std::vector<Tok>& t, size_t* i, size_t e) {
    const Tok& k = t[*i];
    Operand op;
    ++*i;
    switch (k.kind) {
      case Tok::Kind::kIdent:
        if (k.text == "true" || k.text == "false") {
          op.literal = k.text == "true";
        } else if (k.text == "nil") {
          op.literal = Nil{};
        } else {
          if (!IsKnownFunction(k.text)) {
            if (IsUnsupportedPrometheusFunction(k.text)) {
              return Error(fmt::format("function \"{}\" is not supported by vitals", k.text));
            }
            return Error(fmt::format("function \"{}\" not defined", k.text));
          }
          op.kind = Operand::Kind::kFunction;
          op.name = k.text;
        }
        break;
      case Tok::Kind::kVar:
        op.kind = Operand::Kind::kVariable;
        op.name = k.text;
        if (!Declared(k.text)) return Error(fmt::format("undefined variable \"{}\"", k.text));
        break;
      case Tok::Kind::kField:
        op.kind = Operand::Kind::kField;
        op.fields.push_back(k.text);
        break;
      case Tok::Kind::kDot:
        op.kind = Operand::Kind::kDot;
        break;
      case Tok::Kind::kString:
        op.literal = k.text;
        break;
      case Tok::Kind::kNumber: {
        bool is_float = k.text.find_first_of(".eE") != std::string::npos &&
                        k.text.substr(0, 2) != "0x" && k.text.substr(0, 2) != "0X";
        char* end = nullptr;
        if (is_float) {
          op.literal = std::strtod(k.text.c_str(), &end);
        } else {
          op.literal = int64_t(std::strtoll(k.text.c_str(), &end, 0));
        }
        if (end == nullptr || *end != '\0')
          return Error(fmt::format("bad number syntax: \"{}\"", k.text));
        break;
      }
      case Tok::Kind::kLParen: {
        int depth = 1;
        size_t j = *i;
        for (; j < e; ++j) {
          if (t[j].kind == Tok::Kind::kLParen) ++depth;
          if (t[j].kind == Tok::Kind::kRParen && --depth == 0) break;
        }
        if (j >= e) return Error("unclosed left paren");
        auto sub = ParsePipeline(t, *i, j, false);
        if (!sub.ok()) return sub.status();
        op.kind = Operand::Kind::kSub;
        op.sub = std::make_shared<Pipeline>(std::move(*sub));
        *i = j + 1;
        break;
      }
      case Tok::Kind::kRParen:
        return Error("unexpected right paren");
      default:
        return Error(fmt::format("unexpected \"{}\" in command", k.text));
    }
    // Field chains directly attached: $labels.instance, .Labels.job, (x).y
    while (*i < e && t[*i].kind == Tok::Kind::kField && !t[*i].space_before &&
           op.kind != Operand::Kind::kFunction) {
      if (op.kind == Operand::Kind::kLiteral) return Error("unexpected . after term");
      op.fields.push_back(t[*i].text);
      ++*i;
    }
    return op;
  }

  bool Declared(const std::string& var) const {
    if (var == "$" || var == "$labels" || var == "$value" || var == "$externalLabels" ||
        var == "$externalURL") {
      return true;
    }
    for (const auto& d : declared_) {
      if (d == var) return true;
    }
    return false;
  }

  static std::string Describe(const Operand& op) {
    if (op.kind == Operand::Kind::kLiteral) return PrintValue(op.literal);
    if (op.kind == Operand::Kind::kVariable) return op.name;
    return ".";
  }

  Result<std::vector<Tok>> Lex(std::string_view s) {
    std::vector<Tok> out;
    size_t i = 0;
    bool space = false;
    while (i < s.size()) {
      char c = s[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        space = true;
        ++i;
        continue;
      }
      Tok t{Tok::Kind::kIdent, "", space};
      space = false;
      auto ident_char = [&](size_t k) {
        return k < s.size() && (std::isalnum(static_cast<unsigned char>(s[k])) || s[k] == '_');
      };
      if (c == '"' || c == '`') {
        size_t j = i + 1;
        std::string v;
        for (; j < s.size() && s[j] != c; ++j) {
          if (c == '"' && s[j] == '\\' && j + 1 < s.size()) {
            char n = s[++j];
            switch (n) {
              case 'n':
                v += '\n';
                break;
              case 't':
                v += '\t';
                break;
              case 'r':
                v += '\r';
                break;
              case '\\':
                v += '\\';
                break;
              case '"':
                v += '"';
                break;
              default:
                return Error(fmt::format("unknown escape sequence \\{}", n));
            }
          } else {
            v += s[j];
          }
        }
        if (j >= s.size())
          return Error(c == '"' ? "unterminated quoted string" : "unterminated raw quoted string");
        t.kind = Tok::Kind::kString;
        t.text = v;
        i = j + 1;
      } else if (c == '$') {
        size_t j = i + 1;
        while (ident_char(j)) ++j;
        t.kind = Tok::Kind::kVar;
        t.text = std::string(s.substr(i, j - i));
        i = j;
      } else if (c == '.') {
        if (ident_char(i + 1) && !std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
          size_t j = i + 1;
          while (ident_char(j)) ++j;
          t.kind = Tok::Kind::kField;
          t.text = std::string(s.substr(i + 1, j - i - 1));
          i = j;
        } else if (i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
          size_t j = i + 1;
          while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.'))
            ++j;
          t.kind = Tok::Kind::kNumber;
          t.text = "0" + std::string(s.substr(i, j - i));
          i = j;
        } else {
          t.kind = Tok::Kind::kDot;
          t.text = ".";
          ++i;
        }
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 ((c == '-' || c == '+') && i + 1 < s.size() &&
                  (std::isdigit(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '.'))) {
        size_t j = i + 1;
        while (j < s.size() &&
               (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.' ||
                ((s[j] == '-' || s[j] == '+') && (s[j - 1] == 'e' || s[j - 1] == 'E')))) {
          ++j;
        }
        t.kind = Tok::Kind::kNumber;
        t.text = std::string(s.substr(i, j - i));
        i = j;
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t j = i;
        while (ident_char(j)) ++j;
        t.text = std::string(s.substr(i, j - i));
        i = j;
      } else if (c == '(') {
        t.kind = Tok::Kind::kLParen, t.text = "(", ++i;
      } else if (c == ')') {
        t.kind = Tok::Kind::kRParen, t.text = ")", ++i;
      } else if (c == '|') {
        t.kind = Tok::Kind::kPipe, t.text = "|", ++i;
      } else if (c == ':' && i + 1 < s.size() && s[i + 1] == '=') {
        t.kind = Tok::Kind::kDeclare, t.text = ":=", i += 2;
      } else if (c == '=') {
        t.kind = Tok::Kind::kAssign, t.text = "=", ++i;
      } else {
        return Error(fmt::format("unexpected \"{}\" in command", c));
      }
      out.push_back(std::move(t));
    }
    // Declarations are visible from the next action on (Go scopes them to
    // the enclosing block; one flat scope is enough for the checks here).
    if (out.size() >= 2 && out[0].kind == Tok::Kind::kVar && out[1].kind == Tok::Kind::kDeclare) {
      declared_.push_back(out[0].text);
    }
    return out;
  }

  size_t FindClose(size_t from) const {
    bool in_str = false;
    char q = 0;
    for (size_t i = from; i + 1 < text_.size(); ++i) {
      char c = text_[i];
      if (in_str) {
        if (c == '\\' && q == '"') {
          ++i;
        } else if (c == q) {
          in_str = false;
        }
        continue;
      }
      if (c == '"' || c == '`') {
        in_str = true;
        q = c;
      } else if (c == '}' && text_[i + 1] == '}') {
        return i;
      }
    }
    return std::string_view::npos;
  }

  static std::string_view Trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  }

  static void AddText(std::vector<TemplateNode>* out, const std::string& text) {
    if (text.empty()) return;
    TemplateNode n;
    n.kind = TemplateNode::Kind::kText;
    n.text = text;
    out->push_back(std::move(n));
  }

  std::string_view text_;
  std::string name_;
  size_t pos_ = 0;
  int line_ = 1;
  bool trim_next_ = false;
  std::vector<Tok> else_rest_;
  std::vector<std::string> declared_;
};

}  // namespace

Result<std::vector<TemplateNode>> ParseTemplate(std::string_view text, const std::string& name) {
  return Parser(text, name).Run();
}

}  // namespace vitals::alerting::detail
