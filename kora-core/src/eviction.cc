#include "kora/core/eviction.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>

#include "kora/core/ascii.h"
#include "kora/core/shard.h"

namespace kora::core {

namespace {

constexpr std::array<std::pair<EvictionPolicy, std::string_view>, 8> kPolicyNames = {{
    {EvictionPolicy::kVolatileLru, "volatile-lru"},
    {EvictionPolicy::kVolatileLfu, "volatile-lfu"},
    {EvictionPolicy::kVolatileRandom, "volatile-random"},
    {EvictionPolicy::kVolatileTtl, "volatile-ttl"},
    {EvictionPolicy::kAllKeysLru, "allkeys-lru"},
    {EvictionPolicy::kAllKeysLfu, "allkeys-lfu"},
    {EvictionPolicy::kAllKeysRandom, "allkeys-random"},
    {EvictionPolicy::kNoEviction, "noeviction"},
}};

// Per-shard eviction state: the pool persists across calls as Redis's does,
// and random policies walk the dbs round-robin.
struct EvictionState : ShardModuleState {
  EvictionPool pool;
  int next_db = 0;
  std::mt19937_64 rng{0x65766963};
};

EvictionState& state_of(Shard& shard) {
  static const ShardSlot slot = register_shard_slot();
  auto* s = static_cast<EvictionState*>(shard.module_state(slot));
  if (!s) {
    auto fresh = std::make_unique<EvictionState>();
    s = fresh.get();
    shard.set_module_state(slot, std::move(fresh));
  }
  return *s;
}

std::uint64_t now_us() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

}  // namespace

std::string_view policy_name(EvictionPolicy p) {
  for (const auto& [policy, name] : kPolicyNames) {
    if (policy == p) return name;
  }
  return "noeviction";
}

std::optional<EvictionPolicy> parse_policy(std::string_view text) {
  for (const auto& [policy, name] : kPolicyNames) {
    if (ascii_iequals(text, name)) return policy;
  }
  return std::nullopt;
}

EvictionConfig& EvictionConfig::instance() {
  static EvictionConfig config;
  return config;
}

std::uint64_t EvictionConfig::time_limit_us() const {
  // Redis: 50 µs per tenacity step up to 10, then 15% more per step; 100: none.
  const std::int64_t t = tenacity.load(std::memory_order_relaxed);
  if (t <= 10) return static_cast<std::uint64_t>(50 * (t < 0 ? 0 : t));
  if (t < 100) return static_cast<std::uint64_t>(500.0 * std::pow(1.15, static_cast<double>(t - 10)));
  return 0;
}

std::uint8_t lfu_log_incr(std::uint8_t counter, std::int64_t log_factor, double r) {
  if (counter == 255) return 255;
  double base = static_cast<double>(counter) - kLfuInitVal;
  if (base < 0) base = 0;
  const double p = 1.0 / (base * static_cast<double>(log_factor) + 1);
  return r < p ? static_cast<std::uint8_t>(counter + 1) : counter;
}

std::uint8_t lfu_decayed(std::uint16_t field, std::int64_t now_ms, std::int64_t decay_minutes) {
  const std::uint8_t counter = static_cast<std::uint8_t>(field & 0xff);
  if (decay_minutes <= 0) return counter;
  const std::uint8_t ldt = static_cast<std::uint8_t>(field >> 8);
  const std::uint8_t elapsed = static_cast<std::uint8_t>(lfu_minutes(now_ms) - ldt);  // mod 256
  const std::int64_t periods = elapsed / decay_minutes;
  return periods >= counter ? 0 : static_cast<std::uint8_t>(counter - periods);
}

std::uint16_t lfu_access(std::uint16_t field, std::int64_t now_ms, std::int64_t log_factor,
                         std::int64_t decay_minutes, std::mt19937_64& rng) {
  std::uint8_t counter = lfu_decayed(field, now_ms, decay_minutes);
  if (counter != 255) {
    const double r = static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
    counter = lfu_log_incr(counter, log_factor, r);
  }
  return lfu_field(counter, now_ms);
}

void EvictionPool::offer(std::uint64_t score, int db, std::string_view key) {
  // Already pooled (a key sampled twice): keep one slot with the fresh score.
  for (std::size_t i = 0; i < used_; ++i) {
    if (slots_[i].db == db && slots_[i].key == key) {
      for (std::size_t j = i; j + 1 < used_; ++j) std::swap(slots_[j], slots_[j + 1]);
      --used_;
      break;
    }
  }
  // Insertion point: the first slot with a higher score.
  std::size_t k = 0;
  while (k < used_ && slots_[k].score < score) ++k;
  if (used_ == kSize) {
    if (k == 0) return;  // worse than every pooled candidate
    // Drop the worst (slot 0) and shift the lower part left.
    for (std::size_t j = 0; j + 1 < k; ++j) std::swap(slots_[j], slots_[j + 1]);
    --k;
  } else {
    for (std::size_t j = used_; j > k; --j) std::swap(slots_[j], slots_[j - 1]);
    ++used_;
  }
  slots_[k].score = score;
  slots_[k].db = db;
  slots_[k].key.assign(key);
}

std::optional<EvictionPool::Candidate> EvictionPool::pop_best() {
  if (used_ == 0) return std::nullopt;
  --used_;
  return std::move(slots_[used_]);
}

std::uint64_t eviction_score(EvictionPolicy p, std::uint16_t access_field, std::int64_t expire_at_ms,
                             std::int64_t now_ms) {
  const EvictionConfig& c = EvictionConfig::instance();
  if (policy_lfu(p)) return 255 - lfu_decayed(access_field, now_ms, c.lfu_decay_time.load(std::memory_order_relaxed));
  if (p == EvictionPolicy::kVolatileTtl) return std::numeric_limits<std::uint64_t>::max() - static_cast<std::uint64_t>(expire_at_ms);
  return static_cast<std::uint16_t>(Db::access_clock_of(now_ms) - access_field);  // idle seconds mod 2^16
}

bool has_eviction_candidates(Shard& shard) {
  const EvictionPolicy p = EvictionConfig::instance().policy();
  if (p == EvictionPolicy::kNoEviction) return false;
  for (int i = 0; i < Shard::kDbCount; ++i) {
    const Db& db = shard.db(i);
    if (policy_volatile(p) ? db.expires_count() != 0 : db.size() != 0) return true;
  }
  return false;
}

EvictionResult evict_from_shard(Shard& shard, std::size_t bytes_to_free, std::int64_t now_ms,
                                std::uint64_t time_limit_us) {
  EvictionResult r;
  const EvictionConfig& c = EvictionConfig::instance();
  const EvictionPolicy p = c.policy();
  if (p == EvictionPolicy::kNoEviction) {
    r.exhausted = true;
    return r;
  }
  const bool vol = policy_volatile(p);
  const bool random = p == EvictionPolicy::kAllKeysRandom || p == EvictionPolicy::kVolatileRandom;
  const std::size_t samples = static_cast<std::size_t>(std::max<std::int64_t>(1, c.samples.load(std::memory_order_relaxed)));
  EvictionState& st = state_of(shard);
  const std::uint64_t start = time_limit_us ? now_us() : 0;
  while (r.bytes < bytes_to_free) {
    std::optional<std::string> key;
    int db_index = 0;
    if (random) {
      for (int n = 0; n < Shard::kDbCount && !key; ++n) {
        db_index = st.next_db;
        st.next_db = (st.next_db + 1) % Shard::kDbCount;
        key = shard.db(db_index).random_candidate(vol);
      }
    } else {
      // Sample every db that has candidates into the pool, then take the best
      // pooled key that still exists (it may have been deleted meanwhile).
      while (!key) {
        bool sampled = false;
        for (int i = 0; i < Shard::kDbCount; ++i) {
          Db& db = shard.db(i);
          if (vol ? db.expires_count() == 0 : db.size() == 0) continue;
          sampled = true;
          db.sample(samples, vol, [&](const Entry& e) {
            st.pool.offer(eviction_score(p, e.access_clock(), e.expire_at_ms(), now_ms), i, e.key());
          });
        }
        if (!sampled) {
          st.pool.clear();
          break;
        }
        while (auto cand = st.pool.pop_best()) {
          const Entry* e = shard.db(cand->db).peek(cand->key);
          if (!e || (vol && e->expire_at_ms() == 0)) continue;  // gone, or no TTL any more
          // A pooled score may be stale (the key was read, or deleted and
          // written again since it was sampled): score it afresh, and put it
          // back when it no longer beats the next candidate.
          const std::uint64_t fresh = eviction_score(p, e->access_clock(), e->expire_at_ms(), now_ms);
          if (fresh < cand->score && st.pool.size() != 0) {
            st.pool.offer(fresh, cand->db, cand->key);
            continue;
          }
          key = std::move(cand->key);
          db_index = cand->db;
          break;
        }
      }
    }
    if (!key) {
      r.exhausted = true;
      break;
    }
    r.bytes += shard.db(db_index).evict(*key);
    ++r.keys;
    if (time_limit_us && r.keys % 16 == 0 && now_us() - start > time_limit_us) {
      r.timed_out = r.bytes < bytes_to_free;
      break;
    }
  }
  return r;
}

}  // namespace kora::core
