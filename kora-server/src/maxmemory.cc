#include "maxmemory.h"

#include <malloc.h>

#include <algorithm>

#include "kora/core/eviction.h"
#include "kora/core/clock.h"
#include "command_docs.h"
#include "kora/server/command.h"

namespace kora::server {

namespace {

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::uint64_t allocator_allocated() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

// One eviction task queued per shard at a time (asked by another shard).
std::array<std::atomic<bool>, MemoryMeter::kMaxShards> g_asked{};

std::int64_t overage(MemoryMeter& meter, std::int64_t limit) {
  return static_cast<std::int64_t>(meter.estimate()) - limit;
}

// This shard's share of `over` bytes: by its share of the keyspace bytes.
std::size_t share_of(const MemoryMeter& meter, core::ShardId s, std::int64_t over, std::size_t shards) {
  const std::int64_t total = meter.total_bytes();
  const std::int64_t mine = meter.shard_bytes(s);
  if (total <= 0 || shards <= 1) return static_cast<std::size_t>(over);
  const double part = static_cast<double>(std::max<std::int64_t>(mine, 0)) / static_cast<double>(total);
  return static_cast<std::size_t>(static_cast<double>(over) * part) + 1;
}

void evict_share(core::ShardEngine& engine, core::Shard& shard);

// Asks every other shard with keys to evict its share (one queued task each).
void ask_others(core::ShardEngine& engine, core::ShardId self, std::int64_t over) {
  MemoryMeter& meter = MemoryMeter::instance();
  const std::int64_t total = meter.total_bytes();
  for (core::ShardId s = 0; s < engine.shard_count() && s < MemoryMeter::kMaxShards; ++s) {
    if (s == self || meter.shard_bytes(s) <= 0) continue;
    if (g_asked[s].exchange(true, std::memory_order_acq_rel)) continue;
    if (total > 0) {
      meter.ask(s, static_cast<std::int64_t>(static_cast<double>(over) * static_cast<double>(meter.shard_bytes(s)) /
                                             static_cast<double>(total)));
    }
    engine.post_data(s, [&engine, s] {
      g_asked[s].store(false, std::memory_order_release);
      evict_share(engine, engine.shard(s));
    });
  }
}

// Evicts `shard`'s share of the current overage; continues in a later task
// when the time limit stopped it. Precondition: the caller holds `shard`.
void evict_share(core::ShardEngine& engine, core::Shard& shard) {
  core::EvictionConfig& c = core::EvictionConfig::instance();
  const std::int64_t limit = c.maxmemory.load(std::memory_order_relaxed);
  if (limit <= 0 || shard.events().loading()) return;
  MemoryMeter& meter = MemoryMeter::instance();
  meter.publish(shard);
  const std::int64_t asked = meter.take_request(shard.id());
  const std::int64_t over = overage(meter, limit);
  if (over <= 0 && asked <= 0) return;
  const std::size_t share = std::max<std::size_t>(over > 0 ? share_of(meter, shard.id(), over, engine.shard_count()) : 0,
                                                  static_cast<std::size_t>(std::max<std::int64_t>(asked, 0)));
  const core::EvictionResult r = core::evict_from_shard(shard, share, core::now_ms(), c.time_limit_us());
  meter.publish(shard);
  if (r.timed_out && shard.id() < MemoryMeter::kMaxShards &&
      !g_asked[shard.id()].exchange(true, std::memory_order_acq_rel)) {
    const core::ShardId s = shard.id();
    engine.post_data(s, [&engine, s] {
      g_asked[s].store(false, std::memory_order_release);
      evict_share(engine, engine.shard(s));
    });
  }
}

}  // namespace

MemoryMeter& MemoryMeter::instance() {
  static MemoryMeter meter;
  return meter;
}

void MemoryMeter::publish(core::Shard& shard) {
  const core::ShardId id = shard.id();
  if (id >= kMaxShards) return;
  std::int64_t tracked = 0, slack = 0;
  for (int i = 0; i < core::Shard::kDbCount; ++i) {
    const core::Db& db = shard.db(i);
    tracked += static_cast<std::int64_t>(db.memory_bytes());
    slack += static_cast<std::int64_t>(db.arena_slack());
  }
  gauges_[id].tracked.store(tracked, std::memory_order_relaxed);
  gauges_[id].slack.store(slack, std::memory_order_relaxed);
  gauges_[id].candidates.store(core::has_eviction_candidates(shard), std::memory_order_relaxed);
  std::size_t n = shards_.load(std::memory_order_relaxed);
  while (n < id + 1 && !shards_.compare_exchange_weak(n, id + 1, std::memory_order_relaxed)) {
  }
}

std::uint64_t MemoryMeter::arena_slack() const {
  std::int64_t sum = 0;
  const std::size_t n = shards_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < n; ++i) sum += gauges_[i].slack.load(std::memory_order_relaxed);
  return sum > 0 ? static_cast<std::uint64_t>(sum) : 0;
}

