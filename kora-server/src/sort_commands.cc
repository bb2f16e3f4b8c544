// SORT and SORT_RO (Redis 7.0's sort.c). Options are read left to right before
// the key is looked up; errors in Redis's order.
//
// BY and GET patterns name keys that argv does not list, possibly on any shard:
// the spec's extra_shards names the shards they can reach (the shard of a hash
// tag fixed before the '*', else every shard), so that the dispatcher lends
// them all to the handler (kora-server's README: "SORT with patterns").
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "args.h"
#include "kora/core/sort_ops.h"
#include "kora/server/command.h"

namespace kora::server {
namespace {

using core::Errc;

// SORT's keys as Redis's sortGetKeys finds them: the key, then the argument
// after the last STORE (LIMIT skips two arguments, BY and GET one).
void sort_keys(std::span<const std::string_view> argv, std::vector<std::uint32_t>& out) {
  if (argv.size() < 2) return;
  out.push_back(1);
  std::optional<std::uint32_t> store;
  for (std::size_t i = 2; i < argv.size(); ++i) {
    if (iequals(argv[i], "limit")) {
      i += 2;
    } else if (iequals(argv[i], "get") || iequals(argv[i], "by")) {
      i += 1;
    } else if (iequals(argv[i], "store") && i + 1 < argv.size()) {
      store = static_cast<std::uint32_t>(i + 1);
    }
  }
  if (store) out.push_back(*store);
}

void sort_ro_keys(std::span<const std::string_view> argv, std::vector<std::uint32_t>& out) {
  if (argv.size() >= 2) out.push_back(1);
}

// The shards BY/GET patterns may reach: every argument after a BY or GET word
// counts (a superset of what the parser takes as patterns).
void sort_pattern_shards(std::span<const std::string_view> argv, const core::ShardEngine& engine,
                         std::vector<core::ShardId>& out) {
  for (std::size_t i = 2; i + 1 < argv.size(); ++i) {
    if (!iequals(argv[i], "by") && !iequals(argv[i], "get")) continue;
    const std::string_view pattern = argv[i + 1];
    if (!core::sort_pattern_reads_keys(pattern)) continue;
    if (auto tag = core::sort_pattern_fixed_tag(pattern)) {
      out.push_back(engine.shard_for(*tag));
      continue;
    }
    for (core::ShardId s = 0; s < engine.shard_count(); ++s) out.push_back(s);
    return;
  }
}

void sort_generic(CommandContext& ctx, bool readonly) {
  const auto& argv = ctx.argv;
  core::SortSpec spec;
  std::optional<std::size_t> store_at;
  for (std::size_t j = 2; j < argv.size(); ++j) {
    const std::size_t left = argv.size() - j - 1;
    if (iequals(argv[j], "asc")) {
      spec.desc = false;
    } else if (iequals(argv[j], "desc")) {
      spec.desc = true;
    } else if (iequals(argv[j], "alpha")) {
      spec.alpha = true;
    } else if (iequals(argv[j], "limit") && left >= 2) {
      auto start = to_int(argv[j + 1]);
      if (!start) return ctx.error(Errc::kNotInteger);
      auto count = to_int(argv[j + 2]);
      if (!count) return ctx.error(Errc::kNotInteger);
      spec.limit_start = *start;
      spec.limit_count = *count;
      j += 2;
    } else if (!readonly && iequals(argv[j], "store") && left >= 1) {
      store_at = ++j;
    } else if (iequals(argv[j], "by") && left >= 1) {
      spec.by = argv[++j];
    } else if (iequals(argv[j], "get") && left >= 1) {
      spec.gets.push_back(argv[++j]);
    } else {
      return ctx.error(Errc::kSyntax);
    }
  }
  spec.store = store_at.has_value();
  if (store_at && ctx.engine.shard_count() > 1) {
    // The destination must be the one the key finder named (and the plan lent).
    std::vector<std::uint32_t> keys;
    sort_keys(argv, keys);
    const bool named = keys.size() == 2 && keys[1] == *store_at;
    if (!named && ctx.engine.shard_for(argv[*store_at]) != ctx.engine.shard_for(argv[1])) {
      return ctx.error(Errc::kCrossShard);
    }
  }
  core::PatternDb pattern_db = [&ctx](std::string_view key) -> core::Db& { return ctx.db_for(key); };
  auto rows = core::op_sort(ctx.db_for(argv[1]), argv[1], spec, pattern_db, ctx.now_ms);
  if (reply_if_error(ctx, rows)) return;
  if (store_at) {
    const std::string_view dst = argv[*store_at];
    ctx.reply.integer(static_cast<std::int64_t>(core::op_sort_store(ctx.db_for(dst), dst, *rows, ctx.now_ms)));
    return;
  }
  ctx.reply.array(rows->size());
  for (const auto& r : *rows) {
    if (r) {
      ctx.reply.bulk(*r);
    } else {
      ctx.reply.null();
    }
  }
}

void sort_command(CommandContext& ctx) { sort_generic(ctx, false); }
void sort_ro_command(CommandContext& ctx) { sort_generic(ctx, true); }

// clang-format off
const std::array kSortCommands = {
    CommandSpec{"sort", -2, kWrite | kMultiShard, 1, 1, 1, sort_command, Fanout::kNone, nullptr, "@write @set @sortedset @list @slow @dangerous", sort_keys, nullptr, sort_pattern_shards},
    CommandSpec{"sort_ro", -2, kReadOnly | kMultiShard, 1, 1, 1, sort_ro_command, Fanout::kNone, nullptr, "@read @set @sortedset @list @slow @dangerous", sort_ro_keys, nullptr, sort_pattern_shards},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> sort_commands() { return kSortCommands; }

}  // namespace kora::server
