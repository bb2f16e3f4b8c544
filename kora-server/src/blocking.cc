#include "blocking.h"

#include <climits>
#include <cmath>

#include "kora/core/clock.h"
#include "kora/core/numbers.h"
#include "kora/protocol/reply_writer.h"
#include "kora/server/call.h"

namespace kora::server {

core::Result<std::int64_t> parse_timeout(std::string_view arg, std::int64_t now_ms) {
  auto seconds = core::parse_long_double(arg);
  if (!seconds || std::isnan(*seconds)) return core::Errc::kTimeoutNotFloat;
  // Redis 7.0: tval = (long long) ceill(seconds * 1000). Out of long long's
  // range (infinity included) the x86-64 conversion yields LLONG_MIN, so such
  // a timeout is "negative", not "out of range".
  const long double ms = std::ceil(*seconds * 1000.0L);
  if (!(ms < 9223372036854775808.0L) || ms < -9223372036854775808.0L) return core::Errc::kTimeoutNegative;
  const auto tval = static_cast<std::int64_t>(ms);
  if (tval < 0) return core::Errc::kTimeoutNegative;
  if (tval == 0) return std::int64_t{0};
  // Redis adds the time without a check (and wraps); a deadline past the
  // clock's range never comes.
  if (tval > LLONG_MAX - now_ms) return std::int64_t{LLONG_MAX};
  return tval + now_ms;
}

bool block_client(CommandContext& ctx, std::span<const std::string_view> keys,
                  std::int64_t deadline_ms, core::ValueType wants,
                  std::function<bool(std::string_view, const core::Entry&)> ready, std::string gone_error) {
  const CallEnv* env = ctx.env;
  if (!env || !env->blocker || env->no_block || !env->serve_key.empty()) return false;
  const std::shared_ptr<BlockedClient>& client = env->blocker;
  client->db = ctx.db_index;
  client->deadline_ms = deadline_ms;
  client->wants = wants;
  client->ready = std::move(ready);
  client->gone_error = std::move(gone_error);
  client->keys.clear();
  for (std::string_view key : keys) {
    const core::ShardId s = ctx.engine.shard_for(key);
    bool seen = false;
    for (const auto& [shard, k] : client->keys) seen = seen || (shard == s && k == key);
    if (seen) continue;  // BLPOP k k 0: one registration
    ServerShard::of(ctx.engine.shard(s)).block(ctx.db_index, key, client);
    client->keys.emplace_back(s, std::string(key));
  }
  ctx.blocked = true;
  return true;
}

std::string timeout_reply(const CommandSpec& spec, int resp) {
  std::string out;
  protocol::ReplyWriter w(&out, resp);
  (void)spec;  // every list blocking command times out with a null array, as Redis 7.0
  w.null_array();
  return out;
}

void release_blocked(core::ShardEngine& engine, const std::shared_ptr<BlockedClient>& client) {
  for (const auto& [shard, key] : client->keys) {
    engine.post_data(shard, [&engine, shard = shard, key = key, client] {
      ServerShard::of(engine.shard(shard)).unblock(client->db, key, client.get());
    });
  }
}

bool answer_blocked(core::ShardEngine& engine, const std::shared_ptr<BlockedClient>& client, std::string reply) {
  if (!client->try_claim()) return false;
  release_blocked(engine, client);
  client->deliver(std::move(reply), /*retry=*/false);
  return true;
}

namespace {

// True when every key the command needs, besides the ready one, lives on
// `shard` (BLMOVE's destination).
bool servable_here(const BlockedClient& c, const core::ShardEngine& engine, core::ShardId shard) {
  if (c.spec->name == "blmove" || c.spec->name == "brpoplpush") {
    return engine.shard_for(c.argv[2]) == shard;
  }
  return true;
}

}  // namespace

void serve_blocked_clients(core::ShardEngine& engine, core::Shard& shard, ServerState* server) {
  ServerShard& st = ServerShard::of(shard);
  if (!st.has_ready() || st.serving) return;
  st.serving = true;
  const std::int64_t now = core::now_ms();
  while (st.has_ready()) {
    for (auto& [db, key] : st.take_ready()) {
      for (const std::shared_ptr<BlockedClient>& c : st.waiters(db, key)) {
        const core::Entry* e = shard.db(db).peek(key);
        if (!e || core::Db::is_expired(*e, now) || e->type() != c->wants) {
          if (c->gone_error.empty()) continue;  // stays blocked
          st.unblock(db, key, c.get());
          std::string reply;
          protocol::ReplyWriter(&reply, c->resp).error(c->gone_error);
          answer_blocked(engine, c, std::move(reply));
          continue;
        }
        if (c->ready && !c->ready(key, *e)) continue;  // stays blocked
        st.unblock(db, key, c.get());
        if (!c->try_claim()) continue;  // timed out or unblocked meanwhile
        release_blocked(engine, c);
        if (!servable_here(*c, engine, shard.id())) {
          c->deliver({}, /*retry=*/true);
          continue;
        }
        std::vector<std::string_view> argv(c->argv.begin(), c->argv.end());
        CallEnv env{engine, server, c->db, c->resp};
        env.serve_blocked = false;  // this loop goes on with what the pop made ready
        env.serve_key = key;
        std::string reply;
        call_command(*c->spec, argv, shard, env, reply);
        c->deliver(std::move(reply), /*retry=*/false);
      }
    }
  }
  st.serving = false;
}

}  // namespace kora::server
