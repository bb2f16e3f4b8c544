#pragma once
// Set operations (Redis's t_set.c), one function per command, on SetValue
// (kora/core/set_value.h). Shard-local: call each only on the thread(s) owning
// the Dbs it is given. `now_ms` is the time used for expiry.
//
// Common rules, as in Redis 7.0:
//  - a missing key reads as an empty set; a key of another type is kWrongType;
//  - a set left with no members is deleted;
//  - multi-key operations take one SetKey per key (its Db may differ from key to
//    key when the caller holds several shards), check the type of every key
//    before doing anything, and never write before all checks passed;
//  - replies listing members give them in Redis's order: ascending for an
//    intset, table order for a hashtable (the set algebra follows the same
//    algorithms as Redis, so the order of an intset result matches Redis's).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/db.h"
#include "kora/core/result.h"
#include "kora/core/set_value.h"

namespace kora::core {

// One key of a multi-key operation and the Db (shard) that owns it.
struct SetKey {
  Db* db;
  std::string_view key;
};

// SADD: adds members, creating the set; returns how many were new. O(N) per
// member for an intset, O(1) for a hashtable. Errors: kWrongType.
Result<std::size_t> op_sadd(Db& db, std::string_view key, std::span<const std::string_view> members,
                            std::int64_t now_ms);

// SREM: removes members; returns how many were present; deletes an emptied key.
// Errors: kWrongType.
Result<std::size_t> op_srem(Db& db, std::string_view key, std::span<const std::string_view> members,
                            std::int64_t now_ms);

// SISMEMBER. Errors: kWrongType.
Result<bool> op_sismember(Db& db, std::string_view key, std::string_view member, std::int64_t now_ms);

// SMISMEMBER: one flag per member, in argument order. Errors: kWrongType.
Result<std::vector<bool>> op_smismember(Db& db, std::string_view key,
                                        std::span<const std::string_view> members, std::int64_t now_ms);

// SCARD: 0 when absent. Errors: kWrongType.
Result<std::size_t> op_scard(Db& db, std::string_view key, std::int64_t now_ms);

// SMEMBERS: every member (empty when absent). O(N). Errors: kWrongType.
Result<std::vector<std::string>> op_smembers(Db& db, std::string_view key, std::int64_t now_ms);

// SPOP without count: removes and returns a random member; nullopt when absent.
// Errors: kWrongType.
Result<std::optional<std::string>> op_spop(Db& db, std::string_view key, std::int64_t now_ms);

// SPOP key count: removes and returns min(count, size) distinct random members
// (the whole set, in set order, when count >= size; the key is then deleted).
// Empty when absent or count == 0. Errors: kWrongType.
Result<std::vector<std::string>> op_spop_count(Db& db, std::string_view key, std::uint64_t count,
                                               std::int64_t now_ms);

// SRANDMEMBER without count: a random member, nullopt when absent. Errors: kWrongType.
Result<std::optional<std::string>> op_srandmember(Db& db, std::string_view key, std::int64_t now_ms);

// SRANDMEMBER key count: count > 0: min(count, size) distinct members (the whole
// set, in set order, when count >= size); count < 0: |count| members drawn with
// repetition. Precondition: count > INT64_MIN (the caller rejects it as Redis
// does). Errors: kWrongType.
Result<std::vector<std::string>> op_srandmember_count(Db& db, std::string_view key, std::int64_t count,
                                                      std::int64_t now_ms);

// SMOVE: moves `member` from src to dst; true when src held it. A missing src
// answers false before dst's type is checked (as Redis does); src == dst only
// reports membership. Errors: kWrongType.
Result<bool> op_smove(SetKey src, SetKey dst, std::string_view member, std::int64_t now_ms);

// SINTER / SINTERCARD / SINTERSTORE. `limit` 0 means no limit. The STORE form
// overwrites dst whatever its type (clearing its TTL) or deletes dst when the
// result is empty, and returns the result's size. Errors: kWrongType (of a source).
Result<std::vector<std::string>> op_sinter(std::span<const SetKey> keys, std::int64_t now_ms);
Result<std::size_t> op_sintercard(std::span<const SetKey> keys, std::uint64_t limit, std::int64_t now_ms);
Result<std::size_t> op_sinterstore(SetKey dst, std::span<const SetKey> keys, std::int64_t now_ms);

// SUNION / SUNIONSTORE, with the STORE semantics above.
Result<std::vector<std::string>> op_sunion(std::span<const SetKey> keys, std::int64_t now_ms);
Result<std::size_t> op_sunionstore(SetKey dst, std::span<const SetKey> keys, std::int64_t now_ms);

// SDIFF / SDIFFSTORE: the members of the first set in none of the others.
Result<std::vector<std::string>> op_sdiff(std::span<const SetKey> keys, std::int64_t now_ms);
Result<std::size_t> op_sdiffstore(SetKey dst, std::span<const SetKey> keys, std::int64_t now_ms);

struct SetScanPage {
  std::uint64_t cursor = 0;  // next cursor; 0 when the iteration is complete
  std::vector<std::string> members;
};

// SSCAN: returns every member matching the glob `pattern` (all members when it
// is nullopt) in one page with next cursor 0, whatever `cursor` was (Redis does
// the same for an intset; it is valid under SCAN's guarantees for a hashtable).
// `count` is a hint and is ignored. Empty page when absent. Errors: kWrongType.
Result<SetScanPage> op_sscan(Db& db, std::string_view key, std::uint64_t cursor,
                             std::optional<std::string_view> pattern, std::int64_t now_ms);

}  // namespace kora::core
