#pragma once
// ServerShard: kora-server's state inside each shard (a core::ShardModuleState):
// command statistics, the slow log and latency events of commands that ran on
// the shard, the watch table (WATCH) and the clients blocked on its keys
// (BLPOP...). Like all shard data it is touched only by the thread holding the
// shard, so none of it needs a lock; commands that report it (INFO, SLOWLOG,
// LATENCY) hold every shard and merge.
//
// It listens to the shard's key events only while a key is watched or a client
// is blocked, so that with neither the keyspace pays nothing for it.

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kora/core/shard.h"
#include "kora/observability/latency_histogram.h"
#include "kora/server/call.h"
#include "kora/server/command.h"

namespace kora::server {

// One WATCH session of one client: set dirty by any shard on which a watched
// key is touched. A new session starts after EXEC, DISCARD or UNWATCH, so a late
// mark on an old session never reaches the next transaction.
struct WatchSession {
  std::atomic<bool> dirty{false};
};

// A client waiting in a blocking command. Registered under each of its keys in
// the key's shard (in arrival order); whoever first claims it (a shard serving
// it, its timeout, CLIENT UNBLOCK, a disconnect) answers it, exactly once.
struct BlockedClient {
  std::atomic<bool> done{false};
  std::uint64_t client_id = 0;
  const CommandSpec* spec = nullptr;
  std::vector<std::string> argv;  // the command as sent
  int db = 0;
  int resp = 2;
  std::int64_t deadline_ms = 0;   // 0: forever
  core::ValueType wants = core::ValueType::kList;  // the type that can serve it
  std::vector<std::pair<core::ShardId, std::string>> keys;  // where it is registered
  // When set, whether a write to `key` (holding `e`, of type `wants`) can
  // serve it; a waiter it says no to stays blocked (XREAD waits for an id
  // beyond the one it read from, not for any change). Unset: any value of
  // type `wants` serves it (the list commands). Runs on the key's shard.
  std::function<bool(std::string_view key, const core::Entry& e)> ready;
  // When not empty, the error it is answered with as soon as a key it waits on
  // is deleted or holds another type (XREADGROUP: Redis's UNBLOCKED the stream
  // key no longer exists); otherwise such a client stays blocked.
  std::string gone_error;
  // Answers the client; callable from any thread, must not block. `retry`: the
  // command could not be served where its key became ready (its other key is
  // on another shard): run it again from the start.
  std::function<void(std::string reply, bool retry)> deliver;

  bool try_claim() { return !done.exchange(true, std::memory_order_acq_rel); }
};

// A command's latencies (ns) on one shard: counts in log-linear buckets, 8 per
// power of two (at most 12.5% wide) — observability::LatencyHistogram's buckets
// at precision 3, so that merging into one for reporting is exact — with an
// inline record() of a few instructions: the execution wrapper times every
// command. On cache lines of its own (shards are written by different threads).
struct alignas(64) NsHistogram {
  static constexpr int kPrecision = 3;
  static constexpr std::size_t kBuckets = (64 << kPrecision) + (2 << kPrecision);
  std::array<std::uint64_t, kBuckets> counts{};

  static std::size_t bucket_of(std::uint64_t v) {
    const int magnitude = static_cast<int>(std::bit_width(v)) - 1;  // -1 for 0
    const int shift = magnitude > kPrecision ? magnitude - kPrecision : 0;
    return (static_cast<std::size_t>(shift) << kPrecision) + static_cast<std::size_t>(v >> shift);
  }
  // The smallest value of bucket `i`.
  static std::uint64_t lowest(std::size_t i) {
    if (i < (2u << kPrecision)) return i;
    const std::size_t shift = (i >> kPrecision) - 1;
    return static_cast<std::uint64_t>(i - (shift << kPrecision)) << shift;
  }
  void record(std::uint64_t ns) { ++counts[bucket_of(ns)]; }
  // Adds these counts to `out` (a LatencyHistogram of precision 3).
  void merge_into(observability::LatencyHistogram& out) const {
    for (std::size_t i = 0; i < kBuckets; ++i) {
      if (counts[i] != 0) out.record(lowest(i), counts[i]);
    }
  }
};

// One command's counts on one shard; a cache line each (see NsHistogram).
struct alignas(64) CommandStat {
  std::uint64_t calls = 0;
  std::uint64_t timed = 0;  // calls whose time was measured (all but sampled ones)
  std::uint64_t ns = 0;     // their total time
  std::uint64_t failed = 0;
  std::unique_ptr<NsHistogram> latency;  // made on first call
};

struct SlowlogEntry {
  std::uint64_t id;
  std::int64_t time_s;
  std::uint64_t duration_us;
  std::vector<std::string> argv;
  std::string addr;
  std::string name;
};

struct LatencySample {
  std::int64_t time_s;
  std::uint64_t ms;
};

class alignas(64) ServerShard final : public core::ShardModuleState, public core::KeyListener {
 public:
  // The state of `shard`, created on first use. Precondition: the caller holds it.
  static ServerShard& of(core::Shard& shard) {
    if (auto* s = shard.module_state(kSlot)) return static_cast<ServerShard&>(*s);
    return create(shard);
  }

