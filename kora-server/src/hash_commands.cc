// Hash commands (Redis's t_hash.c): handlers parse, call kora-core's hash_ops,
// and reply. Every command has one key (argv[1]) and runs on its shard.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "args.h"
#include "kora/core/hash_ops.h"
#include "kora/server/command.h"

namespace kora::server {
namespace {

using core::Errc;
using core::HashPair;

std::span<const std::string_view> args_from(CommandContext& ctx, std::size_t first) {
  return ctx.argv.subspan(first);
}

void reply_optional(CommandContext& ctx, const std::optional<std::string_view>& v) {
  if (v) {
    ctx.reply.bulk(*v);
  } else {
    ctx.reply.null();
  }
}

// HSET and HMSET: field value pairs from argv[2]; the count must be even.
bool set_pairs(CommandContext& ctx, std::size_t* added) {
  if (ctx.argv.size() % 2 == 1) {
    ctx.error(Errc::kWrongArity);
    return false;
  }
  auto r = core::op_hset(ctx.db(), ctx.argv[1], args_from(ctx, 2), ctx.now_ms);
  if (reply_if_error(ctx, r)) return false;
  *added = *r;
  return true;
}

void hset_command(CommandContext& ctx) {
  std::size_t added = 0;
  if (set_pairs(ctx, &added)) ctx.reply.integer(static_cast<std::int64_t>(added));
}

void hmset_command(CommandContext& ctx) {
  std::size_t added = 0;
  if (set_pairs(ctx, &added)) ctx.reply.ok();
}

void hsetnx_command(CommandContext& ctx) {
  auto r = core::op_hsetnx(ctx.db(), ctx.argv[1], ctx.argv[2], ctx.argv[3], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(*r ? 1 : 0);
}

void hget_command(CommandContext& ctx) {
  auto r = core::op_hget(ctx.db(), ctx.argv[1], ctx.argv[2], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  reply_optional(ctx, *r);
}

void hmget_command(CommandContext& ctx) {
  auto r = core::op_hmget(ctx.db(), ctx.argv[1], args_from(ctx, 2), ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.array(r->size());
  for (const auto& v : *r) reply_optional(ctx, v);
}

void hdel_command(CommandContext& ctx) {
  auto r = core::op_hdel(ctx.db(), ctx.argv[1], args_from(ctx, 2), ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

void hexists_command(CommandContext& ctx) {
  auto r = core::op_hexists(ctx.db(), ctx.argv[1], ctx.argv[2], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(*r ? 1 : 0);
}

void hlen_command(CommandContext& ctx) {
  auto r = core::op_hlen(ctx.db(), ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

void hstrlen_command(CommandContext& ctx) {
  auto r = core::op_hstrlen(ctx.db(), ctx.argv[1], ctx.argv[2], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

enum class Part : unsigned char { kKeys, kValues, kBoth };

// HKEYS / HVALS reply an array; HGETALL a map (RESP3) or a flat array (RESP2).
void getall(CommandContext& ctx, Part part) {
  auto r = core::op_hgetall(ctx.db(), ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (part == Part::kBoth) {
    ctx.reply.map(r->size());
  } else {
    ctx.reply.array(r->size());
  }
  for (const HashPair& p : *r) {
    if (part != Part::kValues) ctx.reply.bulk(p.field);
    if (part != Part::kKeys) ctx.reply.bulk(p.value);
  }
}

void hkeys_command(CommandContext& ctx) { getall(ctx, Part::kKeys); }
void hvals_command(CommandContext& ctx) { getall(ctx, Part::kValues); }
void hgetall_command(CommandContext& ctx) { getall(ctx, Part::kBoth); }

void hincrby_command(CommandContext& ctx) {
  auto delta = to_int(ctx.argv[3]);
  if (!delta) return ctx.error(Errc::kNotInteger);
  auto r = core::op_hincrby(ctx.db(), ctx.argv[1], ctx.argv[2], *delta, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(*r);
}

void hincrbyfloat_command(CommandContext& ctx) {
  auto incr = core::parse_long_double(ctx.argv[3]);
  if (!incr) return ctx.error(Errc::kNotFloat);
  auto r = core::op_hincrbyfloat(ctx.db(), ctx.argv[1], ctx.argv[2], *incr, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.propagate("HSET", ctx.argv[1], ctx.argv[2], *r);  // the result, not the float arithmetic
  ctx.reply.bulk(*r);
}

// HRANDFIELD key [count [WITHVALUES]], with Redis 7.0's checks in its order: the
// count (an integer in [-LONG_MAX, LONG_MAX]), then the syntax, then the WITHVALUES
// range (|count| <= LONG_MAX/2), and only then the key.
void hrandfield_command(CommandContext& ctx) {
  const auto& argv = ctx.argv;
  if (argv.size() == 2) {
    auto r = core::op_hrandfield(ctx.db(), argv[1], ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    reply_optional(ctx, *r);
    return;
  }
  auto count = to_int(argv[2]);
  if (!count) return ctx.error(Errc::kNotInteger);
  if (*count == INT64_MIN) {
    ctx.reply.error(core::error_message(Errc::kValueNotBetween,
                                        "-9223372036854775807 and 9223372036854775807"));
    return;
  }
  if (argv.size() > 4 || (argv.size() == 4 && !iequals(argv[3], "withvalues"))) {
    return ctx.error(Errc::kSyntax);
  }
  bool with_values = argv.size() == 4;
  if (with_values && (*count < -(INT64_MAX / 2) || *count > INT64_MAX / 2)) {
    return ctx.error(Errc::kOutOfRange);
  }
  auto r = core::op_hrandfield_count(ctx.db(), argv[1], *count, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (!with_values) {
    ctx.reply.array(r->size());
    for (const HashPair& p : *r) ctx.reply.bulk(p.field);
    return;
  }
  // RESP2: a flat field, value, ... array; RESP3: an array of [field, value] pairs.
  bool nested = ctx.reply.resp() >= 3;
  ctx.reply.array(nested ? r->size() : r->size() * 2);
  for (const HashPair& p : *r) {
    if (nested) ctx.reply.array(2);
    ctx.reply.bulk(p.field);
    ctx.reply.bulk(p.value);
  }
}

// HSCAN key cursor [MATCH pattern] [COUNT count]. As Redis: the cursor is checked
// first, then the key (absent: an empty page; another type: WRONGTYPE), then the
// options.
void hscan_command(CommandContext& ctx) {
  const auto& argv = ctx.argv;
  auto cursor = core::parse_scan_cursor(argv[2]);
  if (!cursor) return ctx.error(Errc::kInvalidCursor);
  ScanOptions opts = parse_scan_options(argv, 3);
  if (opts.error) {
    auto len = core::op_hlen(ctx.db(), argv[1], ctx.now_ms);
    if (reply_if_error(ctx, len)) return;
    if (*len != 0) return ctx.error(*opts.error);
  }
  auto r = core::op_hscan(ctx.db(), argv[1], *cursor, opts.pattern, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.array(2);
  std::string next;
  core::append_int64(next, static_cast<std::int64_t>(r->cursor));
  ctx.reply.bulk(next);
  ctx.reply.array(r->pairs.size() * 2);
  for (const HashPair& p : r->pairs) {
    ctx.reply.bulk(p.field);
    ctx.reply.bulk(p.value);
  }
}

constexpr std::uint32_t kWriteDenyOom = kWrite;  // Kora has no maxmemory yet

// clang-format off: one row per command
const std::array kHashCommands = {
    CommandSpec{"hset", -4, kWriteDenyOom | kFast, 1, 1, 1, hset_command, Fanout::kNone, nullptr,
                "@write @hash @fast"},
    CommandSpec{"hsetnx", 4, kWriteDenyOom | kFast, 1, 1, 1, hsetnx_command, Fanout::kNone, nullptr,
                "@write @hash @fast"},
    CommandSpec{"hget", 3, kReadOnly | kFast, 1, 1, 1, hget_command, Fanout::kNone, nullptr,
                "@read @hash @fast"},
    CommandSpec{"hmget", -3, kReadOnly | kFast, 1, 1, 1, hmget_command, Fanout::kNone, nullptr,
                "@read @hash @fast"},
    CommandSpec{"hmset", -4, kWriteDenyOom | kFast, 1, 1, 1, hmset_command, Fanout::kNone, nullptr,
                "@write @hash @fast"},
    CommandSpec{"hdel", -3, kWrite | kFast, 1, 1, 1, hdel_command, Fanout::kNone, nullptr,
                "@write @hash @fast"},
    CommandSpec{"hexists", 3, kReadOnly | kFast, 1, 1, 1, hexists_command, Fanout::kNone, nullptr,
                "@read @hash @fast"},
    CommandSpec{"hlen", 2, kReadOnly | kFast, 1, 1, 1, hlen_command, Fanout::kNone, nullptr,
                "@read @hash @fast"},
    CommandSpec{"hstrlen", 3, kReadOnly | kFast, 1, 1, 1, hstrlen_command, Fanout::kNone, nullptr,
                "@read @hash @fast"},
    CommandSpec{"hkeys", 2, kReadOnly, 1, 1, 1, hkeys_command, Fanout::kNone, nullptr,
                "@read @hash @slow"},
    CommandSpec{"hvals", 2, kReadOnly, 1, 1, 1, hvals_command, Fanout::kNone, nullptr,
                "@read @hash @slow"},
    CommandSpec{"hgetall", 2, kReadOnly, 1, 1, 1, hgetall_command, Fanout::kNone, nullptr,
                "@read @hash @slow"},
    CommandSpec{"hincrby", 4, kWriteDenyOom | kFast, 1, 1, 1, hincrby_command, Fanout::kNone,
                nullptr, "@write @hash @fast"},
    CommandSpec{"hincrbyfloat", 4, kWriteDenyOom | kFast, 1, 1, 1, hincrbyfloat_command,
                Fanout::kNone, nullptr, "@write @hash @fast"},
    CommandSpec{"hrandfield", -2, kReadOnly, 1, 1, 1, hrandfield_command, Fanout::kNone, nullptr,
                "@read @hash @slow"},
    CommandSpec{"hscan", -3, kReadOnly, 1, 1, 1, hscan_command, Fanout::kNone, nullptr,
                "@read @hash @slow"},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> hash_commands() { return kHashCommands; }

}  // namespace kora::server