bool MemoryMeter::candidates_elsewhere(core::ShardId except) const {
  const std::size_t n = shards_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < n; ++i) {
    if (i != except && gauges_[i].candidates.load(std::memory_order_relaxed)) return true;
  }
  return false;
}

std::int64_t MemoryMeter::total_bytes() const {
  std::int64_t sum = 0;
  const std::size_t n = shards_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < n; ++i) sum += gauges_[i].tracked.load(std::memory_order_relaxed);
  return sum;
}

std::uint64_t MemoryMeter::read() {
  const std::size_t n = shards_.load(std::memory_order_relaxed);
  std::int64_t tracked_total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t t = gauges_[i].tracked.load(std::memory_order_relaxed);
    gauges_[i].tracked_at_read.store(t, std::memory_order_relaxed);
    tracked_total += t;
  }
  const std::uint64_t alloc = allocator_allocated();
  const std::uint64_t slack = arena_slack();
  const std::uint64_t used = alloc > slack ? alloc - slack : 0;
  // Learn how much process memory a byte of keyspace growth costs.
  const std::int64_t grew = tracked_total - tracked_total_at_read_;
  const std::int64_t used_grew = static_cast<std::int64_t>(used) - static_cast<std::int64_t>(used_at_read_);
  if (grew > 256 * 1024 && used_grew > 0) {
    const std::int64_t ratio = std::clamp<std::int64_t>(used_grew * 1024 / grew, 1024, 4096);
    const std::int64_t old = scale_.load(std::memory_order_relaxed);
    scale_.store((old * 3 + ratio) / 4, std::memory_order_relaxed);
  }
  tracked_total_at_read_ = tracked_total;
  used_at_read_ = used;
  base_.store(used, std::memory_order_relaxed);
  read_ns_.store(steady_ns(), std::memory_order_relaxed);
  return used;
}

std::uint64_t MemoryMeter::estimate() {
  const std::int64_t now = steady_ns();
  std::int64_t last = read_ns_.load(std::memory_order_relaxed);
  if (now - last >= kRefreshNs && read_ns_.compare_exchange_strong(last, now, std::memory_order_relaxed)) {
    read();
  }
  std::int64_t delta = 0, pending = 0;
  const std::size_t n = shards_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < n; ++i) {
    const Gauge& g = gauges_[i];
    delta += g.tracked.load(std::memory_order_relaxed) - g.tracked_at_read.load(std::memory_order_relaxed);
    pending += g.pending.load(std::memory_order_relaxed);
  }
  // Growth costs more than its keyspace bytes (allocator overhead); a shrink
  // is counted as is (what was freed, exactly).
  if (delta > 0) delta = delta * scale_.load(std::memory_order_relaxed) / 1024;
  const std::int64_t used = static_cast<std::int64_t>(base_.load(std::memory_order_relaxed)) + delta - pending;
  return used > 0 ? static_cast<std::uint64_t>(used) : 0;
}

