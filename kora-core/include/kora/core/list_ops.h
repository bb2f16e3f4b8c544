#pragma once
// List operations on one Db (Redis's t_list.c), one per command semantics.
// Shard-local: call only on the thread that owns the Db (for op_lmove: that
// owns both). Each returns a value or an Error with Redis's exact text; `now_ms`
// is the time used for expiry. A list that loses its last element is deleted.
//
// Indices follow Redis: 0 is the head, -1 the tail; ranges are inclusive and
// clamped. Views returned point into the list and stay valid until the next
// write to that Db.
//
// Complexity as Redis documents it: pushes and pops O(1) per element; LINDEX,
// LSET O(N) in the distance to the nearer end; LRANGE O(S+N); LINSERT, LREM,
// LPOS O(N); LTRIM O(N) in the elements removed.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/db.h"
#include "kora/core/list_value.h"
#include "kora/core/result.h"

namespace kora::core {

// LPUSH/RPUSH (only_if_exists = false) and LPUSHX/RPUSHX: pushes `values` one by
// one at `end`; returns the new length (0 when only_if_exists and the key is
// absent). Errors: kWrongType.
Result<std::size_t> op_push(Db& db, std::string_view key, ListEnd end,
                            std::span<const std::string_view> values, bool only_if_exists,
                            std::int64_t now_ms);

// LPOP/RPOP key: the element, nullopt when the key is absent. Errors: kWrongType.
Result<std::optional<std::string>> op_pop(Db& db, std::string_view key, ListEnd end,
                                          std::int64_t now_ms);

// LPOP/RPOP key count, and each key of LMPOP: up to `count` elements in pop
// order (empty for count 0); nullopt when the key is absent. Errors: kWrongType.
Result<std::optional<std::vector<std::string>>> op_pop_count(Db& db, std::string_view key,
                                                             ListEnd end, std::size_t count,
                                                             std::int64_t now_ms);

// LLEN: 0 when absent. Errors: kWrongType.
Result<std::size_t> op_llen(Db& db, std::string_view key, std::int64_t now_ms);

// LRANGE: the elements from start to stop inclusive (empty when absent).
// Errors: kWrongType.
Result<std::vector<std::string_view>> op_lrange(Db& db, std::string_view key, std::int64_t start,
                                                std::int64_t stop, std::int64_t now_ms);

// LINDEX: nullopt when absent or out of range. Errors: kWrongType.
Result<std::optional<std::string_view>> op_lindex(Db& db, std::string_view key,
                                                  std::int64_t index, std::int64_t now_ms);

// LSET. Errors: kNoSuchKey, kWrongType, kIndexOutOfRange.
Result<void> op_lset(Db& db, std::string_view key, std::int64_t index, std::string_view value,
                     std::int64_t now_ms);

// LINSERT key BEFORE|AFTER pivot value: the new length; 0 when the key is
// absent; -1 when no element equals pivot. Errors: kWrongType.
Result<std::int64_t> op_linsert(Db& db, std::string_view key, bool after, std::string_view pivot,
                                std::string_view value, std::int64_t now_ms);

// LREM: removes |count| elements equal to value (all for 0), from the head for
// count >= 0, from the tail for count < 0. Returns how many. Errors: kWrongType.
Result<std::size_t> op_lrem(Db& db, std::string_view key, std::int64_t count,
                            std::string_view value, std::int64_t now_ms);

// LTRIM: keeps start..stop inclusive. Errors: kWrongType.
Result<void> op_ltrim(Db& db, std::string_view key, std::int64_t start, std::int64_t stop,
                      std::int64_t now_ms);

struct LposOptions {
  std::int64_t rank = 1;     // nth match to start from; negative: from the tail. Not 0.
  std::size_t count = 1;     // matches to report; 0: all
  std::size_t maxlen = 0;    // elements to compare at most; 0: all
};

// LPOS: the indices (from the head) of the matches of `element`, in scan order;
// empty when the key is absent. RANK INT64_MIN behaves as in Redis 7.0, whose
// negation of it overflows: from the tail, every match, COUNT ignored.
// Errors: kWrongType.
Result<std::vector<std::int64_t>> op_lpos(Db& db, std::string_view key, std::string_view element,
                                          const LposOptions& opts, std::int64_t now_ms);

// LMOVE / RPOPLPUSH: pops at `from` of `src` and pushes at `to` of `dst` (the
// same key rotates it). nullopt when src is absent. `src_db` must hold src and
// `dst_db` dst (they differ when the keys live on different shards). Errors:
// kWrongType (src or dst, checked before anything moves).
Result<std::optional<std::string>> op_lmove(Db& src_db, std::string_view src, Db& dst_db,
                                            std::string_view dst, ListEnd from, ListEnd to,
                                            std::int64_t now_ms);

}  // namespace kora::core
