// String commands (Redis's t_string.c): handlers parse, call kora-core's
// string_ops, and reply.
#include <array>
#include <optional>
#include <vector>

#include "args.h"
#include "kora/core/numbers.h"
#include "kora/core/string_ops.h"
#include "kora/server/command.h"

namespace kora::server {
namespace {

using core::Errc;

// An option name as Redis compares it: as a C string, so up to the first NUL.
std::string_view c_str(std::string_view s) { return s.substr(0, s.find('\0')); }

// The absolute expiry (ms) of an EX/PX/EXAT/PXAT argument, validated as Redis's
// getExpireMillisecondsOrReply: kNotInteger, or kInvalidExpire (not positive, or
// overflowing) to be reported with ctx.error().
core::Result<std::int64_t> expire_at_ms(std::string_view arg, bool seconds, bool relative,
                                        std::int64_t now_ms) {
  auto v = to_int(arg);
  if (!v) return Errc::kNotInteger;
  std::int64_t ms = *v;
  if (ms <= 0 || (seconds && ms > INT64_MAX / 1000)) return Errc::kInvalidExpire;
  if (seconds) ms *= 1000;
  if (relative) {
    if (ms > INT64_MAX - now_ms) return Errc::kInvalidExpire;
    ms += now_ms;
  }
  return ms;
}

// The options of SET and GETEX, as Redis 7's parseExtendedStringArgumentsOrReply
// reads them (one function for both commands, as there): which combinations
// are allowed, and that each TTL option takes the next argument.
enum StringOption : unsigned {
  kNX = 1, kXX = 2, kGet = 4, kKeepTtl = 8, kEX = 16, kPX = 32, kEXAT = 64, kPXAT = 128, kPersist = 256
};
constexpr unsigned kAnyTtl = kEX | kPX | kEXAT | kPXAT;
enum class StringCommand { kSet, kGetEx };

// Parses argv[start..]; false on a syntax error. `expire_arg` is the TTL
// option's argument.
bool parse_string_options(std::span<const std::string_view> argv, std::size_t start, StringCommand cmd,
                          unsigned& flags, std::string_view& expire_arg) {
  const bool set = cmd == StringCommand::kSet;
  for (std::size_t j = start; j < argv.size(); ++j) {
    std::string_view opt = c_str(argv[j]);
    const bool has_next = j + 1 < argv.size();
    unsigned ttl = 0;
    if (iequals(opt, "ex")) ttl = kEX;
    if (iequals(opt, "px")) ttl = kPX;
    if (iequals(opt, "exat")) ttl = kEXAT;
    if (iequals(opt, "pxat")) ttl = kPXAT;
    if (set && iequals(opt, "nx") && !(flags & kXX)) {
      flags |= kNX;
    } else if (set && iequals(opt, "xx") && !(flags & kNX)) {
      flags |= kXX;
    } else if (set && iequals(opt, "get")) {
      flags |= kGet;
    } else if (set && iequals(opt, "keepttl") && !(flags & (kPersist | kAnyTtl))) {
      flags |= kKeepTtl;
    } else if (!set && iequals(opt, "persist") && !(flags & (kKeepTtl | kAnyTtl))) {
      flags |= kPersist;
    } else if (ttl && !(flags & (kKeepTtl | kPersist | (kAnyTtl & ~ttl))) && has_next) {
      flags |= ttl;
      expire_arg = argv[++j];
    } else {
      return false;
    }
  }
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
  unsigned flags = 0;
  std::string_view expire_arg;
  if (!parse_string_options(ctx.argv, 3, StringCommand::kSet, flags, expire_arg)) return ctx.error(Errc::kSyntax);
  core::SetOptions opts;
  if (flags & kNX) opts.condition = core::SetOptions::Condition::kIfAbsent;
  if (flags & kXX) opts.condition = core::SetOptions::Condition::kIfPresent;
  opts.get = flags & kGet;
  opts.keep_ttl = flags & kKeepTtl;
  if (flags & (kEX | kPX | kEXAT | kPXAT)) {
    auto at = expire_at_ms(expire_arg, (flags & (kEX | kEXAT)) != 0, (flags & (kEX | kPX)) != 0, ctx.now_ms);
    if (!at.ok()) return ctx.error(at.code());
    opts.expire_at_ms = *at;
    // The change feed gets an absolute time, as Redis propagates it.
    ctx.propagate("SET", ctx.argv[1], ctx.argv[2], "PXAT", std::to_string(*at));
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

void reply_optional(CommandContext& ctx, const std::optional<std::string>& v) {
  if (v) {
    ctx.reply.bulk(*v);
  } else {
    ctx.reply.null();
  }
}

void setnx_command(CommandContext& ctx) {
  core::SetOptions opts;
  opts.condition = core::SetOptions::Condition::kIfAbsent;
  auto r = core::op_set(ctx.db(), ctx.argv[1], ctx.argv[2], opts, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(r->written ? 1 : 0);
}

// SETEX key seconds value / PSETEX key milliseconds value.
void setex_generic(CommandContext& ctx, bool seconds) {
  auto at = expire_at_ms(ctx.argv[2], seconds, true, ctx.now_ms);
  if (!at.ok()) return ctx.error(at.code());
  core::SetOptions opts;
  opts.expire_at_ms = *at;
  ctx.propagate("SET", ctx.argv[1], ctx.argv[3], "PXAT", std::to_string(*at));
  auto r = core::op_set(ctx.db(), ctx.argv[1], ctx.argv[3], opts, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.ok();
}

void setex_command(CommandContext& ctx) { setex_generic(ctx, true); }
void psetex_command(CommandContext& ctx) { setex_generic(ctx, false); }

// GETSET is SET key value GET (the TTL is dropped).
void getset_command(CommandContext& ctx) {
  core::SetOptions opts;
  opts.get = true;
  auto r = core::op_set(ctx.db(), ctx.argv[1], ctx.argv[2], opts, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  reply_optional(ctx, r->previous);
}

void getdel_command(CommandContext& ctx) {
  auto r = core::op_getdel(ctx.db(), ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  reply_optional(ctx, *r);
}

// GETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST], parsed as Redis 7's
// parseExtendedStringArgumentsOrReply(COMMAND_GET). Errors come in Redis's order:
// syntax, then (missing key: nil) WRONGTYPE, then the expire value.
void getex_command(CommandContext& ctx) {
  unsigned flags = 0;
  std::string_view expire_arg;
  const auto& argv = ctx.argv;
  if (!parse_string_options(argv, 2, StringCommand::kGetEx, flags, expire_arg)) return ctx.error(Errc::kSyntax);
  core::GetExOptions opts;
  if (flags & kPersist) opts.ttl = core::GetExOptions::Ttl::kPersist;
  if (flags & (kEX | kPX | kEXAT | kPXAT)) {
    auto at = expire_at_ms(expire_arg, (flags & (kEX | kEXAT)) != 0, (flags & (kEX | kPX)) != 0,
                           ctx.now_ms);
    if (!at.ok()) {
      // Reported only for an existing string key.
      auto value = core::op_get(ctx.db(), argv[1], ctx.now_ms);
      if (reply_if_error(ctx, value)) return;
      if (!value->has_value()) return ctx.reply.null();
      return ctx.error(at.code());
    }
    opts.ttl = core::GetExOptions::Ttl::kSet;
    opts.expire_at_ms = *at;
    if (ctx.db().already_expired(*at, ctx.now_ms)) {
      ctx.propagate("DEL", argv[1]);  // a time already past deletes the key
    } else {
      ctx.propagate("PEXPIREAT", argv[1], std::to_string(*at));
    }
  }
  if (flags & kPersist) ctx.propagate("PERSIST", argv[1]);
  auto r = core::op_getex(ctx.db(), argv[1], opts, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  reply_optional(ctx, *r);
}

// MSETNX runs whole (kMultiShard): all keys are checked, then all set, atomically
// even when they live on several shards.
void msetnx_command(CommandContext& ctx) {
  if (ctx.argv.size() % 2 == 0) return ctx.error(Errc::kWrongArity);
  std::vector<core::DbKeyValue> items;
  items.reserve(ctx.argv.size() / 2);
  for (std::size_t i = 1; i + 1 < ctx.argv.size(); i += 2) {
    items.push_back({&ctx.db_for(ctx.argv[i]), ctx.argv[i], ctx.argv[i + 1]});
  }
  ctx.reply.integer(core::op_msetnx(items, ctx.now_ms) ? 1 : 0);
}

// GETRANGE key start end (and its old name SUBSTR).
void getrange_command(CommandContext& ctx) {
  auto start = to_int(ctx.argv[2]);
  if (!start) return ctx.error(Errc::kNotInteger);
  auto end = to_int(ctx.argv[3]);
  if (!end) return ctx.error(Errc::kNotInteger);
  auto r = core::op_getrange(ctx.db(), ctx.argv[1], *start, *end, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.bulk(*r);
}

void setrange_command(CommandContext& ctx) {
  auto offset = to_int(ctx.argv[2]);
  if (!offset) return ctx.error(Errc::kNotInteger);
  auto r = core::op_setrange(ctx.db(), ctx.argv[1], *offset, ctx.argv[3], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

void incrbyfloat_command(CommandContext& ctx) {
  auto incr = core::parse_long_double(ctx.argv[2]);
  if (!incr) {
    // Redis checks the key's type before the increment.
    auto type = core::op_strlen(ctx.db(), ctx.argv[1], ctx.now_ms);
    if (reply_if_error(ctx, type)) return;
    return ctx.error(Errc::kNotFloat);
  }
  auto r = core::op_incr_by_float(ctx.db(), ctx.argv[1], *incr, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.propagate("SET", ctx.argv[1], *r, "KEEPTTL");  // the result, not the float arithmetic
  ctx.reply.bulk(*r);
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]. The two keys may live on
// different shards (kMultiShard). Errors in Redis's order: key types, options,
// LEN with IDX, table size.
void lcs_command(CommandContext& ctx) {
  const auto& argv = ctx.argv;
  auto inputs = core::op_lcs_inputs(ctx.db_for(argv[1]), argv[1], ctx.db_for(argv[2]), argv[2],
                                    ctx.now_ms);
  if (reply_if_error(ctx, inputs)) return;
  bool idx = false, len = false, with_len = false;
  std::int64_t min_len = 0;
  for (std::size_t j = 3; j < argv.size(); ++j) {
    std::string_view opt = c_str(argv[j]);
    if (iequals(opt, "idx")) {
      idx = true;
    } else if (iequals(opt, "len")) {
      len = true;
    } else if (iequals(opt, "withmatchlen")) {
      with_len = true;
    } else if (iequals(opt, "minmatchlen") && j + 1 < argv.size()) {
      auto v = to_int(argv[++j]);
      if (!v) return ctx.error(Errc::kNotInteger);
      min_len = *v < 0 ? 0 : *v;
    } else {
      return ctx.error(Errc::kSyntax);
    }
  }
  if (idx && len) return ctx.error(Errc::kLcsLenAndIdx);
  core::LcsOptions opts;
  opts.want_string = !idx && !len;
  opts.want_matches = idx;
  opts.min_match_len = min_len;
  auto r = core::compute_lcs(inputs->first, inputs->second, opts);
  if (reply_if_error(ctx, r)) return;
  if (len) return ctx.reply.integer(static_cast<std::int64_t>(r->length));
  if (!idx) return ctx.reply.bulk(r->lcs);
  ctx.reply.map(2);
  ctx.reply.bulk("matches");
  ctx.reply.array(r->matches.size());
  for (const core::LcsMatch& m : r->matches) {
    ctx.reply.array(with_len ? 3 : 2);
    ctx.reply.array(2);
    ctx.reply.integer(m.a_start);
    ctx.reply.integer(m.a_end);
    ctx.reply.array(2);
    ctx.reply.integer(m.b_start);
    ctx.reply.integer(m.b_end);
    if (with_len) ctx.reply.integer(m.len);
  }
  ctx.reply.bulk("len");
  ctx.reply.integer(static_cast<std::int64_t>(r->length));
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
    CommandSpec{"setnx", 3, kWriteDenyOom | kFast, 1, 1, 1, setnx_command, Fanout::kNone, nullptr, "@write @string @fast"},
    CommandSpec{"setex", 4, kWriteDenyOom, 1, 1, 1, setex_command, Fanout::kNone, nullptr, "@write @string @slow"},
    CommandSpec{"psetex", 4, kWriteDenyOom, 1, 1, 1, psetex_command, Fanout::kNone, nullptr, "@write @string @slow"},
    CommandSpec{"getset", 3, kWriteDenyOom | kFast, 1, 1, 1, getset_command, Fanout::kNone, nullptr, "@write @string @fast"},
    CommandSpec{"getdel", 2, kWrite | kFast, 1, 1, 1, getdel_command, Fanout::kNone, nullptr, "@write @string @fast"},
    CommandSpec{"getex", -2, kWrite | kFast, 1, 1, 1, getex_command, Fanout::kNone, nullptr, "@write @string @fast"},
    CommandSpec{"msetnx", -3, kWriteDenyOom | kMultiShard, 1, -1, 2, msetnx_command, Fanout::kNone, nullptr, "@write @string @slow"},
    CommandSpec{"getrange", 4, kReadOnly, 1, 1, 1, getrange_command, Fanout::kNone, nullptr, "@read @string @slow"},
    CommandSpec{"substr", 4, kReadOnly, 1, 1, 1, getrange_command, Fanout::kNone, nullptr, "@read @string @slow"},
    CommandSpec{"setrange", 4, kWriteDenyOom, 1, 1, 1, setrange_command, Fanout::kNone, nullptr, "@write @string @slow"},
    CommandSpec{"incrbyfloat", 3, kWriteDenyOom | kFast, 1, 1, 1, incrbyfloat_command, Fanout::kNone, nullptr, "@write @string @fast"},
    CommandSpec{"lcs", -3, kReadOnly | kMultiShard, 1, 2, 1, lcs_command, Fanout::kNone, nullptr, "@read @string @slow"},
};

}  // namespace

std::span<const CommandSpec> string_commands() { return kStringCommands; }

}  // namespace kora::server
