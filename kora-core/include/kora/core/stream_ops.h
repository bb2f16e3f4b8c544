#pragma once
// Stream operations (Redis 7.0's t_stream.c): adding, reading, deleting and
// trimming entries, XSETID. Consumer groups are in stream_group_ops.h.
// Shard-local: call each only on the thread owning `db`. `now_ms` is the time
// used for expiry and for generated ids.
//
// Common rules, as in Redis 7.0:
//  - a key of another type is kWrongType; a missing key reads as an empty
//    stream (XLEN 0, XRANGE empty) unless stated otherwise;
//  - an emptied stream is kept (Redis never deletes a stream by itself);
//  - every change raises a kModified key event (through Db::signal_modified).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/db.h"
#include "kora/core/result.h"
#include "kora/core/stream_value.h"

namespace kora::core {

// An entry copied out of a stream: its id and field/value pairs, flattened.
struct StreamEntry {
  StreamId id;
  std::vector<std::string> fv;
  bool missing = false;  // a pending id whose entry was deleted (XREADGROUP history)
};
using StreamEntries = std::vector<StreamEntry>;

// Redis's streamGenericParseIDOrReply: "<ms>[-<seq>]" (a missing seq is
// `missing_seq`), "-" (0-0) and "+" (max) unless `strict`; with `seq_given`
// non-null, "<ms>-*" is accepted and *seq_given tells whether seq was given.
// Numbers follow Redis's string2ull (strtoull's leniency included).
// nullopt: kStreamInvalidId.
std::optional<StreamId> parse_stream_id(std::string_view s, std::uint64_t missing_seq, bool strict,
                                        bool* seq_given = nullptr);

// An interval bound of XRANGE/XPENDING/XAUTOCLAIM: "(" makes it exclusive
// (then parsed strictly). Errors: kStreamInvalidId.
struct IntervalId {
  StreamId id;
  bool exclusive = false;
};
Result<IntervalId> parse_interval_id(std::string_view s, std::uint64_t missing_seq);

struct XAddArgs {
  std::optional<StreamId> id;  // nullopt: '*'
  bool seq_given = true;       // false for "<ms>-*"
  bool nomkstream = false;
  TrimArgs trim{};
};

struct XAddResult {
  std::optional<StreamId> id;  // nullopt: NOMKSTREAM and no stream
  std::int64_t trimmed = 0;
  std::size_t length = 0;      // after trimming
  StreamId first_edge{};       // the first entry, tombstone or not (MINID rewrite)
};

// XADD: appends an entry with the given or generated id (streamNextID), then
// trims. Errors: kWrongType, kStreamIdZero, kStreamExhausted, kStreamIdTooSmall,
// kStreamTooLarge ("<ms>-*" after <ms>-<max seq>: Redis 7.0's errno quirk).
Result<XAddResult> op_xadd(Db& db, std::string_view key, const XAddArgs& args,
                           std::span<const std::string_view> fv, std::int64_t now_ms);

// XLEN. Errors: kWrongType.
Result<std::size_t> op_xlen(Db& db, std::string_view key, std::int64_t now_ms);

// XRANGE / XREVRANGE over [start, end] (already adjusted for exclusive
// bounds), at most `count` entries (0: all). Errors: kWrongType.
Result<StreamEntries> op_xrange(Db& db, std::string_view key, StreamId start, StreamId end, bool rev,
                                std::size_t count, std::int64_t now_ms);

// XDEL: deletes the ids present; returns how many. Errors: kWrongType.
Result<std::size_t> op_xdel(Db& db, std::string_view key, std::span<const StreamId> ids, std::int64_t now_ms);

struct XTrimResult {
  std::int64_t deleted = 0;
  std::size_t length = 0;
  StreamId first_edge{};
};
// XTRIM. A missing key deletes nothing. Errors: kWrongType.
Result<XTrimResult> op_xtrim(Db& db, std::string_view key, const TrimArgs& args, std::int64_t now_ms);

struct XSetIdArgs {
  StreamId id;
  std::int64_t entries_added = -1;  // -1: not given
  StreamId max_deleted{};           // 0-0: not given
};
// XSETID. Errors: kNoSuchKey, kWrongType, kStreamSetIdBelowTop,
// kStreamEntriesAddedBelowLength.
Result<void> op_xsetid(Db& db, std::string_view key, const XSetIdArgs& args, std::int64_t now_ms);

// The stream at `key` for reading: nullptr when absent. Errors: kWrongType.
Result<const StreamValue*> find_stream(Db& db, std::string_view key, std::int64_t now_ms);

// XREAD of one stream: the entries after `after` (at most `count`, 0: all),
// or nullopt when the stream cannot serve (absent, or no live entry after
// `after`: Redis's streamLastValidID test). Errors: kWrongType.
Result<std::optional<StreamEntries>> op_xread(Db& db, std::string_view key, StreamId after, std::size_t count,
                                              std::int64_t now_ms);

// Copies an entry view out.
StreamEntry copy_entry(const StreamEntryView& e);

}  // namespace kora::core
