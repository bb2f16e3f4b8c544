#pragma once
// SORT and SORT_RO (Redis 7.0's sort.c) over lists, sets and sorted sets.
// Shard-local: call only on the thread(s) owning every Db reached — the sort
// key's and, through `PatternDb`, those of the keys that BY and GET patterns
// name (a server lends the handler those shards; see kora-server's README).
//
// Rules, as Redis 7.0:
//  - a missing key sorts as an empty list; another type is kWrongType;
//  - numeric sort compares the elements (or the BY values) as doubles (strtod,
//    a value that does not parse, overflows or is NaN makes the whole command
//    fail with kSortNotDouble; a missing BY value counts 0); equal scores are
//    ordered by the elements' bytes;
//  - ALPHA compares bytes: as C strings (strcmp, which is strcoll in the C
//    locale Redis is assumed to run in) when replying, as binary strings
//    (memcmp, then length) with STORE; with BY, a missing value sorts first;
//  - a BY pattern without '*' does not sort ("nosort"): lists and sorted sets
//    keep their order (DESC walks it backwards, LIMIT selects the range), sets
//    give their iteration order, except with STORE, where sets sort ALPHA;
//  - a sorted set is converted to the skiplist encoding, as Redis does.
// Ties with BY ... ALPHA keep the input order (a stable sort, like glibc's
// qsort); Redis's partial sort for BY with LIMIT may order such ties otherwise.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/db.h"
#include "kora/core/result.h"

namespace kora::core {

struct SortSpec {
  bool desc = false;
  bool alpha = false;
  std::int64_t limit_start = 0;
  std::int64_t limit_count = -1;  // < 0: to the end
  std::optional<std::string_view> by;
  std::vector<std::string_view> gets;  // GET patterns, in order
  bool store = false;                  // STORE given (changes comparisons)
};

// The Db holding a key named by a pattern.
using PatternDb = std::function<Db&(std::string_view key)>;

// What a BY/GET pattern names for one element (lookupKeyByPattern): the
// element itself ("#"), nothing (no '*'), or a key and, after "->", a field.
struct PatternTarget {
  enum Kind : unsigned char { kSelf, kNone, kKey } kind = kNone;
  std::string key;
  std::optional<std::string> field;
};
PatternTarget resolve_sort_pattern(std::string_view pattern, std::string_view element);

// True when `pattern` names keys at all (it has a '*' and is not "#"): such
// BY/GET patterns reach keys that argv does not list.
bool sort_pattern_reads_keys(std::string_view pattern);
// The part of a key-naming pattern that decides its hash tag when the '*'
// substitution cannot change it (a complete "{tag}" before the '*'), else
// nullopt: every key the pattern names then lives on that tag's shard.
std::optional<std::string_view> sort_pattern_fixed_tag(std::string_view pattern);

// SORT: the output rows: the selected elements, or for each of them one value
// per GET pattern (nullopt: missing). Errors: kWrongType, kSortNotDouble.
// O(N log N) comparisons plus one lookup per element and pattern.
Result<std::vector<std::optional<std::string>>> op_sort(Db& db, std::string_view key, const SortSpec& spec,
                                                        const PatternDb& pattern_db, std::int64_t now_ms);
// SORT ... STORE: writes the rows as a list at dst (missing values as ""),
// replacing any value and TTL, or deletes dst when there are none. Returns the
// number of rows.
std::size_t op_sort_store(Db& dst, std::string_view dst_key, std::span<const std::optional<std::string>> rows,
                          std::int64_t now_ms);

}  // namespace kora::core
