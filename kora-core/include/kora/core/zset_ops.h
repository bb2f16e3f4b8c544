#pragma once
// Sorted-set operations (Redis's t_zset.c), one function per command or family
// of commands, on ZSetValue (kora/core/zset_value.h). Shard-local: call each
// only on the thread(s) owning the Dbs it is given; `now_ms` is the time used
// for expiry.
//
// Common rules, as in Redis 7.0:
//  - a missing key reads as an empty sorted set; a key of another type is
//    kWrongType (ZUNION/ZINTER/ZDIFF also accept sets, every member scoring 1);
//  - a sorted set left empty is deleted;
//  - multi-key operations take one ZKey per key (its Db may differ from key to
//    key when the caller holds several shards), check every key's type before
//    writing anything;
//  - the *STORE forms overwrite the destination whatever its type (clearing its
//    TTL), or delete it when the result is empty, and return the result's size.
//
// Parsing of scores and ranges (Redis's exact rules) is here too, so that the
// server and the embedded API read arguments the same way.

#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/db.h"
#include "kora/core/result.h"
#include "kora/core/zset_value.h"

namespace kora::core {

struct ZKey {
  Db* db;
  std::string_view key;
};

struct ScoredMember {
  std::string member;
  double score = 0;
};

// Views of `items` (ZSetValue::from_sorted's input); they live as long as items.
std::vector<ZItem> views_of(const std::vector<ScoredMember>& items);

// --- argument parsing ---------------------------------------------------------

// A score argument (ZADD, ZINCRBY, WEIGHTS): Redis's string2d — strtod over the
// whole string, no leading space, no NaN, no overflow. Errors: kNotFloat.
Result<double> parse_score(std::string_view s);
// ZRANGEBYSCORE's min/max ("(" exclusive, strtod rules: "" reads 0). Errors:
// kMinMaxNotFloat.
Result<ScoreRange> parse_score_range(std::string_view min, std::string_view max);
// ZRANGEBYLEX's min/max ("-", "+", "(x", "[x"). Errors: kMinMaxNotString.
Result<LexRange> parse_lex_range(std::string_view min, std::string_view max);
// Redis's d2string: how a listpack stores a score ("-0", integers in full,
// else "%.17g"); ZSCAN of a listpack prints scores this way.
std::string format_score_d2string(double v);

// --- single-key operations ------------------------------------------------------

struct ZAddOptions {
  int flags = ZSetValue::kNone;  // ZSetValue::AddIn bits
};

struct ZAddResult {
  std::size_t added = 0;
  std::size_t updated = 0;
  std::size_t processed = 0;   // elements not skipped (NX/XX/GT/LT)
  double score = 0;            // the last resulting score (INCR)
};

// ZADD / ZINCRBY: adds or updates each pair in order, creating the set as
// Redis does (encoding chosen from the first member). Option conflicts are the
// caller's (argument) checks. Errors: kWrongType, kZsetNan (the incremented
// score is NaN; nothing changed by that pair).
Result<ZAddResult> op_zadd(Db& db, std::string_view key, const ZAddOptions& opts,
                           std::span<const std::pair<double, std::string_view>> pairs, std::int64_t now_ms);

// ZREM: how many members were present; deletes an emptied key.
Result<std::size_t> op_zrem(Db& db, std::string_view key, std::span<const std::string_view> members,
                            std::int64_t now_ms);
Result<std::size_t> op_zcard(Db& db, std::string_view key, std::int64_t now_ms);
Result<std::optional<double>> op_zscore(Db& db, std::string_view key, std::string_view member, std::int64_t now_ms);
Result<std::vector<std::optional<double>>> op_zmscore(Db& db, std::string_view key,
                                                     std::span<const std::string_view> members, std::int64_t now_ms);
// ZRANK / ZREVRANK: nullopt when the key or the member is absent.
Result<std::optional<std::size_t>> op_zrank(Db& db, std::string_view key, std::string_view member, bool reverse,
                                            std::int64_t now_ms);

enum class ZRangeBy : unsigned char { kRank, kScore, kLex };

// What ZRANGE and its older forms select. kRank uses start/end (negative from
// the end); kScore and kLex use the range and offset/limit (limit < 0: all).
// `reverse` walks from the high end (for kScore/kLex the caller has already
// swapped max and min, as Redis's ZREVRANGEBYSCORE takes max first).
struct ZRangeSpec {
  ZRangeBy by = ZRangeBy::kRank;
  bool reverse = false;
  std::int64_t start = 0, end = -1;
  ScoreRange score;
  LexRange lex;
  std::int64_t offset = 0, limit = -1;
};

// ZRANGE and friends: the selected elements in reply order. O(log N + M).
Result<std::vector<ScoredMember>> op_zrange(Db& db, std::string_view key, const ZRangeSpec& spec, std::int64_t now_ms);
// ZRANGESTORE: stores the selection at dst (see the STORE rules above).
Result<std::size_t> op_zrangestore(ZKey dst, ZKey src, const ZRangeSpec& spec, std::int64_t now_ms);
// ZCOUNT / ZLEXCOUNT. O(log N).
Result<std::size_t> op_zcount(Db& db, std::string_view key, const ScoreRange& range, std::int64_t now_ms);
Result<std::size_t> op_zlexcount(Db& db, std::string_view key, const LexRange& range, std::int64_t now_ms);
// ZREMRANGEBYRANK / BYSCORE / BYLEX (spec.reverse, offset and limit unused).
Result<std::size_t> op_zremrange(Db& db, std::string_view key, const ZRangeSpec& spec, std::int64_t now_ms);

// ZPOPMIN / ZPOPMAX (and the pops of ZMPOP, BZPOP*): removes up to `count`
// elements from the low (max == false) or high end, in pop order; nullopt when
// the key is absent. Errors: kWrongType.
Result<std::optional<std::vector<ScoredMember>>> op_zpop(Db& db, std::string_view key, bool max, std::size_t count,
                                                         std::int64_t now_ms);

// ZRANDMEMBER key: one uniformly random member, nullopt when absent.
Result<std::optional<std::string>> op_zrandmember(Db& db, std::string_view key, std::int64_t now_ms);
// ZRANDMEMBER key count: count >= 0: min(count, size) distinct members (the
// whole set from the highest down when count >= size, as Redis's zui iterator
// walks it); count < 0: |count| members drawn
// uniformly with repetition. Precondition: count > INT64_MIN.
Result<std::vector<ScoredMember>> op_zrandmember_count(Db& db, std::string_view key, std::int64_t count,
                                                       std::int64_t now_ms);

// ZSCAN: every element matching `pattern` in one page (cursor 0), scores as
// Redis prints them for the set's encoding. Empty when absent.
struct ZScanPage {
  std::uint64_t cursor = 0;
  std::vector<std::pair<std::string, std::string>> items;  // member, score text
};
Result<ZScanPage> op_zscan(Db& db, std::string_view key, std::optional<std::string_view> pattern, std::int64_t now_ms);

// --- multi-key algebra (zset_store_ops.cc) --------------------------------------

enum class ZSetOp : unsigned char { kUnion, kInter, kDiff };
enum class ZAggregate : unsigned char { kSum, kMin, kMax };

struct ZAlgebra {
  ZSetOp op = ZSetOp::kUnion;
  std::vector<double> weights;  // empty: all 1; else one per key
  ZAggregate aggregate = ZAggregate::kSum;
};

// ZUNION / ZINTER / ZDIFF: the result in ascending order. Errors: kWrongType.
Result<std::vector<ScoredMember>> op_zalgebra(std::span<const ZKey> keys, const ZAlgebra& how, std::int64_t now_ms);
// The STORE forms.
Result<std::size_t> op_zalgebrastore(ZKey dst, std::span<const ZKey> keys, const ZAlgebra& how, std::int64_t now_ms);
// Checks that every key is a sorted set, a set or missing. Errors: kWrongType.
Result<bool> op_zalgebra_types(std::span<const ZKey> keys, std::int64_t now_ms);
// ZINTERCARD: the intersection's size, stopping at `limit` (0: no limit).
Result<std::size_t> op_zintercard(std::span<const ZKey> keys, std::uint64_t limit, std::int64_t now_ms);

}  // namespace kora::core
