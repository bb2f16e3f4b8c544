#pragma once
// HyperLogLog operations (PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST) over
// string values in Redis 7.0's exact representation (hll_format.h), so that a
// value moves between Redis and Kora with GET/SET unchanged, and every write
// makes the bytes Redis makes.
//
// Shard-local: each function runs on the thread that holds the Db(s) it is
// given; functions over several keys (HllKey) need every Db involved held at
// once (in the server, a cross-shard transaction). Values are read from the Db
// and written back through Db::set_string / write_string, so key events, WATCH
// and the change feed see each change; nothing is written when a command
// changes nothing.
//
// As Redis's dbUnshareStringValue, PFADD, single-key PFCOUNT and PFDEBUG turn
// the value they read into an OBJECT ENCODING "raw" string (Db::mark_raw),
// without counting that as a write. The sparse-to-dense threshold is
// EncodingLimits::hll_sparse_max_bytes (CONFIG hll-sparse-max-bytes).
//
// Errors: kWrongType (the key holds another type), kHllNotHll (a string that is
// not an HLL: WRONGTYPE Key is not a valid HyperLogLog string value.),
// kHllCorrupt (a sparse body whose registers do not add up: INVALIDOBJ ...).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/db.h"
#include "kora/core/result.h"

namespace kora::core {

// One key of a multi-key HLL command with the Db that owns it.
struct HllKey {
  Db* db = nullptr;
  std::string_view key{};
};

// PFADD: adds `elements` to the HLL at `key`, creating an empty sparse HLL when
// absent. True when a register changed or the key was created (reply 1).
// On kHllCorrupt the registers raised before the corruption was met stay
// raised, as in Redis. O(N) per element for a sparse value, O(1) dense.
Result<bool> op_pfadd(Db& db, std::string_view key, std::span<const std::string_view> elements,
                      std::int64_t now_ms);

// PFCOUNT key: the estimate; 0 when absent. Uses the cached cardinality when
// valid; otherwise computes it and stores it in the header — a write (Redis
// marks the key modified and counts it dirty), whose change-feed effect is the
// command itself, which replays to the same bytes. O(1) cached, else O(16384).
Result<std::uint64_t> op_pfcount(Db& db, std::string_view key, std::int64_t now_ms);

// PFCOUNT key key...: the estimate of the union; absent keys count as empty.
// Reads only (no cache is written). Keys are checked in order: the first bad
// one gives the error.
Result<std::uint64_t> op_pfcount_union(std::span<const HllKey> keys, std::int64_t now_ms);

// PFMERGE dest src...: `keys` is every key of the command, dest first (dest is
// also a source). Errors come before anything is written. The destination is
// created sparse when absent and made dense when any source is dense.
Result<void> op_pfmerge(std::span<const HllKey> keys, std::int64_t now_ms);

// PFDEBUG <sub> key.
enum class HllDebug : unsigned char { kGetReg, kDecode, kEncoding, kToDense, kUnknown };

struct HllDebugOutcome {
  std::vector<std::uint8_t> registers{};  // kGetReg: 16384 values
  std::string text{};                     // kDecode: opcodes; kEncoding: "dense"/"sparse"
  bool converted = false;                 // kToDense: it was sparse
};

// Errors, in Redis's order: kHllNoSuchKey, kWrongType, kHllNotHll, then
// kPfdebugUnknown (arg: the subcommand as given) for kUnknown, kHllCorrupt
// (GETREG/TODENSE of a corrupted sparse value), kHllNotSparse (DECODE of a
// dense value). GETREG and TODENSE convert a sparse value to dense (a write).
Result<HllDebugOutcome> op_pfdebug(Db& db, HllDebug sub, std::string_view sub_name, std::string_view key,
                                   std::int64_t now_ms);

// PFSELFTEST (hll::selftest with the configured sparse limit). kHllTestFailed
// with its detail on failure. Takes seconds.
Result<void> op_pfselftest();

}  // namespace kora::core
