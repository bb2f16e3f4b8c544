#include "where_lexer.h"

#include <array>
#include <charconv>
#include <cmath>
#include <system_error>

namespace kora::doc::internal {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word(char c) { return is_alpha(c) || is_digit(c); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// `c` as printable text: itself, or "\\xNN" for a control or non-ASCII byte.
std::string show_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string(1, c);
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string{'\\', 'x', kHex[u >> 4], kHex[u & 0xf]};
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (x != b[i]) return false;
  }
  return true;
}

struct Keyword {
  std::string_view upper;
  TokenKind kind;
};

constexpr std::array<Keyword, 8> kKeywords = {{
    {"AND", TokenKind::kAnd},
    {"OR", TokenKind::kOr},
    {"NOT", TokenKind::kNot},
    {"IN", TokenKind::kIn},
    {"EXISTS", TokenKind::kExists},
    {"TRUE", TokenKind::kTrue},
    {"FALSE", TokenKind::kFalse},
    {"NULL", TokenKind::kNull},
}};

class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {}

  core::Result<std::vector<Token>> run() {
    std::vector<Token> out;
    while (true) {
      while (i_ < in_.size() && is_space(in_[i_])) ++i_;
      if (i_ == in_.size()) break;
      Token t;
      t.pos = i_;
      auto r = next(t);
      if (!r.ok()) return r.error();
      t.text = in_.substr(t.pos, i_ - t.pos);
      out.push_back(std::move(t));
    }
    Token end;
    end.pos = in_.size();
    out.push_back(std::move(end));
    return out;
  }

 private:
  core::Result<void> next(Token& t) {
    char c = in_[i_];
    if (is_alpha(c)) return word(t);
    if (is_digit(c) || (c == '-' && i_ + 1 < in_.size() && is_digit(in_[i_ + 1]))) {
      return number(t);
    }
    if (c == '"') return string(t);
    return punct(t);
  }

  // A keyword or a dotted field path.
  core::Result<void> word(Token& t) {
    std::size_t start = i_;
    while (i_ < in_.size() && is_word(in_[i_])) ++i_;
    bool dotted = false;
    while (i_ < in_.size() && in_[i_] == '.') {
      dotted = true;
      ++i_;
      if (i_ == in_.size() || !is_word(in_[i_])) {
        return syntax_error(i_, "expected a field name segment after '.'");
      }
      while (i_ < in_.size() && is_word(in_[i_])) ++i_;
    }
    std::string_view w = in_.substr(start, i_ - start);
    if (!dotted) {
      for (const Keyword& k : kKeywords) {
        if (iequals(w, k.upper)) {
          t.kind = k.kind;
          return core::Ok{};
        }
      }
    }
    t.kind = TokenKind::kField;
    t.str.assign(w);
    return core::Ok{};
  }

  core::Result<void> number(Token& t) {
    std::size_t start = i_;
    if (in_[i_] == '-') ++i_;
    while (i_ < in_.size() && is_digit(in_[i_])) ++i_;
    bool is_float = false;
    if (i_ < in_.size() && in_[i_] == '.') {
      is_float = true;
      ++i_;
      if (i_ == in_.size() || !is_digit(in_[i_])) {
        return syntax_error(i_, "expected a digit after '.' in a number");
      }
      while (i_ < in_.size() && is_digit(in_[i_])) ++i_;
    }
    if (i_ < in_.size() && (in_[i_] == 'e' || in_[i_] == 'E')) {
      is_float = true;
      ++i_;
      if (i_ < in_.size() && (in_[i_] == '+' || in_[i_] == '-')) ++i_;
      if (i_ == in_.size() || !is_digit(in_[i_])) {
        return syntax_error(i_, "expected a digit in the exponent of a number");
      }
      while (i_ < in_.size() && is_digit(in_[i_])) ++i_;
    }
    if (i_ < in_.size() && (is_word(in_[i_]) || in_[i_] == '.')) {
      return syntax_error(
          start, "invalid number '" + std::string(in_.substr(start, i_ + 1 - start)) + "'");
    }
    const char* first = in_.data() + start;
    const char* last = in_.data() + i_;
    if (is_float) {
      auto [p, ec] = std::from_chars(first, last, t.float_value);
      if (ec != std::errc() || p != last || !std::isfinite(t.float_value)) {
        return syntax_error(start, "float literal out of range");
      }
      t.kind = TokenKind::kFloat;
    } else {
      auto [p, ec] = std::from_chars(first, last, t.int_value);
      if (ec != std::errc() || p != last) {
        return syntax_error(start, "integer literal out of range");
      }
      t.kind = TokenKind::kInt;
    }
    return core::Ok{};
  }

  core::Result<void> string(Token& t) {
    std::size_t start = i_;
    ++i_;  // opening quote
    while (i_ < in_.size()) {
      char c = in_[i_];
      if (c == '"') {
        ++i_;
        t.kind = TokenKind::kString;
        return core::Ok{};
      }
      if (c == '\\') {
        if (i_ + 1 == in_.size()) break;
        char e = in_[i_ + 1];
        switch (e) {
          case '"':
          case '\\':
            t.str.push_back(e);
            break;
          case 'n':
            t.str.push_back('\n');
            break;
          case 't':
            t.str.push_back('\t');
            break;
          case 'r':
            t.str.push_back('\r');
            break;
          default:
            return syntax_error(i_, "invalid escape '\\" + show_char(e) + "' in string");
        }
        i_ += 2;
        continue;
      }
      t.str.push_back(c);
      ++i_;
    }
    return syntax_error(start, "unterminated string");
  }

  core::Result<void> punct(Token& t) {
    char c = in_[i_];
    char n = i_ + 1 < in_.size() ? in_[i_ + 1] : '\0';
    std::size_t len = 1;
    switch (c) {
      case '(':
        t.kind = TokenKind::kLParen;
        break;
      case ')':
        t.kind = TokenKind::kRParen;
        break;
      case ',':
        t.kind = TokenKind::kComma;
        break;
      case '=':
        t.kind = TokenKind::kEq;
        break;
      case '!':
        if (n != '=') return syntax_error(i_, "unexpected character '!' (did you mean '!=')");
        t.kind = TokenKind::kNe;
        len = 2;
        break;
      case '<':
        t.kind = n == '=' ? TokenKind::kLe : TokenKind::kLt;
        len = n == '=' ? 2 : 1;
        break;
      case '>':
        t.kind = n == '=' ? TokenKind::kGe : TokenKind::kGt;
        len = n == '=' ? 2 : 1;
        break;
      default:
        return syntax_error(i_, "unexpected character '" + show_char(c) + "'");
    }
    i_ += len;
    return core::Ok{};
  }

  std::string_view in_;
  std::size_t i_ = 0;
};

}  // namespace

core::Result<std::vector<Token>> tokenize(std::string_view input) { return Lexer(input).run(); }

core::Error syntax_error(std::size_t pos, std::string_view reason) {
  std::string msg = core::error_message(core::Errc::kSyntax);
  msg += " in WHERE at position ";
  msg += std::to_string(pos);
  msg += ": ";
  msg += reason;
  return core::Error{core::Errc::kSyntax, std::move(msg)};
}

std::string describe(const Token& token) {
  if (token.kind == TokenKind::kEnd) return "end of input";
  return "'" + std::string(token.text) + "'";
}

}  // namespace kora::doc::internal
