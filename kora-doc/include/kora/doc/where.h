#pragma once
// The WHERE-expression language of DOC.FIND and DOC.COUNT: parsing to an AST and
// evaluation of that AST against one JSON document.
//
// Grammar (keywords are case-insensitive; AND binds tighter than OR):
//
//   expr      := and_expr ( OR and_expr )*
//   and_expr  := unary ( AND unary )*
//   unary     := NOT unary | '(' expr ')' | field predicate
//   predicate := op literal                      op: = != < <= > >=
//              | [NOT] IN '(' literal ( ',' literal )* ')'
//              | [NOT] EXISTS
//   field     := segment ( '.' segment )*        e.g. address.city
//                (the first segment starts with a letter or '_'; segments hold
//                 letters, digits and '_'; a path walks nested objects, see
//                 kora/doc/document.h lookup())
//   literal   := "string" | integer | float | true | false | null
//                (strings take the escapes \" \\ \n \t \r; numbers follow JSON's
//                 syntax, e.g. -12, 3.5, 1e3)
//
// Evaluation (evaluate()):
//   - numbers compare numerically whether integer or float (exactly between
//     integers, as doubles when either side is a float); strings compare
//     bytewise-lexicographically; booleans order false < true; null equals null.
//   - a value of another JSON type than the literal (including a missing field,
//     an array or an object) never satisfies =, <, <=, > or >=; `!=` is exactly
//     NOT `=`, so it is true in that case.
//   - `f IN (a, b)` is `f = a OR f = b`; `f EXISTS` is true when the path resolves,
//     even to an explicit null.
//
// Thread-safety: all functions are pure; an Expr is a plain value that may be read
// from several threads at once.

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "kora/core/result.h"

namespace kora::doc {

enum class CompareOp : unsigned char { kEq, kNe, kLt, kLe, kGt, kGe };

// A literal of the language. Integers and floats stay distinct so that to_string()
// prints what was written; comparisons treat both as numbers.
using Literal = std::variant<std::nullptr_t, bool, std::int64_t, double, std::string>;

// A node of the AST. Which members are meaningful depends on `kind`:
//   kCompare: field, op, literals (exactly one)
//   kIn:      field, literals (one or more)
//   kExists:  field
//   kNot:     children (exactly one)
//   kAnd/kOr: children (two or more; a chain `a AND b AND c` is one node)
struct Expr {
  enum class Kind : unsigned char { kCompare, kIn, kExists, kNot, kAnd, kOr };

  Kind kind = Kind::kExists;
  std::string field;
  CompareOp op = CompareOp::kEq;
  std::vector<Literal> literals;
  std::vector<Expr> children;
};

// Nesting limit of parentheses and NOT: parse_where() refuses deeper input, so
// evaluation and destruction of a parsed tree never recurse deeper than this.
inline constexpr std::size_t kMaxWhereDepth = 64;

// Parses `text` into an AST.
// Errors: Errc::kSyntax with a message of the form
//   "ERR syntax error in WHERE at position <byte offset from 0>: expected <what>, found <token>"
// (or a lexical reason such as an unterminated string or an out-of-range integer).
// Complexity: O(len(text)).
core::Result<Expr> parse_where(std::string_view text);

// True when `doc` satisfies `expr` (semantics in the file comment). `doc` is
// normally a JSON object; any other value has no fields, so only `!=`, NOT and
// their combinations can be true. Short-circuits AND/OR left to right.
// Complexity: O(size of expr x cost of a path lookup).
bool evaluate(const Expr& expr, const rapidjson::Value& doc);

// Every field path `expr` reads, each once, in order of first appearance
// (left to right). Index selection will pick among these.
std::vector<std::string> referenced_fields(const Expr& expr);

// A canonical, fully parenthesized rendering, e.g. `((a = 1 AND b > 2) OR NOT c EXISTS)`.
// parse_where(to_string(e)) yields a tree that prints the same. For logs and tests.
std::string to_string(const Expr& expr);

}  // namespace kora::doc
