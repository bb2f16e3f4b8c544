// MEMORY (Redis's object.c memoryCommand): USAGE, STATS, DOCTOR,
// MALLOC-STATS, PURGE. Memory is the process's (process_stats.h), counted once.
// MEMORY runs on one shard (USAGE's key's, else the connection's): STATS reads
// the other shards' key counts through their thread-safe size hints.
#include <array>
#include <cstdio>
#include <string>

#include "args.h"
#include "kora/core/key_ops.h"
#include "kora/server/command.h"
#include "process_stats.h"

namespace kora::server {
namespace {

using core::Errc;

// MEMORY USAGE key [SAMPLES count]: the bytes the key holds, counted exactly
// (SAMPLES is validated as Redis does; Kora's aggregates know their size, so
// no count of samples changes the answer). Null when the key is absent.
void memory_usage(CommandContext& ctx) {
  for (std::size_t j = 3; j < ctx.argv.size(); ++j) {
    if (iequals(ctx.argv[j], "samples") && j + 1 < ctx.argv.size()) {
      auto samples = to_int(ctx.argv[++j]);
      if (!samples) return ctx.error(Errc::kNotInteger);
      if (*samples < 0) return ctx.error(Errc::kSyntax);
    } else {
      return ctx.error(Errc::kSyntax);
    }
  }
  auto bytes = core::op_memory_usage(ctx.db(), ctx.argv[2]);
  if (!bytes) return ctx.reply.null();
  ctx.reply.integer(static_cast<std::int64_t>(*bytes));
}

// The figures STATS and DOCTOR share (Redis's getMemoryOverheadData).
struct Overhead {
  ProcessMemory m;
  std::uint64_t peak = 0, startup = 0, overhead = 0, dataset = 0, keys = 0;
  std::uint64_t db_keys[core::Shard::kDbCount] = {};
  std::uint64_t db_expires_hint[core::Shard::kDbCount] = {};
};

Overhead overhead(CommandContext& ctx) {
  Overhead o;
  o.m = process_memory();
  o.peak = observe_peak(o.m.allocated);
  o.startup = std::min(startup_memory(), o.m.allocated);
  for (core::ShardId s = 0; s < ctx.engine.shard_count(); ++s) {
    for (int db = 0; db < core::Shard::kDbCount; ++db) {
      o.db_keys[db] += ctx.engine.shard(s).db(db).size_hint();
    }
  }
  // Key slots of the main tables: one bucket pointer per key at load factor 1.
  std::uint64_t table_bytes = 0;
  for (int db = 0; db < core::Shard::kDbCount; ++db) {
    o.keys += o.db_keys[db];
    table_bytes += o.db_keys[db] * sizeof(void*);
  }
  o.overhead = std::min(o.m.allocated, o.startup + table_bytes);
  o.dataset = o.m.allocated - o.overhead;
  return o;
}

double ratio(std::uint64_t a, std::uint64_t b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0; }

// MEMORY STATS: Redis 7.0's fields, in its order (a map in RESP3).
void memory_stats(CommandContext& ctx) {
  const Overhead o = overhead(ctx);
  const auto& m = o.m;
  std::size_t dbs = 0;
  for (int db = 0; db < core::Shard::kDbCount; ++db) dbs += o.db_keys[db] != 0;
  auto& w = ctx.reply;
  w.map(27 + dbs);
  auto num = [&w](std::string_view k, std::int64_t v) {
    w.bulk(k);
    w.integer(v);
  };
  auto dbl = [&w](std::string_view k, double v) {
    w.bulk(k);
    w.dbl(v);
  };
  const auto i = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
  num("peak.allocated", i(o.peak));
  num("total.allocated", i(m.allocated));
  num("startup.allocated", i(o.startup));
  num("replication.backlog", 0);
  num("clients.slaves", 0);
  num("clients.normal", 0);
  num("cluster.links", 0);
  num("aof.buffer", 0);
  num("lua.caches", 0);
  num("functions.caches", 0);
  for (int db = 0; db < core::Shard::kDbCount; ++db) {
    if (o.db_keys[db] == 0) continue;
    w.bulk("db." + std::to_string(db));
    w.map(2);
    num("overhead.hashtable.main", i(o.db_keys[db] * sizeof(void*)));
    num("overhead.hashtable.expires", 0);
  }
  num("overhead.total", i(o.overhead));
  num("keys.count", i(o.keys));
  num("keys.bytes-per-key", o.keys ? i((m.allocated - o.startup) / o.keys) : 0);
  num("dataset.bytes", i(o.dataset));
  dbl("dataset.percentage", m.allocated > o.startup ? ratio(o.dataset, m.allocated - o.startup) * 100 : 0);
  dbl("peak.percentage", ratio(m.allocated, o.peak) * 100);
  num("allocator.allocated", i(m.allocated));
  num("allocator.active", i(m.active));
  num("allocator.resident", i(m.active));
  dbl("allocator-fragmentation.ratio", ratio(m.active, m.allocated));
  num("allocator-fragmentation.bytes", i(m.active) - i(m.allocated));
  dbl("allocator-rss.ratio", 1.0);
  num("allocator-rss.bytes", 0);
  dbl("rss-overhead.ratio", ratio(m.rss, m.active));
  num("rss-overhead.bytes", i(m.rss) - i(m.active));
  dbl("fragmentation", ratio(m.rss, m.allocated));
  num("fragmentation.bytes", i(m.rss) - i(m.allocated));
}

// MEMORY DOCTOR: Redis's report, from the same checks over Kora's figures
// (no replicas and no scripts yet, so their checks never fire).
void memory_doctor(CommandContext& ctx) {
  const Overhead o = overhead(ctx);
  const auto& m = o.m;
  constexpr std::uint64_t k10mb = 10u << 20;
  const bool empty = m.allocated < 5u * 1024 * 1024;
  const bool big_peak = !empty && ratio(o.peak, m.allocated) > 1.5;
  const bool high_frag = !empty && ratio(m.rss, m.allocated) > 1.4 && m.rss > m.allocated + k10mb;
  const bool high_alloc_frag = !empty && ratio(m.active, m.allocated) > 1.1 && m.active > m.allocated + k10mb;
  const bool high_proc_rss = !empty && ratio(m.rss, m.active) > 1.1 && m.rss > m.active + k10mb;
  std::string s;
  if (empty) {
    s = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these "
        "conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be "
        "back to our programming as soon as I finished rebooting.\n";
  } else if (!big_peak && !high_frag && !high_alloc_frag && !high_proc_rss) {
    s = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
  } else {
    s = "Sam, I detected a few issues in this Redis instance memory implants:\n\n";
    if (big_peak) {
      s += " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The "
           "allocator is normally not able to release memory after a peak, so you can expect to see a big "
           "fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the "
           "Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as "
           "soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want "
           "to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to "
           "shutdown and restart the instance.\n\n";
    }
    if (high_frag) {
      s += std::string(" * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 "
                       "(this means that the Resident Set Size of the Redis process is much larger than the sum of the "
                       "logical allocations Redis performed). This problem is usually due either to a large peak "
                       "memory (check if there is a peak memory entry above in the report) or may result from a "
                       "workload that causes the allocator to fragment memory a lot. If the problem is a large peak "
                       "memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and "
                       "not the default libc malloc. Note: The currently used allocator is \"") +
           allocator_name() + "\".\n\n";
    }
    if (high_alloc_frag) {
      s += " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. "
           "This problem is usually due either to a large peak memory (check if there is a peak memory entry above "
           "in the report) or may result from a workload that causes the allocator to fragment memory a lot. You "
           "can try enabling 'activedefrag' config option.\n\n";
    }
    if (high_proc_rss) {
      s += " * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 "
           "(this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator "
           "holds). This problem may be due to Lua scripts or Modules.\n\n";
    }
    s += "I'm here to keep you safe, Sam. I want to help you.\n";
  }
  ctx.reply.verbatim(s);
}

void memory_malloc_stats(CommandContext& ctx) { ctx.reply.verbatim(allocator_report()); }

void memory_purge(CommandContext& ctx) {
  allocator_purge();
  ctx.reply.ok();
}

void memory_help(CommandContext& ctx) {
  reply_help(ctx, "memory",
             {"DOCTOR", "    Return memory problems reports.", "MALLOC-STATS",
              "    Return internal statistics report from the memory allocator.", "PURGE",
              "    Attempt to purge dirty pages for reclamation by the allocator.", "STATS",
              "    Return information about the memory usage of the server.", "USAGE <key> [SAMPLES <count>]",
              "    Return memory in bytes used by <key> and its value. Nested values are",
              "    sampled up to <count> times (default: 5, 0 means sample all).", "HELP", "    Prints this help."});
}

constexpr std::array kMemorySubcommands = {
    Subcommand{"usage", -3, memory_usage},   Subcommand{"stats", 2, memory_stats},
    Subcommand{"doctor", 2, memory_doctor},  Subcommand{"malloc-stats", 2, memory_malloc_stats},
    Subcommand{"purge", 2, memory_purge},    Subcommand{"help", 2, memory_help},
};

void memory_command(CommandContext& ctx) { dispatch_subcommand(ctx, "memory", kMemorySubcommands); }

// clang-format off
const std::array kMemoryCommands = {
    CommandSpec{"memory", -2, kReadOnly, 2, 2, 1, memory_command, Fanout::kNone, nullptr, "@read @slow"},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> memory_commands() { return kMemoryCommands; }

}  // namespace kora::server
