// Type-independent key commands (Redis's db.c / expire.c).
#include <array>

#include "args.h"
#include "kora/core/key_ops.h"
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
  ctx.db().clear();
  ctx.reply.ok();
}

void flushall_command(CommandContext& ctx) {
  if (!flush_mode_ok(ctx)) return;
  for (int i = 0; i < core::Shard::kDbCount; ++i) ctx.shard.db(i).clear();
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
    CommandSpec{"select", 2, kLoading | kStale | kFast | kConnection, 0, 0, 0, select_command, Fanout::kNone, nullptr, "@keyspace @fast"},
};

}  // namespace

std::span<const CommandSpec> key_commands() { return kKeyCommands; }

}  // namespace kora::server
