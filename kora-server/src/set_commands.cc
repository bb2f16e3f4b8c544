// Set commands (Redis's t_set.c): handlers parse, call kora-core's set_ops, and
// reply. Argument checks happen in Redis 7.0's order (e.g. a bad count is
// reported before the key's type, SSCAN's options after it).
#include <array>
#include <cctype>
#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include "args.h"
#include "kora/core/set_ops.h"
#include "kora/server/command.h"

namespace kora::server {
namespace {

using core::Errc;
using core::SetKey;

// argv[from..] as a span of members.
std::span<const std::string_view> args_from(CommandContext& ctx, std::size_t from) {
  return ctx.argv.subspan(from);
}

// Every key of argv[from..] with the Db that owns it.
std::vector<SetKey> keys_from(CommandContext& ctx, std::size_t from, std::size_t to) {
  std::vector<SetKey> keys;
  keys.reserve(to - from);
  for (std::size_t i = from; i < to; ++i) keys.push_back(SetKey{&ctx.db_for(ctx.argv[i]), ctx.argv[i]});
  return keys;
}

// Members as a RESP2 array / RESP3 set (SMEMBERS, SINTER, SPOP count...).
void reply_set(CommandContext& ctx, const std::vector<std::string>& members) {
  ctx.reply.set(members.size());
  for (const auto& m : members) ctx.reply.bulk(m);
}

void reply_array(CommandContext& ctx, const std::vector<std::string>& members) {
  ctx.reply.array(members.size());
  for (const auto& m : members) ctx.reply.bulk(m);
}

void sadd_command(CommandContext& ctx) {
  auto r = core::op_sadd(ctx.db(), ctx.argv[1], args_from(ctx, 2), ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

void srem_command(CommandContext& ctx) {
  auto r = core::op_srem(ctx.db(), ctx.argv[1], args_from(ctx, 2), ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

void sismember_command(CommandContext& ctx) {
  auto r = core::op_sismember(ctx.db(), ctx.argv[1], ctx.argv[2], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(*r ? 1 : 0);
}

void smismember_command(CommandContext& ctx) {
  auto r = core::op_smismember(ctx.db(), ctx.argv[1], args_from(ctx, 2), ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.array(r->size());
  for (bool b : *r) ctx.reply.integer(b ? 1 : 0);
}

void scard_command(CommandContext& ctx) {
  auto r = core::op_scard(ctx.db(), ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

void smembers_command(CommandContext& ctx) {
  auto r = core::op_smembers(ctx.db(), ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  reply_set(ctx, *r);
}

// SPOP key [count]
void spop_command(CommandContext& ctx) {
  if (ctx.argv.size() > 3) return ctx.error(Errc::kSyntax);
  if (ctx.argv.size() == 3) {
    auto count = to_int(ctx.argv[2]);
    if (!count || *count < 0) return ctx.error(Errc::kMustBePositive);
    auto r = core::op_spop_count(ctx.db(), ctx.argv[1], static_cast<std::uint64_t>(*count), ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    if (ctx.feed_active() && !r->empty()) {
      // The random draw, stated as what it removed (Redis propagates SREM).
      std::vector<std::string> srem{"SREM", std::string(ctx.argv[1])};
      srem.insert(srem.end(), r->begin(), r->end());
      ctx.propagate_argv(std::move(srem));
    }
    reply_set(ctx, *r);
    return;
  }
  auto r = core::op_spop(ctx.db(), ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (r->has_value()) {
    ctx.propagate("SREM", ctx.argv[1], **r);
    ctx.reply.bulk(**r);
  } else {
    ctx.reply.null();
  }
}

// SRANDMEMBER key [count]
void srandmember_command(CommandContext& ctx) {
  if (ctx.argv.size() > 3) return ctx.error(Errc::kSyntax);
  if (ctx.argv.size() == 3) {
    auto count = to_int(ctx.argv[2]);
    if (!count) return ctx.error(Errc::kNotInteger);
    if (*count == INT64_MIN) {
      ctx.reply.error(core::error_message(Errc::kValueNotBetween,
                                          "-9223372036854775807 and 9223372036854775807"));
      return;
    }
    auto r = core::op_srandmember_count(ctx.db(), ctx.argv[1], *count, ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    reply_array(ctx, *r);
    return;
  }
  auto r = core::op_srandmember(ctx.db(), ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (r->has_value()) {
    ctx.reply.bulk(**r);
  } else {
    ctx.reply.null();
  }
}

void smove_command(CommandContext& ctx) {
  SetKey src{&ctx.db_for(ctx.argv[1]), ctx.argv[1]};
  SetKey dst{&ctx.db_for(ctx.argv[2]), ctx.argv[2]};
  auto r = core::op_smove(src, dst, ctx.argv[3], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(*r ? 1 : 0);
}

void sinter_command(CommandContext& ctx) {
  auto keys = keys_from(ctx, 1, ctx.argv.size());
  auto r = core::op_sinter(keys, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  reply_set(ctx, *r);
}

void sunion_command(CommandContext& ctx) {
  auto keys = keys_from(ctx, 1, ctx.argv.size());
  auto r = core::op_sunion(keys, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  reply_set(ctx, *r);
}

void sdiff_command(CommandContext& ctx) {
  auto keys = keys_from(ctx, 1, ctx.argv.size());
  auto r = core::op_sdiff(keys, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  reply_set(ctx, *r);
}

using StoreOp = core::Result<std::size_t> (*)(SetKey, std::span<const SetKey>, std::int64_t);

void store_command(CommandContext& ctx, StoreOp op) {
  SetKey dst{&ctx.db_for(ctx.argv[1]), ctx.argv[1]};
  auto keys = keys_from(ctx, 2, ctx.argv.size());
  auto r = op(dst, keys, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

void sinterstore_command(CommandContext& ctx) { store_command(ctx, core::op_sinterstore); }
void sunionstore_command(CommandContext& ctx) { store_command(ctx, core::op_sunionstore); }
void sdiffstore_command(CommandContext& ctx) { store_command(ctx, core::op_sdiffstore); }

// numkeys of SINTERCARD when valid (1 <= numkeys <= argc - 2).
std::optional<std::size_t> sintercard_numkeys(std::span<const std::string_view> argv) {
  if (argv.size() < 2) return std::nullopt;
  auto n = core::parse_int64(argv[1]);
  if (!n || *n < 1 || static_cast<std::uint64_t>(*n) > argv.size() - 2) return std::nullopt;
  return static_cast<std::size_t>(*n);
}

void sintercard_keys(std::span<const std::string_view> argv, std::vector<std::uint32_t>& out) {
  auto n = sintercard_numkeys(argv);
  if (!n) return;
  for (std::size_t i = 0; i < *n; ++i) out.push_back(static_cast<std::uint32_t>(2 + i));
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void sintercard_command(CommandContext& ctx) {
  const auto& argv = ctx.argv;
  auto n = core::parse_int64(argv[1]);
  if (!n || *n < 1) return ctx.error(Errc::kNumkeysNotPositive);
  if (static_cast<std::uint64_t>(*n) > argv.size() - 2) return ctx.error(Errc::kNumkeysTooMany);
  const std::size_t numkeys = static_cast<std::size_t>(*n);
  std::uint64_t limit = 0;
  for (std::size_t j = 2 + numkeys; j < argv.size(); ++j) {
    if (iequals(argv[j], "limit") && j + 1 < argv.size()) {
      auto l = to_int(argv[++j]);
      if (!l || *l < 0) return ctx.error(Errc::kLimitNegative);
      limit = static_cast<std::uint64_t>(*l);
    } else {
      return ctx.error(Errc::kSyntax);
    }
  }
  auto keys = keys_from(ctx, 2, 2 + numkeys);
  auto r = core::op_sintercard(keys, limit, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
void sscan_command(CommandContext& ctx) {
  const auto& argv = ctx.argv;
  auto cursor = core::parse_scan_cursor(argv[2]);
  if (!cursor) return ctx.error(Errc::kInvalidCursor);
  // Redis reads the key before the options: a missing key answers an empty page
  // and a key of another type WRONGTYPE, whatever the options say.
  ScanOptions opts = parse_scan_options(argv, 3);
  if (opts.error) {
    auto size = core::op_scard(ctx.db(), argv[1], ctx.now_ms);
    if (reply_if_error(ctx, size)) return;
    if (*size != 0) return ctx.error(*opts.error);
  }
  auto r = core::op_sscan(ctx.db(), argv[1], *cursor, opts.error ? std::nullopt : opts.pattern,
                          ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.array(2);
  std::string next;
  core::append_int64(next, static_cast<std::int64_t>(r->cursor));
  ctx.reply.bulk(next);
  reply_array(ctx, r->members);
}

constexpr std::uint32_t kWriteDenyOom = kWrite;

const std::array kSetCommands = {
    CommandSpec{"sadd", -3, kWriteDenyOom | kFast, 1, 1, 1, sadd_command, Fanout::kNone, nullptr, "@write @set @fast"},
    CommandSpec{"srem", -3, kWrite | kFast, 1, 1, 1, srem_command, Fanout::kNone, nullptr, "@write @set @fast"},
    CommandSpec{"sismember", 3, kReadOnly | kFast, 1, 1, 1, sismember_command, Fanout::kNone, nullptr, "@read @set @fast"},
    CommandSpec{"smismember", -3, kReadOnly | kFast, 1, 1, 1, smismember_command, Fanout::kNone, nullptr, "@read @set @fast"},
    CommandSpec{"scard", 2, kReadOnly | kFast, 1, 1, 1, scard_command, Fanout::kNone, nullptr, "@read @set @fast"},
    CommandSpec{"smembers", 2, kReadOnly, 1, 1, 1, smembers_command, Fanout::kNone, nullptr, "@read @set @slow"},
    CommandSpec{"spop", -2, kWrite | kFast, 1, 1, 1, spop_command, Fanout::kNone, nullptr, "@write @set @fast"},
    CommandSpec{"srandmember", -2, kReadOnly, 1, 1, 1, srandmember_command, Fanout::kNone, nullptr, "@read @set @slow"},
    CommandSpec{"smove", 4, kWrite | kFast | kMultiShard, 1, 2, 1, smove_command, Fanout::kNone, nullptr, "@write @set @fast"},
    CommandSpec{"sinter", -2, kReadOnly | kMultiShard, 1, -1, 1, sinter_command, Fanout::kNone, nullptr, "@read @set @slow"},
    CommandSpec{"sintercard", -3, kReadOnly | kMultiShard, 0, 0, 0, sintercard_command, Fanout::kNone, nullptr, "@read @set @slow", sintercard_keys},
    CommandSpec{"sinterstore", -3, kWriteDenyOom | kMultiShard, 1, -1, 1, sinterstore_command, Fanout::kNone, nullptr, "@write @set @slow"},
    CommandSpec{"sunion", -2, kReadOnly | kMultiShard, 1, -1, 1, sunion_command, Fanout::kNone, nullptr, "@read @set @slow"},
    CommandSpec{"sunionstore", -3, kWriteDenyOom | kMultiShard, 1, -1, 1, sunionstore_command, Fanout::kNone, nullptr, "@write @set @slow"},
    CommandSpec{"sdiff", -2, kReadOnly | kMultiShard, 1, -1, 1, sdiff_command, Fanout::kNone, nullptr, "@read @set @slow"},
    CommandSpec{"sdiffstore", -3, kWriteDenyOom | kMultiShard, 1, -1, 1, sdiffstore_command, Fanout::kNone, nullptr, "@write @set @slow"},
    CommandSpec{"sscan", -3, kReadOnly, 1, 1, 1, sscan_command, Fanout::kNone, nullptr, "@read @set @slow"},
};

}  // namespace

std::span<const CommandSpec> set_commands() { return kSetCommands; }

}  // namespace kora::server
