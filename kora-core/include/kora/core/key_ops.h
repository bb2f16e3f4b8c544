#pragma once
// Type-independent key operations on one Db (DEL, EXISTS, EXPIRE family, TTL,
// PERSIST, TYPE, KEYS). Shard-local: call only on the Db's owning thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/db.h"
#include "kora/core/dump.h"
#include "kora/core/result.h"

namespace kora::core {

// DEL: true when the key existed (and was removed).
bool op_del(Db& db, std::string_view key, std::int64_t now_ms);

// EXISTS for one key.
bool op_exists(Db& db, std::string_view key, std::int64_t now_ms);

// The NX / XX / GT / LT options of EXPIRE and friends, as a bit set (XX may be
// combined with GT or LT). A key without a TTL counts as having an infinite one
// for GT and LT, as in Redis.
inline constexpr unsigned kExpireAlways = 0, kExpireNX = 1, kExpireXX = 2, kExpireGT = 4, kExpireLT = 8;

// Sets an absolute expiry if `cond` allows; an expiry at or before now deletes
// the key at once (as Redis does). Returns false when the key does not exist or
// the condition refused.
bool op_expire_at(Db& db, std::string_view key, std::int64_t at_ms, std::int64_t now_ms,
                  unsigned cond = kExpireAlways);

// Remaining time to live in ms: -2 when the key does not exist, -1 when it has no
// expiry.
std::int64_t op_pttl(Db& db, std::string_view key, std::int64_t now_ms);

// PERSIST: true when an expiry was removed.
bool op_persist(Db& db, std::string_view key, std::int64_t now_ms);

// TYPE: "none" when absent.
std::string_view op_type(Db& db, std::string_view key, std::int64_t now_ms);

// TOUCH for one key: records the access; true when the key exists.
bool op_touch(Db& db, std::string_view key, std::int64_t now_ms);

// Absolute expiry in ms (EXPIRETIME/PEXPIRETIME): -2 absent, -1 no expiry.
std::int64_t op_expire_time_ms(Db& db, std::string_view key, std::int64_t now_ms);

// RENAME / RENAMENX from src in src_db to dst in dst_db (the Dbs may belong to
// different shards; the caller holds both). Moves value and TTL. kNoSuchKey
// when src is absent; false when only_if_absent and dst exists.
Result<bool> op_rename(Db& src_db, std::string_view src, Db& dst_db, std::string_view dst,
                       bool only_if_absent, std::int64_t now_ms);

// COPY: false when src is absent, or dst exists and !replace.
bool op_copy(Db& src_db, std::string_view src, Db& dst_db, std::string_view dst, bool replace,
             std::int64_t now_ms);

// MOVE key to database `to` of the same shard: false when the key is absent
// from `from` or present in `to`.
bool op_move(Db& from, Db& to, std::string_view key, std::int64_t now_ms);

// RESTORE's store: `value` under `key` with an absolute expiry (0: none), or
// nothing (the key ends up absent) when that time has passed. As Redis's
// objectSetLRUOrLFU: under an LFU maxmemory-policy the LFU counter is set to
// `freq` when given; under any other policy the last access is set
// `idle_seconds` ago when given.
void op_restore(Db& db, std::string_view key, RestoredValue value, std::int64_t expire_at_ms,
                std::optional<std::int64_t> idle_seconds, std::int64_t now_ms,
                std::optional<std::int64_t> freq = std::nullopt);

// FLUSHDB of one shard's part of a database.
void op_flushdb(Db& db);

// SWAPDB of one shard's part of two databases.
void op_swapdb(Db& a, Db& b);

// SCAN of one Db: MATCH and TYPE filters (nullopt: none).
struct ScanFilter {
  std::optional<std::string_view> pattern;
  std::optional<std::string_view> type;  // a TYPE name, compared case-insensitively
};
struct ScanPage {
  std::uint64_t cursor = 0;  // the table cursor to continue from; 0 when done
  std::vector<std::string> keys;
};
// One SCAN step, as Redis's scanGenericCommand: visits buckets from `cursor`
// until `count` keys were gathered (before filtering) or 10*count steps taken.
ScanPage op_scan(const Db& db, std::uint64_t cursor, std::int64_t count, const ScanFilter& filter,
                 std::int64_t now_ms);

// What OBJECT reports of a key: its encoding, seconds since its last access
// (a 16-bit seconds clock: wraps after ~18 h), and its reference count as Redis
// shows it (INT_MAX for the shared small integers 0..9999, else 1). nullopt
// when the key is absent. Does not record an access.
struct ObjectInfo {
  std::string_view encoding;
  std::int64_t idle_seconds;  // meaningful when no LFU policy is in force
  std::int64_t refcount;
  std::int64_t freq = 0;      // the decayed LFU counter (meaningful under an LFU policy)
  std::uint16_t access_field = 0;  // the raw access field (DEBUG OBJECT lru)
};
std::optional<ObjectInfo> op_object(Db& db, std::string_view key, std::int64_t now_ms);

// MEMORY USAGE: the bytes `key` holds (its Entry::memory_usage plus its bucket
// slot), counted exactly whatever SAMPLES asks (Redis samples aggregates to
// estimate). As Redis's dbFind, a key that has expired but is not yet removed
// still counts. nullopt when absent.
std::optional<std::size_t> op_memory_usage(const Db& db, std::string_view key);

// OBJECT ENCODING of an entry, as Redis 7.0 names it.
std::string_view object_encoding(const Entry& e);

// KEYS: every live key matching the glob `pattern` (kora/core/glob.h). O(N).
std::vector<std::string> op_keys(const Db& db, std::string_view pattern, std::int64_t now_ms);

}  // namespace kora::core
