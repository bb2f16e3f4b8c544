#pragma once
// Tokenizer of the WHERE language (grammar in kora/doc/where.h). Private to kora-doc.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/errors.h"
#include "kora/core/result.h"

namespace kora::doc::internal {

enum class TokenKind : unsigned char {
  kEnd,
  kField,
  kString,
  kInt,
  kFloat,
  kTrue,
  kFalse,
  kNull,
  kAnd,
  kOr,
  kNot,
  kIn,
  kExists,
  kLParen,
  kRParen,
  kComma,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::size_t pos = 0;    // byte offset of the token's first character in the input
  std::string_view text;  // the token as written (a view into the input)
  std::string str;        // kField: the path; kString: the unescaped value
  std::int64_t int_value = 0;
  double float_value = 0;
};

// Splits `input` into tokens; the last one is always kEnd (at pos == input.size()).
// The returned tokens' `text` views point into `input`, which must outlive them.
// Errors: Errc::kSyntax (see syntax_error()).
core::Result<std::vector<Token>> tokenize(std::string_view input);

// The error every WHERE failure returns:
// "ERR syntax error in WHERE at position <pos>: <reason>".
core::Error syntax_error(std::size_t pos, std::string_view reason);

// How a token is named in "found ..." messages: 'text', or "end of input".
std::string describe(const Token& token);

}  // namespace kora::doc::internal
