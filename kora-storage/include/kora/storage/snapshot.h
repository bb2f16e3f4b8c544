#pragma once
// Snapshots: Redis RDB (version 10) files of a whole engine, written and loaded.
// The byte layout is kora-core's (kora/core/rdb.h); this layer adds files
// (temporary name, fsync, atomic rename, the directory fsynced, retained older
// copies) and engines (each shard serialized and loaded by whoever holds it).
//
// Two levels:
// - Held shards: serialize_shard() / apply_keys() run on the thread that holds
//   the shard (its worker, or a command holding every shard, e.g. SAVE under
//   Fanout::kWhole). write_images() then writes the file from any thread.
// - Whole engines: write_snapshot() / load_snapshot() take each shard through
//   ShardEngine::call, so they must be called from a thread that is not a
//   worker (kora-cli's main thread at startup, recovery, tests).
//
// Consistency: each shard's image is a point in time of that shard (it is
// serialized in one piece while its owner holds it); a whole-engine snapshot
// taken while every shard is held (SAVE) is one point in time.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kora/core/engine.h"
#include "kora/core/rdb.h"
#include "kora/core/result.h"

namespace kora::storage {

// One shard's keys in RDB form, per database.
struct ShardImage {
  struct DbPart {
    std::string bytes{};          // concatenated key records (rdb::append_key)
    std::uint64_t keys = 0;
    std::uint64_t expires = 0;
  };
  std::vector<DbPart> dbs{};  // Shard::kDbCount entries
  std::uint64_t keys = 0;
};

// Serializes every live key (at now_ms) of `shard`. Precondition: the caller
// holds the shard. O(keys + bytes).
ShardImage serialize_shard(const core::Shard& shard, std::int64_t now_ms);

struct WriteStats {
  std::uint64_t keys = 0;
  std::uint64_t bytes = 0;
};

// Writes the images as one RDB file at `path`: to "<dir>/temp-<pid>-<n>.rdb",
// fsync, rename over `path`, fsync the directory. When `retain` > 1 the file
// being replaced is first kept as "<path>.1" (older copies shift to .2 ...,
// and the one past `retain` - 1 is deleted). Error: kSnapshot with the reason
// (errno text and the file name).
core::Result<WriteStats> write_images(const std::vector<ShardImage>& images, const std::string& path,
                                      const core::rdb::FileInfo& info, int retain = 1);

// The keys of a snapshot file, parsed and validated, grouped by the shard of
// `shard_count` each key belongs to. Keys whose expiry is at or before now_ms
// are dropped (counted in `expired`), as a Redis master does while loading.
struct ParsedSnapshot {
  std::vector<std::vector<core::rdb::LoadedKey>> by_shard{};
  std::uint64_t keys = 0;
  std::uint64_t expired = 0;
  std::uint64_t empty_skipped = 0;
  std::vector<std::string> functions{};      // FUNCTION2 library codes
  std::map<std::string, std::string> aux{};  // AUX fields
};
// Reads and parses `path` completely before anything is loaded, so a corrupt
// or truncated file loads nothing. Errors (kSnapshot) name the file: a missing
// or unreadable file, a wrong signature, a newer RDB version, a bad checksum,
// or the offset of the first malformed record.
core::Result<ParsedSnapshot> parse_snapshot_file(const std::string& path, std::size_t shard_count,
                                                 std::int64_t now_ms);

// Stores the parsed keys of one shard into `shard` (replacing keys of the same
// name; IDLE times applied). Precondition: the caller holds the shard.
void apply_keys(core::Shard& shard, std::vector<core::rdb::LoadedKey>& keys, std::int64_t now_ms);

// Whole-engine forms (callers: not a worker thread).
core::Result<WriteStats> write_snapshot(core::ShardEngine& engine, const std::string& path,
                                        const core::rdb::FileInfo& info, int retain = 1);
// Loads `path` into `engine` (the keys are added to what is there). Returns the
// parsed metadata (the keys themselves moved into the shards).
core::Result<ParsedSnapshot> load_snapshot(core::ShardEngine& engine, const std::string& path);

}  // namespace kora::storage
