#pragma once
// DUMP / RESTORE payloads in Redis's format (cluster.c createDumpPayload):
//   RDB object type | RDB value (kora/core/rdb.h) | RDB version, 2 bytes LE |
//   CRC64 (Jones) of all preceding bytes, 8 bytes LE
// so a payload DUMPed by redis-server 7.0 RESTOREs in Kora and the other way
// round, for every type and encoding. Kora's module types travel as
// RDB_TYPE_MODULE_2 records (rdb.h).

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

// Decodes and verifies a payload. Errors, as Redis's RESTORE: kDumpPayload ("ERR
// DUMP payload version or checksum are wrong") for a payload shorter than 10
// bytes, an RDB version above 10 or a wrong CRC64; kBadDataFormat ("ERR Bad
// data format") when the value does not parse (or is an empty aggregate).
Result<RestoredValue> parse_payload(std::string_view payload);

// Stores a restored value under `key` (replacing what is there) with an absolute
// expiry (0 = none).
void store_restored(Db& db, std::string_view key, RestoredValue value, std::int64_t expire_at_ms,
                    std::int64_t now_ms);

}  // namespace kora::core
