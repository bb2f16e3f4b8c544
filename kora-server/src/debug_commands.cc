// DEBUG: Redis's debugging and test-harness subcommands (debug.c) that have a
// meaning in Kora. Test suites use them as plumbing: POPULATE fills a database,
// SET-ACTIVE-EXPIRE stops the background sweep, SLEEP stalls the server,
// PROTOCOL sends one reply of each RESP type, OBJECT shows a value's internals.
//
// DEBUG runs once holding every shard (Fanout::kWhole), as Redis runs it on its
// one thread: SLEEP stalls every shard, POPULATE reaches each key's shard.
// RELOAD saves, flushes and loads the snapshot (persistence_commands.cc).
// Subcommands Kora has no meaning for (SEGFAULT...)
// get Redis's unknown-subcommand error.
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "args.h"
#include "kora/core/dump.h"
#include "kora/core/eviction.h"
#include "kora/core/key_ops.h"
#include "kora/core/list_value.h"
#include "kora/core/log.h"
#include "kora/core/numbers.h"
#include "kora/core/object.h"
#include "kora/core/string_ops.h"
#include "kora/server/command.h"
#include "persistence_commands.h"

namespace kora::server {
namespace {

using core::Errc;

void debug_help(CommandContext& ctx) {
  reply_help(ctx, "debug",
             {"DIGEST",
              "    Output a hex signature representing the current DB content.",
              "DIGEST-VALUE <key> [<key> ...]",
              "    Output a hex signature of the values of all the specified keys.",
              "ERROR <string>",
              "    Return a Redis protocol error with <string> as message. Useful for clients",
              "    unit tests to simulate Redis errors.",
              "LOG <message>",
              "    Write <message> to the server log.",
              "OBJECT <key>",
              "    Show low level info about `key` and associated value.",
              "POPULATE <count> [<prefix>] [<size>]",
              "    Create <count> string keys named key:<num>. If <prefix> is specified then",
              "    it is used instead of the 'key' prefix. These are not propagated to",
              "    replicas. Cluster slots are not respected so keys not belonging to the",
              "    current node can be created in cluster mode.",
              "PROTOCOL <type>",
              "    Reply with a test value of the specified type. <type> can be: string,",
              "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
              "    true, false.",
              "QUICKLIST-PACKED-THRESHOLD <size>",
              "    Sets the threshold for elements to be inserted as plain vs packed nodes",
              "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
              "SET-ACTIVE-EXPIRE <0|1>",
              "    Setting it to 0 disables expiring keys in background when they are not",
              "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
              "    default.",
              "SLEEP <seconds>",
              "    Stop the server for <seconds>. Decimals allowed.",
              "HELP",
              "    Prints this help."});
}

// DEBUG OBJECT key: Redis's status line; the address is the key's record, the
// serialized length that of its value in Kora's DUMP payload (without the
// payload's header and checksum: Kora's format, so not Redis's figure), lru the
// 24-bit seconds clock of its last access — or, under an LFU maxmemory-policy,
// Redis's LFU field (decay minutes << 8 | counter; lru_seconds_idle then 0).
// refcount is 1: values are not shared.
void debug_object(CommandContext& ctx) {
  core::Db& db = ctx.db_for(ctx.argv[2]);
  core::EntryRef ref = db.find(ctx.argv[2], ctx.now_ms, /*touch=*/false);
  if (!ref) return ctx.error(Errc::kNoSuchKey);
  auto info = core::op_object(db, ctx.argv[2], ctx.now_ms);
  const std::string payload = core::dump_payload(*ref.entry);
  const std::size_t serialized = payload.size() > 11 ? payload.size() - 11 : 0;
  std::int64_t idle = info ? info->idle_seconds : 0;
  long long lru = ((ctx.now_ms / 1000) - idle) & ((1 << 24) - 1);
  if (info && core::EvictionConfig::instance().lfu()) {
    const std::int64_t now_min = ctx.now_ms / 60000;
    const std::int64_t ldt = now_min - static_cast<std::uint8_t>(now_min - (info->access_field >> 8));
    lru = ((ldt & 0xffff) << 8) | (info->access_field & 0xff);
    idle = 0;
  }
  char line[512];
  int n = std::snprintf(line, sizeof line,
                        "Value at:%p refcount:1 encoding:%.*s serializedlength:%zu lru:%lld lru_seconds_idle:%lld",
                        static_cast<const void*>(ref.entry), static_cast<int>(info ? info->encoding.size() : 0),
                        info ? info->encoding.data() : "", serialized, lru, static_cast<long long>(idle));
  std::string text(line, static_cast<std::size_t>(n));
  if (ref.entry->type() == core::ValueType::kList) {
    const auto& list = static_cast<const core::ListValue&>(*ref.entry->object());
    const std::size_t nodes = list.node_count();
    std::snprintf(line, sizeof line,
                  " ql_nodes:%zu ql_avg_node:%.2f ql_listpack_max:%lld ql_compressed:%d ql_uncompressed_size:%zu",
                  nodes, nodes ? static_cast<double>(list.size()) / static_cast<double>(nodes) : 0.0,
                  static_cast<long long>(core::EncodingLimits::instance().list_max_listpack_size.load()),
                  list.compress_depth() != 0 ? 1 : 0, list.uncompressed_bytes());
    text += line;
  }
  ctx.reply.simple(text);
}

// DEBUG POPULATE count [prefix] [size]: string keys prefix:0..count-1 holding
// "value:<n>" (cut or zero-padded to `size` bytes when size > 0); keys that
// exist are left alone. Each key is written in its own shard's database.
void debug_populate(CommandContext& ctx) {
  if (ctx.argv.size() > 5) return reply_subcommand_syntax(ctx, "debug");
  auto count = to_int(ctx.argv[2]);
  if (!count || *count < 0) return ctx.error(Errc::kMustBePositive);
  std::int64_t size = 0;
  if (ctx.argv.size() == 5) {
    auto s = to_int(ctx.argv[4]);
    if (!s || *s < 0) return ctx.error(Errc::kMustBePositive);
    size = *s;
  }
  // Redis formats the key into a 128-byte buffer: a longer prefix is cut.
  std::string prefix(ctx.argv.size() >= 4 ? ctx.argv[3] : std::string_view("key"));
  core::SetOptions nx;
  nx.condition = core::SetOptions::Condition::kIfAbsent;
  std::string key, value;
  for (std::int64_t j = 0; j < *count; ++j) {
    key = prefix;
    key += ':';
    core::append_int64(key, j);
    if (key.size() > 127) key.resize(127);
    value = "value:";
    core::append_int64(value, j);
    if (size > 0) value.resize(static_cast<std::size_t>(size), '\0');
    auto r = core::op_set(ctx.db_for(key), key, value, nx, ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
  }
  ctx.reply.ok();
}

void debug_protocol(CommandContext& ctx) {
  const std::string_view name = ctx.argv[2];
  auto& w = ctx.reply;
  if (iequals(name, "string")) {
    w.bulk("Hello World");
  } else if (iequals(name, "integer")) {
    w.integer(12345);
  } else if (iequals(name, "double")) {
    w.dbl(3.141);
  } else if (iequals(name, "bignum")) {
    w.big_number("1234567999999999999999999999999999999");
  } else if (iequals(name, "null")) {
    w.null();
  } else if (iequals(name, "array") || iequals(name, "set")) {
    if (iequals(name, "array")) {
      w.array(3);
    } else {
      w.set(3);
    }
    for (int j = 0; j < 3; ++j) w.integer(j);
  } else if (iequals(name, "map")) {
    w.map(3);
    for (int j = 0; j < 3; ++j) {
      w.integer(j);
      w.boolean(j == 1);
    }
  } else if (iequals(name, "attrib")) {
    if (w.resp() >= 3) {
      w.attribute(1);
      w.bulk("key-popularity");
      w.array(2);
      w.bulk("key:123");
      w.integer(90);
    }
    w.bulk("Some real reply following the attribute");
  } else if (iequals(name, "push")) {
    if (w.resp() < 3) return w.error("ERR RESP2 is not supported by this command");
    w.push(2);
    w.bulk("server-cpu-usage");
    w.integer(42);
    w.bulk("Some real reply following the push reply");
  } else if (iequals(name, "true") || iequals(name, "false")) {
    w.boolean(iequals(name, "true"));
  } else if (iequals(name, "verbatim")) {
    w.verbatim("This is a verbatim\nstring");
  } else {
    w.error(
        "ERR Wrong protocol type name. Please use one of the following: "
        "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
  }
}

// DEBUG SLEEP seconds: stalls the server (every shard is held). As Redis, the
// argument is read with strtod: text that is not a number sleeps 0 seconds.
void debug_sleep(CommandContext& ctx) {
  const std::string arg(ctx.argv[2]);
  const double secs = std::strtod(arg.c_str(), nullptr);
  if (secs > 0) std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long long>(secs * 1e6)));
  ctx.reply.ok();
}

void debug_set_active_expire(CommandContext& ctx) {
  const std::string arg(ctx.argv[2]);
  ctx.engine.set_active_expire(std::atoi(arg.c_str()) != 0);
  ctx.reply.ok();
}

// DEBUG QUICKLIST-PACKED-THRESHOLD size: elements of at least `size` bytes
// get a list node of their own from now on; 0 restores the default (1 GB).
void debug_quicklist_packed_threshold(CommandContext& ctx) {
  auto size = parse_memory(ctx.argv[2]);
  if (!size || *size > (std::uint64_t{1} << 32) - (1 << 20)) {
    return ctx.reply.error("ERR argument must be a memory value bigger than 1 and smaller than 4gb");
  }
  const std::int64_t threshold = *size == 0 ? std::int64_t{1} << 30 : static_cast<std::int64_t>(*size);
  core::EncodingLimits::instance().list_packed_threshold.store(threshold, std::memory_order_relaxed);
  ctx.reply.ok();
}

void debug_log(CommandContext& ctx) {
  core::log(core::LogLevel::kWarning, "DEBUG LOG: %.*s", static_cast<int>(ctx.argv[2].size()), ctx.argv[2].data());
  ctx.reply.ok();
}

void debug_error(CommandContext& ctx) { ctx.reply.error(ctx.argv[2]); }

struct DebugSub {
  std::string_view name;
  int argc;  // exact; negative: at least
  void (*run)(CommandContext&);
};

constexpr DebugSub kDebugSubcommands[] = {
    {"help", 2, debug_help},          {"object", 3, debug_object},
    {"populate", -3, debug_populate}, {"protocol", 3, debug_protocol},
    {"sleep", 3, debug_sleep},        {"set-active-expire", 3, debug_set_active_expire},
    {"log", 3, debug_log},            {"error", 3, debug_error},
    {"quicklist-packed-threshold", 3, debug_quicklist_packed_threshold},
    {"reload", -2, debug_reload},     {"digest", 2, debug_digest},
    {"digest-value", -2, debug_digest_value},
};

// Redis checks each subcommand's argument count itself and answers a wrong one
// with the generic "unknown subcommand or wrong number of arguments" error.
void debug_command(CommandContext& ctx) {
  const int argc = static_cast<int>(ctx.argv.size());
  for (const DebugSub& sub : kDebugSubcommands) {
    if (!iequals(ctx.argv[1], sub.name)) continue;
    if (sub.argc > 0 ? argc != sub.argc : argc < -sub.argc) break;
    ctx.subcommand = sub.name;
    return sub.run(ctx);
  }
  ctx.rejected = true;
  reply_subcommand_syntax(ctx, "debug");
}

// clang-format off
const std::array kDebugCommands = {
    CommandSpec{"debug", -2, kAdmin | kNoScript | kLoading | kStale | kAllShards, 0, 0, 0, debug_command, Fanout::kWhole, nullptr, "@admin @slow @dangerous"},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> debug_commands() { return kDebugCommands; }

}  // namespace kora::server
