// Sorted-set commands (Redis's t_zset.c) other than the range and algebra
// ones: handlers parse in Redis 7.0's order, call kora-core's zset_ops and
// reply. The range forms live in zset_range_commands.cc, the blocking ones in
// zset_blocking_commands.cc.
#include <array>
#include <climits>
#include <string>
#include <utility>
#include <vector>

#include "args.h"
#include "kora/core/zset_ops.h"
#include "kora/server/command.h"
#include "zset_args.h"

namespace kora::server {
namespace {

using core::Errc;
using core::ZSetValue;

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
// (ZINCRBY key increment member runs it with INCR.)
void zadd_generic(CommandContext& ctx, int flags) {
  const auto& argv = ctx.argv;
  bool ch = false;
  std::size_t at = 2;
  for (; at < argv.size(); ++at) {
    std::string_view o = argv[at];
    if (iequals(o, "nx")) {
      flags |= ZSetValue::kNx;
    } else if (iequals(o, "xx")) {
      flags |= ZSetValue::kXx;
    } else if (iequals(o, "ch")) {
      ch = true;
    } else if (iequals(o, "incr")) {
      flags |= ZSetValue::kIncr;
    } else if (iequals(o, "gt")) {
      flags |= ZSetValue::kGt;
    } else if (iequals(o, "lt")) {
      flags |= ZSetValue::kLt;
    } else {
      break;
    }
  }
  const std::size_t rest = argv.size() - at;
  if (rest == 0 || rest % 2 != 0) return ctx.error(Errc::kSyntax);
  const bool nx = flags & ZSetValue::kNx, xx = flags & ZSetValue::kXx;
  const bool gt = flags & ZSetValue::kGt, lt = flags & ZSetValue::kLt;
  const bool incr = flags & ZSetValue::kIncr;
  if (nx && xx) return ctx.error(Errc::kZaddXxNx);
  if ((gt && nx) || (lt && nx) || (gt && lt)) return ctx.error(Errc::kZaddGtLtNx);
  if (incr && rest > 2) return ctx.error(Errc::kZaddIncrPair);
  std::vector<std::pair<double, std::string_view>> pairs;
  pairs.reserve(rest / 2);
  for (std::size_t i = at; i < argv.size(); i += 2) {
    auto score = core::parse_score(argv[i]);
    if (reply_if_error(ctx, score)) return;
    pairs.emplace_back(*score, argv[i + 1]);
  }
  core::ZAddOptions opts;
  opts.flags = flags;
  auto r = core::op_zadd(ctx.db(), argv[1], opts, pairs, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (incr) {
    if (r->processed) {
      ctx.reply.dbl(r->score);
    } else {
      ctx.reply.null();
    }
    return;
  }
  ctx.reply.integer(static_cast<std::int64_t>(ch ? r->added + r->updated : r->added));
}

void zadd_command(CommandContext& ctx) { zadd_generic(ctx, ZSetValue::kNone); }

// ZINCRBY key increment member
void zincrby_command(CommandContext& ctx) {
  auto score = core::parse_score(ctx.argv[2]);
  if (reply_if_error(ctx, score)) return;
  const std::pair<double, std::string_view> pair{*score, ctx.argv[3]};
  core::ZAddOptions opts;
  opts.flags = ZSetValue::kIncr;
  auto r = core::op_zadd(ctx.db(), ctx.argv[1], opts, std::span(&pair, 1), ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.dbl(r->score);
}

void zrem_command(CommandContext& ctx) {
  auto r = core::op_zrem(ctx.db(), ctx.argv[1], ctx.argv.subspan(2), ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

void zcard_command(CommandContext& ctx) {
  auto r = core::op_zcard(ctx.db(), ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

void zscore_command(CommandContext& ctx) {
  auto r = core::op_zscore(ctx.db(), ctx.argv[1], ctx.argv[2], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (*r) {
    ctx.reply.dbl(**r);
  } else {
    ctx.reply.null();
  }
}

void zmscore_command(CommandContext& ctx) {
  auto r = core::op_zmscore(ctx.db(), ctx.argv[1], ctx.argv.subspan(2), ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.array(r->size());
  for (const auto& s : *r) {
    if (s) {
      ctx.reply.dbl(*s);
    } else {
      ctx.reply.null();
    }
  }
}

void zrank_generic(CommandContext& ctx, bool reverse) {
  auto r = core::op_zrank(ctx.db(), ctx.argv[1], ctx.argv[2], reverse, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (*r) {
    ctx.reply.integer(static_cast<std::int64_t>(**r));
  } else {
    ctx.reply.null();
  }
}

void zrank_command(CommandContext& ctx) { zrank_generic(ctx, false); }
void zrevrank_command(CommandContext& ctx) { zrank_generic(ctx, true); }

// ZCOUNT key min max
void zcount_command(CommandContext& ctx) {
  auto range = core::parse_score_range(ctx.argv[2], ctx.argv[3]);
  if (reply_if_error(ctx, range)) return;
  auto r = core::op_zcount(ctx.db(), ctx.argv[1], *range, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

// ZLEXCOUNT key min max
void zlexcount_command(CommandContext& ctx) {
  auto range = core::parse_lex_range(ctx.argv[2], ctx.argv[3]);
  if (reply_if_error(ctx, range)) return;
  auto r = core::op_zlexcount(ctx.db(), ctx.argv[1], *range, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

// ZREMRANGEBYRANK / BYSCORE / BYLEX key a b
void zremrange_generic(CommandContext& ctx, core::ZRangeBy by) {
  core::ZRangeSpec spec;
  spec.by = by;
  if (by == core::ZRangeBy::kRank) {
    auto a = to_int(ctx.argv[2]);
    auto b = to_int(ctx.argv[3]);
    if (!a || !b) return ctx.error(Errc::kNotInteger);
    spec.start = *a;
    spec.end = *b;
  } else if (by == core::ZRangeBy::kScore) {
    auto range = core::parse_score_range(ctx.argv[2], ctx.argv[3]);
    if (reply_if_error(ctx, range)) return;
    spec.score = *range;
  } else {
    auto range = core::parse_lex_range(ctx.argv[2], ctx.argv[3]);
    if (reply_if_error(ctx, range)) return;
    spec.lex = std::move(*range);
  }
  auto r = core::op_zremrange(ctx.db(), ctx.argv[1], spec, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

void zremrangebyrank_command(CommandContext& ctx) { zremrange_generic(ctx, core::ZRangeBy::kRank); }
void zremrangebyscore_command(CommandContext& ctx) { zremrange_generic(ctx, core::ZRangeBy::kScore); }
void zremrangebylex_command(CommandContext& ctx) { zremrange_generic(ctx, core::ZRangeBy::kLex); }

// ZPOPMIN / ZPOPMAX key [count]
void zpop_generic(CommandContext& ctx, bool max) {
  if (ctx.argv.size() > 3) return ctx.error(Errc::kSyntax);
  std::size_t count = 1;
  const bool counted = ctx.argv.size() == 3;
  if (counted) {
    auto c = to_int(ctx.argv[2]);
    if (!c || *c < 0) return ctx.error(Errc::kMustBePositive);  // getPositiveLongFromObjectOrReply
    count = static_cast<std::size_t>(*c);
  }
  if (count == 0) {
    // Redis answers an empty array before looking at the key's contents, but
    // after its type.
    auto card = core::op_zcard(ctx.db(), ctx.argv[1], ctx.now_ms);
    if (reply_if_error(ctx, card)) return;
    ctx.reply.array(0);
    return;
  }
  auto r = core::op_zpop(ctx.db(), ctx.argv[1], max, count, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (!*r) {
    ctx.reply.array(0);
    return;
  }
  reply_popped(ctx, **r, counted && ctx.reply.resp() >= 3);
}

void zpopmin_command(CommandContext& ctx) { zpop_generic(ctx, false); }
void zpopmax_command(CommandContext& ctx) { zpop_generic(ctx, true); }

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
void zmpop_command(CommandContext& ctx) {
  auto args = parse_mpop_tail(ctx.argv, 1, "min", "max");
  if (reply_if_error(ctx, args)) return;
  const bool max = !args->first;
  for (std::string_view key : ctx.argv.subspan(2, args->numkeys)) {
    auto r = core::op_zpop(ctx.db_for(key), key, max, args->count, ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    if (!*r) continue;
    ctx.propagate(max ? "ZPOPMAX" : "ZPOPMIN", key, std::to_string((*r)->size()));
    ctx.reply.array(2);
    ctx.reply.bulk(key);
    reply_popped(ctx, **r, true);
    return;
  }
  ctx.reply.null_array();
}

// ZRANDMEMBER key [count [WITHSCORES]]
void zrandmember_command(CommandContext& ctx) {
  const auto& argv = ctx.argv;
  if (argv.size() == 2) {
    auto r = core::op_zrandmember(ctx.db(), argv[1], ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    if (*r) {
      ctx.reply.bulk(**r);
    } else {
      ctx.reply.null();
    }
    return;
  }
  auto count = to_int(argv[2]);
  if (!count) return ctx.error(Errc::kNotInteger);
  if (*count == INT64_MIN) {
    ctx.reply.error(core::error_message(Errc::kValueNotBetween, "-9223372036854775807 and 9223372036854775807"));
    return;
  }
  bool withscores = false;
  if (argv.size() > 4 || (argv.size() == 4 && !iequals(argv[3], "withscores"))) return ctx.error(Errc::kSyntax);
  if (argv.size() == 4) {
    withscores = true;
    if (*count < -(LLONG_MAX / 2) || *count > LLONG_MAX / 2) return ctx.error(Errc::kOutOfRange);
  }
  auto r = core::op_zrandmember_count(ctx.db(), argv[1], *count, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  reply_scored(ctx, *r, withscores);
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]
void zscan_command(CommandContext& ctx) {
  auto cursor = core::parse_scan_cursor(ctx.argv[2]);
  if (!cursor) return ctx.error(Errc::kInvalidCursor);
  ScanOptions opts = parse_scan_options(ctx.argv, 3);
  if (opts.error) {
    auto size = core::op_zcard(ctx.db(), ctx.argv[1], ctx.now_ms);
    if (reply_if_error(ctx, size)) return;
    if (*size != 0) return ctx.error(*opts.error);
  }
  auto r = core::op_zscan(ctx.db(), ctx.argv[1], opts.error ? std::nullopt : opts.pattern, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.array(2);
  ctx.reply.bulk("0");
  ctx.reply.array(r->items.size() * 2);
  for (const auto& [member, score] : r->items) {
    ctx.reply.bulk(member);
    ctx.reply.bulk(score);
  }
}

constexpr std::uint32_t kWriteDenyOom = kWrite;

// clang-format off
const std::array kZSetCommands = {
    CommandSpec{"zadd", -4, kWriteDenyOom | kFast, 1, 1, 1, zadd_command, Fanout::kNone, nullptr, "@write @sortedset @fast"},
    CommandSpec{"zincrby", 4, kWriteDenyOom | kFast, 1, 1, 1, zincrby_command, Fanout::kNone, nullptr, "@write @sortedset @fast"},
    CommandSpec{"zrem", -3, kWrite | kFast, 1, 1, 1, zrem_command, Fanout::kNone, nullptr, "@write @sortedset @fast"},
    CommandSpec{"zcard", 2, kReadOnly | kFast, 1, 1, 1, zcard_command, Fanout::kNone, nullptr, "@read @sortedset @fast"},
    CommandSpec{"zscore", 3, kReadOnly | kFast, 1, 1, 1, zscore_command, Fanout::kNone, nullptr, "@read @sortedset @fast"},
    CommandSpec{"zmscore", -3, kReadOnly | kFast, 1, 1, 1, zmscore_command, Fanout::kNone, nullptr, "@read @sortedset @fast"},
    CommandSpec{"zrank", 3, kReadOnly | kFast, 1, 1, 1, zrank_command, Fanout::kNone, nullptr, "@read @sortedset @fast"},
    CommandSpec{"zrevrank", 3, kReadOnly | kFast, 1, 1, 1, zrevrank_command, Fanout::kNone, nullptr, "@read @sortedset @fast"},
    CommandSpec{"zcount", 4, kReadOnly | kFast, 1, 1, 1, zcount_command, Fanout::kNone, nullptr, "@read @sortedset @fast"},
    CommandSpec{"zlexcount", 4, kReadOnly | kFast, 1, 1, 1, zlexcount_command, Fanout::kNone, nullptr, "@read @sortedset @fast"},
    CommandSpec{"zremrangebyrank", 4, kWrite, 1, 1, 1, zremrangebyrank_command, Fanout::kNone, nullptr, "@write @sortedset @slow"},
    CommandSpec{"zremrangebyscore", 4, kWrite, 1, 1, 1, zremrangebyscore_command, Fanout::kNone, nullptr, "@write @sortedset @slow"},
    CommandSpec{"zremrangebylex", 4, kWrite, 1, 1, 1, zremrangebylex_command, Fanout::kNone, nullptr, "@write @sortedset @slow"},
    CommandSpec{"zpopmin", -2, kWrite | kFast, 1, 1, 1, zpopmin_command, Fanout::kNone, nullptr, "@write @sortedset @fast"},
    CommandSpec{"zpopmax", -2, kWrite | kFast, 1, 1, 1, zpopmax_command, Fanout::kNone, nullptr, "@write @sortedset @fast"},
    CommandSpec{"zmpop", -4, kWrite | kMultiShard, 0, 0, 0, zmpop_command, Fanout::kNone, nullptr, "@write @sortedset @slow", numkeys_keys<1>},
    CommandSpec{"zrandmember", -2, kReadOnly, 1, 1, 1, zrandmember_command, Fanout::kNone, nullptr, "@read @sortedset @slow"},
    CommandSpec{"zscan", -3, kReadOnly, 1, 1, 1, zscan_command, Fanout::kNone, nullptr, "@read @sortedset @slow"},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> zset_commands() { return kZSetCommands; }

}  // namespace kora::server
