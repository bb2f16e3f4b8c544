// CONFIG GET / SET / RESETSTAT / REWRITE over one table of parameters, with
// Redis 7.0's names, aliases, ranges and error texts.
#include <array>
#include <atomic>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "scripting.h"
#include "args.h"
#include "config.h"
#include "kora/server/config_settings.h"
#include "kora/core/glob.h"
#include "kora/core/object.h"
#include "kora/core/numbers.h"
#include "kora/server/command.h"
#include "kora/server/persistence.h"
#include "kora/server/server_state.h"
#include "acl.h"
#include "server_shard.h"
#include "client_limits.h"
#include "maxmemory.h"
#include "kora/core/eviction.h"

namespace kora::server {
namespace {

using core::Errc;

struct ConfigParam {
  std::string_view name;
  std::string_view alias;  // Redis 7's old "ziplist" name, if any
  std::atomic<std::int64_t>* value;  // nullptr: a fixed value (fixed_text) or a list
  std::int64_t min;
  std::int64_t max;
  std::string_view fixed_text;  // immutable parameters: what CONFIG GET reports
  // kMemory: Redis's MEMORY_CONFIG numbers ("3000", "1kb", "2mb"...), checked as unsigned.
  enum class Kind : unsigned char { kInt, kBool, kPercentiles, kMemory, kCustom } kind = Kind::kInt;
  const CustomConfig* custom = nullptr;  // kCustom: the owner's get/check/apply (config.h)
};

const std::vector<ConfigParam>& params() {
  auto& l = core::EncodingLimits::instance();
  auto& st = StatsConfig::instance();
  auto& ev = core::EvictionConfig::instance();
  auto& lim = ClientLimits::instance();
  using Kind = ConfigParam::Kind;
  static const std::vector<ConfigParam> kParams = {
      {"slowlog-log-slower-than", {}, &st.slowlog_log_slower_than, -1, LLONG_MAX, {}},
      {"slowlog-max-len", {}, &st.slowlog_max_len, 0, LLONG_MAX, {}},
      {"latency-monitor-threshold", {}, &st.latency_monitor_threshold, 0, LLONG_MAX, {}},
      {"latency-tracking", {}, &st.latency_tracking, 0, 1, {}, Kind::kBool},
      {"latency-tracking-info-percentiles", {}, nullptr, 0, 0, {}, Kind::kPercentiles},
      {"hash-max-listpack-entries", "hash-max-ziplist-entries", &l.hash_max_listpack_entries, 0, LLONG_MAX, {}},
      {"hash-max-listpack-value", "hash-max-ziplist-value", &l.hash_max_listpack_value, 0, LLONG_MAX, {}, Kind::kMemory},
      {"set-max-intset-entries", {}, &l.set_max_intset_entries, 0, LLONG_MAX, {}},
      {"list-max-listpack-size", "list-max-ziplist-size", &l.list_max_listpack_size, INT_MIN, INT_MAX, {}},
      {"list-compress-depth", {}, &l.list_compress_depth, 0, INT_MAX, {}},
      {"hz", {}, nullptr, 0, 0, {}, Kind::kCustom, &kHzConfig},
      {"loglevel", {}, nullptr, 0, 0, {}, Kind::kCustom, &kLogLevelConfig},
      {"logfile", {}, nullptr, 0, 0, {}, Kind::kCustom, &kLogFileConfig},
      {"zset-max-listpack-entries", "zset-max-ziplist-entries", &l.zset_max_listpack_entries, 0, LLONG_MAX, {}},
      {"zset-max-listpack-value", "zset-max-ziplist-value", &l.zset_max_listpack_value, 0, LLONG_MAX, {}, Kind::kMemory},
      {"hll-sparse-max-bytes", {}, &l.hll_sparse_max_bytes, 0, LLONG_MAX, {}, Kind::kMemory},
      {"stream-node-max-bytes", {}, &l.stream_node_max_bytes, 0, LONG_MAX, {}, Kind::kMemory},
      {"stream-node-max-entries", {}, &l.stream_node_max_entries, 0, LLONG_MAX, {}},
      {"notify-keyspace-events", {}, nullptr, 0, 0, {}, Kind::kCustom, &kNotifyKeyspaceEventsConfig},
      {"client-output-buffer-limit", {}, nullptr, 0, 0, {}, Kind::kCustom, &kClientOutputBufferLimitConfig},
      // maxmemory and eviction (kora/core/eviction.h, maxmemory.h).
      {"maxmemory", {}, &ev.maxmemory, 0, LLONG_MAX, {}, Kind::kMemory},
      {"maxmemory-policy", {}, nullptr, 0, 0, {}, Kind::kCustom, &kMaxmemoryPolicyConfig},
      {"maxmemory-samples", {}, &ev.samples, 1, INT_MAX, {}},
      {"maxmemory-eviction-tenacity", {}, &ev.tenacity, 0, 100, {}},
      {"lfu-log-factor", {}, &ev.lfu_log_factor, 0, INT_MAX, {}},
      {"lfu-decay-time", {}, &ev.lfu_decay_time, 0, INT_MAX, {}},
      // Client limits (client_limits.h).
      {"maxclients", {}, &lim.maxclients, 1, UINT_MAX, {}},
      {"timeout", {}, &lim.timeout, 0, INT_MAX, {}},
      {"tcp-keepalive", {}, &lim.tcp_keepalive, 0, INT_MAX, {}},
      {"proto-max-bulk-len", {}, &lim.proto_max_bulk_len, 1024 * 1024, LLONG_MAX, {}, Kind::kMemory},
      {"client-query-buffer-limit", {}, &lim.client_query_buffer_limit, 1024 * 1024, LLONG_MAX, {}, Kind::kMemory},
      // Facts of this build, reported for clients that ask; settable only to
      // the value they have.
      {"databases", {}, nullptr, 0, 0, "16"},
      // Snapshots (persistence_commands.cc, kora/server/persistence.h).
      {"save", {}, nullptr, 0, 0, {}, Kind::kCustom, &kSaveConfig},
      {"dir", {}, nullptr, 0, 0, {}, Kind::kCustom, &kDirConfig},
      {"dbfilename", {}, nullptr, 0, 0, {}, Kind::kCustom, &kDbfilenameConfig},
      {"snapshot-interval-secs", {}, &Persistence::instance().snapshot_interval_secs, 0, INT_MAX, {}},
      {"snapshot-retain", {}, &Persistence::instance().snapshot_retain, 1, 1000, {}},
      {"appendonly", {}, nullptr, 0, 0, "no"},
      {"requirepass", {}, nullptr, 0, 0, {}, Kind::kCustom, &kRequirepassConfig},
      {"aclfile", {}, nullptr, 0, 0, {}, Kind::kCustom, &kAclfileConfig},
      {"acl-pubsub-default", {}, nullptr, 0, 0, {}, Kind::kCustom, &kAclPubsubDefaultConfig},
      {"acllog-max-len", {}, &AclRegistry::instance().acllog_max_len, 0, LLONG_MAX, {}},
      // Scripting (scripting.h).
      {"busy-reply-threshold", "lua-time-limit", &ScriptConfig::instance().busy_reply_threshold, 0, LONG_MAX, {}},
      {"allow-undeclared-keys", {}, &ScriptConfig::instance().allow_undeclared_keys, 0, 1, {}, Kind::kBool},
      // Transports (listen_config.cc).
      {"unixsocket", {}, nullptr, 0, 0, {}, Kind::kCustom, &kUnixSocketConfig},
      {"unixsocketperm", {}, nullptr, 0, 0, {}, Kind::kCustom, &kUnixSocketPermConfig},
      {"tls-port", {}, nullptr, 0, 0, {}, Kind::kCustom, &kTlsPortConfig},
      {"tls-cert-file", {}, nullptr, 0, 0, {}, Kind::kCustom, &kTlsCertFileConfig},
      {"tls-key-file", {}, nullptr, 0, 0, {}, Kind::kCustom, &kTlsKeyFileConfig},
      {"tls-ca-cert-file", {}, nullptr, 0, 0, {}, Kind::kCustom, &kTlsCaCertFileConfig},
      {"tls-auth-clients", {}, nullptr, 0, 0, {}, Kind::kCustom, &kTlsAuthClientsConfig},
      {"tls-protocols", {}, nullptr, 0, 0, {}, Kind::kCustom, &kTlsProtocolsConfig},
      {"tls-ciphers", {}, nullptr, 0, 0, {}, Kind::kCustom, &kTlsCiphersConfig},
      {"tls-ciphersuites", {}, nullptr, 0, 0, {}, Kind::kCustom, &kTlsCiphersuitesConfig},
      {"tls-prefer-server-ciphers", {}, nullptr, 0, 0, {}, Kind::kCustom, &kTlsPreferServerCiphersConfig},
  };
  return kParams;
}

const ConfigParam* find_param(std::string_view name) {
  for (const auto& p : params()) {
    if (iequals(p.name, name) || (!p.alias.empty() && iequals(p.alias, name))) return &p;
  }
  return nullptr;
}

// A percentile as Redis prints it in CONFIG GET (%f, trailing zeros cut).
std::string percentile_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%f", v);
  std::string t(buf);
  while (!t.empty() && t.back() == '0') t.pop_back();
  if (!t.empty() && t.back() == '.') t.pop_back();
  return t;
}

std::string value_text(const ConfigParam& p) {
  if (p.kind == ConfigParam::Kind::kPercentiles) {
    std::string out;
    for (double v : StatsConfig::instance().percentiles()) {
      if (!out.empty()) out += ' ';
      out += percentile_text(v);
    }
    return out;
  }
  if (p.kind == ConfigParam::Kind::kCustom) return p.custom->get();
  if (p.kind == ConfigParam::Kind::kBool) return p.value->load(std::memory_order_relaxed) ? "yes" : "no";
  return p.value ? std::to_string(p.value->load(std::memory_order_relaxed)) : std::string(p.fixed_text);
}

// A list of percentiles ("50 99 99.9"), each in [0, 100]: the list, or the
// reason it is refused, in Redis's words.
core::Result<std::vector<double>> parse_percentiles(std::string_view text) {
  std::vector<double> out;
  for (std::string_view word : split_spaces(text)) {
    auto v = core::parse_long_double(word);
    if (!v) return core::Error{core::Errc::kSyntax, "Invalid latency-tracking-info-percentiles parameters"};
    if (*v < 0 || *v > 100) {
      return core::Error{core::Errc::kSyntax,
                         "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"};
    }
    out.push_back(static_cast<double>(*v));
  }
  return out;
}

// CONFIG GET parameter [parameter ...]: glob patterns, matched against names and aliases.
void config_get(CommandContext& ctx) {
  std::vector<std::pair<std::string_view, std::string>> out;
  std::set<std::string_view> seen;
  for (std::size_t i = 2; i < ctx.argv.size(); ++i) {
    for (const auto& p : params()) {
      for (std::string_view name : {p.name, p.alias}) {
        if (name.empty() || seen.count(name)) continue;
        if (core::glob_match(ctx.argv[i], name, true)) {
          seen.insert(name);
          out.emplace_back(name, value_text(p));
        }
      }
    }
  }
  ctx.reply.map(out.size());
  for (const auto& [name, value] : out) {
    ctx.reply.bulk(name);
    ctx.reply.bulk(value);
  }
}

// A validated CONFIG SET: the changes of every parameter, applied together
// once all of them are valid.
struct ConfigChanges {
  std::vector<std::pair<const ConfigParam*, std::int64_t>> numbers;
  std::vector<std::pair<const ConfigParam*, std::string>> custom;
  std::optional<std::vector<double>> percentiles;

