#pragma once
// Consumer group operations on streams (Redis 7.0's t_stream.c): XGROUP,
// XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM. Shard-local: call each only
// on the thread owning `db`. `now_ms` is the command's time: delivery times,
// idle times and consumers' seen-times are computed from it.
//
// Ops that change group state report what they did as GroupEffects so that
// the caller can state it deterministically for the change feed, as Redis
// propagates it: every delivery or claim as XCLAIM ... TIME <abs ms>
// RETRYCOUNT <n> FORCE JUSTID LASTID <id>, a moved last-delivered id as
// XGROUP SETID ... ENTRIESREAD <n> (after any read that moved it, NOACK or
// not, so that a replay restores entries-read too), a consumer a read made as
// XGROUP CREATECONSUMER.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/db.h"
#include "kora/core/result.h"
#include "kora/core/stream_ops.h"
#include "kora/core/stream_value.h"

namespace kora::core {

struct StreamClaimEffect {
  StreamId id;
  std::string consumer;
  std::int64_t delivery_time = 0;
  std::uint64_t delivery_count = 0;
  StreamId group_last_id{};
};

struct GroupEffects {
  std::vector<std::string> created_consumers;  // to state as XGROUP CREATECONSUMER
  std::vector<StreamClaimEffect> claims;       // to state as XCLAIM ... FORCE JUSTID
  bool set_id = false;                         // to state as XGROUP SETID
  StreamId last_id{};
  std::int64_t entries_read = kEntriesReadInvalid;
};

// XGROUP's lookup: the stream, which must exist (kStreamXgroupNoKey) unless
// `may_create`; nullptr when absent and may_create. Errors: kWrongType.
Result<StreamValue*> xgroup_stream(Db& db, std::string_view key, bool may_create, std::int64_t now_ms);

// XGROUP CREATE key group <id|$> [MKSTREAM] [ENTRIESREAD n]. `id_arg` is
// parsed after the key checks, as Redis does. Errors: kWrongType,
// kStreamXgroupNoKey, kStreamInvalidId, kStreamBusyGroup.
Result<void> op_xgroup_create(Db& db, std::string_view key, std::string_view group, std::string_view id_arg,
                              bool mkstream, std::int64_t entries_read, std::int64_t now_ms);
// XGROUP SETID key group <id|$> [ENTRIESREAD n]. Errors: kWrongType,
// kStreamXgroupNoKey, kStreamNoGroupForKey, kStreamInvalidId.
Result<void> op_xgroup_setid(Db& db, std::string_view key, std::string_view group, std::string_view id_arg,
                             std::int64_t entries_read, std::int64_t now_ms);
// XGROUP DESTROY: true when the group existed. Errors: kWrongType, kStreamXgroupNoKey.
Result<bool> op_xgroup_destroy(Db& db, std::string_view key, std::string_view group, std::int64_t now_ms);
// XGROUP CREATECONSUMER: true when created. Errors as SETID.
Result<bool> op_xgroup_createconsumer(Db& db, std::string_view key, std::string_view group,
                                      std::string_view consumer, std::int64_t now_ms);
// XGROUP DELCONSUMER: the consumer's pending count (0 when absent). Errors as SETID.
Result<std::size_t> op_xgroup_delconsumer(Db& db, std::string_view key, std::string_view group,
                                          std::string_view consumer, std::int64_t now_ms);

// The stream and group a command needs: kStreamNoKeyOrGroup (or `nogroup`)
// when either is missing. Errors: kWrongType.
Result<StreamValue*> group_stream(Db& db, std::string_view key, std::string_view group, Errc nogroup,
                                  std::int64_t now_ms);

// XREADGROUP of one stream. `history_from`: nullopt for ">" (new entries
// after the group's last id, nullopt result when there are none), else the
// consumer's own pending entries from that id (always a result; a deleted
// entry comes back `missing`). At most `count` entries (0: all). Errors:
// kWrongType, kStreamNoGroupRead (arg "<key>\0<group>").
Result<std::optional<StreamEntries>> op_xreadgroup(Db& db, std::string_view key, std::string_view group,
                                                   std::string_view consumer,
                                                   std::optional<StreamId> history_from, std::size_t count,
                                                   bool noack, std::int64_t now_ms, GroupEffects& fx);

// XACK: how many ids were pending (missing key or group: 0). Errors: kWrongType.
Result<std::size_t> op_xack(Db& db, std::string_view key, std::string_view group, std::span<const StreamId> ids,
                            std::int64_t now_ms);

struct PendingSummary {
  std::size_t count = 0;
  StreamId min{}, max{};
  std::vector<std::pair<std::string, std::size_t>> consumers;  // with pending entries, by name
};
// XPENDING key group. Errors: kWrongType, kStreamNoKeyOrGroup.
Result<PendingSummary> op_xpending_summary(Db& db, std::string_view key, std::string_view group,
                                           std::int64_t now_ms);

struct PendingEntryInfo {
  StreamId id;
  std::string consumer;
  std::int64_t idle = 0;
  std::uint64_t delivery_count = 0;
};
struct XPendingArgs {
  StreamId start{}, end{};
  std::int64_t count = 0;
  std::int64_t min_idle = 0;
  std::optional<std::string_view> consumer;
};
// XPENDING key group [IDLE n] start end count [consumer]. Errors: kWrongType,
// kStreamNoKeyOrGroup.
Result<std::vector<PendingEntryInfo>> op_xpending(Db& db, std::string_view key, std::string_view group,
                                                  const XPendingArgs& args, std::int64_t now_ms);

struct XClaimArgs {
  std::int64_t min_idle = 0;
  std::vector<StreamId> ids;
  std::int64_t delivery_time = -1;  // absolute ms (IDLE already converted); -1: now
  std::int64_t retry_count = -1;    // -1: not given
  bool force = false;
  bool justid = false;
  StreamId last_id{};
};
// XCLAIM (after the caller checked the group with group_stream and parsed the
// arguments): the claimed entries (ids only when justid). Errors: kWrongType,
// kStreamNoKeyOrGroup.
Result<StreamEntries> op_xclaim(Db& db, std::string_view key, std::string_view group, std::string_view consumer,
                                const XClaimArgs& args, std::int64_t now_ms, GroupEffects& fx);

struct XAutoClaimResult {
  StreamId next{};
  StreamEntries claimed;
  std::vector<StreamId> deleted;
};
// XAUTOCLAIM key group consumer min-idle start [COUNT n] [JUSTID]. Errors:
// kWrongType, kStreamNoKeyOrGroup.
Result<XAutoClaimResult> op_xautoclaim(Db& db, std::string_view key, std::string_view group,
                                       std::string_view consumer, std::int64_t min_idle, StreamId start,
                                       std::int64_t count, bool justid, std::int64_t now_ms, GroupEffects& fx);

// Redis 7.0's lag of a group (XINFO): nullopt when it cannot be known.
std::optional<std::int64_t> group_lag(const StreamValue& s, const StreamGroup& g);

}  // namespace kora::core
