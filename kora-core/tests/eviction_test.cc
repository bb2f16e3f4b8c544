// Unit tests of eviction.h: policy names, Redis's LFU counter (log increment,
// decay), the eviction pool, and sampling eviction on a shard under each
// policy (which keys go, which stay, the evicted key event and counter).
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "kora/core/eviction.h"
#include "kora/core/key_ops.h"
#include "kora/core/shard.h"
#include "kora/core/string_ops.h"

using namespace kora::core;

namespace {

// Restores the process-wide settings a test changed.
struct PolicyScope {
  explicit PolicyScope(EvictionPolicy p) {
    EvictionConfig::instance().set_policy(p);
  }
  ~PolicyScope() {
    auto& c = EvictionConfig::instance();
    c.set_policy(EvictionPolicy::kNoEviction);
    c.samples = 5;
    c.lfu_log_factor = 10;
    c.lfu_decay_time = 1;
  }
};

struct EvictedRecorder : KeyListener {
  std::vector<std::string> keys;
  void on_key_event(int, KeyEvent event, std::string_view key) override {
    if (event == KeyEvent::kEvicted) keys.emplace_back(key);
  }
};

constexpr std::int64_t kNow = 1'700'000'000'000;

void put(Db& db, const std::string& key, std::int64_t now = kNow) {
  EntryRef ref = db.find_or_create(key, now, nullptr);
  db.set_string(ref, "value-of-" + key);
}

}  // namespace

TEST_CASE("eviction policy names parse case-insensitively", "[eviction]") {
  CHECK(parse_policy("ALLKEYS-LRU") == EvictionPolicy::kAllKeysLru);
  CHECK(parse_policy("volatile-ttl") == EvictionPolicy::kVolatileTtl);
  CHECK(parse_policy("noeviction") == EvictionPolicy::kNoEviction);
  CHECK_FALSE(parse_policy("lru").has_value());
  CHECK(policy_name(EvictionPolicy::kVolatileLfu) == "volatile-lfu");
  CHECK(policy_lfu(EvictionPolicy::kAllKeysLfu));
  CHECK_FALSE(policy_lfu(EvictionPolicy::kAllKeysLru));
  CHECK(policy_volatile(EvictionPolicy::kVolatileRandom));
  CHECK_FALSE(policy_volatile(EvictionPolicy::kAllKeysRandom));
}

TEST_CASE("eviction time limit follows Redis's tenacity curve", "[eviction]") {
  auto& c = EvictionConfig::instance();
  c.tenacity = 10;
  CHECK(c.time_limit_us() == 500);
  c.tenacity = 0;
  CHECK(c.time_limit_us() == 0 + 0);
  c.tenacity = 20;
  CHECK(c.time_limit_us() == static_cast<std::uint64_t>(500.0 * std::pow(1.15, 10)));
  c.tenacity = 100;
  CHECK(c.time_limit_us() == 0);  // no limit
  c.tenacity = 10;
}

TEST_CASE("LFU log increment: certain up to the initial value, then ever rarer", "[eviction][lfu]") {
  // Below or at LFU_INIT_VAL the increment always happens.
  CHECK(lfu_log_incr(0, 10, 0.999) == 1);
  CHECK(lfu_log_incr(5, 10, 0.999) == 6);
  // Above it, p = 1 / ((counter - 5) * factor + 1).
  CHECK(lfu_log_incr(6, 10, 0.05) == 7);   // p = 1/11 > 0.05
  CHECK(lfu_log_incr(6, 10, 0.10) == 6);   // p = 1/11 < 0.10
  CHECK(lfu_log_incr(255, 0, 0.0) == 255); // saturates
  // With factor 10 about a million hits reach 255 (Redis's table: 1M -> 255),
  // and 1000 hits stay far below.
  std::mt19937_64 rng(1);
  std::uint16_t field = lfu_field(kLfuInitVal, kNow);
  for (int i = 0; i < 1000; ++i) field = lfu_access(field, kNow, 10, 1, rng);
  const int after_1k = field & 0xff;
  CHECK(after_1k > 12);
  CHECK(after_1k < 30);
}

