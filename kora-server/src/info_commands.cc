// INFO [section ...]: Redis 7.0's sections, in Redis's order, with Kora's real
// figures. Sections of features Kora has not (forks, AOF rewrites, replicas,
// defragmentation) report what is true of it: nothing in progress, none done.
//
// INFO runs once holding every shard (Fanout::kWhole): it reads each shard's
// key counts, lookup and expiry counts and command statistics directly.
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>
#include <string>

#include "args.h"
#include "kora/core/clock.h"
#include "kora/core/engine.h"
#include "kora/core/eviction.h"
#include "kora/server/command.h"
#include "kora/server/persistence.h"
#include "kora/server/server_state.h"
#include "client_limits.h"
#include "client_registry.h"
#include "maxmemory.h"
#include "process_stats.h"
#include "pubsub_service.h"
#include "server_shard.h"
#include "tracking.h"
#include "version.h"

namespace kora::server {
namespace {

// Redis's section names: the default set, "all" (adds commandstats and
// latencystats), "everything" (adds module-generated sections: none here).
constexpr std::array<std::string_view, 11> kDefaultSections = {
    "server", "clients", "memory", "persistence", "stats", "replication",
    "cpu", "modules", "errorstats", "cluster", "keyspace"};

struct Sections {
  std::set<std::string> names;
  bool has(std::string_view s) const { return names.count(std::string(s)) != 0; }
};

Sections wanted_sections(std::span<const std::string_view> argv) {
  Sections out;
  auto add_default = [&out] {
    for (auto s : kDefaultSections) out.names.emplace(s);
  };
  if (argv.size() == 1) {
    add_default();
    return out;
  }
  for (std::size_t i = 1; i < argv.size(); ++i) {
    std::string name(argv[i]);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "default") {
      add_default();
    } else if (name == "all" || name == "everything") {
      add_default();
      out.names.emplace("commandstats");
      out.names.emplace("latencystats");
    } else {
      out.names.emplace(std::move(name));
    }
  }
  return out;
}

// Redis's %.2f / %.3f style figures.
std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// A percentile's name in latencystats: "p50", "p99.9" (Redis's %f with the
// trailing zeros cut).
std::string percentile_name(double p) {
  std::string t = fixed(p, 6);
  while (!t.empty() && t.back() == '0') t.pop_back();
  if (!t.empty() && t.back() == '.') t.pop_back();
  return "p" + t;
}

class InfoText {
 public:
  void section(std::string_view title) {
    if (!text_.empty()) text_ += "\r\n";
    text_.append("# ").append(title).append("\r\n");
  }
  void line(std::string_view k, std::string_view v) { text_.append(k).append(":").append(v).append("\r\n"); }
  void line(std::string_view k, std::uint64_t v) { line(k, std::string_view(std::to_string(v))); }
  void line_i(std::string_view k, std::int64_t v) { line(k, std::string_view(std::to_string(v))); }
  std::string& text() { return text_; }

