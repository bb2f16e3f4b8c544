#pragma once
// JSON documents as DOC.SET stores them and DOC.GET returns them: parsing with
// validation, dotted-path lookup, and field projection (DOC.GET ... FIELDS a b.c).
//
// Paths: "address.city" names member "city" of member "address". A path walks
// objects only; an array, a scalar or a missing member on the way ends the walk
// (no match). A member whose name contains '.' cannot be addressed. An empty path
// or an empty segment ("a..b", ".a", "a.") matches nothing.
//
// Thread-safety: all functions are pure; concurrent calls on the same const
// document are safe.

#include <rapidjson/document.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "kora/core/result.h"

namespace kora::doc {

// Deepest nesting of arrays/objects parse_document() accepts. Deeper documents
// are refused so that printing and copying (recursive in RapidJSON) stay within
// a small, fixed stack budget.
inline constexpr std::size_t kMaxDocumentDepth = 128;

// Parses `json` (UTF-8, validated) into a document that owns its data.
// The top-level value must be an object; trailing non-space input is an error.
// Errors (Errc::kSyntax, message starting "ERR "):
//   "ERR invalid JSON at offset <n>: <reason>", "ERR document must be a JSON object",
//   "ERR document nested deeper than 128 levels".
// Complexity: O(len(json)); the parser itself is iterative (no deep recursion).
core::Result<rapidjson::Document> parse_document(std::string_view json);

// The value at `dotted_path` inside `doc`, or nullptr when the path does not
// resolve. The pointer aliases `doc` and is valid while `doc` is unmodified.
// Complexity: O(sum of member counts of the objects walked).
const rapidjson::Value* lookup(const rapidjson::Value& doc, std::string_view dotted_path);

// A compact JSON object holding only the requested paths of `doc`, each at the
// same nesting as in `doc`: fields {"name", "address.city"} of
// {"name":"Ann","age":3,"address":{"city":"Accra","zip":"1"}} give
// {"name":"Ann","address":{"city":"Accra"}}. Paths that do not resolve are left
// out; a path already covered by a requested ancestor adds nothing; top-level
// members appear in the order of their first request. Returns "{}" when nothing
// resolves.
std::string project(const rapidjson::Value& doc, std::span<const std::string> fields);

// `value` as compact JSON text.
std::string to_json(const rapidjson::Value& value);

}  // namespace kora::doc
