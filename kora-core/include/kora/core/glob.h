#pragma once
// Glob matching with Redis's syntax (KEYS, SCAN MATCH, PSUBSCRIBE):
// '*' any run, '?' any byte, '[abc]' a set, '[^a]' a negated set, '[a-z]' a
// range, and '\x' a literal x, with Redis's quirks kept ('!' is a plain class
// member, "[b-]" is the range ']'..'b'). Matching is on bytes.

#include <string_view>

namespace kora::core {

// True when `subject` matches `pattern`; `nocase` folds ASCII case.
bool glob_match(std::string_view pattern, std::string_view subject, bool nocase = false);

}  // namespace kora::core