 private:
  std::string text_;
};

struct Totals {
  std::int64_t keys[core::Shard::kDbCount] = {};
  std::int64_t expires[core::Shard::kDbCount] = {};
  std::uint64_t hits = 0, misses = 0, expired = 0, dirty = 0, evicted = 0;
};

Totals collect(core::ShardEngine& engine) {
  Totals t;
  for (core::ShardId s = 0; s < engine.shard_count(); ++s) {
    core::Shard& shard = engine.shard(s);
    t.dirty += ServerShard::of(shard).dirty;
    MemoryMeter::instance().publish(shard);  // used_memory nets out the arenas' free space
    for (int i = 0; i < core::Shard::kDbCount; ++i) {
      const core::Db& db = shard.db(i);
      t.keys[i] += static_cast<std::int64_t>(db.size());
      t.expires[i] += static_cast<std::int64_t>(db.expires_count());
      t.hits += db.stats().hits;
      t.misses += db.stats().misses;
      t.expired += db.stats().expired;
      t.evicted += db.stats().evicted;
    }
  }
  return t;
}

void server_section(InfoText& out, const ServerState& server, std::int64_t now) {
  utsname u{};
  uname(&u);
  const std::int64_t uptime = (now - server.start_time_ms()) / 1000;
  out.section("Server");
  out.line("redis_version", kRedisVersion);
  out.line("kora_version", kKoraVersion);
  out.line("redis_git_sha1", "00000000");
  out.line("redis_git_dirty", "0");
  out.line("redis_mode", "standalone");
  out.line("os", std::string(u.sysname) + " " + u.release + " " + u.machine);
  out.line("arch_bits", std::to_string(sizeof(void*) * 8));
  out.line("monotonic_clock", "POSIX clock_gettime");
  out.line("multiplexing_api", "epoll");
  out.line("atomicvar_api", "c11-builtin");
#if defined(__clang__)
  out.line("gcc_version", "0.0.0");
#elif defined(__GNUC__)
  out.line("gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                              std::to_string(__GNUC_PATCHLEVEL__));
#endif
  out.line_i("process_id", getpid());
  out.line("process_supervised", "no");
  out.line("run_id", server.run_id());
  out.line("tcp_port", std::uint64_t{server.tcp_port()});
  out.line_i("server_time_usec", now * 1000);
  out.line_i("uptime_in_seconds", uptime);
  out.line_i("uptime_in_days", uptime / 86400);
  const std::string hz = std::to_string(core::background_hz().load(std::memory_order_relaxed));
  out.line("hz", hz);
  out.line("configured_hz", hz);
  out.line_i("lru_clock", (now / 1000) & ((1 << 24) - 1));
  out.line("shards", std::uint64_t{server.shard_count});
  out.line("executable", server.executable);
  out.line("config_file", server.config_file);
  out.line("io_threads_active", "0");
}

void memory_section(InfoText& out) {
  const ProcessMemory m = process_memory();
  const std::uint64_t used = m.allocated;
  const std::uint64_t peak = observe_peak(used);
  const std::uint64_t startup = std::min(startup_memory(), used);
  const std::uint64_t overhead = std::min(used, startup);
  const std::uint64_t dataset = used - overhead;
  const std::uint64_t net = used > startup ? used - startup : 0;
  const auto ratio = [](std::uint64_t a, std::uint64_t b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0; };
  const auto diff = [](std::uint64_t a, std::uint64_t b) { return static_cast<std::int64_t>(a) - static_cast<std::int64_t>(b); };
  out.section("Memory");
  out.line("used_memory", used);
  out.line("used_memory_human", human_bytes(used));
  out.line("used_memory_rss", m.rss);
  out.line("used_memory_rss_human", human_bytes(m.rss));
  out.line("used_memory_peak", peak);
  out.line("used_memory_peak_human", human_bytes(peak));
  out.line("used_memory_peak_perc", fixed(ratio(used, peak) * 100, 2) + "%");
  out.line("used_memory_overhead", overhead);
  out.line("used_memory_startup", startup);
  out.line("used_memory_dataset", dataset);
  out.line("used_memory_dataset_perc", fixed(ratio(dataset, net) * 100 > 100 ? 100 : ratio(dataset, net) * 100, 2) + "%");
  out.line("allocator_allocated", m.allocated);
  out.line("allocator_active", m.active);
  out.line("allocator_resident", m.active);
  const std::uint64_t total = total_system_memory();
  out.line("total_system_memory", total);
  out.line("total_system_memory_human", human_bytes(total));
  out.line("used_memory_lua", "0");
  out.line("used_memory_vm_eval", "0");
  out.line("used_memory_lua_human", "0B");
  out.line("used_memory_scripts_eval", "0");
  out.line("number_of_cached_scripts", "0");
  out.line("number_of_functions", "0");
  out.line("number_of_libraries", "0");
  out.line("used_memory_vm_functions", "0");
  out.line("used_memory_vm_total", "0");
  out.line("used_memory_vm_total_human", "0B");
  out.line("used_memory_functions", "0");
  out.line("used_memory_scripts", "0");
  out.line("used_memory_scripts_human", "0B");
  const auto& ev = core::EvictionConfig::instance();
  const auto maxmemory = static_cast<std::uint64_t>(ev.maxmemory.load(std::memory_order_relaxed));
  out.line("maxmemory", maxmemory);
  out.line("maxmemory_human", human_bytes(maxmemory));
  out.line("maxmemory_policy", std::string(core::policy_name(ev.policy())));
  out.line("allocator_frag_ratio", fixed(ratio(m.active, m.allocated), 2));
  out.line_i("allocator_frag_bytes", diff(m.active, m.allocated));
  out.line("allocator_rss_ratio", fixed(1.0, 2));
  out.line("allocator_rss_bytes", "0");
  out.line("rss_overhead_ratio", fixed(ratio(m.rss, m.active), 2));
  out.line_i("rss_overhead_bytes", diff(m.rss, m.active));
  out.line("mem_fragmentation_ratio", fixed(ratio(m.rss, used), 2));
  out.line_i("mem_fragmentation_bytes", diff(m.rss, used));
  out.line("mem_not_counted_for_evict", "0");
  out.line("mem_replication_backlog", "0");
  out.line("mem_total_replication_buffers", "0");
  out.line("mem_clients_slaves", "0");
  out.line("mem_cluster_links", "0");
  out.line("mem_aof_buffer", "0");
  out.line("mem_allocator", allocator_name());
  out.line("active_defrag_running", "0");
  out.line("lazyfree_pending_objects", "0");
  out.line("lazyfreed_objects", "0");
}

void persistence_section(InfoText& out, const ServerState& server, const Totals& t) {
  out.section("Persistence");
  out.line("loading", "0");
  out.line("async_loading", "0");
  out.line("current_cow_peak", "0");
  out.line("current_cow_size", "0");
  out.line("current_cow_size_age", "0");
  out.line("current_fork_perc", "0.00");
  out.line("current_save_keys_processed", "0");
  out.line("current_save_keys_total", "0");
  const Persistence& p = Persistence::instance();  // snapshots: kora/server/persistence.h
  out.line("rdb_changes_since_last_save", t.dirty - std::min(t.dirty, p.dirty_at_save()));
  out.line("rdb_bgsave_in_progress", p.bgsave_in_progress() ? "1" : "0");
  out.line_i("rdb_last_save_time", p.lastsave_s());
  out.line("rdb_last_bgsave_status", p.last_bgsave_ok() ? "ok" : "err");
  out.line_i("rdb_last_bgsave_time_sec", p.last_bgsave_time_sec());
  out.line_i("rdb_current_bgsave_time_sec", p.current_bgsave_time_sec());
  out.line_i("rdb_saves", static_cast<std::int64_t>(p.saves()));
  out.line("rdb_last_cow_size", "0");
  out.line_i("rdb_last_load_keys_expired", static_cast<std::int64_t>(p.last_load_keys_expired()));
  out.line_i("rdb_last_load_keys_loaded", static_cast<std::int64_t>(p.last_load_keys_loaded()));
  out.line("aof_enabled", "0");
  out.line("aof_rewrite_in_progress", "0");
  out.line("aof_rewrite_scheduled", "0");
  out.line("aof_last_rewrite_time_sec", "-1");
  out.line("aof_current_rewrite_time_sec", "-1");
  out.line("aof_last_bgrewrite_status", "ok");
  out.line("aof_rewrites", "0");
  out.line("aof_rewrites_consecutive_failures", "0");
  out.line("aof_last_write_status", "ok");
  out.line("aof_last_cow_size", "0");
  out.line("module_fork_in_progress", "0");
  out.line("module_fork_last_cow_size", "0");
}

void stats_section(InfoText& out, const ServerState& server, const Totals& t) {
  out.section("Stats");
  out.line("total_connections_received", server.total_connections.load());
  out.line("total_commands_processed", server.total_commands.load());
  const ClientLimits& lim = ClientLimits::instance();
  const InstantRates rates = instantaneous_rates();
  out.line("instantaneous_ops_per_sec", rates.ops);
  out.line("total_net_input_bytes", lim.net_input_bytes.load(std::memory_order_relaxed));
  out.line("total_net_output_bytes", lim.net_output_bytes.load(std::memory_order_relaxed));
  out.line("total_net_repl_input_bytes", "0");
  out.line("total_net_repl_output_bytes", "0");
  out.line("instantaneous_input_kbps", fixed(rates.input_kbps, 2));
  out.line("instantaneous_output_kbps", fixed(rates.output_kbps, 2));
  out.line("instantaneous_input_repl_kbps", "0.00");
  out.line("instantaneous_output_repl_kbps", "0.00");
  out.line("rejected_connections", lim.rejected_connections.load(std::memory_order_relaxed));
  out.line("sync_full", "0");
  out.line("sync_partial_ok", "0");
  out.line("sync_partial_err", "0");
  out.line("expired_keys", t.expired);
  out.line("evicted_keys", t.evicted);
  out.line("evicted_clients", "0");
  out.line("keyspace_hits", t.hits);
  out.line("keyspace_misses", t.misses);
  append_pubsub_stats(&server, [&out](std::string_view k, const std::string& v) { out.line(k, v); });
  out.line("latest_fork_usec", "0");
  out.line("total_forks", "0");
  out.line("migrate_cached_sockets", "0");
  out.line("slave_expires_tracked_keys", "0");
  out.line("active_defrag_hits", "0");
  out.line("active_defrag_misses", "0");
  out.line("active_defrag_key_hits", "0");
  out.line("active_defrag_key_misses", "0");
  out.line("total_active_defrag_time", "0");
  out.line("current_active_defrag_time", "0");
  out.line("unexpected_error_replies", "0");
  out.line("total_error_replies", ErrorStats::instance().total_errors());
  out.line("dump_payload_sanitizations", "0");
}

void replication_section(InfoText& out, const ServerState& server) {
  out.section("Replication");
  out.line("role", "master");
  out.line("connected_slaves", "0");
  out.line("master_failover_state", "no-failover");
  out.line("master_replid", server.run_id());
  out.line("master_replid2", "0000000000000000000000000000000000000000");
  out.line("master_repl_offset", "0");
  out.line("second_repl_offset", "-1");
  out.line("repl_backlog_active", "0");
  out.line("repl_backlog_size", "1048576");
  out.line("repl_backlog_first_byte_offset", "0");
  out.line("repl_backlog_histlen", "0");
}

void cpu_section(InfoText& out) {
  const CpuTimes c = process_cpu();
  out.section("CPU");
  out.line("used_cpu_sys", fixed(c.sys, 6));
  out.line("used_cpu_user", fixed(c.user, 6));
  out.line("used_cpu_sys_children", "0.000000");
  out.line("used_cpu_user_children", "0.000000");
}

// commandstats, errorstats, latencystats: the execution wrapper's counts,
// merged over every shard (all held), in Redis's order.
void stats_sections(CommandContext& ctx, const Sections& want, InfoText& out) {
  const bool commandstats = want.has("commandstats");
  const bool latencystats = want.has("latencystats");
  std::map<std::string, MergedStat> merged;
  if (commandstats || latencystats) merged = merge_command_stats(ctx.engine, latencystats);
  if (commandstats) {
    out.section("Commandstats");
    for (const auto& [name, m] : merged) {
      const double usec = static_cast<double>(m.ns) / 1000.0;
      out.line("cmdstat_" + name,
               "calls=" + std::to_string(m.calls) + ",usec=" + std::to_string(m.ns / 1000) +
                   ",usec_per_call=" + fixed(m.calls ? usec / static_cast<double>(m.calls) : 0.0, 2) +
                   ",rejected_calls=" + std::to_string(m.rejected) + ",failed_calls=" + std::to_string(m.failed));
    }
  }
  if (want.has("errorstats")) {
    out.section("Errorstats");
    for (const auto& [prefix, count] : ErrorStats::instance().errors()) {
      out.line("errorstat_" + prefix, "count=" + std::to_string(count));
    }
  }
  if (latencystats) {
    out.section("Latencystats");
    const std::vector<double> percentiles = StatsConfig::instance().percentiles();
    for (const auto& [name, m] : merged) {
      if (!m.latency || m.latency->count() == 0) continue;
      std::string v;
      for (double p : percentiles) {
        if (!v.empty()) v += ',';
        v += percentile_name(p) + "=" + fixed(static_cast<double>(m.latency->percentile(p)) / 1000.0, 3);
      }
      out.line("latency_percentiles_usec_" + name, v);
    }
  }
}

void info_command(CommandContext& ctx) {
  const Sections want = wanted_sections(ctx.argv);
  const ServerState& server = *ctx.server;
  const Totals t = collect(ctx.engine);
  const std::int64_t now = core::now_ms();
  InfoText out;
  if (want.has("server")) server_section(out, server, now);
  if (want.has("clients")) {
    out.section("Clients");
    out.line_i("connected_clients", ctx.server->connected_clients.load());
    out.line("cluster_connections", "0");
    // Paused clients count as blocked, as in Redis.
    out.line("blocked_clients", std::uint64_t{ctx.server->blocked_clients()} +
                                    (ctx.server->clients ? ctx.server->clients->paused_clients() : 0));
    out.line("tracking_clients", std::uint64_t{Tracking::instance().clients()});
  }
  if (want.has("memory")) memory_section(out);
  if (want.has("persistence")) persistence_section(out, server, t);
  if (want.has("stats")) stats_section(out, server, t);
  if (want.has("replication")) replication_section(out, server);
  if (want.has("cpu")) cpu_section(out);
  if (want.has("modules")) out.section("Modules");
  stats_sections(ctx, want, out);
  if (want.has("cluster")) {
    out.section("Cluster");
    out.line("cluster_enabled", "0");
  }
  if (want.has("keyspace")) {
    out.section("Keyspace");
    for (int i = 0; i < core::Shard::kDbCount; ++i) {
      if (t.keys[i] == 0) continue;
      out.line("db" + std::to_string(i),
               "keys=" + std::to_string(t.keys[i]) + ",expires=" + std::to_string(t.expires[i]) + ",avg_ttl=0");
    }
  }
  ctx.reply.verbatim(out.text());
}

// clang-format off
const std::array kInfoCommands = {
    CommandSpec{"info", -1, kStale | kLoading | kAllShards, 0, 0, 0, info_command, Fanout::kWhole, nullptr, "@slow @dangerous"},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> info_commands() { return kInfoCommands; }

}  // namespace kora::server
