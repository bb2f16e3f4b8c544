#pragma once
// Hash operations on one Db (Redis's t_hash.c). Shard-local: call only on the
// thread that owns the Db. Each returns a value or an Error with Redis 7.0's exact
// text; `now_ms` is the time used for expiry. Every operation on a key that holds
// another type fails with kWrongType. A hash whose last field is removed is
// deleted. Views returned (string_view, HashValue::Pair) point into the hash and
// stay valid until the next write to the Db.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/db.h"
#include "kora/core/numbers.h"
#include "kora/core/hash_value.h"
#include "kora/core/result.h"

namespace kora::core {

using HashPair = HashValue::Pair;

// HSET / HMSET: `field_values` is field, value, field, value, ... (even length,
// the caller checks). Creates the hash if absent. Returns how many fields were new.
Result<std::size_t> op_hset(Db& db, std::string_view key,
                            std::span<const std::string_view> field_values, std::int64_t now_ms);

// HSETNX: sets `field` only if absent; true if it did.
Result<bool> op_hsetnx(Db& db, std::string_view key, std::string_view field, std::string_view value,
                       std::int64_t now_ms);

// HGET: nullopt when the key or the field is absent.
Result<std::optional<std::string_view>> op_hget(Db& db, std::string_view key,
                                                std::string_view field, std::int64_t now_ms);

// HMGET: one entry per field, nullopt for absent ones (all nullopt when the key is absent).
Result<std::vector<std::optional<std::string_view>>> op_hmget(
    Db& db, std::string_view key, std::span<const std::string_view> fields, std::int64_t now_ms);

// HDEL: how many of `fields` were removed (a field named twice counts once).
Result<std::size_t> op_hdel(Db& db, std::string_view key, std::span<const std::string_view> fields,
                            std::int64_t now_ms);

// HEXISTS.
Result<bool> op_hexists(Db& db, std::string_view key, std::string_view field, std::int64_t now_ms);

// HLEN: 0 when the key is absent.
Result<std::size_t> op_hlen(Db& db, std::string_view key, std::int64_t now_ms);

// HSTRLEN: length of the value, 0 when the key or the field is absent.
Result<std::size_t> op_hstrlen(Db& db, std::string_view key, std::string_view field,
                               std::int64_t now_ms);

// HGETALL / HKEYS / HVALS: every pair, in insertion order while the hash is a
// listpack (table order once it is a hashtable); empty when the key is absent.
// O(n).
Result<std::vector<HashPair>> op_hgetall(Db& db, std::string_view key, std::int64_t now_ms);

// HINCRBY: adds `delta` to the integer in `field` (0 when absent) and returns the
// sum. Errors: kHashNotInteger (value is not a strict decimal int64), kOverflow.
Result<std::int64_t> op_hincrby(Db& db, std::string_view key, std::string_view field,
                                std::int64_t delta, std::int64_t now_ms);

// HINCRBYFLOAT: adds `incr` (long double, as Redis) to the number in `field` (0
// when absent), stores and returns the sum formatted as format_long_double_human.
// Errors: kValueNanOrInf (incr is NaN or infinite; checked before the key),
// kHashNotFloat (value does not parse as parse_long_double), kIncrNanOrInf.
Result<std::string> op_hincrbyfloat(Db& db, std::string_view key, std::string_view field,
                                    long double incr, std::int64_t now_ms);

// HRANDFIELD key (no count): a uniformly random field, nullopt when the key is absent.
Result<std::optional<std::string_view>> op_hrandfield(Db& db, std::string_view key,
                                                      std::int64_t now_ms);

// HRANDFIELD key count: count >= 0 gives min(count, HLEN) distinct pairs (the
// whole hash in iteration order when count >= HLEN); count < 0 gives -count
// pairs drawn independently (repetitions possible). Empty when the key is absent.
// Precondition: count > INT64_MIN.
Result<std::vector<HashPair>> op_hrandfield_count(Db& db, std::string_view key, std::int64_t count,
                                                  std::int64_t now_ms);

// HSCAN key cursor [MATCH pattern] [COUNT count]. Kora returns the whole hash in
// one page with next cursor 0, whatever `cursor` and the COUNT hint (Redis does
// the same for listpacks); `pattern` (glob, kora/core/glob.h) filters on fields.
struct HashScanPage {
  std::uint64_t cursor = 0;
  std::vector<HashPair> pairs;
};
Result<HashScanPage> op_hscan(Db& db, std::string_view key, std::uint64_t cursor,
                              std::optional<std::string_view> pattern, std::int64_t now_ms);

// --- number helpers with Redis's exact rules (used by HINCRBYFLOAT) -------------

}  // namespace kora::core
