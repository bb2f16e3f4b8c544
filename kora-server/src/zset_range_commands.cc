// Sorted-set range and algebra commands: ZRANGE (BYSCORE/BYLEX/REV/LIMIT/
// WITHSCORES), ZRANGESTORE and the older ZREVRANGE, Z[REV]RANGEBYSCORE,
// Z[REV]RANGEBYLEX (Redis's zrangeGenericCommand), and ZUNION/ZINTER/ZDIFF,
// their STORE forms and ZINTERCARD (zunionInterDiffGenericCommand). Arguments
// are checked in Redis 7.0's order.
#include <array>
#include <string>
#include <vector>

#include "args.h"
#include "kora/core/zset_ops.h"
#include "kora/server/command.h"
#include "zset_args.h"

namespace kora::server {
namespace {

using core::Errc;
using core::ZRangeBy;

enum class Direction : unsigned char { kAuto, kForward, kReverse };

struct RangeRequest {
  core::ZRangeSpec spec;
  bool withscores = false;
};

// zrangeGenericCommand's parsing: key at argv[at], then min, max, options.
// `by` and `dir` are fixed by the older commands, kAuto... for ZRANGE.
core::Result<RangeRequest> parse_range(std::span<const std::string_view> argv, std::size_t at, bool store,
                                       std::optional<ZRangeBy> by, Direction dir) {
  RangeRequest out;
  std::size_t minidx = at + 1, maxidx = at + 2;
  bool limited = false;
  for (std::size_t j = at + 3; j < argv.size(); ++j) {
    const std::size_t left = argv.size() - j - 1;
    if (!store && iequals(argv[j], "withscores")) {
      out.withscores = true;
    } else if (iequals(argv[j], "limit") && left >= 2) {
      auto offset = to_int(argv[j + 1]);
      auto limit = offset ? to_int(argv[j + 2]) : std::nullopt;
      if (!offset || !limit) return Errc::kNotInteger;
      out.spec.offset = *offset;
      out.spec.limit = *limit;
      limited = *limit != -1;
      j += 2;
    } else if (dir == Direction::kAuto && iequals(argv[j], "rev")) {
      dir = Direction::kReverse;
    } else if (!by && iequals(argv[j], "bylex")) {
      by = ZRangeBy::kLex;
    } else if (!by && iequals(argv[j], "byscore")) {
      by = ZRangeBy::kScore;
    } else {
      return Errc::kSyntax;
    }
  }
  out.spec.by = by.value_or(ZRangeBy::kRank);
  out.spec.reverse = dir == Direction::kReverse;
  if (limited && out.spec.by == ZRangeBy::kRank) return Errc::kLimitNeedsBy;
  if (out.withscores && out.spec.by == ZRangeBy::kLex) return Errc::kWithscoresBylex;
  if (out.spec.reverse && out.spec.by != ZRangeBy::kRank) std::swap(minidx, maxidx);
  switch (out.spec.by) {
    case ZRangeBy::kRank: {
      auto a = to_int(argv[minidx]);
      auto b = a ? to_int(argv[maxidx]) : std::nullopt;
      if (!a || !b) return Errc::kNotInteger;
      out.spec.start = *a;
      out.spec.end = *b;
      break;
    }
    case ZRangeBy::kScore: {
      auto r = core::parse_score_range(argv[minidx], argv[maxidx]);
      if (!r.ok()) return r.error();
      out.spec.score = *r;
      break;
    }
    case ZRangeBy::kLex: {
      auto r = core::parse_lex_range(argv[minidx], argv[maxidx]);
      if (!r.ok()) return r.error();
      out.spec.lex = std::move(*r);
      break;
    }
  }
  return out;
}

void range_generic(CommandContext& ctx, std::optional<ZRangeBy> by, Direction dir) {
  auto req = parse_range(ctx.argv, 1, false, by, dir);
  if (reply_if_error(ctx, req)) return;
  auto r = core::op_zrange(ctx.db(), ctx.argv[1], req->spec, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  reply_scored(ctx, *r, req->withscores);
}

// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
void zrange_command(CommandContext& ctx) { range_generic(ctx, std::nullopt, Direction::kAuto); }
void zrevrange_command(CommandContext& ctx) { range_generic(ctx, ZRangeBy::kRank, Direction::kReverse); }
void zrangebyscore_command(CommandContext& ctx) { range_generic(ctx, ZRangeBy::kScore, Direction::kForward); }
void zrevrangebyscore_command(CommandContext& ctx) { range_generic(ctx, ZRangeBy::kScore, Direction::kReverse); }
void zrangebylex_command(CommandContext& ctx) { range_generic(ctx, ZRangeBy::kLex, Direction::kForward); }
void zrevrangebylex_command(CommandContext& ctx) { range_generic(ctx, ZRangeBy::kLex, Direction::kReverse); }

// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
void zrangestore_command(CommandContext& ctx) {
  auto req = parse_range(ctx.argv, 2, true, std::nullopt, Direction::kAuto);
  if (reply_if_error(ctx, req)) return;
  core::ZKey dst{&ctx.db_for(ctx.argv[1]), ctx.argv[1]};
  core::ZKey src{&ctx.db_for(ctx.argv[2]), ctx.argv[2]};
  auto r = core::op_zrangestore(dst, src, req->spec, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

// --- ZUNION / ZINTER / ZDIFF ---------------------------------------------------

enum class Form : unsigned char { kReply, kStore, kCard };

// zunionInterDiffGenericCommand: [dst] numkeys key [key ...] options.
void algebra_generic(CommandContext& ctx, core::ZSetOp op, Form form) {
  const auto& argv = ctx.argv;
  const std::size_t numkeys_at = form == Form::kStore ? 2 : 1;
  auto setnum = to_int(argv[numkeys_at]);
  if (!setnum) return ctx.error(Errc::kNotInteger);
  if (*setnum < 1) {
    std::string name(ctx.argv[0]);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ctx.reply.error(core::error_message(Errc::kAtLeastOneKey, name));
    return;
  }
  if (*setnum > static_cast<std::int64_t>(argv.size() - numkeys_at - 1)) return ctx.error(Errc::kSyntax);
  const auto n = static_cast<std::size_t>(*setnum);
  std::vector<core::ZKey> keys;
  keys.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string_view k = argv[numkeys_at + 1 + i];
    keys.push_back(core::ZKey{&ctx.db_for(k), k});
  }
  // Options (Redis looks the keys up first: a WRONGTYPE wins over a bad option).
  core::ZAlgebra how;
  how.op = op;
  bool withscores = false;
  std::uint64_t limit = 0;
  std::optional<Errc> bad;
  for (std::size_t j = numkeys_at + 1 + n; j < argv.size() && !bad;) {
    const std::size_t remaining = argv.size() - j;
    if (op != core::ZSetOp::kDiff && form != Form::kCard && remaining >= n + 1 && iequals(argv[j], "weights")) {
      ++j;
      how.weights.clear();
      for (std::size_t i = 0; i < n; ++i, ++j) {
        auto w = core::parse_score(argv[j]);
        if (!w.ok()) {
          bad = Errc::kWeightNotFloat;
          break;
        }
        how.weights.push_back(*w);
      }
    } else if (op != core::ZSetOp::kDiff && form != Form::kCard && remaining >= 2 && iequals(argv[j], "aggregate")) {
      std::string_view a = argv[j + 1];
      if (iequals(a, "sum")) {
        how.aggregate = core::ZAggregate::kSum;
      } else if (iequals(a, "min")) {
        how.aggregate = core::ZAggregate::kMin;
      } else if (iequals(a, "max")) {
        how.aggregate = core::ZAggregate::kMax;
      } else {
        bad = Errc::kSyntax;
      }
      j += 2;
    } else if (form == Form::kReply && iequals(argv[j], "withscores")) {
      withscores = true;
      ++j;
    } else if (form == Form::kCard && remaining >= 2 && iequals(argv[j], "limit")) {
      auto l = to_int(argv[j + 1]);
      if (!l || *l < 0) {
        bad = Errc::kLimitNegative;
      } else {
        limit = static_cast<std::uint64_t>(*l);
      }
      j += 2;
    } else {
      bad = Errc::kSyntax;
    }
  }
  if (bad) {
    // Type errors of the inputs first, as Redis reads the keys before options.
    auto types = core::op_zalgebra_types(keys, ctx.now_ms);
    if (reply_if_error(ctx, types)) return;
    return ctx.error(*bad);
  }
  if (form == Form::kCard) {
    auto r = core::op_zintercard(keys, limit, ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    ctx.reply.integer(static_cast<std::int64_t>(*r));
    return;
  }
  if (form == Form::kStore) {
    core::ZKey dst{&ctx.db_for(argv[1]), argv[1]};
    auto r = core::op_zalgebrastore(dst, keys, how, ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    ctx.reply.integer(static_cast<std::int64_t>(*r));
    return;
  }
  auto r = core::op_zalgebra(keys, how, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  reply_scored(ctx, *r, withscores);
}

void zunion_command(CommandContext& ctx) { algebra_generic(ctx, core::ZSetOp::kUnion, Form::kReply); }
void zinter_command(CommandContext& ctx) { algebra_generic(ctx, core::ZSetOp::kInter, Form::kReply); }
void zdiff_command(CommandContext& ctx) { algebra_generic(ctx, core::ZSetOp::kDiff, Form::kReply); }
void zunionstore_command(CommandContext& ctx) { algebra_generic(ctx, core::ZSetOp::kUnion, Form::kStore); }
void zinterstore_command(CommandContext& ctx) { algebra_generic(ctx, core::ZSetOp::kInter, Form::kStore); }
void zdiffstore_command(CommandContext& ctx) { algebra_generic(ctx, core::ZSetOp::kDiff, Form::kStore); }
void zintercard_command(CommandContext& ctx) { algebra_generic(ctx, core::ZSetOp::kInter, Form::kCard); }

// The keys of the STORE forms: the destination, then numkeys keys at argv[2].
void store_keys(std::span<const std::string_view> argv, std::vector<std::uint32_t>& out) {
  std::vector<std::uint32_t> sources;
  numkeys_keys<2>(argv, sources);
  if (sources.empty()) return;
  out.push_back(1);
  out.insert(out.end(), sources.begin(), sources.end());
}

// clang-format off
const std::array kZSetRangeCommands = {
    CommandSpec{"zrange", -4, kReadOnly, 1, 1, 1, zrange_command, Fanout::kNone, nullptr, "@read @sortedset @slow"},
    CommandSpec{"zrangestore", -5, kWrite | kMultiShard, 1, 2, 1, zrangestore_command, Fanout::kNone, nullptr, "@write @sortedset @slow"},
    CommandSpec{"zrevrange", -4, kReadOnly, 1, 1, 1, zrevrange_command, Fanout::kNone, nullptr, "@read @sortedset @slow"},
    CommandSpec{"zrangebyscore", -4, kReadOnly, 1, 1, 1, zrangebyscore_command, Fanout::kNone, nullptr, "@read @sortedset @slow"},
    CommandSpec{"zrevrangebyscore", -4, kReadOnly, 1, 1, 1, zrevrangebyscore_command, Fanout::kNone, nullptr, "@read @sortedset @slow"},
    CommandSpec{"zrangebylex", -4, kReadOnly, 1, 1, 1, zrangebylex_command, Fanout::kNone, nullptr, "@read @sortedset @slow"},
    CommandSpec{"zrevrangebylex", -4, kReadOnly, 1, 1, 1, zrevrangebylex_command, Fanout::kNone, nullptr, "@read @sortedset @slow"},
    CommandSpec{"zunion", -3, kReadOnly | kMultiShard, 0, 0, 0, zunion_command, Fanout::kNone, nullptr, "@read @sortedset @slow", numkeys_keys<1>},
    CommandSpec{"zinter", -3, kReadOnly | kMultiShard, 0, 0, 0, zinter_command, Fanout::kNone, nullptr, "@read @sortedset @slow", numkeys_keys<1>},
    CommandSpec{"zdiff", -3, kReadOnly | kMultiShard, 0, 0, 0, zdiff_command, Fanout::kNone, nullptr, "@read @sortedset @slow", numkeys_keys<1>},
    CommandSpec{"zintercard", -3, kReadOnly | kMultiShard, 0, 0, 0, zintercard_command, Fanout::kNone, nullptr, "@read @sortedset @slow", numkeys_keys<1>},
    CommandSpec{"zunionstore", -4, kWrite | kMultiShard, 0, 0, 0, zunionstore_command, Fanout::kNone, nullptr, "@write @sortedset @slow", store_keys},
    CommandSpec{"zinterstore", -4, kWrite | kMultiShard, 0, 0, 0, zinterstore_command, Fanout::kNone, nullptr, "@write @sortedset @slow", store_keys},
    CommandSpec{"zdiffstore", -4, kWrite | kMultiShard, 0, 0, 0, zdiffstore_command, Fanout::kNone, nullptr, "@write @sortedset @slow", store_keys},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> zset_range_commands() { return kZSetRangeCommands; }

}  // namespace kora::server
