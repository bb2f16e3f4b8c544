// List commands (Redis's t_list.c; the blocking forms are in list_blocking_commands.cc): handlers parse, call
// kora-core's list_ops, and reply. Arguments are checked in the order Redis 7.0
// checks them, so that the first error reported is the same.
#include <array>

#include "args.h"
#include "list_args.h"
#include "kora/core/list_ops.h"
#include "kora/server/command.h"

namespace kora::server {
namespace {

using core::Errc;
using core::ListEnd;

template <typename Strings>
void reply_bulks(protocol::ReplyWriter& w, const Strings& items) {
  w.array(items.size());
  for (const auto& s : items) w.bulk(s);
}

// LINDEX and LSET look the key up before they parse the index: on a malformed
// index, an absent key (answered by `absent`) or one of the wrong type wins.
template <typename Absent>
void reply_bad_index(CommandContext& ctx, Absent absent) {
  auto len = core::op_llen(ctx.db(), ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, len)) return;
  if (*len == 0) return absent();
  ctx.error(Errc::kNotInteger);
}

void push_generic(CommandContext& ctx, ListEnd end, bool only_if_exists) {
  auto r = core::op_push(ctx.db(), ctx.argv[1], end, ctx.argv.subspan(2), only_if_exists, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

void lpush_command(CommandContext& ctx) { push_generic(ctx, ListEnd::kHead, false); }
void rpush_command(CommandContext& ctx) { push_generic(ctx, ListEnd::kTail, false); }
void lpushx_command(CommandContext& ctx) { push_generic(ctx, ListEnd::kHead, true); }
void rpushx_command(CommandContext& ctx) { push_generic(ctx, ListEnd::kTail, true); }

// LPOP/RPOP key [count]: with a count the reply is an array (nil array when the
// key is absent), without one a bulk string (nil).
void pop_generic(CommandContext& ctx, ListEnd end) {
  if (ctx.argv.size() > 3) return ctx.error(Errc::kWrongArity);
  if (ctx.argv.size() == 2) {
    auto r = core::op_pop(ctx.db(), ctx.argv[1], end, ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    if (r->has_value()) return ctx.reply.bulk(**r);
    return ctx.reply.null();
  }
  auto count = to_int(ctx.argv[2]);
  if (!count || *count < 0) return ctx.error(Errc::kMustBePositive);
  auto r = core::op_pop_count(ctx.db(), ctx.argv[1], end, static_cast<std::size_t>(*count), ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (!r->has_value()) return ctx.reply.null_array();
  reply_bulks(ctx.reply, **r);
}

void lpop_command(CommandContext& ctx) { pop_generic(ctx, ListEnd::kHead); }
void rpop_command(CommandContext& ctx) { pop_generic(ctx, ListEnd::kTail); }

void llen_command(CommandContext& ctx) {
  auto r = core::op_llen(ctx.db(), ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

void lrange_command(CommandContext& ctx) {
  auto start = to_int(ctx.argv[2]);
  auto stop = to_int(ctx.argv[3]);
  if (!start || !stop) return ctx.error(Errc::kNotInteger);
  auto r = core::op_lrange(ctx.db(), ctx.argv[1], *start, *stop, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  reply_bulks(ctx.reply, *r);
}

void lindex_command(CommandContext& ctx) {
  auto index = to_int(ctx.argv[2]);
  if (!index) return reply_bad_index(ctx, [&] { ctx.reply.null(); });
  auto r = core::op_lindex(ctx.db(), ctx.argv[1], *index, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (r->has_value()) return ctx.reply.bulk(**r);
  ctx.reply.null();
}

void lset_command(CommandContext& ctx) {
  auto index = to_int(ctx.argv[2]);
  if (!index) return reply_bad_index(ctx, [&] { ctx.error(Errc::kNoSuchKey); });
  auto r = core::op_lset(ctx.db(), ctx.argv[1], *index, ctx.argv[3], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.ok();
}

// LINSERT key BEFORE|AFTER pivot element
void linsert_command(CommandContext& ctx) {
  bool after;
  if (iequals(ctx.argv[2], "after")) {
    after = true;
  } else if (iequals(ctx.argv[2], "before")) {
    after = false;
  } else {
    return ctx.error(Errc::kSyntax);
  }
  auto r = core::op_linsert(ctx.db(), ctx.argv[1], after, ctx.argv[3], ctx.argv[4], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(*r);
}

void lrem_command(CommandContext& ctx) {
  auto count = to_int(ctx.argv[2]);
  if (!count) return ctx.error(Errc::kNotInteger);
  auto r = core::op_lrem(ctx.db(), ctx.argv[1], *count, ctx.argv[3], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

void ltrim_command(CommandContext& ctx) {
  auto start = to_int(ctx.argv[2]);
  auto stop = to_int(ctx.argv[3]);
  if (!start || !stop) return ctx.error(Errc::kNotInteger);
  auto r = core::op_ltrim(ctx.db(), ctx.argv[1], *start, *stop, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.ok();
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]; an option may
// repeat (the last wins). With COUNT the reply is an array, else one index or nil.
void lpos_command(CommandContext& ctx) {
  core::LposOptions opts;
  bool array = false;
  const auto& argv = ctx.argv;
  for (std::size_t j = 3; j < argv.size(); ++j) {
    const bool more = j + 1 < argv.size();
    if (iequals(argv[j], "rank") && more) {
      auto v = to_int(argv[++j]);
      if (!v) return ctx.error(Errc::kNotInteger);
      if (*v == 0) return ctx.error(Errc::kRankZero);
      opts.rank = *v;
    } else if (iequals(argv[j], "count") && more) {
      auto v = to_int(argv[++j]);
      if (!v || *v < 0) return ctx.error(Errc::kCountNegative);
      opts.count = static_cast<std::size_t>(*v);
      array = true;
    } else if (iequals(argv[j], "maxlen") && more) {
      auto v = to_int(argv[++j]);
      if (!v || *v < 0) return ctx.error(Errc::kMaxlenNegative);
      opts.maxlen = static_cast<std::size_t>(*v);
    } else {
      return ctx.error(Errc::kSyntax);
    }
  }
  if (!array) opts.count = 1;
  auto r = core::op_lpos(ctx.db(), argv[1], argv[2], opts, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (array) {
    ctx.reply.array(r->size());
    for (std::int64_t i : *r) ctx.reply.integer(i);
  } else if (r->empty()) {
    ctx.reply.null();
  } else {
    ctx.reply.integer(r->front());
  }
}

// LMOVE and RPOPLPUSH may name keys on two shards: each key's own Db.
void move_generic(CommandContext& ctx, ListEnd from, ListEnd to) {
  std::string_view src = ctx.argv[1];
  std::string_view dst = ctx.argv[2];
  auto r = core::op_lmove(ctx.db_for(src), src, ctx.db_for(dst), dst, from, to, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (r->has_value()) return ctx.reply.bulk(**r);
  ctx.reply.null();
}

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
void lmove_command(CommandContext& ctx) {
  auto from = parse_end(ctx.argv[3]);
  auto to = parse_end(ctx.argv[4]);
  if (!from || !to) return ctx.error(Errc::kSyntax);
  move_generic(ctx, *from, *to);
}

void rpoplpush_command(CommandContext& ctx) { move_generic(ctx, ListEnd::kTail, ListEnd::kHead); }

// Pops from the first key, in argument order, that holds a list; replies
// [key, [elements]] or a nil array. A key of another type met first is an error.
void lmpop_command(CommandContext& ctx) {
  auto args = parse_mpop(ctx.argv, 1);
  if (reply_if_error(ctx, args)) return;
  for (std::size_t i = 0; i < args->numkeys; ++i) {
    std::string_view key = ctx.argv[2 + i];
    auto r = core::op_pop_count(ctx.db_for(key), key, args->end, args->count, ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    if (!r->has_value()) continue;
    ctx.reply.array(2);
    ctx.reply.bulk(key);
    reply_bulks(ctx.reply, **r);
    return;
  }
  ctx.reply.null_array();
}

constexpr std::uint32_t kWriteDenyOom = kWrite;

const std::array kListCommands = {
    CommandSpec{"lpush", -3, kWriteDenyOom | kFast, 1, 1, 1, lpush_command, Fanout::kNone, nullptr, "@write @list @fast"},
    CommandSpec{"rpush", -3, kWriteDenyOom | kFast, 1, 1, 1, rpush_command, Fanout::kNone, nullptr, "@write @list @fast"},
    CommandSpec{"lpushx", -3, kWriteDenyOom | kFast, 1, 1, 1, lpushx_command, Fanout::kNone, nullptr, "@write @list @fast"},
    CommandSpec{"rpushx", -3, kWriteDenyOom | kFast, 1, 1, 1, rpushx_command, Fanout::kNone, nullptr, "@write @list @fast"},
    CommandSpec{"lpop", -2, kWrite | kFast, 1, 1, 1, lpop_command, Fanout::kNone, nullptr, "@write @list @fast"},
    CommandSpec{"rpop", -2, kWrite | kFast, 1, 1, 1, rpop_command, Fanout::kNone, nullptr, "@write @list @fast"},
    CommandSpec{"llen", 2, kReadOnly | kFast, 1, 1, 1, llen_command, Fanout::kNone, nullptr, "@read @list @fast"},
    CommandSpec{"lrange", 4, kReadOnly, 1, 1, 1, lrange_command, Fanout::kNone, nullptr, "@read @list @slow"},
    CommandSpec{"lindex", 3, kReadOnly, 1, 1, 1, lindex_command, Fanout::kNone, nullptr, "@read @list @slow"},
    CommandSpec{"lset", 4, kWriteDenyOom, 1, 1, 1, lset_command, Fanout::kNone, nullptr, "@write @list @slow"},
    CommandSpec{"linsert", 5, kWriteDenyOom, 1, 1, 1, linsert_command, Fanout::kNone, nullptr, "@write @list @slow"},
    CommandSpec{"lrem", 4, kWrite, 1, 1, 1, lrem_command, Fanout::kNone, nullptr, "@write @list @slow"},
    CommandSpec{"ltrim", 4, kWrite, 1, 1, 1, ltrim_command, Fanout::kNone, nullptr, "@write @list @slow"},
    CommandSpec{"lpos", -3, kReadOnly, 1, 1, 1, lpos_command, Fanout::kNone, nullptr, "@read @list @slow"},
    CommandSpec{"lmove", 5, kWriteDenyOom | kMultiShard, 1, 2, 1, lmove_command, Fanout::kNone, nullptr, "@write @list @slow"},
    CommandSpec{"rpoplpush", 3, kWriteDenyOom | kMultiShard, 1, 2, 1, rpoplpush_command, Fanout::kNone, nullptr, "@write @list @slow"},
    CommandSpec{"lmpop", -4, kWrite | kMultiShard, 0, 0, 0, lmpop_command, Fanout::kNone, nullptr, "@write @list @slow", numkeys_keys<1>},
};

}  // namespace

std::span<const CommandSpec> list_commands() { return kListCommands; }

}  // namespace kora::server