bool redis_denyoom(std::string_view name) {
  const CommandFacts* f = command_facts(name);
  if (!f) return false;
  // COMMAND INFO's row: *10, $len name, :arity, then the flags as a set (~n)
  // of simple strings.
  std::string_view row = f->info;
  std::size_t pos = 0;
  auto next_line = [&]() -> std::string_view {
    const std::size_t end = row.find("\r\n", pos);
    if (end == std::string_view::npos) return {};
    std::string_view line = row.substr(pos, end - pos);
    pos = end + 2;
    return line;
  };
  next_line();  // *10
  next_line();  // $len
  next_line();  // name
  next_line();  // :arity
  std::string_view count = next_line();
  if (count.size() < 2) return false;
  int n = 0;
  for (char ch : count.substr(1)) n = n * 10 + (ch - '0');
  for (int i = 0; i < n; ++i) {
    if (next_line() == "+denyoom") return true;
  }
  return false;
}

bool make_room(core::ShardEngine& engine, core::Shard& shard) {
  core::EvictionConfig& c = core::EvictionConfig::instance();
  const std::int64_t limit = c.maxmemory.load(std::memory_order_relaxed);
  if (limit <= 0 || shard.events().loading()) return true;
  MemoryMeter& meter = MemoryMeter::instance();
  meter.publish(shard);
  const std::int64_t over = overage(meter, limit);
  if (over <= 0) return true;
  if (c.policy() == core::EvictionPolicy::kNoEviction) return false;
  const core::EvictionResult r = core::evict_from_shard(
      shard, share_of(meter, shard.id(), over, engine.shard_count()), core::now_ms(), c.time_limit_us());
  meter.publish(shard);
  if (engine.shard_count() > 1) ask_others(engine, shard.id(), over);
  if (r.keys != 0 || r.timed_out) {
    if (r.timed_out) evict_share(engine, shard);  // schedules the rest
    return true;
  }
  // Nothing to evict here: fine while another shard is evicting for us.
  return meter.candidates_elsewhere(shard.id());
}

bool over_limit_without_remedy(core::ShardEngine& engine) {
  core::EvictionConfig& c = core::EvictionConfig::instance();
  const std::int64_t limit = c.maxmemory.load(std::memory_order_relaxed);
  if (limit <= 0) return false;
  MemoryMeter& meter = MemoryMeter::instance();
  if (overage(meter, limit) <= 0) return false;
  if (c.policy() == core::EvictionPolicy::kNoEviction) return true;
  // An evicting policy can make room while some shard has candidates.
  (void)engine;
  return !meter.candidates_elsewhere(MemoryMeter::kMaxShards);
}

void enforce_maxmemory(core::ShardEngine& engine) {
  core::EvictionConfig& c = core::EvictionConfig::instance();
  const std::int64_t limit = c.maxmemory.load(std::memory_order_relaxed);
  if (limit <= 0) return;
  MemoryMeter& meter = MemoryMeter::instance();
  for (core::ShardId s = 0; s < engine.shard_count(); ++s) meter.publish(engine.shard(s));
  meter.read();
  for (int round = 0; round < 64; ++round) {
    const std::int64_t over = overage(meter, limit);
    if (over <= 0 || c.policy() == core::EvictionPolicy::kNoEviction) return;
    bool evicted = false;
    for (core::ShardId s = 0; s < engine.shard_count(); ++s) {
      core::Shard& shard = engine.shard(s);
      const auto r = core::evict_from_shard(shard, share_of(meter, s, over, engine.shard_count()),
                                            core::now_ms(), 0);
      meter.publish(shard);
      evicted |= r.keys != 0;
    }
    if (!evicted) return;
    meter.read();
  }
}

std::uint64_t evicted_keys(core::ShardEngine& engine) {
  std::uint64_t n = 0;
  for (core::ShardId s = 0; s < engine.shard_count(); ++s) {
    for (int i = 0; i < core::Shard::kDbCount; ++i) n += engine.shard(s).db(i).stats().evicted;
  }
  return n;
}

}  // namespace kora::server