  bool has(const ConfigParam* p) const {
    for (const auto& u : numbers) {
      if (u.first == p) return true;
    }
    for (const auto& u : custom) {
      if (u.first == p) return true;
    }
    return false;
  }
  void apply() {
    for (const auto& [p, v] : numbers) p->value->store(v, std::memory_order_relaxed);
    for (const auto& [p, text] : custom) p->custom->apply(text);
    if (percentiles) StatsConfig::instance().set_percentiles(std::move(*percentiles));
  }
};

// Checks `value` for parameter `p` and adds its change; the reason it is
// refused otherwise (Redis's CONFIG SET texts).
std::optional<std::string> check_value(const ConfigParam* p, std::string_view value, ConfigChanges& changes) {
  if (p->kind == ConfigParam::Kind::kCustom) {
    if (auto why = p->custom->check(value)) return why;
    changes.custom.emplace_back(p, std::string(value));
    return std::nullopt;
  }
  if (p->kind == ConfigParam::Kind::kPercentiles) {
    auto list = parse_percentiles(value);
    if (!list.ok()) return list.error().message;
    changes.percentiles = std::move(*list);
    return std::nullopt;
  }
  if (!p->value) {
    // A fact of this build (no snapshots, no AOF, no memory limit yet):
    // setting it to what it already is changes nothing and succeeds (test
    // suites disable snapshots with `save ""`); anything else would be
    // accepted and ignored, so it fails.
    if (value == p->fixed_text) return std::nullopt;
    return std::string("can't set immutable config");
  }
  if (p->kind == ConfigParam::Kind::kBool) {
    if (!iequals(value, "yes") && !iequals(value, "no")) return std::string("argument must be 'yes' or 'no'");
    changes.numbers.emplace_back(p, iequals(value, "yes") ? 1 : 0);
    return std::nullopt;
  }
  const auto range_error = [p] {
    return "argument must be between " + std::to_string(p->min) + " and " + std::to_string(p->max) + " inclusive";
  };
  if (p->kind == ConfigParam::Kind::kMemory) {
    auto m = parse_memory(value);
    if (!m) return std::string("argument must be a memory value");
    if (*m < static_cast<std::uint64_t>(p->min) || *m > static_cast<std::uint64_t>(p->max)) return range_error();
    changes.numbers.emplace_back(p, static_cast<std::int64_t>(*m));
    return std::nullopt;
  }
  auto v = to_int(value);
  if (!v) return std::string("argument couldn't be parsed into an integer");
  if (*v < p->min || *v > p->max) return range_error();
  changes.numbers.emplace_back(p, *v);
  return std::nullopt;
}

// CONFIG SET parameter value [parameter value ...]: all or nothing.
void config_set(CommandContext& ctx) {
  if (ctx.argv.size() % 2 != 0) return ctx.error(Errc::kWrongArity);
  auto failed = [&ctx](std::string_view name, std::string_view why) {
    std::string detail(name);
    detail += '\0';
    detail += why;
    ctx.reply.error(core::error_message(Errc::kConfigSetFailed, detail));
  };
  ConfigChanges changes;
  for (std::size_t i = 2; i + 1 < ctx.argv.size(); i += 2) {
    const ConfigParam* p = find_param(ctx.argv[i]);
    if (!p) {
      return ctx.reply.error(core::error_message(Errc::kConfigSetUnknown, ctx.argv[i]));
    }
    if (changes.has(p) && iequals(ctx.argv[i], p->name)) return failed(ctx.argv[i], "duplicate parameter");
    if (auto why = check_value(p, ctx.argv[i + 1], changes)) return failed(ctx.argv[i], *why);
  }
  changes.apply();
  enforce_maxmemory(ctx.engine);  // a lower maxmemory evicts now, as Redis does
  ctx.reply.ok();
}

// CONFIG RESETSTAT: command, error and latency statistics start again, on
// every shard (CONFIG runs holding them all: Fanout::kWhole), before this very
// call is counted.
void config_resetstat(CommandContext& ctx) {
  ErrorStats::instance().reset();
  for (core::ShardId s = 0; s < ctx.engine.shard_count(); ++s) {
    ServerShard::of(ctx.engine.shard(s)).reset_command_stats();
    for (int db = 0; db < core::Shard::kDbCount; ++db) ctx.engine.shard(s).db(db).reset_stats();
  }
  if (ctx.server) {
    ctx.server->total_commands.store(0, std::memory_order_relaxed);
    ctx.server->total_connections.store(0, std::memory_order_relaxed);
  }
  ctx.reply.ok();
}

void config_rewrite(CommandContext& ctx) {
  ctx.error(Errc::kNoConfigFile);
}

constexpr Subcommand kConfigSubcommands[] = {
    {"get", -3, config_get}, {"set", -4, config_set}, {"resetstat", 2, config_resetstat},
    {"rewrite", 2, config_rewrite}};

void config_command(CommandContext& ctx) { dispatch_subcommand(ctx, "config", kConfigSubcommands); }

const std::array kConfigCommands = {
    // Once, holding every shard: RESETSTAT reaches each shard's statistics.
    CommandSpec{"config", -2, kAdmin | kLoading | kStale | kAllShards, 0, 0, 0, config_command, Fanout::kWhole, nullptr, "@admin @slow @dangerous"},
};

}  // namespace

std::span<const CommandSpec> config_commands() { return kConfigCommands; }

std::optional<std::string> set_config_parameter(std::string_view name, std::string_view value) {
  const ConfigParam* p = find_param(name);
  if (!p) return std::string("unknown parameter");
  ConfigChanges changes;
  if (auto why = check_value(p, value, changes)) return why;
  changes.apply();
  return std::nullopt;
}

bool is_config_parameter(std::string_view name) { return find_param(name) != nullptr; }

}  // namespace kora::server
