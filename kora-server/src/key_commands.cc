// Type-independent key commands (Redis's db.c / expire.c).
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "args.h"
#include "kora/core/dump.h"
#include "kora/core/glob.h"
#include "kora/core/eviction.h"
#include "kora/core/key_ops.h"
#include "kora/core/numbers.h"
#include "kora/server/call.h"
#include "kora/server/command.h"

namespace kora::server {
namespace {

using core::Errc;

// DEL / EXISTS run once per shard with that shard's keys; parts are summed.
void del_command(CommandContext& ctx) {
  std::int64_t n = 0;
  for (std::size_t i = 1; i < ctx.argv.size(); ++i) n += core::op_del(ctx.db(), ctx.argv[i], ctx.now_ms);
  ctx.reply.integer(n);
}

void exists_command(CommandContext& ctx) {
  std::int64_t n = 0;
  for (std::size_t i = 1; i < ctx.argv.size(); ++i) {
    n += core::op_exists(ctx.db(), ctx.argv[i], ctx.now_ms);
  }
  ctx.reply.integer(n);
}

// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key time [NX|XX|GT|LT]
void expire_generic(CommandContext& ctx, bool seconds, bool absolute) {
  auto when = to_int(ctx.argv[2]);
  if (!when) return ctx.error(Errc::kNotInteger);
  bool nx = false, xx = false, gt = false, lt = false;
  for (std::size_t j = 3; j < ctx.argv.size(); ++j) {
    std::string_view opt = ctx.argv[j];
    if (iequals(opt, "nx")) nx = true;
    else if (iequals(opt, "xx")) xx = true;
    else if (iequals(opt, "gt")) gt = true;
    else if (iequals(opt, "lt")) lt = true;
    else return ctx.reply.error(core::error_message(Errc::kUnsupportedOption, opt));
  }
  if (nx && (xx || gt || lt)) return ctx.error(Errc::kExpireFlagsNxXx);
  if (gt && lt) return ctx.error(Errc::kExpireFlagsGtLt);
  std::int64_t ms = *when;
  if (seconds) {
    if (ms > INT64_MAX / 1000 || ms < INT64_MIN / 1000) return ctx.error(Errc::kInvalidExpire);
    ms *= 1000;
  }
  if (!absolute) {
    if (ms > INT64_MAX - ctx.now_ms) return ctx.error(Errc::kInvalidExpire);
    ms += ctx.now_ms;
  }
  unsigned cond = (nx ? core::kExpireNX : 0u) | (xx ? core::kExpireXX : 0u) |
                  (gt ? core::kExpireGT : 0u) | (lt ? core::kExpireLT : 0u);
  // The change feed gets an absolute time; a time already past deletes the key.
  if (ctx.db().already_expired(ms, ctx.now_ms)) {
    ctx.propagate("DEL", ctx.argv[1]);
  } else {
    ctx.propagate("PEXPIREAT", ctx.argv[1], std::to_string(ms));
  }
  ctx.reply.integer(core::op_expire_at(ctx.db(), ctx.argv[1], ms, ctx.now_ms, cond));
}

void expire_command(CommandContext& ctx) { expire_generic(ctx, true, false); }
void pexpire_command(CommandContext& ctx) { expire_generic(ctx, false, false); }
void expireat_command(CommandContext& ctx) { expire_generic(ctx, true, true); }
void pexpireat_command(CommandContext& ctx) { expire_generic(ctx, false, true); }

void ttl_command(CommandContext& ctx) {
  std::int64_t ms = core::op_pttl(ctx.db(), ctx.argv[1], ctx.now_ms);
  ctx.reply.integer(ms < 0 ? ms : (ms + 500) / 1000);  // Redis rounds to the nearest second
}

void pttl_command(CommandContext& ctx) { ctx.reply.integer(core::op_pttl(ctx.db(), ctx.argv[1], ctx.now_ms)); }

void persist_command(CommandContext& ctx) {
  ctx.reply.integer(core::op_persist(ctx.db(), ctx.argv[1], ctx.now_ms));
}

void type_command(CommandContext& ctx) { ctx.reply.simple(core::op_type(ctx.db(), ctx.argv[1], ctx.now_ms)); }

// KEYS runs on every shard; the arrays are concatenated.
void keys_command(CommandContext& ctx) {
  auto keys = core::op_keys(ctx.db(), ctx.argv[1], ctx.now_ms);
  ctx.reply.array(keys.size());
  for (const auto& k : keys) ctx.reply.bulk(k);
}

void dbsize_command(CommandContext& ctx) { ctx.reply.integer(static_cast<std::int64_t>(ctx.db().size())); }

bool flush_mode_ok(CommandContext& ctx) {
  if (ctx.argv.size() == 1) return true;
  if (ctx.argv.size() == 2 && (iequals(ctx.argv[1], "async") || iequals(ctx.argv[1], "sync"))) return true;
  ctx.error(Errc::kSyntax);
  return false;
}

void flushdb_command(CommandContext& ctx) {
  if (!flush_mode_ok(ctx)) return;
  core::op_flushdb(ctx.db());
  ctx.reply.ok();
}

void flushall_command(CommandContext& ctx) {
  if (!flush_mode_ok(ctx)) return;
  for (int i = 0; i < core::Shard::kDbCount; ++i) core::op_flushdb(ctx.shard.db(i));
  ctx.reply.ok();
}

// SWAPDB index1 index2: runs on every shard, each swapping its part of the two
// databases (as an all-shard command, atomically across shards).
void swapdb_command(CommandContext& ctx) {
  auto a = to_int(ctx.argv[1]);
  if (!a) return ctx.error(Errc::kInvalidFirstDb);
  auto b = to_int(ctx.argv[2]);
  if (!b) return ctx.error(Errc::kInvalidSecondDb);
  if (*a < 0 || *a >= core::Shard::kDbCount || *b < 0 || *b >= core::Shard::kDbCount) {
    return ctx.error(Errc::kDbIndexOutOfRange);
  }
  core::op_swapdb(ctx.shard.db(static_cast<int>(*a)), ctx.shard.db(static_cast<int>(*b)));
  ctx.reply.ok();
}

void touch_command(CommandContext& ctx) {
  std::int64_t n = 0;
  for (std::size_t i = 1; i < ctx.argv.size(); ++i) n += core::op_touch(ctx.db(), ctx.argv[i], ctx.now_ms);
  ctx.reply.integer(n);
}

void expiretime_command(CommandContext& ctx) {
  std::int64_t ms = core::op_expire_time_ms(ctx.db(), ctx.argv[1], ctx.now_ms);
  ctx.reply.integer(ms < 0 ? ms : ms / 1000);
}

void pexpiretime_command(CommandContext& ctx) {
  ctx.reply.integer(core::op_expire_time_ms(ctx.db(), ctx.argv[1], ctx.now_ms));
}

// RENAME / RENAMENX: the two keys may live on different shards; the command then
// runs as a cross-shard transaction and db_for() reaches both.
void rename_generic(CommandContext& ctx, bool nx) {
  auto r = core::op_rename(ctx.db_for(ctx.argv[1]), ctx.argv[1], ctx.db_for(ctx.argv[2]), ctx.argv[2],
                           nx, ctx.now_ms);
  if (!r.ok()) return ctx.reply.error(r.error().message);
  if (nx) {
    ctx.reply.integer(*r ? 1 : 0);
  } else {
    ctx.reply.ok();
  }
}
void rename_command(CommandContext& ctx) { rename_generic(ctx, false); }
void renamenx_command(CommandContext& ctx) { rename_generic(ctx, true); }

// COPY source destination [DB destination-db] [REPLACE]
void copy_command(CommandContext& ctx) {
  int dst_db = ctx.db_index;
  bool replace = false;
  for (std::size_t j = 3; j < ctx.argv.size(); ++j) {
    if (iequals(ctx.argv[j], "replace")) {
      replace = true;
    } else if (iequals(ctx.argv[j], "db") && j + 1 < ctx.argv.size()) {
      auto index = to_int(ctx.argv[++j]);
      if (!index) return ctx.error(Errc::kNotInteger);
      if (*index < 0 || *index >= core::Shard::kDbCount) return ctx.error(Errc::kDbIndexOutOfRange);
      dst_db = static_cast<int>(*index);
    } else {
      return ctx.error(Errc::kSyntax);
    }
  }
  if (dst_db == ctx.db_index && ctx.argv[1] == ctx.argv[2]) {
    return ctx.error(Errc::kSameObject);
  }
  core::Db& dst = ctx.engine.shard(ctx.engine.shard_for(ctx.argv[2])).db(dst_db);
  const bool copied = core::op_copy(ctx.db_for(ctx.argv[1]), ctx.argv[1], dst, ctx.argv[2], replace, ctx.now_ms);
  if (copied && ctx.feed_active()) {
    // As a full value, as Redis propagates COPY's result.
    ctx.propagate_argv(restore_effect(ctx.argv[2], *dst.find(ctx.argv[2], ctx.now_ms, false).entry));
  }
  ctx.reply.integer(copied ? 1 : 0);
}

// MOVE key db: the key stays on its shard, so this is shard-local.
void move_command(CommandContext& ctx) {
  auto index = to_int(ctx.argv[2]);
  if (!index) return ctx.error(Errc::kNotInteger);
  if (*index < 0 || *index >= core::Shard::kDbCount) return ctx.error(Errc::kDbIndexOutOfRange);
  int dst = static_cast<int>(*index);
  if (dst == ctx.db_index) return ctx.error(Errc::kSameObject);
  ctx.reply.integer(core::op_move(ctx.db(), ctx.shard.db(dst), ctx.argv[1], ctx.now_ms) ? 1 : 0);
}

// RANDOMKEY runs on every shard: each part reports [live key count, a random key];
// the merge picks a shard with probability proportional to its size.
void randomkey_part(CommandContext& ctx) {
  auto key = ctx.db().random_key(ctx.now_ms);
  ctx.reply.array(2);
  ctx.reply.integer(static_cast<std::int64_t>(ctx.db().size()));
  if (key) {
    ctx.reply.bulk(*key);
  } else {
    ctx.reply.null();
  }
}

void randomkey_merge(std::span<const std::string_view>, const std::vector<protocol::Reply>& parts,
                     ServerState*, protocol::ReplyWriter& out) {
  std::int64_t total = 0;
  for (const auto& p : parts) {
    if (!p.elements[1].is_null()) total += p.elements[0].integer;
  }
  if (total == 0) return out.null();
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::int64_t pick = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(total));
  for (const auto& p : parts) {
    if (p.elements[1].is_null()) continue;
    if (pick < p.elements[0].integer) return out.bulk(p.elements[1].str);
    pick -= p.elements[0].integer;
  }
  out.null();
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. The cursor carries the
// shard in its low bits and that shard's table cursor above them; shards are
// scanned one after the other.
unsigned shard_bits(std::size_t shards) {
  unsigned bits = 0;
  while ((std::size_t{1} << bits) < shards) ++bits;
  return bits;
}

core::ShardId scan_route(std::span<const std::string_view> argv, std::size_t shards) {
  auto cursor = core::parse_scan_cursor(argv[1]);
  if (!cursor || shards == 1) return 0;
  std::uint64_t shard = *cursor & ((std::uint64_t{1} << shard_bits(shards)) - 1);
  return static_cast<core::ShardId>(shard < shards ? shard : 0);
}

void scan_command(CommandContext& ctx) {
  auto cursor = core::parse_scan_cursor(ctx.argv[1]);
  if (!cursor) return ctx.error(Errc::kInvalidCursor);
  std::int64_t count = 10;
  std::string_view pattern, type;
  bool use_pattern = false, use_type = false;
  for (std::size_t j = 2; j < ctx.argv.size(); ++j) {
    bool more = j + 1 < ctx.argv.size();
    if (iequals(ctx.argv[j], "count") && more) {
      auto n = to_int(ctx.argv[++j]);
      if (!n) return ctx.error(Errc::kNotInteger);
      if (*n < 1) return ctx.error(Errc::kSyntax);
      count = *n;
    } else if (iequals(ctx.argv[j], "match") && more) {
      pattern = ctx.argv[++j];
      use_pattern = !(pattern == "*");
    } else if (iequals(ctx.argv[j], "type") && more) {
      type = ctx.argv[++j];
      use_type = true;
    } else {
      return ctx.error(Errc::kSyntax);
    }
  }
  const std::size_t shards = ctx.engine.shard_count();
  const unsigned bits = shard_bits(shards);
  std::uint64_t shard = *cursor & ((std::uint64_t{1} << bits) - 1);
  std::uint64_t table_cursor = *cursor >> bits;
  std::vector<std::string> keys;
  if (shard < shards) {
    core::ScanFilter filter;
    if (use_pattern) filter.pattern = pattern;
    if (use_type) filter.type = type;
    core::ScanPage page = core::op_scan(ctx.db(), table_cursor, count, filter, ctx.now_ms);
    table_cursor = page.cursor;
    keys = std::move(page.keys);
  }
  std::uint64_t next = 0;
  if (shard < shards) {
    if (table_cursor != 0) {
      next = (table_cursor << bits) | shard;
    } else {
      // The next shard that holds keys, from its beginning; 0 when none is left.
      // (A shard that gains its first key during the scan may be skipped: such a
      // key was not present for the whole scan.)
      for (std::uint64_t s = shard + 1; s < shards; ++s) {
        if (ctx.engine.shard(static_cast<core::ShardId>(s)).db(ctx.db_index).size_hint() > 0) {
          next = s;
          break;
        }
      }
    }
  }
  ctx.reply.array(2);
  ctx.reply.bulk(std::to_string(next));
  ctx.reply.array(keys.size());
  for (const auto& k : keys) ctx.reply.bulk(k);
}

// OBJECT ENCODING | FREQ | IDLETIME | REFCOUNT key: what core::op_object
// reports of the key (found without recording an access); nil when absent.
std::optional<core::ObjectInfo> object_info(CommandContext& ctx) {
  auto info = core::op_object(ctx.db(), ctx.argv[2], ctx.now_ms);
  if (!info) ctx.reply.null();
  return info;
}

void object_encoding(CommandContext& ctx) {
  if (auto info = object_info(ctx)) ctx.reply.bulk(info->encoding);
}

// OBJECT FREQ: the decayed LFU counter, only under an LFU maxmemory-policy.
void object_freq(CommandContext& ctx) {
  auto info = object_info(ctx);
  if (!info) return;
  if (!core::EvictionConfig::instance().lfu()) return ctx.error(Errc::kNoLfuPolicy);
  ctx.reply.integer(info->freq);
}

// OBJECT IDLETIME: seconds since the last access, unless an LFU policy uses
// the access field for the counter.
void object_idletime(CommandContext& ctx) {
  auto info = object_info(ctx);
  if (!info) return;
  if (core::EvictionConfig::instance().lfu()) return ctx.error(Errc::kLfuNoIdletime);
  ctx.reply.integer(info->idle_seconds);
}

void object_refcount(CommandContext& ctx) {
  if (auto info = object_info(ctx)) ctx.reply.integer(info->refcount);
}

constexpr Subcommand kObjectSubcommands[] = {
    {"encoding", 3, object_encoding},
    {"freq", 3, object_freq},
    {"idletime", 3, object_idletime},
    {"refcount", 3, object_refcount},
};

void object_command(CommandContext& ctx) { dispatch_subcommand(ctx, "object", kObjectSubcommands); }

void dump_command(CommandContext& ctx) {
  core::EntryRef ref = ctx.db().find(ctx.argv[1], ctx.now_ms, /*touch=*/false);
  if (!ref) return ctx.reply.null();
  ctx.reply.bulk(core::dump_payload(*ref.entry));
}

// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency],
// checked in Redis's order: options, existing key, TTL, payload.
void restore_command(CommandContext& ctx) {
  bool replace = false, absttl = false;
  std::optional<std::int64_t> idle, freq;
  for (std::size_t j = 4; j < ctx.argv.size(); ++j) {
    bool more = j + 1 < ctx.argv.size();
    if (iequals(ctx.argv[j], "replace")) {
      replace = true;
    } else if (iequals(ctx.argv[j], "absttl")) {
      absttl = true;
    } else if (iequals(ctx.argv[j], "idletime") && more) {
      auto v = to_int(ctx.argv[++j]);
      if (!v) return ctx.error(Errc::kNotInteger);
      if (*v < 0) return ctx.error(Errc::kInvalidIdletime);
      idle = *v;
    } else if (iequals(ctx.argv[j], "freq") && more) {
      auto v = to_int(ctx.argv[++j]);
      if (!v) return ctx.error(Errc::kNotInteger);
      if (*v < 0 || *v > 255) return ctx.error(Errc::kInvalidFreq);
      freq = *v;
    } else {
      return ctx.error(Errc::kSyntax);
    }
  }
  core::Db& db = ctx.db();
  if (!replace && db.find(ctx.argv[1], ctx.now_ms, false)) return ctx.error(Errc::kBusyKey);
  auto ttl = to_int(ctx.argv[2]);
  if (!ttl) return ctx.error(Errc::kNotInteger);
  if (*ttl < 0) return ctx.error(Errc::kInvalidTtl);
  auto value = core::parse_payload(ctx.argv[3]);
  if (!value.ok()) return ctx.reply.error(value.error().message);
  std::int64_t expire_at = *ttl;
  if (expire_at != 0 && !absttl) {
    if (expire_at > INT64_MAX - ctx.now_ms) return ctx.error(Errc::kInvalidExpire);
    expire_at += ctx.now_ms;
  }
  if (expire_at != 0 && ctx.db().already_expired(expire_at, ctx.now_ms)) {
    ctx.propagate("DEL", ctx.argv[1]);
  } else {
    ctx.propagate("RESTORE", ctx.argv[1], std::to_string(expire_at), ctx.argv[3], "REPLACE", "ABSTTL");
  }
  core::op_restore(db, ctx.argv[1], std::move(*value), expire_at, idle, ctx.now_ms, freq);
  ctx.reply.ok();
}

void select_command(CommandContext& ctx) {
  auto index = to_int(ctx.argv[1]);
  if (!index) return ctx.error(Errc::kNotInteger);
  if (*index < 0 || *index >= core::Shard::kDbCount) return ctx.error(Errc::kDbIndexOutOfRange);
  ctx.client->db = static_cast<int>(*index);
  ctx.reply.ok();
}

const std::array kKeyCommands = {
    CommandSpec{"del", -2, kWrite, 1, -1, 1, del_command, Fanout::kSumIntegers, nullptr, "@keyspace @write @slow"},
    CommandSpec{"unlink", -2, kWrite | kFast, 1, -1, 1, del_command, Fanout::kSumIntegers, nullptr, "@keyspace @write @fast"},
    CommandSpec{"exists", -2, kReadOnly | kFast, 1, -1, 1, exists_command, Fanout::kSumIntegers, nullptr, "@keyspace @read @fast"},
    CommandSpec{"expire", -3, kWrite | kFast, 1, 1, 1, expire_command, Fanout::kNone, nullptr, "@keyspace @write @fast"},
    CommandSpec{"pexpire", -3, kWrite | kFast, 1, 1, 1, pexpire_command, Fanout::kNone, nullptr, "@keyspace @write @fast"},
    CommandSpec{"expireat", -3, kWrite | kFast, 1, 1, 1, expireat_command, Fanout::kNone, nullptr, "@keyspace @write @fast"},
    CommandSpec{"pexpireat", -3, kWrite | kFast, 1, 1, 1, pexpireat_command, Fanout::kNone, nullptr, "@keyspace @write @fast"},
    CommandSpec{"ttl", 2, kReadOnly | kFast, 1, 1, 1, ttl_command, Fanout::kNone, nullptr, "@keyspace @read @fast"},
    CommandSpec{"pttl", 2, kReadOnly | kFast, 1, 1, 1, pttl_command, Fanout::kNone, nullptr, "@keyspace @read @fast"},
    CommandSpec{"persist", 2, kWrite | kFast, 1, 1, 1, persist_command, Fanout::kNone, nullptr, "@keyspace @write @fast"},
    CommandSpec{"type", 2, kReadOnly | kFast, 1, 1, 1, type_command, Fanout::kNone, nullptr, "@keyspace @read @fast"},
    CommandSpec{"keys", 2, kReadOnly | kAllShards, 0, 0, 0, keys_command, Fanout::kConcatArrays, nullptr, "@keyspace @read @slow @dangerous"},
    CommandSpec{"dbsize", 1, kReadOnly | kFast | kAllShards, 0, 0, 0, dbsize_command, Fanout::kSumIntegers, nullptr, "@keyspace @read @fast"},
    CommandSpec{"flushdb", -1, kWrite | kAllShards, 0, 0, 0, flushdb_command, Fanout::kAllOk, nullptr, "@keyspace @write @slow @dangerous"},
    CommandSpec{"flushall", -1, kWrite | kAllShards, 0, 0, 0, flushall_command, Fanout::kAllOk, nullptr, "@keyspace @write @slow @dangerous"},
    CommandSpec{"touch", -2, kReadOnly | kFast, 1, -1, 1, touch_command, Fanout::kSumIntegers, nullptr, "@keyspace @read @fast"},
    CommandSpec{"expiretime", 2, kReadOnly | kFast, 1, 1, 1, expiretime_command, Fanout::kNone, nullptr, "@keyspace @read @fast"},
    CommandSpec{"pexpiretime", 2, kReadOnly | kFast, 1, 1, 1, pexpiretime_command, Fanout::kNone, nullptr, "@keyspace @read @fast"},
    CommandSpec{"rename", 3, kWrite | kMultiShard, 1, 2, 1, rename_command, Fanout::kNone, nullptr, "@keyspace @write @slow"},
    CommandSpec{"renamenx", 3, kWrite | kFast | kMultiShard, 1, 2, 1, renamenx_command, Fanout::kNone, nullptr, "@keyspace @write @fast"},
    CommandSpec{"copy", -3, kWrite | kMultiShard, 1, 2, 1, copy_command, Fanout::kNone, nullptr, "@keyspace @write @slow"},
    CommandSpec{"swapdb", 3, kWrite | kFast | kAllShards, 0, 0, 0, swapdb_command, Fanout::kAllOk, nullptr, "@keyspace @write @fast @dangerous"},
    CommandSpec{"move", 3, kWrite | kFast, 1, 1, 1, move_command, Fanout::kNone, nullptr, "@keyspace @write @fast"},
    CommandSpec{"randomkey", 1, kReadOnly | kAllShards, 0, 0, 0, randomkey_part, Fanout::kCustom, randomkey_merge, "@keyspace @read @slow"},
    CommandSpec{"scan", -2, kReadOnly, 0, 0, 0, scan_command, Fanout::kNone, nullptr, "@keyspace @read @slow", nullptr, scan_route},
    CommandSpec{"object", -2, kReadOnly, 2, 2, 1, object_command, Fanout::kNone, nullptr, "@keyspace @read @slow"},
    CommandSpec{"dump", 2, kReadOnly, 1, 1, 1, dump_command, Fanout::kNone, nullptr, "@keyspace @read @slow"},
    CommandSpec{"restore", -4, kWrite, 1, 1, 1, restore_command, Fanout::kNone, nullptr, "@keyspace @write @slow @dangerous"},
    CommandSpec{"select", 2, kLoading | kStale | kFast | kConnection, 0, 0, 0, select_command, Fanout::kNone, nullptr, "@fast @connection"},
};

}  // namespace

std::span<const CommandSpec> key_commands() { return kKeyCommands; }

}  // namespace kora::server
