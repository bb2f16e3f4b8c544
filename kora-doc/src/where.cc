// Parser, printer and field listing of WHERE expressions (kora/doc/where.h).
// Evaluation lives in where_eval.cc, tokenizing in where_lexer.cc.

#include "kora/doc/where.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include "where_lexer.h"

namespace kora::doc {
namespace {

using internal::describe;
using internal::syntax_error;
using internal::Token;
using internal::TokenKind;

constexpr std::string_view kLiteralWanted = "a literal (string, number, true, false or null)";

bool is_compare(TokenKind k) {
  return k == TokenKind::kEq || k == TokenKind::kNe || k == TokenKind::kLt || k == TokenKind::kLe ||
         k == TokenKind::kGt || k == TokenKind::kGe;
}

CompareOp to_op(TokenKind k) {
  switch (k) {
    case TokenKind::kNe:
      return CompareOp::kNe;
    case TokenKind::kLt:
      return CompareOp::kLt;
    case TokenKind::kLe:
      return CompareOp::kLe;
    case TokenKind::kGt:
      return CompareOp::kGt;
    case TokenKind::kGe:
      return CompareOp::kGe;
    default:
      return CompareOp::kEq;
  }
}

Expr make_not(Expr child) {
  Expr e;
  e.kind = Expr::Kind::kNot;
  e.children.push_back(std::move(child));
  return e;
}

// Recursive descent over the token list; one method per grammar rule. `depth`
// counts open parentheses and NOTs so that hostile input cannot exhaust the stack.
class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  core::Result<Expr> parse() {
    auto e = parse_or(0);
    if (!e.ok()) return e;
    if (peek().kind != TokenKind::kEnd) return expected("AND, OR or end of input");
    return e;
  }

 private:
  const Token& peek() const { return toks_[i_]; }
  const Token& take() { return toks_[i_++]; }  // never moves past the final kEnd
  bool accept(TokenKind k) {
    if (peek().kind != k) return false;
    ++i_;
    return true;
  }

  core::Error expected(std::string_view what) const {
    return syntax_error(peek().pos,
                        "expected " + std::string(what) + ", found " + describe(peek()));
  }

  // or_expr / and_expr share this shape: operand ( KEYWORD operand )*.
  template <typename Operand>
  core::Result<Expr> parse_chain(TokenKind keyword, Expr::Kind kind, Operand operand) {
    auto first = operand();
    if (!first.ok() || peek().kind != keyword) return first;
    Expr chain;
    chain.kind = kind;
    chain.children.push_back(std::move(first).value());
    while (accept(keyword)) {
      auto next = operand();
      if (!next.ok()) return next;
      chain.children.push_back(std::move(next).value());
    }
    return chain;
  }

  core::Result<Expr> parse_or(std::size_t depth) {
    return parse_chain(TokenKind::kOr, Expr::Kind::kOr, [&] { return parse_and(depth); });
  }

  core::Result<Expr> parse_and(std::size_t depth) {
    return parse_chain(TokenKind::kAnd, Expr::Kind::kAnd, [&] { return parse_unary(depth); });
  }

  core::Result<Expr> parse_unary(std::size_t depth) {
    if (depth >= kMaxWhereDepth) {
      return syntax_error(peek().pos, "expression nested too deeply (limit " +
                                          std::to_string(kMaxWhereDepth) + ")");
    }
    if (accept(TokenKind::kNot)) {
      auto child = parse_unary(depth + 1);
      if (!child.ok()) return child;
      return make_not(std::move(child).value());
    }
    if (accept(TokenKind::kLParen)) {
      auto inner = parse_or(depth + 1);
      if (!inner.ok()) return inner;
      if (!accept(TokenKind::kRParen)) return expected("')'");
      return inner;
    }
    if (peek().kind == TokenKind::kField) return parse_predicate();
    return expected("a field name, NOT or '('");
  }

  core::Result<Expr> parse_predicate() {
    Expr e;
    e.field = take().str;
    if (is_compare(peek().kind)) {
      e.kind = Expr::Kind::kCompare;
      e.op = to_op(take().kind);
      auto lit = parse_literal();
      if (!lit.ok()) return lit.error();
      e.literals.push_back(std::move(lit).value());
      return e;
    }
    bool negated = accept(TokenKind::kNot);
    if (accept(TokenKind::kExists)) {
      e.kind = Expr::Kind::kExists;
    } else if (accept(TokenKind::kIn)) {
      e.kind = Expr::Kind::kIn;
      auto list = parse_list(e.literals);
      if (!list.ok()) return list.error();
    } else if (negated) {
      return expected("IN or EXISTS after NOT");
    } else {
      return expected("a comparison operator, IN, NOT IN or EXISTS after field '" + e.field + "'");
    }
    return negated ? make_not(std::move(e)) : std::move(e);
  }

