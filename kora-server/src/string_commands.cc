// String commands (Redis's t_string.c): handlers parse, call kora-core's
// string_ops, and reply.
#include <array>

#include "args.h"
#include "kora/core/string_ops.h"
#include "kora/server/command.h"

namespace kora::server {
namespace {

using core::Errc;

template <typename T>
bool reply_if_error(CommandContext& ctx, const core::Result<T>& r) {
  if (r.ok()) return false;
  ctx.reply.error(r.error().message);
  return true;
}

void get_command(CommandContext& ctx) {
  auto r = core::op_get(ctx.db(), ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (r->has_value()) {
    ctx.reply.bulk(**r);
  } else {
    ctx.reply.null();
  }
}

// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL], parsed as
// Redis 7's parseExtendedStringArgumentsOrReply does.
void set_command(CommandContext& ctx) {
  enum : unsigned { kNX = 1, kXX = 2, kGet = 4, kKeepTtl = 8, kEX = 16, kPX = 32, kEXAT = 64, kPXAT = 128 };
  unsigned flags = 0;
  std::string_view expire_arg;
  const auto& argv = ctx.argv;
  for (std::size_t j = 3; j < argv.size(); ++j) {
    std::string_view opt = argv[j];
    bool has_next = j + 1 < argv.size();
    if (iequals(opt, "nx") && !(flags & kXX)) {
      flags |= kNX;
    } else if (iequals(opt, "xx") && !(flags & kNX)) {
      flags |= kXX;
    } else if (iequals(opt, "get")) {
      flags |= kGet;
    } else if (iequals(opt, "keepttl") && !(flags & (kEX | kEXAT | kPX | kPXAT))) {
      flags |= kKeepTtl;
    } else if (iequals(opt, "ex") && !(flags & (kKeepTtl | kEXAT | kPX | kPXAT)) && has_next) {
      flags |= kEX;
      expire_arg = argv[++j];
    } else if (iequals(opt, "px") && !(flags & (kKeepTtl | kEX | kEXAT | kPXAT)) && has_next) {
      flags |= kPX;
      expire_arg = argv[++j];
    } else if (iequals(opt, "exat") && !(flags & (kKeepTtl | kEX | kPX | kPXAT)) && has_next) {
      flags |= kEXAT;
      expire_arg = argv[++j];
    } else if (iequals(opt, "pxat") && !(flags & (kKeepTtl | kEX | kEXAT | kPX)) && has_next) {
      flags |= kPXAT;
      expire_arg = argv[++j];
    } else {
      ctx.error(Errc::kSyntax);
      return;
    }
  }
  core::SetOptions opts;
  if (flags & kNX) opts.condition = core::SetOptions::Condition::kIfAbsent;
  if (flags & kXX) opts.condition = core::SetOptions::Condition::kIfPresent;
  opts.get = flags & kGet;
  opts.keep_ttl = flags & kKeepTtl;
  if (flags & (kEX | kPX | kEXAT | kPXAT)) {
    auto v = to_int(expire_arg);
    if (!v) {
      ctx.error(Errc::kNotInteger);
      return;
    }
    std::int64_t ms = *v;
    bool seconds = flags & (kEX | kEXAT);
    if (ms <= 0 || (seconds && ms > INT64_MAX / 1000)) {
      ctx.error(Errc::kInvalidExpire);
      return;
    }
    if (seconds) ms *= 1000;
    if (flags & (kEX | kPX)) {
      if (ms > INT64_MAX - ctx.now_ms) {
        ctx.error(Errc::kInvalidExpire);
        return;
      }
      ms += ctx.now_ms;
    }
    opts.expire_at_ms = ms;
  }
  auto r = core::op_set(ctx.db(), ctx.argv[1], ctx.argv[2], opts, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (opts.get) {
    if (r->previous) {
      ctx.reply.bulk(*r->previous);
    } else {
      ctx.reply.null();
    }
  } else if (r->written) {
    ctx.reply.ok();
  } else {
    ctx.reply.null();
  }
}

void incr_by(CommandContext& ctx, std::int64_t delta) {
  auto r = core::op_incr_by(ctx.db(), ctx.argv[1], delta, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(*r);
}

void incr_command(CommandContext& ctx) { incr_by(ctx, 1); }
void decr_command(CommandContext& ctx) { incr_by(ctx, -1); }

void incrby_command(CommandContext& ctx) {
  auto delta = to_int(ctx.argv[2]);
  if (!delta) return ctx.error(Errc::kNotInteger);
  incr_by(ctx, *delta);
}

void decrby_command(CommandContext& ctx) {
  auto delta = to_int(ctx.argv[2]);
  if (!delta) return ctx.error(Errc::kNotInteger);
  if (*delta == INT64_MIN) return ctx.error(Errc::kDecrementOverflow);
  incr_by(ctx, -*delta);
}

void append_command(CommandContext& ctx) {
  auto r = core::op_append(ctx.db(), ctx.argv[1], ctx.argv[2], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

void strlen_command(CommandContext& ctx) {
  auto r = core::op_strlen(ctx.db(), ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

// MGET runs once per shard with that shard's keys; a non-string reads as nil.
void mget_command(CommandContext& ctx) {
  ctx.reply.array(ctx.argv.size() - 1);
  for (std::size_t i = 1; i < ctx.argv.size(); ++i) {
    auto r = core::op_get(ctx.db(), ctx.argv[i], ctx.now_ms);
    if (r.ok() && r->has_value()) {
      ctx.reply.bulk(**r);
    } else {
      ctx.reply.null();
    }
  }
}

void mset_command(CommandContext& ctx) {
  if (ctx.argv.size() % 2 == 0) return ctx.error(Errc::kWrongArity);
  for (std::size_t i = 1; i + 1 < ctx.argv.size(); i += 2) {
    (void)core::op_set(ctx.db(), ctx.argv[i], ctx.argv[i + 1], {}, ctx.now_ms);
  }
  ctx.reply.ok();
}

constexpr std::uint32_t kWriteDenyOom = kWrite;

const std::array kStringCommands = {
    CommandSpec{"get", 2, kReadOnly | kFast, 1, 1, 1, get_command, Fanout::kNone, nullptr, "@read @string @fast"},
    CommandSpec{"set", -3, kWriteDenyOom, 1, 1, 1, set_command, Fanout::kNone, nullptr, "@write @string @slow"},
    CommandSpec{"incr", 2, kWriteDenyOom | kFast, 1, 1, 1, incr_command, Fanout::kNone, nullptr, "@write @string @fast"},
    CommandSpec{"decr", 2, kWriteDenyOom | kFast, 1, 1, 1, decr_command, Fanout::kNone, nullptr, "@write @string @fast"},
    CommandSpec{"incrby", 3, kWriteDenyOom | kFast, 1, 1, 1, incrby_command, Fanout::kNone, nullptr, "@write @string @fast"},
    CommandSpec{"decrby", 3, kWriteDenyOom | kFast, 1, 1, 1, decrby_command, Fanout::kNone, nullptr, "@write @string @fast"},
    CommandSpec{"append", 3, kWriteDenyOom | kFast, 1, 1, 1, append_command, Fanout::kNone, nullptr, "@write @string @fast"},
    CommandSpec{"strlen", 2, kReadOnly | kFast, 1, 1, 1, strlen_command, Fanout::kNone, nullptr, "@read @string @fast"},
    CommandSpec{"mget", -2, kReadOnly | kFast, 1, -1, 1, mget_command, Fanout::kScatter, nullptr, "@read @string @fast"},
    CommandSpec{"mset", -3, kWriteDenyOom, 1, -1, 2, mset_command, Fanout::kAllOk, nullptr, "@write @string @slow"},
};

}  // namespace

std::span<const CommandSpec> string_commands() { return kStringCommands; }

}  // namespace kora::server