TEST_CASE("LFU decay: one per decay period elapsed, none with decay time 0", "[eviction][lfu]") {
  const std::uint16_t field = lfu_field(20, kNow);
  CHECK(lfu_decayed(field, kNow, 1) == 20);
  CHECK(lfu_decayed(field, kNow + 3 * 60'000, 1) == 17);
  CHECK(lfu_decayed(field, kNow + 10 * 60'000, 2) == 15);
  CHECK(lfu_decayed(field, kNow + 100 * 60'000, 1) == 0);
  CHECK(lfu_decayed(field, kNow + 100 * 60'000, 0) == 20);
}

TEST_CASE("eviction pool keeps the best candidates, best first", "[eviction][pool]") {
  EvictionPool pool;
  for (std::uint64_t s = 0; s < 40; ++s) pool.offer((s * 7) % 40, 0, "k" + std::to_string((s * 7) % 40));
  CHECK(pool.size() == EvictionPool::kSize);
  std::vector<std::uint64_t> popped;
  while (auto c = pool.pop_best()) {
    CHECK(c->key == "k" + std::to_string(c->score));
    popped.push_back(c->score);
  }
  REQUIRE(popped.size() == EvictionPool::kSize);
  for (std::size_t i = 0; i < popped.size(); ++i) CHECK(popped[i] == 39 - i);
  // A key offered again keeps one slot, with its new score.
  pool.offer(5, 0, "a");
  pool.offer(9, 0, "a");
  pool.offer(7, 1, "a");
  CHECK(pool.size() == 2);
  CHECK(pool.pop_best()->score == 9);
  CHECK(pool.pop_best()->db == 1);
}

TEST_CASE("allkeys-lru evicts the least recently used keys first", "[eviction]") {
  PolicyScope scope(EvictionPolicy::kAllKeysLru);
  EvictionConfig::instance().samples = 10;
  Shard shard(0);
  EvictedRecorder rec;
  shard.events().add(&rec);
  Db& db = shard.db(0);
  // 200 keys; the first 100 were last used an hour ago, the rest just now.
  for (int i = 0; i < 200; ++i) put(db, "k" + std::to_string(i), i < 100 ? kNow - 3'600'000 : kNow);
  const std::size_t before = db.size();
  const EvictionResult r = evict_from_shard(shard, 50 * 64, kNow, 0);
  CHECK(r.keys > 0);
  CHECK(r.bytes >= 50 * 64);
  CHECK(db.size() == before - r.keys);
  CHECK(db.stats().evicted == r.keys);
  REQUIRE(rec.keys.size() == r.keys);
  int old = 0;
  for (const auto& k : rec.keys) old += std::stoi(k.substr(1)) < 100;
  // Sampling is approximate: nearly every victim is an old key.
  CHECK(old >= static_cast<int>(r.keys) * 9 / 10);
  shard.events().remove(&rec);
}

TEST_CASE("volatile policies evict only keys with a TTL, and stop when none is left", "[eviction]") {
  for (EvictionPolicy p : {EvictionPolicy::kVolatileLru, EvictionPolicy::kVolatileLfu,
                           EvictionPolicy::kVolatileRandom, EvictionPolicy::kVolatileTtl}) {
    PolicyScope scope(p);
    Shard shard(0);
    Db& db = shard.db(3);
    for (int i = 0; i < 50; ++i) {
      put(db, "v" + std::to_string(i));
      db.set_expire(db.find("v" + std::to_string(i), kNow), kNow + 1000 * (i + 1));
      put(db, "p" + std::to_string(i));
    }
    const EvictionResult r = evict_from_shard(shard, SIZE_MAX, kNow, 0);
    CHECK(r.keys == 50);
    CHECK(r.exhausted);
    CHECK(db.size() == 50);
    CHECK(db.expires_count() == 0);
    for (int i = 0; i < 50; ++i) CHECK(db.find("p" + std::to_string(i), kNow, false));
    CHECK_FALSE(has_eviction_candidates(shard));
  }
}

TEST_CASE("volatile-ttl evicts the nearest expiry first", "[eviction]") {
  PolicyScope scope(EvictionPolicy::kVolatileTtl);
  EvictionConfig::instance().samples = 64;
  Shard shard(0);
  Db& db = shard.db(0);
  for (int i = 0; i < 30; ++i) {
    put(db, "t" + std::to_string(i));
    db.set_expire(db.find("t" + std::to_string(i), kNow), kNow + 1000 * (i + 1));
  }
  evict_from_shard(shard, 1, kNow, 0);  // one key
  CHECK(db.size() == 29);
  CHECK_FALSE(db.find("t0", kNow, false));
}

TEST_CASE("allkeys-lfu keeps frequently read keys", "[eviction][lfu]") {
  PolicyScope scope(EvictionPolicy::kAllKeysLfu);
  EvictionConfig::instance().samples = 10;
  Shard shard(0);
  Db& db = shard.db(0);
  for (int i = 0; i < 100; ++i) put(db, "k" + std::to_string(i));
  // Keys k0..k9 are read often: their counters climb past the initial 5.
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 10; ++i) db.find("k" + std::to_string(i), kNow);
  }
  auto info = op_object(db, "k0", kNow);
  REQUIRE(info);
  CHECK(info->freq > kLfuInitVal);
  auto cold = op_object(db, "k50", kNow);
  REQUIRE(cold);
  CHECK(cold->freq == kLfuInitVal);
  const EvictionResult r = evict_from_shard(shard, 2000, kNow, 0);
  CHECK(r.keys < 90);  // fewer than the cold keys
  for (int i = 0; i < 10; ++i) CHECK(db.find("k" + std::to_string(i), kNow, false));
}

TEST_CASE("noeviction evicts nothing; RESTORE FREQ sets the counter under LFU", "[eviction][lfu]") {
  {
    PolicyScope scope(EvictionPolicy::kNoEviction);
    Shard shard(0);
    put(shard.db(0), "a");
    const EvictionResult r = evict_from_shard(shard, 100, kNow, 0);
    CHECK(r.keys == 0);
    CHECK(r.exhausted);
    CHECK(shard.db(0).size() == 1);
    CHECK_FALSE(has_eviction_candidates(shard));
  }
  {
    PolicyScope scope(EvictionPolicy::kAllKeysLfu);
    Shard shard(0);
    Db& db = shard.db(0);
    put(db, "a");
    Db::set_freq(db.find("a", kNow, false), 100, kNow);
    CHECK(op_object(db, "a", kNow)->freq == 100);
    CHECK(op_object(db, "a", kNow + 5 * 60'000)->freq == 95);
  }
}