  core::Result<void> parse_list(std::vector<Literal>& out) {
    if (!accept(TokenKind::kLParen)) return expected("'(' after IN");
    do {
      auto lit = parse_literal();
      if (!lit.ok()) return lit.error();
      out.push_back(std::move(lit).value());
    } while (accept(TokenKind::kComma));
    if (!accept(TokenKind::kRParen)) return expected("',' or ')' in IN list");
    return core::Ok{};
  }

  core::Result<Literal> parse_literal() {
    switch (peek().kind) {
      case TokenKind::kString:
        return Literal(take().str);
      case TokenKind::kInt:
        return Literal(take().int_value);
      case TokenKind::kFloat:
        return Literal(take().float_value);
      case TokenKind::kTrue:
        ++i_;
        return Literal(true);
      case TokenKind::kFalse:
        ++i_;
        return Literal(false);
      case TokenKind::kNull:
        ++i_;
        return Literal(nullptr);
      default:
        return expected(kLiteralWanted);
    }
  }

  std::vector<Token> toks_;
  std::size_t i_ = 0;
};

void collect_fields(const Expr& e, std::vector<std::string>& out) {
  if (!e.field.empty() && std::find(out.begin(), out.end(), e.field) == out.end()) {
    out.push_back(e.field);
  }
  for (const Expr& c : e.children) collect_fields(c, out);
}

std::string_view op_text(CompareOp op) {
  static constexpr std::array<std::string_view, 6> kText = {"=", "!=", "<", "<=", ">", ">="};
  return kText[static_cast<std::size_t>(op)];
}

void print_literal(const Literal& lit, std::string& out) {
  if (std::holds_alternative<std::nullptr_t>(lit)) {
    out += "null";
  } else if (const bool* b = std::get_if<bool>(&lit)) {
    out += *b ? "true" : "false";
  } else if (const std::int64_t* i = std::get_if<std::int64_t>(&lit)) {
    out += std::to_string(*i);
  } else if (const double* d = std::get_if<double>(&lit)) {
    std::array<char, 64> buf{};
    auto res = std::to_chars(buf.data(), buf.data() + buf.size(), *d);
    std::string_view text(buf.data(), static_cast<std::size_t>(res.ptr - buf.data()));
    out += text;
    // Keep it a float when read back: "3" would come back as an integer.
    if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
  } else {
    out += '"';
    for (char c : std::get<std::string>(lit)) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\r':
          out += "\\r";
          break;
        default:
          out += c;
      }
    }
    out += '"';
  }
}

void print(const Expr& e, std::string& out) {
  switch (e.kind) {
    case Expr::Kind::kCompare:
      out += e.field;
      out += ' ';
      out += op_text(e.op);
      out += ' ';
      print_literal(e.literals.front(), out);
      return;
    case Expr::Kind::kIn:
      out += e.field;
      out += " IN (";
      for (std::size_t i = 0; i < e.literals.size(); ++i) {
        if (i > 0) out += ", ";
        print_literal(e.literals[i], out);
      }
      out += ')';
      return;
    case Expr::Kind::kExists:
      out += e.field;
      out += " EXISTS";
      return;
    case Expr::Kind::kNot:
      out += "NOT ";
      print(e.children.front(), out);
      return;
    case Expr::Kind::kAnd:
    case Expr::Kind::kOr: {
      std::string_view sep = e.kind == Expr::Kind::kAnd ? " AND " : " OR ";
      out += '(';
      for (std::size_t i = 0; i < e.children.size(); ++i) {
        if (i > 0) out += sep;
        print(e.children[i], out);
      }
      out += ')';
      return;
    }
  }
}

}  // namespace

core::Result<Expr> parse_where(std::string_view text) {
  auto tokens = internal::tokenize(text);
  if (!tokens.ok()) return tokens.error();
  return Parser(std::move(tokens).value()).parse();
}

std::vector<std::string> referenced_fields(const Expr& expr) {
  std::vector<std::string> out;
  collect_fields(expr, out);
  return out;
}

std::string to_string(const Expr& expr) {
  std::string out;
  print(expr, out);
  return out;
}

}  // namespace kora::doc
