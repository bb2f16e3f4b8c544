#pragma once
// String operations on one Db (one file per data-type family, as in Redis's t_string.c).
// Shard-local: call only on the thread that owns the Db. Each returns a value or
// an Error with Redis's exact text; `now_ms` is the time used for expiry.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

}  // namespace kora::core
