// HyperLogLog commands (Redis's hyperloglog.c): handlers parse, call kora-core's
// hll_ops, and reply. Values are plain strings in Redis's own HLL format, so
// GET/SET move them between Redis and Kora unchanged.
#include <array>
#include <vector>

#include "args.h"
#include "kora/core/hll_ops.h"
#include "kora/server/command.h"

namespace kora::server {
namespace {

using core::HllKey;

// argv[1..] with the Db that owns each key (the keys may span shards).
std::vector<HllKey> all_keys(CommandContext& ctx) {
  std::vector<HllKey> keys;
  keys.reserve(ctx.argv.size() - 1);
  for (std::size_t i = 1; i < ctx.argv.size(); ++i) keys.push_back(HllKey{&ctx.db_for(ctx.argv[i]), ctx.argv[i]});
  return keys;
}

// PFADD key [element ...]
void pfadd_command(CommandContext& ctx) {
  auto r = core::op_pfadd(ctx.db(), ctx.argv[1], ctx.argv.subspan(2), ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(*r ? 1 : 0);
}

// PFCOUNT key [key ...]: one key reads (and may refresh) its cached estimate;
// several keys estimate their union.
void pfcount_command(CommandContext& ctx) {
  if (ctx.argv.size() == 2) {
    auto r = core::op_pfcount(ctx.db_for(ctx.argv[1]), ctx.argv[1], ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    ctx.reply.integer(static_cast<std::int64_t>(*r));
    return;
  }
  auto keys = all_keys(ctx);
  auto r = core::op_pfcount_union(keys, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

// PFMERGE destkey [sourcekey ...]
void pfmerge_command(CommandContext& ctx) {
  auto keys = all_keys(ctx);
  auto r = core::op_pfmerge(keys, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.ok();
}

// PFDEBUG <GETREG | DECODE | ENCODING | TODENSE> key
void pfdebug_command(CommandContext& ctx) {
  using core::HllDebug;
  const std::string_view name = ctx.argv[1];
  HllDebug sub = HllDebug::kUnknown;
  if (iequals(name, "getreg")) sub = HllDebug::kGetReg;
  else if (iequals(name, "decode")) sub = HllDebug::kDecode;
  else if (iequals(name, "encoding")) sub = HllDebug::kEncoding;
  else if (iequals(name, "todense")) sub = HllDebug::kToDense;
  auto r = core::op_pfdebug(ctx.db(), sub, name, ctx.argv[2], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  switch (sub) {
    case HllDebug::kGetReg:
      ctx.reply.array(r->registers.size());
      for (std::uint8_t v : r->registers) ctx.reply.integer(v);
      break;
    case HllDebug::kDecode:
      ctx.reply.bulk(r->text);
      break;
    case HllDebug::kEncoding:
      ctx.reply.simple(r->text);
      break;
    case HllDebug::kToDense:
      ctx.reply.integer(r->converted ? 1 : 0);
      break;
    case HllDebug::kUnknown:
      break;  // op_pfdebug reported it
  }
}

// PFSELFTEST
void pfselftest_command(CommandContext& ctx) {
  auto r = core::op_pfselftest();
  if (reply_if_error(ctx, r)) return;
  ctx.reply.ok();
}

constexpr std::uint32_t kWriteDenyOom = kWrite;  // Kora has no maxmemory yet

const std::array kHllCommands = {
    CommandSpec{"pfadd", -2, kWriteDenyOom | kFast, 1, 1, 1, pfadd_command, Fanout::kNone, nullptr, "@write @hyperloglog @fast"},
    // Read-only as in Redis, though one key may have its cached estimate
    // refreshed (a write the change feed sees as the command itself).
    CommandSpec{"pfcount", -2, kReadOnly | kMultiShard, 1, -1, 1, pfcount_command, Fanout::kNone, nullptr, "@read @hyperloglog @slow"},
    CommandSpec{"pfmerge", -2, kWriteDenyOom | kMultiShard, 1, -1, 1, pfmerge_command, Fanout::kNone, nullptr, "@write @hyperloglog @slow"},
    CommandSpec{"pfdebug", 3, kWriteDenyOom | kAdmin, 2, 2, 1, pfdebug_command, Fanout::kNone, nullptr, "@write @hyperloglog @admin @slow @dangerous"},
    CommandSpec{"pfselftest", 1, kAdmin, 0, 0, 0, pfselftest_command, Fanout::kNone, nullptr, "@hyperloglog @admin @slow @dangerous"},
};

}  // namespace

std::span<const CommandSpec> hll_commands() { return kHllCommands; }

}  // namespace kora::server
