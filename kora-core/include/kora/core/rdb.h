#pragma once
// Redis's RDB format (version 10, as redis-server 7.0 writes it): the value
// codec behind DUMP/RESTORE payloads and the byte layout of snapshot files.
// Bytes only — no files, no engine: kora-storage/snapshot.h writes and loads
// whole engines with these pieces.
//
// Values are written in the encoding Redis 7.0 would choose for them: strings
// (short canonical integers as INT8/16/32, no LZF), lists as QUICKLIST_2 of
// listpacks (nodes cut at list-max-listpack-size), sets as INTSET or SET, hashes
// as HASH_LISTPACK or HASH, sorted sets as ZSET_LISTPACK or ZSET_2 (binary
// doubles, tail to head), streams as STREAM_LISTPACKS_2 with consumer groups,
// PELs and consumers. Kora's module types (type ids 8..15) are written as
// RDB_TYPE_MODULE_2 records with module id "koratypeN" (N the type id in hex):
// one STRING opcode holding the type's own serialization, then the EOF opcode,
// so redis-check-rdb can skip them.
//
// Reading accepts every encoding Redis 7.0 loads (and RESTORE may carry): the
// above plus LIST, ZSET (text doubles), LIST_ZIPLIST, LIST_QUICKLIST (v1,
// ziplists), SET_LISTPACK (Redis 7.2), HASH_ZIPMAP, HASH_ZIPLIST, ZSET_ZIPLIST,
// STREAM_LISTPACKS (v1), strings in INT/LZF encodings. Every read is
// bounds-checked and every container validated: untrusted bytes give an error,
// never a crash. Loaded aggregates take the encoding the current CONFIG limits
// give them (as Redis's loader converts).
//
// Thread-safety: pure functions over their arguments; an Entry is read on the
// thread that owns its Db.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/db.h"
#include "kora/core/dump.h"
#include "kora/core/result.h"

namespace kora::core::rdb {

inline constexpr int kVersion = 10;

// Redis's crc64 (Jones polynomial, reflected, no final xor), continued from `crc`.
std::uint64_t crc64(std::uint64_t crc, std::string_view bytes);

// Appends the RDB object type byte and the encoded value of `e` (rdbSaveObjectType
// + rdbSaveObject). O(size of the value).
void append_value(const Entry& e, std::string& out);

// Decodes one object type byte and value from the front of `bytes`, advancing
// it. Errors: kBadDataFormat (malformed, unknown type, an empty aggregate).
Result<RestoredValue> read_value(std::string_view& bytes);

// --- Snapshot files ---
//
// Layout: "REDIS0010", AUX fields, then per non-empty database SELECTDB,
// RESIZEDB and its keys ([EXPIRETIME_MS] type key value), then EOF and the
// CRC64 of everything before it (8 bytes, little endian).

struct FileInfo {
  std::int64_t ctime_s = 0;       // aux "ctime"
  std::uint64_t used_mem = 0;     // aux "used-mem"
  bool aof_base = false;          // aux "aof-base"
};
// Appends the magic, the version and the AUX fields Redis 7.0 writes
// (redis-ver, redis-bits, ctime, used-mem, aof-base).
void append_header(std::string& out, const FileInfo& info);
void append_select_db(std::string& out, int db, std::uint64_t keys, std::uint64_t expires);
// One key: [EXPIRETIME_MS at] type key value.
void append_key(std::string& out, const Entry& e);
// EOF, then the checksum: `crc` must be crc64 of every byte written before it
// (this function adds the EOF byte's share).
void append_footer(std::string& out, std::uint64_t crc);

// One key read back from a file.
struct LoadedKey {
  int db = 0;
  std::string key{};
  RestoredValue value{};
  std::int64_t expire_at_ms = 0;       // 0: none
  std::optional<std::int64_t> idle_s{};  // RDB_OPCODE_IDLE
  std::optional<int> freq{};             // RDB_OPCODE_FREQ
};

// Reads a whole snapshot held in memory. open() checks the magic, the version
// (1..10) and the CRC64 trailer (a zero checksum is not checked, as Redis)
// before any key is handed out, so a corrupt file yields no key at all.
class FileReader {
 public:
  explicit FileReader(std::string_view file) : file_(file) {}
  // False with error() set when the header, version or checksum is wrong.
  bool open();
  // The next key, skipping empty aggregates (Redis skips them too); false at the
  // end of the file or on an error (then error() is non-empty).
  bool next(LoadedKey& out);
  const std::string& error() const { return error_; }
  // AUX fields seen so far, and FUNCTION2 library codes.
  const std::map<std::string, std::string>& aux() const { return aux_; }
  const std::vector<std::string>& functions() const { return functions_; }
  int version() const { return version_; }
  std::uint64_t empty_keys_skipped() const { return empty_skipped_; }

 private:
  bool fail(std::string why);
  std::string_view file_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;  // where the EOF opcode's trailer begins
  int version_ = 0;
  int db_ = 0;
  bool done_ = false;
  std::uint64_t empty_skipped_ = 0;
  std::string error_;
  std::map<std::string, std::string> aux_;
  std::vector<std::string> functions_;
};

}  // namespace kora::core::rdb
