// The blocking sorted-set commands: BZPOPMIN, BZPOPMAX, BZMPOP (Redis's
// blockingGenericZpopCommand). Each first tries its non-blocking form; with
// nothing to pop it blocks its client on the blocking mechanism the list
// commands use (blocking.h), waiting for a sorted set. When served from a
// ready key (CallEnv::serve_key) it pops from that key only. Inside MULTI/EXEC
// it never blocks: it answers as on a timeout (a null array). The change feed
// sees each pop as ZPOPMIN/ZPOPMAX, as Redis propagates it.
#include <array>
#include <string>

#include "args.h"
#include "blocking.h"
#include "kora/core/zset_ops.h"
#include "kora/server/call.h"
#include "kora/server/command.h"
#include "zset_args.h"

namespace kora::server {
namespace {

std::string_view pop_name(bool max) { return max ? "ZPOPMAX" : "ZPOPMIN"; }

// BZPOPMIN/BZPOPMAX key [key ...] timeout
void bzpop_generic(CommandContext& ctx, bool max) {
  auto deadline = parse_timeout(ctx.argv.back(), ctx.now_ms);
  if (reply_if_error(ctx, deadline)) return;
  auto keys = ctx.argv.subspan(1, ctx.argv.size() - 2);
  auto try_key = [&](std::string_view key) -> bool {
    auto r = core::op_zpop(ctx.db_for(key), key, max, 1, ctx.now_ms);
    if (reply_if_error(ctx, r)) return true;
    if (!*r || (*r)->empty()) return false;
    const auto& it = (**r)[0];
    ctx.reply.array(3);
    ctx.reply.bulk(key);
    ctx.reply.bulk(it.member);
    ctx.reply.dbl(it.score);
    ctx.propagate(pop_name(max), key);
    return true;
  };
  if (!ctx.env->serve_key.empty()) {
    if (!try_key(ctx.env->serve_key)) ctx.reply.null_array();
    return;
  }
  for (std::string_view key : keys) {
    if (try_key(key)) return;
  }
  if (!block_client(ctx, keys, *deadline, core::ValueType::kZSet)) ctx.reply.null_array();
}

void bzpopmin_command(CommandContext& ctx) { bzpop_generic(ctx, false); }
void bzpopmax_command(CommandContext& ctx) { bzpop_generic(ctx, true); }

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]: the arguments
// after the timeout are checked first, as Redis's zmpopGenericCommand does.
void bzmpop_command(CommandContext& ctx) {
  auto args = parse_mpop_tail(ctx.argv, 2, "min", "max");
  if (reply_if_error(ctx, args)) return;
  auto deadline = parse_timeout(ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, deadline)) return;
  const bool max = !args->first;
  auto try_key = [&](std::string_view key) -> bool {
    auto r = core::op_zpop(ctx.db_for(key), key, max, args->count, ctx.now_ms);
    if (reply_if_error(ctx, r)) return true;
    if (!*r || (*r)->empty()) return false;
    ctx.propagate(pop_name(max), key, std::to_string((*r)->size()));
    ctx.reply.array(2);
    ctx.reply.bulk(key);
    reply_popped(ctx, **r, true);
    return true;
  };
  if (!ctx.env->serve_key.empty()) {
    if (!try_key(ctx.env->serve_key)) ctx.reply.null_array();
    return;
  }
  auto keys = ctx.argv.subspan(3, args->numkeys);
  for (std::string_view key : keys) {
    if (try_key(key)) return;
  }
  if (!block_client(ctx, keys, *deadline, core::ValueType::kZSet)) ctx.reply.null_array();
}

constexpr std::uint32_t kBlockingWrite = kWrite | kBlocking | kMultiShard;

// clang-format off
const std::array kZSetBlockingCommands = {
    CommandSpec{"bzpopmin", -3, kBlockingWrite | kFast, 1, -2, 1, bzpopmin_command, Fanout::kNone, nullptr, "@write @sortedset @fast @blocking"},
    CommandSpec{"bzpopmax", -3, kBlockingWrite | kFast, 1, -2, 1, bzpopmax_command, Fanout::kNone, nullptr, "@write @sortedset @fast @blocking"},
    CommandSpec{"bzmpop", -5, kBlockingWrite, 0, 0, 0, bzmpop_command, Fanout::kNone, nullptr, "@write @sortedset @slow @blocking", numkeys_keys<2>},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> zset_blocking_commands() { return kZSetBlockingCommands; }

}  // namespace kora::server
