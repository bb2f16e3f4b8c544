#pragma once
// String operations on one Db (one file per data-type family, as in Redis's t_string.c).
// Shard-local: call only on the thread that owns the Db. Each returns a value or
// an Error with Redis's exact text; `now_ms` is the time used for expiry.
// The multi-key ops (op_msetnx, op_lcs) take every Db involved: the caller must be
// allowed to touch all of them at once (in the server, a cross-shard transaction).
// SETNX, SETEX, PSETEX and GETSET are op_set with the matching SetOptions.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kora/core/db.h"
#include "kora/core/result.h"

namespace kora::core {

// Redis's limit on a string value (proto-max-bulk-len): 512 MB.
inline constexpr std::size_t kMaxStringLength = 512ull * 1024 * 1024;

struct SetOptions {
  enum class Condition : unsigned char { kAlways, kIfAbsent /*NX*/, kIfPresent /*XX*/ };
  Condition condition = Condition::kAlways;
  std::int64_t expire_at_ms = 0;  // absolute expiry to set; 0 = none
  bool keep_ttl = false;          // KEEPTTL: keep the current expiry
  bool get = false;               // GET: report the previous value
};

struct SetOutcome {
  bool written = false;                 // false when NX/XX prevented the write
  std::optional<std::string> previous;  // filled only with SetOptions::get
};

// GET. nullopt when absent; WRONGTYPE when not a string. The view is valid until
// the next write to this Db.
Result<std::optional<std::string_view>> op_get(Db& db, std::string_view key, std::int64_t now_ms);

// SET with every option of Redis 7. WRONGTYPE only when `get` is set and the old
// value is not a string (SET otherwise replaces any type).
Result<SetOutcome> op_set(Db& db, std::string_view key, std::string_view value,
                          const SetOptions& opts, std::int64_t now_ms);

// INCRBY: adds delta to the integer value (0 if absent); keeps the TTL.
// Errors: kNotInteger (value not an integer), kOverflow, kWrongType.
Result<std::int64_t> op_incr_by(Db& db, std::string_view key, std::int64_t delta,
                                std::int64_t now_ms);

// APPEND: returns the new length. Errors: kWrongType, kStringTooLong.
Result<std::size_t> op_append(Db& db, std::string_view key, std::string_view suffix,
                              std::int64_t now_ms);

// STRLEN: 0 when absent. Errors: kWrongType.
Result<std::size_t> op_strlen(Db& db, std::string_view key, std::int64_t now_ms);

// GETDEL: the value, then deletes the key. nullopt when absent (nothing deleted).
// Errors: kWrongType (the key is kept).
Result<std::optional<std::string>> op_getdel(Db& db, std::string_view key, std::int64_t now_ms);

// What GETEX does to the expiry of the key it reads.
struct GetExOptions {
  enum class Ttl : unsigned char { kKeep, kSet /*EX PX EXAT PXAT*/, kPersist };
  Ttl ttl = Ttl::kKeep;
  std::int64_t expire_at_ms = 0;  // absolute; with kSet. At or before now: the key is deleted
};

// GETEX: the value (read before the expiry changes), then applies `opts`.
// nullopt when absent. Errors: kWrongType (nothing changes).
Result<std::optional<std::string>> op_getex(Db& db, std::string_view key, const GetExOptions& opts,
                                            std::int64_t now_ms);

// One pair of MSETNX with the Db that owns its key (keys may live on different shards;
// the caller holds every Db involved).
struct DbKeyValue {
  Db* db;
  std::string_view key;
  std::string_view value;
};

// MSETNX: sets every pair (no TTL; a repeated key keeps its last value) only when
// none of the keys exists, whatever its type. True if it set them. O(N).
bool op_msetnx(std::span<const DbKeyValue> items, std::int64_t now_ms);

// GETRANGE / SUBSTR: the bytes from `start` to `end` inclusive; negative indices
// count from the end; out-of-range indices are clamped as Redis does. Empty when
// absent or the range is empty. The view is valid until the next write to this Db.
// Errors: kWrongType.
Result<std::string_view> op_getrange(Db& db, std::string_view key, std::int64_t start,
                                     std::int64_t end, std::int64_t now_ms);

// SETRANGE: overwrites the string from `offset`, zero-padding it first when shorter;
// keeps the TTL; returns the new length. An empty `value` changes nothing (and
// creates no key). Errors, in Redis's order: kOffsetOutOfRange (offset < 0),
// kWrongType, kStringTooLong (offset + value size > kMaxStringLength).
Result<std::size_t> op_setrange(Db& db, std::string_view key, std::int64_t offset,
                                std::string_view value, std::int64_t now_ms);

// INCRBYFLOAT: adds `increment` to the float value (0 if absent; parsed by
// parse_long_double of numbers.h), stores the sum in the human form of
// format_long_double_human, keeps the TTL, and returns the stored text.
// Errors: kWrongType, kNotFloat (the value is not a float), kIncrNanOrInf.
Result<std::string> op_incr_by_float(Db& db, std::string_view key, long double increment,
                                     std::int64_t now_ms);

// LCS ---------------------------------------------------------------------------

// The two strings LCS compares: a missing key reads as "". The views are valid
// until the next write to either Db. Errors: kLcsNotString (either key holds
// another type).
Result<std::pair<std::string_view, std::string_view>> op_lcs_inputs(Db& db_a, std::string_view key_a,
                                                                     Db& db_b, std::string_view key_b,
                                                                     std::int64_t now_ms);

struct LcsOptions {
  bool want_string = true;    // build the common subsequence itself
  bool want_matches = false;  // IDX: report the matching ranges
  std::int64_t min_match_len = 0;  // MINMATCHLEN: shorter ranges are not reported
};

// One IDX range: a[a_start..a_end] == b[b_start..b_end], inclusive.
struct LcsMatch {
  std::uint32_t a_start, a_end, b_start, b_end, len;
};

struct LcsResult {
  std::size_t length = 0;         // LCS length
  std::string lcs;                // with want_string
  std::vector<LcsMatch> matches;  // with want_matches, from the end of the strings backwards
};

// The longest common subsequence of `a` and `b` by Redis's dynamic programming
// (same table, same tie-breaking, so the same subsequence and ranges).
// O(|a|*|b|) time; O(|a|*|b|) memory, or O(|b|) when only the length is wanted.
// Errors: kLcsTooBig (the table would exceed kMaxStringLength bytes),
// kLcsAllocFailed.
Result<LcsResult> compute_lcs(std::string_view a, std::string_view b, const LcsOptions& opts);

// LCS of the strings under two keys (op_lcs_inputs then compute_lcs).
Result<LcsResult> op_lcs(Db& db_a, std::string_view key_a, Db& db_b, std::string_view key_b,
                         const LcsOptions& opts, std::int64_t now_ms);

}  // namespace kora::core
