// The blocking list commands (Redis's t_list.c blocking forms): BLPOP, BRPOP,
// BLMOVE, BRPOPLPUSH, BLMPOP. Each first tries its non-blocking form; with
// nothing to pop it blocks its client (blocking.h). When served from a ready
// key (CallEnv::serve_key) it pops from that key only. Inside MULTI/EXEC it
// never blocks: it answers as on a timeout. The change feed sees each pop in
// its non-blocking form (LPOP, RPOP, LMOVE, RPOPLPUSH).
#include <array>

#include "args.h"
#include "blocking.h"
#include "kora/core/list_ops.h"
#include "kora/server/call.h"
#include "kora/server/command.h"
#include "list_args.h"

namespace kora::server {
namespace {

using core::Errc;
using core::ListEnd;

std::string_view pop_name(ListEnd end) { return end == ListEnd::kHead ? "LPOP" : "RPOP"; }
std::string_view end_name(ListEnd end) { return end == ListEnd::kHead ? "LEFT" : "RIGHT"; }

void reply_timeout(CommandContext& ctx, bool bulk) {
  if (bulk) {
    ctx.reply.null();
  } else {
    ctx.reply.null_array();
  }
}

// BLPOP/BRPOP key [key ...] timeout
void bpop_generic(CommandContext& ctx, ListEnd end) {
  auto deadline = parse_timeout(ctx.argv.back(), ctx.now_ms);
  if (reply_if_error(ctx, deadline)) return;
  auto keys = ctx.argv.subspan(1, ctx.argv.size() - 2);
  auto try_key = [&](std::string_view key) -> bool {
    auto r = core::op_pop(ctx.db_for(key), key, end, ctx.now_ms);
    if (reply_if_error(ctx, r)) return true;
    if (!r->has_value()) return false;
    ctx.reply.array(2);
    ctx.reply.bulk(key);
    ctx.reply.bulk(**r);
    ctx.propagate(pop_name(end), key);
    return true;
  };
  if (!ctx.env->serve_key.empty()) {
    if (!try_key(ctx.env->serve_key)) reply_timeout(ctx, false);
    return;
  }
  for (std::string_view key : keys) {
    if (try_key(key)) return;
  }
  if (!block_client(ctx, keys, *deadline, core::ValueType::kList)) reply_timeout(ctx, false);
}

void blpop_command(CommandContext& ctx) { bpop_generic(ctx, ListEnd::kHead); }
void brpop_command(CommandContext& ctx) { bpop_generic(ctx, ListEnd::kTail); }

// BLMOVE/BRPOPLPUSH: pop at `from` of argv[1], push at `to` of argv[2].
void bmove_generic(CommandContext& ctx, ListEnd from, ListEnd to, std::string_view timeout,
                   bool rpoplpush) {
  auto deadline = parse_timeout(timeout, ctx.now_ms);
  if (reply_if_error(ctx, deadline)) return;
  std::string_view src = ctx.argv[1];
  std::string_view dst = ctx.argv[2];
  auto r = core::op_lmove(ctx.db_for(src), src, ctx.db_for(dst), dst, from, to, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (r->has_value()) {
    ctx.reply.bulk(**r);
    if (rpoplpush) {
      ctx.propagate("RPOPLPUSH", src, dst);
    } else {
      ctx.propagate("LMOVE", src, dst, end_name(from), end_name(to));
    }
    return;
  }
  const std::string_view keys[] = {src};
  if (!block_client(ctx, keys, *deadline, core::ValueType::kList)) reply_timeout(ctx, true);
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
void blmove_command(CommandContext& ctx) {
  auto from = parse_end(ctx.argv[3]);
  auto to = parse_end(ctx.argv[4]);
  if (!from || !to) return ctx.error(Errc::kSyntax);
  bmove_generic(ctx, *from, *to, ctx.argv[5], false);
}

// BRPOPLPUSH source destination timeout
void brpoplpush_command(CommandContext& ctx) {
  bmove_generic(ctx, ListEnd::kTail, ListEnd::kHead, ctx.argv[3], true);
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
void blmpop_command(CommandContext& ctx) {
  auto deadline = parse_timeout(ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, deadline)) return;
  auto args = parse_mpop(ctx.argv, 2);
  if (reply_if_error(ctx, args)) return;
  auto try_key = [&](std::string_view key) -> bool {
    auto r = core::op_pop_count(ctx.db_for(key), key, args->end, args->count, ctx.now_ms);
    if (reply_if_error(ctx, r)) return true;
    if (!r->has_value()) return false;
    ctx.reply.array(2);
    ctx.reply.bulk(key);
    ctx.reply.array((*r)->size());
    for (const auto& v : **r) ctx.reply.bulk(v);
    ctx.propagate(pop_name(args->end), key, std::to_string((*r)->size()));
    return true;
  };
  if (!ctx.env->serve_key.empty()) {
    if (!try_key(ctx.env->serve_key)) reply_timeout(ctx, false);
    return;
  }
  auto keys = ctx.argv.subspan(3, args->numkeys);
  for (std::string_view key : keys) {
    if (try_key(key)) return;
  }
  if (!block_client(ctx, keys, *deadline, core::ValueType::kList)) reply_timeout(ctx, false);
}

constexpr std::uint32_t kBlockingWrite = kWrite | kBlocking | kMultiShard;

const std::array kBlockingCommands = {
    CommandSpec{"blpop", -3, kBlockingWrite, 1, -2, 1, blpop_command, Fanout::kNone, nullptr, "@write @list @slow @blocking"},
    CommandSpec{"brpop", -3, kBlockingWrite, 1, -2, 1, brpop_command, Fanout::kNone, nullptr, "@write @list @slow @blocking"},
    CommandSpec{"blmove", 6, kBlockingWrite, 1, 2, 1, blmove_command, Fanout::kNone, nullptr, "@write @list @slow @blocking"},
    CommandSpec{"brpoplpush", 4, kBlockingWrite, 1, 2, 1, brpoplpush_command, Fanout::kNone, nullptr, "@write @list @slow @blocking"},
    CommandSpec{"blmpop", -5, kBlockingWrite, 0, 0, 0, blmpop_command, Fanout::kNone, nullptr, "@write @list @slow @blocking", numkeys_keys<2>},
};

}  // namespace

std::span<const CommandSpec> blocking_commands() { return kBlockingCommands; }

}  // namespace kora::server
