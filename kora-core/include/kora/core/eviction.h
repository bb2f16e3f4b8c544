#pragma once
// Eviction under maxmemory, shard-local part: the policy settings (process-wide
// atomics, read by every shard), Redis's LFU logarithmic counter with decay,
// and the approximated LRU/LFU/TTL eviction by sampling with a pool of the best
// candidates (Redis's evictionPoolPopulate / performEvictions, evict.c).
//
// How a key's access is recorded (Entry's 16 spare bits of its chain pointer):
//   - LRU and non-LFU policies: the seconds clock mod 2^16 of the last access
//     (OBJECT IDLETIME);
//   - LFU policies: [8-bit decay time: minutes mod 2^8][8-bit log counter]
//     (OBJECT FREQ), where Redis keeps 16 bits of minutes and the counter in
//     its 24-bit lru field. As in Redis the field means one or the other by the
//     policy in force: after a switch the values take some time to adjust.
//
// Thread-safety: EvictionConfig is read from any thread (relaxed atomics);
// evict_from_shard runs on the thread that holds the shard.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace kora::core {

class Shard;
class Db;

enum class EvictionPolicy : unsigned char {
  kNoEviction,
  kAllKeysLru,
  kAllKeysLfu,
  kAllKeysRandom,
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
};

// "noeviction", "allkeys-lru"... as CONFIG GET prints it.
std::string_view policy_name(EvictionPolicy p);
// The policy named `text` (case-insensitive), nullopt when none is.
std::optional<EvictionPolicy> parse_policy(std::string_view text);
inline bool policy_lfu(EvictionPolicy p) {
  return p == EvictionPolicy::kAllKeysLfu || p == EvictionPolicy::kVolatileLfu;
}
inline bool policy_lru(EvictionPolicy p) {
  return p == EvictionPolicy::kAllKeysLru || p == EvictionPolicy::kVolatileLru;
}
inline bool policy_volatile(EvictionPolicy p) {
  return p == EvictionPolicy::kVolatileLru || p == EvictionPolicy::kVolatileLfu ||
         p == EvictionPolicy::kVolatileRandom || p == EvictionPolicy::kVolatileTtl;
}

// maxmemory and its companions (CONFIG maxmemory, maxmemory-policy,
// maxmemory-samples, maxmemory-eviction-tenacity, lfu-log-factor,
// lfu-decay-time), with Redis's defaults. Process-wide.
struct EvictionConfig {
  static EvictionConfig& instance();

  std::atomic<std::int64_t> maxmemory{0};  // bytes; 0: no limit
  std::atomic<std::int64_t> samples{5};
  std::atomic<std::int64_t> tenacity{10};
  std::atomic<std::int64_t> lfu_log_factor{10};
  std::atomic<std::int64_t> lfu_decay_time{1};  // minutes per decrement; 0: never decays

  EvictionPolicy policy() const { return static_cast<EvictionPolicy>(policy_.load(std::memory_order_relaxed)); }
  void set_policy(EvictionPolicy p) { policy_.store(static_cast<unsigned char>(p), std::memory_order_relaxed); }
  bool lfu() const { return policy_lfu(policy()); }
  // Redis shares small integer objects unless an LRU or LFU policy needs a
  // per-key access field under a memory limit (OBJECT REFCOUNT).
  bool shares_integers() const {
    return maxmemory.load(std::memory_order_relaxed) == 0 || !(policy_lfu(policy()) || policy_lru(policy()));
  }
  // Redis's evictionTimeLimitUs: how long one eviction call may run (µs);
  // 0 means no limit (tenacity 100).
  std::uint64_t time_limit_us() const;

 private:
  std::atomic<unsigned char> policy_{static_cast<unsigned char>(EvictionPolicy::kNoEviction)};
};

// ---- LFU (Redis's LFULogIncr / LFUDecrAndReturn, with 8 bits of minutes)

inline constexpr std::uint8_t kLfuInitVal = 5;

// Minutes clock mod 2^8 at `now_ms`.
inline std::uint8_t lfu_minutes(std::int64_t now_ms) { return static_cast<std::uint8_t>(now_ms / 60000); }
// The 16-bit field of a key created (or given frequency `counter`) at `now_ms`.
inline std::uint16_t lfu_field(std::uint8_t counter, std::int64_t now_ms) {
  return static_cast<std::uint16_t>((lfu_minutes(now_ms) << 8) | counter);
}
// The counter after one access: +1 with probability 1/((counter-5)*factor+1),
// saturating at 255. `r` is uniform in [0, 1).
std::uint8_t lfu_log_incr(std::uint8_t counter, std::int64_t log_factor, double r);
// The counter of `field` decayed by one per `decay_minutes` elapsed since its
// decay time (0: no decay). Elapsed time is taken mod 256 minutes.
std::uint8_t lfu_decayed(std::uint16_t field, std::int64_t now_ms, std::int64_t decay_minutes);
// The field after an access at `now_ms`: decay, then one log increment.
std::uint16_t lfu_access(std::uint16_t field, std::int64_t now_ms, std::int64_t log_factor,
                         std::int64_t decay_minutes, std::mt19937_64& rng);

// ---- The eviction pool

// Redis's EvictionPoolLRU: the kSize best candidates seen in sample rounds,
// ordered by score (higher: evict first). Keys are copied: a candidate may be
// gone by the time it is picked (the caller checks).
class EvictionPool {
 public:
  static constexpr std::size_t kSize = 16;
  struct Candidate {
    std::uint64_t score = 0;
    int db = 0;
    std::string key;
  };
  // Offers a sampled key; kept when the pool has room or it beats the worst.
  // O(kSize).
  void offer(std::uint64_t score, int db, std::string_view key);
  // Removes and returns the best candidate; nullopt when empty.
  std::optional<Candidate> pop_best();
  std::size_t size() const { return used_; }
  void clear() { used_ = 0; }

 private:
  std::array<Candidate, kSize> slots_{};  // ascending score in [0, used_)
  std::size_t used_ = 0;
};

// The score a policy gives `field`/`expire_at_ms` of a key (higher: better to
// evict): idle seconds (LRU), 255 - decayed counter (LFU), UINT64_MAX - expiry
// (TTL).
std::uint64_t eviction_score(EvictionPolicy p, std::uint16_t access_field, std::int64_t expire_at_ms,
                             std::int64_t now_ms);

struct EvictionResult {
  std::size_t keys = 0;   // keys evicted
  std::size_t bytes = 0;  // their MEMORY USAGE, summed
  bool exhausted = false; // stopped because no key was a candidate
  bool timed_out = false; // stopped at the time limit
};

// Evicts keys of `shard` under the current policy until their memory reaches
// `bytes_to_free`, the policy finds no candidate, or `time_limit_us` passes
// (0: none). Each key is removed with KeyEvent::kEvicted (keyspace
// notification "evicted"; the change feed publishes DEL). Does nothing under
// noeviction. Precondition: the caller holds `shard`.
EvictionResult evict_from_shard(Shard& shard, std::size_t bytes_to_free, std::int64_t now_ms,
                                std::uint64_t time_limit_us);

// Whether `shard` has any key the current policy may evict (a key in some db;
// a key with a TTL for volatile-*). Precondition: the caller holds `shard`.
bool has_eviction_candidates(Shard& shard);

}  // namespace kora::core
