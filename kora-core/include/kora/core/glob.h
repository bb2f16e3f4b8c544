#pragma once
// Glob matching with Redis's syntax (KEYS, SCAN MATCH, PSUBSCRIBE):
// '*' any run, '?' any byte, '[abc]' a set, '[^a]' / '[!a]' a negated set,
// '[a-z]' a range, and '\x' a literal x. Matching is on bytes.

#include <string_view>

namespace kora::core {

// True when `subject` matches `pattern`; `nocase` folds ASCII case.
bool glob_match(std::string_view pattern, std::string_view subject, bool nocase = false);

}  // namespace kora::core
