#pragma once
// Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP; later BZPOP* and
// XREAD BLOCK): how a handler blocks its client, how the client is served when
// a write makes one of its keys ready, and how it is released.
//
// A command that may block carries kBlocking. Its caller (a connection, or the
// embedded execute()) makes a BlockedClient before running it and passes it in
// CallEnv::blocker. When the handler finds nothing to pop it calls
// block_client(), which registers the client under each key in the key's shard
// (all held by the handler: one shard, or every shard of a cross-shard call)
// and marks the run blocked: no reply is written, the caller waits.
//
// Serving (serve_blocked_clients, call.h): after a command (after the whole
// block for EXEC), the shard walks the keys that writes made ready. For each
// key, clients are served first come, first served: the first one still
// unclaimed is claimed (an atomic flag: a timeout, CLIENT UNBLOCK or a
// disconnect may race for it; exactly one wins) and its command runs again on
// this shard through call_command with CallEnv::serve_key set, popping from
// that key only — so it is counted once, its effect reaches the change feed in
// its non-blocking form, and a BLMOVE's push can make the next key ready. A
// command whose other key lives on another shard (BLMOVE across shards) is
// instead handed back to its caller to run again from the start.
//
// Once answered, the client's registrations on other shards are removed by a
// message to each (until then they are skipped: claimed).

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "kora/core/engine.h"
#include "kora/core/object.h"
#include "kora/core/result.h"
#include "kora/server/command.h"
#include "server_shard.h"

namespace kora::server {

// A blocking command's timeout argument (seconds, a float; 0 = forever) as an
// absolute deadline in ms (0 = forever), as Redis 7.0's
// getTimeoutFromObjectOrReply reads it. Errors: kTimeoutNotFloat,
// kTimeoutNegative (also for a value beyond long long's range in ms, as Redis
// 7.0's conversion makes it negative).
core::Result<std::int64_t> parse_timeout(std::string_view arg, std::int64_t now_ms);

// Registers ctx's client as blocked on `keys` (in db ctx.db_index), waiting for
// a value of type `wants`, until `deadline_ms`. Returns false when this run may
// not block (inside MULTI/EXEC, a serve, or a caller with no blocker): the
// handler then replies as on a timeout.
// `ready` (optional) tells, on a key's shard, whether a write made this client
// servable (BlockedClient::ready); `gone_error`: BlockedClient::gone_error.
bool block_client(CommandContext& ctx, std::span<const std::string_view> keys,
                  std::int64_t deadline_ms, core::ValueType wants,
                  std::function<bool(std::string_view, const core::Entry&)> ready = {},
                  std::string gone_error = {});

// The reply of `spec` when it times out (or CLIENT UNBLOCK ... TIMEOUT): a null
// array, for every list blocking command (BLMOVE too, as Redis 7.0 answers).
std::string timeout_reply(const CommandSpec& spec, int resp);

// Removes `client`'s registrations from every shard it is registered on, by a
// message to each (never waits). Call after claiming it.
void release_blocked(core::ShardEngine& engine, const std::shared_ptr<BlockedClient>& client);

// Answers `client` with `reply` unless someone else already did (a shard
// serving it, its timeout, CLIENT UNBLOCK): claims it, releases its
// registrations and delivers. False when it was already claimed.
bool answer_blocked(core::ShardEngine& engine, const std::shared_ptr<BlockedClient>& client, std::string reply);

}  // namespace kora::server