  explicit ServerShard(core::Shard& shard);
  ~ServerShard() override;

  // --- statistics (indexed by CommandSpec::id) ---
  std::vector<CommandStat> stats;
  std::map<std::string, CommandStat> sub_stats;  // "config|get" ...
  std::deque<SlowlogEntry> slowlog;                       // newest first
  std::map<std::string, std::deque<LatencySample>> latency;  // event -> newest last
  // CONFIG RESETSTAT: calls, failures, latency histograms (not the slow log).
  void reset_command_stats();
  // Changes made by commands run on this shard (Redis's server.dirty; with no
  // saves yet, INFO's rdb_changes_since_last_save is their sum). Not reset.
  std::uint64_t dirty = 0;

  // --- WATCH ---
  void watch(int db, std::string_view key, const std::shared_ptr<WatchSession>& session, bool stale);
  void unwatch(int db, std::string_view key, const WatchSession* session);

  // --- blocked clients ---
  void block(int db, std::string_view key, const std::shared_ptr<BlockedClient>& client);
  void unblock(int db, std::string_view key, const BlockedClient* client);
  // Keys made ready since the last serve, in order, each once.
  std::vector<std::pair<int, std::string>> take_ready() {
    any_ready_ = false;
    return std::move(ready_);
  }
  bool has_ready() const { return !ready_.empty(); }
  // The same, as a flag the execution wrapper checks inline after each run.
  const bool* ready_flag() const { return &any_ready_; }
  // The live waiters on `key`, in arrival order (a copy: serving may change the queue).
  std::vector<std::shared_ptr<BlockedClient>> waiters(int db, const std::string& key);
  bool serving = false;  // re-entrancy guard of serve_blocked_clients

  // KeyListener
  void on_key_event(int db, core::KeyEvent event, std::string_view key) override;
  void on_flush(int db, const core::Db& contents) override;
  void on_swap(int a, const core::Db& db_a, int b, const core::Db& db_b) override;

 private:
  static const core::ShardSlot kSlot;  // kora-server's slot in every shard
  static ServerShard& create(core::Shard& shard);

  struct Watcher {
    std::shared_ptr<WatchSession> session;
    bool stale;
  };
  void touch_watchers(int db, std::string_view key, core::KeyEvent event);
  void mark_ready(int db, std::string_view key);
  void update_listening();

  core::Shard& shard_;
  bool listening_ = false;
  std::unordered_map<std::string, std::vector<Watcher>> watched_[core::Shard::kDbCount];
  std::size_t watched_count_ = 0;
  std::unordered_map<std::string, std::deque<std::shared_ptr<BlockedClient>>> blocked_[core::Shard::kDbCount];
  std::size_t blocked_count_ = 0;
  std::vector<std::pair<int, std::string>> ready_;
  bool any_ready_ = false;
};

// Process-wide knobs of the statistics (CONFIG SET), read relaxed.
struct StatsConfig {
  std::atomic<std::int64_t> slowlog_log_slower_than{10000};  // µs; <0 disables
  std::atomic<std::int64_t> slowlog_max_len{128};
  std::atomic<std::int64_t> latency_monitor_threshold{0};    // ms; 0 disables
  std::atomic<std::int64_t> latency_tracking{1};             // yes/no
  std::atomic<std::uint64_t> next_slowlog_id{0};
  // latency-tracking-info-percentiles (INFO latencystats).
  std::vector<double> percentiles() const {
    std::lock_guard lock(mu_);
    return percentiles_;
  }
  void set_percentiles(std::vector<double> p) {
    std::lock_guard lock(mu_);
    percentiles_ = std::move(p);
  }
  static StatsConfig& instance() { return the_; }

 private:
  static StatsConfig the_;
  mutable std::mutex mu_;
  std::vector<double> percentiles_{50.0, 99.0, 99.9};
};

// Counts of errors by prefix ("ERR", "WRONGTYPE"...) and of rejected calls
// (arity, unknown command), process-wide.
class ErrorStats {
 public:
  static ErrorStats& instance();
  void count_error(std::string_view message);
  void count_rejected(const CommandSpec& spec) { count_rejected(spec.name); }
  void count_rejected(std::string_view name);  // "get", "config|get"
  std::vector<std::pair<std::string, std::uint64_t>> errors() const;
  std::map<std::string, std::uint64_t> rejected() const;
  std::uint64_t total_errors() const;
  void reset();

 private:
  ErrorStats();
  mutable std::mutex mu_;
  std::map<std::string, std::uint64_t> errors_;
  std::map<std::string, std::uint64_t, std::less<>> rejected_;
  std::uint64_t total_ = 0;
};

// Every command's statistics summed over the shards of `engine`, by name
// ("get", "config|get"), with the rejected calls; histograms only when
// `with_latency`. Precondition: the caller holds every shard.
struct MergedStat {
  std::uint64_t calls = 0, ns = 0, failed = 0, rejected = 0;  // ns: over all calls
                                                                // (sampled timings scaled)
  std::unique_ptr<observability::LatencyHistogram> latency;
};
std::map<std::string, MergedStat> merge_command_stats(core::ShardEngine& engine, bool with_latency);

}  // namespace kora::server
