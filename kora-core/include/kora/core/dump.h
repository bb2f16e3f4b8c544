#pragma once
// DUMP / RESTORE payloads. Kora's own format (not Redis's RDB encoding): values
// round-trip between Kora servers and embedded databases of the same format
// version. Layout:
//   'K' | format version (1 byte) | ValueType (1 byte) | body | XXH3-64 of all
//   preceding bytes (8 bytes, little endian)
// where the body is the string's bytes, or for a list/set a varint count and
// that many varint-length-prefixed elements, or for a hash a varint count and
// that many field/value pairs.

#include <memory>
#include <string>
#include <string_view>

#include "kora/core/db.h"
#include "kora/core/result.h"

namespace kora::core {

// The DUMP payload of a live entry.
std::string dump_payload(const Entry& e);

// A value decoded from a payload: a string or an aggregate.
struct RestoredValue {
  ValueType type = ValueType::kString;
  std::string str;
  std::unique_ptr<Object> object;
};

// Decodes and verifies a payload. Error: kDumpPayload ("ERR DUMP payload version
// or checksum are wrong") for a wrong version, checksum or a malformed body.
Result<RestoredValue> parse_payload(std::string_view payload);

// Stores a restored value under `key` (replacing what is there) with an absolute
// expiry (0 = none).
void store_restored(Db& db, std::string_view key, RestoredValue value, std::int64_t expire_at_ms,
                    std::int64_t now_ms);

}  // namespace kora::core
