// Bitmap commands (Redis's bitops.c): SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD
// BITFIELD_RO. Handlers parse in Redis 7.0's order (which decides which error a
// bad command gets), call kora-core's bitmap_ops, and reply.
#include <array>
#include <optional>
#include <vector>

#include "args.h"
#include "kora/core/bitmap_ops.h"
#include "kora/core/string_ops.h"
#include "kora/server/command.h"

namespace kora::server {
namespace {

using core::Errc;

// An option name as Redis compares it (strcasecmp): up to the first NUL.
std::string_view c_str(std::string_view s) { return s.substr(0, s.find('\0')); }

// BYTE or BIT; nullopt otherwise (a syntax error).
std::optional<core::BitUnit> parse_unit(std::string_view arg) {
  arg = c_str(arg);
  if (iequals(arg, "bit")) return core::BitUnit::kBit;
  if (iequals(arg, "byte")) return core::BitUnit::kByte;
  return std::nullopt;
}

// SETBIT key offset value: the offset, then the value, then the key's type.
void setbit_command(CommandContext& ctx) {
  auto offset = core::parse_bit_offset(ctx.argv[2]);
  if (reply_if_error(ctx, offset)) return;
  auto on = to_int(ctx.argv[3]);
  if (!on || (*on & ~std::int64_t{1})) return ctx.error(Errc::kBitNotInteger);
  auto r = core::op_setbit(ctx.db(), ctx.argv[1], *offset, *on == 1, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(*r);
}

void getbit_command(CommandContext& ctx) {
  auto offset = core::parse_bit_offset(ctx.argv[2]);
  if (reply_if_error(ctx, offset)) return;
  auto r = core::op_getbit(ctx.db(), ctx.argv[1], *offset, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(*r);
}

// BITCOUNT key [start end [BYTE|BIT]]. As Redis: a missing key answers 0 before
// the arguments are read; two negative indexes with start > end answer 0 before
// the unit is read.
void bitcount_command(CommandContext& ctx) {
  const auto& argv = ctx.argv;
  auto value = core::op_get(ctx.db(), argv[1], ctx.now_ms);
  if (reply_if_error(ctx, value)) return;
  if (!value->has_value()) return ctx.reply.integer(0);
  std::string_view s = **value;
  if (argv.size() == 2) return ctx.reply.integer(static_cast<std::int64_t>(core::popcount(s)));
  if (argv.size() != 4 && argv.size() != 5) return ctx.error(Errc::kSyntax);
  auto start = to_int(argv[2]);
  if (!start) return ctx.error(Errc::kNotInteger);
  auto end = to_int(argv[3]);
  if (!end) return ctx.error(Errc::kNotInteger);
  if (*start < 0 && *end < 0 && *start > *end) return ctx.reply.integer(0);
  core::BitUnit unit = core::BitUnit::kByte;
  if (argv.size() == 5) {
    auto u = parse_unit(argv[4]);
    if (!u) return ctx.error(Errc::kSyntax);
    unit = *u;
  }
  ctx.reply.integer(core::bitcount(s, *start, *end, unit));
}

// BITPOS key bit [start [end [BYTE|BIT]]]. Order as Redis: the bit, the key (a
// missing key is all zeros), start, the unit, end.
void bitpos_command(CommandContext& ctx) {
  const auto& argv = ctx.argv;
  auto bit = to_int(argv[2]);
  if (!bit) return ctx.error(Errc::kNotInteger);
  if (*bit != 0 && *bit != 1) return ctx.error(Errc::kBitposBit);
  auto value = core::op_get(ctx.db(), argv[1], ctx.now_ms);
  if (reply_if_error(ctx, value)) return;
  if (!value->has_value()) return ctx.reply.integer(*bit ? -1 : 0);
  std::string_view s = **value;
  const int b = static_cast<int>(*bit);
  if (argv.size() == 3) return ctx.reply.integer(core::bitpos(s, b));
  if (argv.size() > 6) return ctx.error(Errc::kSyntax);
  auto start = to_int(argv[3]);
  if (!start) return ctx.error(Errc::kNotInteger);
  core::BitUnit unit = core::BitUnit::kByte;
  if (argv.size() == 6) {
    auto u = parse_unit(argv[5]);
    if (!u) return ctx.error(Errc::kSyntax);
    unit = *u;
  }
  std::optional<std::int64_t> end;
  if (argv.size() >= 5) {
    end = to_int(argv[4]);
    if (!end) return ctx.error(Errc::kNotInteger);
  }
  ctx.reply.integer(core::bitpos(s, b, *start, end, unit));
}

// BITOP AND|OR|XOR|NOT destkey key...: the keys may live on any shard (kMultiShard).
void bitop_command(CommandContext& ctx) {
  const auto& argv = ctx.argv;
  std::string_view name = c_str(argv[1]);
  core::BitOp op;
  if (iequals(name, "and")) {
    op = core::BitOp::kAnd;
  } else if (iequals(name, "or")) {
    op = core::BitOp::kOr;
  } else if (iequals(name, "xor")) {
    op = core::BitOp::kXor;
  } else if (iequals(name, "not")) {
    op = core::BitOp::kNot;
  } else {
    return ctx.error(Errc::kSyntax);
  }
  if (op == core::BitOp::kNot && argv.size() != 4) return ctx.error(Errc::kBitopNotOneKey);
  std::vector<core::BitopSource> sources;
  sources.reserve(argv.size() - 3);
  for (std::size_t i = 3; i < argv.size(); ++i) sources.push_back({&ctx.db_for(argv[i]), argv[i]});
  auto r = core::op_bitop(op, ctx.db_for(argv[2]), argv[2], sources, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

// BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset incr]
// [OVERFLOW WRAP|SAT|FAIL] ...: every op is parsed (and its errors reported)
// before the key is looked at; OVERFLOW applies to the ops after it.
// BITFIELD_RO accepts GET only.
void bitfield_generic(CommandContext& ctx, bool read_only) {
  using Kind = core::BitfieldOp::Kind;
  const auto& argv = ctx.argv;
  std::vector<core::BitfieldOp> ops;
  auto overflow = core::BitfieldOverflow::kWrap;
  bool writes = false;
  for (std::size_t j = 2; j < argv.size(); ++j) {
    const std::size_t rest = argv.size() - j - 1;
    std::string_view sub = c_str(argv[j]);
    core::BitfieldOp op;
    if (iequals(sub, "get") && rest >= 2) {
      op.kind = Kind::kGet;
    } else if (iequals(sub, "set") && rest >= 3) {
      op.kind = Kind::kSet;
    } else if (iequals(sub, "incrby") && rest >= 3) {
      op.kind = Kind::kIncrBy;
    } else if (iequals(sub, "overflow") && rest >= 1) {
      std::string_view mode = c_str(argv[++j]);
      if (iequals(mode, "wrap")) {
        overflow = core::BitfieldOverflow::kWrap;
      } else if (iequals(mode, "sat")) {
        overflow = core::BitfieldOverflow::kSat;
      } else if (iequals(mode, "fail")) {
        overflow = core::BitfieldOverflow::kFail;
      } else {
        return ctx.error(Errc::kBitfieldOverflow);
      }
      continue;
    } else {
      return ctx.error(Errc::kSyntax);
    }
    auto type = core::parse_bitfield_type(argv[j + 1]);
    if (reply_if_error(ctx, type)) return;
    auto offset = core::parse_bit_offset(argv[j + 2], type->bits);
    if (reply_if_error(ctx, offset)) return;
    op.type = *type;
    op.offset = *offset;
    op.overflow = overflow;
    if (op.kind != Kind::kGet) {
      writes = true;
      auto value = to_int(argv[j + 3]);
      if (!value) return ctx.error(Errc::kNotInteger);
      op.value = *value;
      j += 3;
    } else {
      j += 2;
    }
    ops.push_back(op);
  }
  if (writes && read_only) return ctx.error(Errc::kBitfieldRoWrite);
  auto r = core::op_bitfield(ctx.db(), argv[1], ops, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.array(r->size());
  for (const auto& v : *r) {
    if (v) {
      ctx.reply.integer(*v);
    } else {
      ctx.reply.null();
    }
  }
}

void bitfield_command(CommandContext& ctx) { bitfield_generic(ctx, false); }
void bitfield_ro_command(CommandContext& ctx) { bitfield_generic(ctx, true); }

constexpr std::uint32_t kWriteDenyOom = kWrite;

const std::array kBitmapCommands = {
    CommandSpec{"setbit", 4, kWriteDenyOom, 1, 1, 1, setbit_command, Fanout::kNone, nullptr, "@write @bitmap @slow"},
    CommandSpec{"getbit", 3, kReadOnly | kFast, 1, 1, 1, getbit_command, Fanout::kNone, nullptr, "@read @bitmap @fast"},
    CommandSpec{"bitcount", -2, kReadOnly, 1, 1, 1, bitcount_command, Fanout::kNone, nullptr, "@read @bitmap @slow"},
    CommandSpec{"bitpos", -3, kReadOnly, 1, 1, 1, bitpos_command, Fanout::kNone, nullptr, "@read @bitmap @slow"},
    CommandSpec{"bitop", -4, kWriteDenyOom | kMultiShard, 2, -1, 1, bitop_command, Fanout::kNone, nullptr, "@write @bitmap @slow"},
    CommandSpec{"bitfield", -2, kWriteDenyOom, 1, 1, 1, bitfield_command, Fanout::kNone, nullptr, "@write @bitmap @slow"},
    CommandSpec{"bitfield_ro", -2, kReadOnly | kFast, 1, 1, 1, bitfield_ro_command, Fanout::kNone, nullptr, "@read @bitmap @fast"},
};

}  // namespace

std::span<const CommandSpec> bitmap_commands() { return kBitmapCommands; }

}  // namespace kora::server
