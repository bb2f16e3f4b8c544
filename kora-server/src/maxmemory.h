#pragma once
// maxmemory for the whole server (Redis's performEvictions / processCommand
// OOM check), on top of kora-core's per-shard sampling eviction (eviction.h).
//
// Used memory is what INFO used_memory reports: the allocator's allocated
// bytes (mallinfo2, process-wide, counted once) minus the bytes the shards'
// arenas hold free in their pages (those are free for the next keys: Kora's
// sub-allocator, the way Redis's used_memory counts jemalloc's allocated bytes
// and not its free page space). Reading the allocator walks its arenas, so the
// request path does not do it every time: MemoryMeter keeps the last exact
// reading plus, per shard, how much its keyspace (records, buckets,
// out-of-line strings) grew or shrank since — published by each shard's own
// thread — and takes a new exact reading at most every kRefresh.
//
// Each shard evicts from its own keys: a shard that finds the server over the
// limit evicts its share of the overage (the overage times its share of the
// keyspace bytes) and posts the other shards a task to evict theirs.
//
// Thread-safety: MemoryMeter is process-wide (relaxed atomics); the eviction
// functions run on the thread holding the shard they are given.

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "kora/core/engine.h"
#include "kora/core/shard.h"

namespace kora::server {

class MemoryMeter {
 public:
  static constexpr std::size_t kMaxShards = 512;
  static constexpr std::int64_t kRefreshNs = 5'000'000;  // 5 ms between exact readings

  static MemoryMeter& instance();

  // Publishes `shard`'s keyspace bytes and arena slack. On its thread.
  void publish(core::Shard& shard);
  // The arena slack summed over the published shards (subtracted from the
  // allocator's figure by process_memory()).
  std::uint64_t arena_slack() const;
  // Exact used memory: a new allocator reading (becomes the baseline).
  std::uint64_t read();
  // Cheap used memory: the baseline plus the keyspace deltas since, less the
  // evictions already asked of shards and not yet done; takes a new reading
  // when the baseline is older than kRefreshNs.
  std::uint64_t estimate();
  // Shard `s` was asked to evict `bytes` (counted as freed until it runs), or
  // takes its request (returns it, and counts it no longer).
  void ask(core::ShardId s, std::int64_t bytes) { gauges_[s].pending.store(bytes, std::memory_order_relaxed); }
  std::int64_t take_request(core::ShardId s) { return gauges_[s].pending.exchange(0, std::memory_order_relaxed); }
  // A shard's published keyspace bytes, and their sum over all shards.
  std::int64_t shard_bytes(core::ShardId s) const { return gauges_[s].tracked.load(std::memory_order_relaxed); }
  std::int64_t total_bytes() const;
  // Whether some shard other than `except` had, when it last published, keys
  // the current policy may evict.
  bool candidates_elsewhere(core::ShardId except) const;

 private:
  struct alignas(64) Gauge {
    std::atomic<std::int64_t> tracked{0};          // keyspace bytes
    std::atomic<std::int64_t> slack{0};            // arena bytes free in pages
    std::atomic<std::int64_t> tracked_at_read{0};  // `tracked` at the last reading
    std::atomic<bool> candidates{false};           // has keys the policy may evict
    std::atomic<std::int64_t> pending{0};          // bytes another shard asked it to evict
  };
  std::array<Gauge, kMaxShards> gauges_{};
  std::atomic<std::size_t> shards_{0};  // 1 + the highest shard id published
  std::atomic<std::uint64_t> base_{0};  // used memory at the last reading
  std::atomic<std::int64_t> read_ns_{0};
  // Bytes of process memory per byte of keyspace growth between readings
  // (allocator headers and rounding, aggregates), in 1/1024ths: scales the
  // deltas of estimate(). Learned at each reading, between 1 and 4.
  std::atomic<std::int64_t> scale_{1024};
  std::int64_t tracked_total_at_read_ = 0;  // read() only (one reader at a time)
  std::uint64_t used_at_read_ = 0;
};

// Redis's performEvictions for a command about to run on `shard` (held by the
// caller): when maxmemory is set and used memory is over it, evicts this
// shard's share and asks the other shards for theirs. Returns false when the
// command must be refused with -OOM: over the limit under noeviction, or when
// no shard has anything the policy may evict. Never evicts while loading.
bool make_room(core::ShardEngine& engine, core::Shard& shard);

// Whether a command flagged denyoom would be refused right now (MULTI's queue
// check, EXEC, scripts): over the limit and nothing the policy could evict
// anywhere, or noeviction. Any thread; evicts nothing.
bool over_limit_without_remedy(core::ShardEngine& engine);

// Evicts on every shard (all held by the caller: CONFIG SET maxmemory, which
// holds them all) until used memory is under the limit or nothing is left.
void enforce_maxmemory(core::ShardEngine& engine);

// INFO stats evicted_keys: keys evicted on every shard (held by the caller).
std::uint64_t evicted_keys(core::ShardEngine& engine);

}  // namespace kora::server
