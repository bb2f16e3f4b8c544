// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. A connection handles
// MULTI/EXEC/DISCARD itself (it queues the block and runs it as one cross-shard
// transaction: connection.cc); their handlers answer only where there is no
// connection to hold a block — the embedded API's execute(), where every call
// stands alone. WATCH registers the client in the watch table of each key's
// shard (server_shard.h), holding those shards; UNWATCH, EXEC and DISCARD forget
// the keys.
#include <array>

#include "kora/core/shard.h"
#include "kora/server/command.h"
#include "server_shard.h"

namespace kora::server {
namespace {

void transaction_outside_connection(CommandContext& ctx) {
  ctx.error(core::Errc::kNeedsConnection);
}

// WATCH key [key ...]: runs on the client's worker holding every key's shard.
void watch_command(CommandContext& ctx) {
  if (!ctx.client || !ctx.client->is_connection) {
    return ctx.reply.error(core::error_message(core::Errc::kNotInTransaction, "WATCH"));
  }
  ClientState& client = *ctx.client;
  if (!client.watch) client.watch = std::make_shared<WatchSession>();
  for (std::size_t i = 1; i < ctx.argv.size(); ++i) {
    std::string_view key = ctx.argv[i];
    bool already = false;
    for (const WatchedKey& k : client.watched) already = already || (k.db == ctx.db_index && k.key == key);
    if (already) continue;
    const core::ShardId s = ctx.engine.shard_for(key);
    core::Shard& shard = ctx.engine.shard(s);
    const core::Entry* e = shard.db(ctx.db_index).peek(key);
    const bool stale = e && core::Db::is_expired(*e, ctx.now_ms);
    ServerShard::of(shard).watch(ctx.db_index, key, client.watch, stale);
    client.watched.push_back(WatchedKey{ctx.db_index, std::string(key), s, stale});
  }
  ctx.reply.ok();
}

// UNWATCH: the connection forgets its watched keys (Connection::unwatch_all
// runs when the command is seen; see connection.cc).
void unwatch_command(CommandContext& ctx) {
  if (!ctx.client || !ctx.client->is_connection) {
    return ctx.reply.error(core::error_message(core::Errc::kNotInTransaction, "UNWATCH"));
  }
  ctx.reply.ok();
}

const std::array kTransactionCommands = {
    CommandSpec{"multi", 1, kFast | kLoading | kStale | kConnection, 0, 0, 0, transaction_outside_connection, Fanout::kNone, nullptr, "@fast @transaction"},
    CommandSpec{"exec", 1, kLoading | kStale | kConnection, 0, 0, 0, transaction_outside_connection, Fanout::kNone, nullptr, "@slow @transaction"},
    CommandSpec{"discard", 1, kFast | kLoading | kStale | kConnection, 0, 0, 0, transaction_outside_connection, Fanout::kNone, nullptr, "@fast @transaction"},
    CommandSpec{"watch", -2, kFast | kLoading | kStale | kConnection | kMultiShard, 1, -1, 1, watch_command, Fanout::kNone, nullptr, "@fast @transaction"},
    CommandSpec{"unwatch", 1, kFast | kLoading | kStale | kConnection, 0, 0, 0, unwatch_command, Fanout::kNone, nullptr, "@fast @transaction"},
};

}  // namespace

std::span<const CommandSpec> transaction_commands() { return kTransactionCommands; }

}  // namespace kora::server
