// Google Benchmark for kora::Database: the typed calls, one thread and several,
// next to execute() and to a mutex-guarded std::unordered_map (the floor).
// For p50/p99 latency and the comparison with Redis, see latency_main.cc.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "kora/embedded/database.h"

namespace {

constexpr std::size_t kKeys = 10000;
const std::string kValue(32, 'v');

const std::vector<std::string>& keys() {
  static const std::vector<std::string> k = [] {
    std::vector<std::string> v;
    for (std::size_t i = 0; i < kKeys; ++i) v.push_back("key:" + std::to_string(i));
    return v;
  }();
  return k;
}

// One pre-loaded Database per shard count, shared by every benchmark thread.
kora::Database& database(std::size_t shards) {
  static std::mutex mu;
  static std::map<std::size_t, std::unique_ptr<kora::Database>> dbs;
  std::lock_guard lock(mu);
  auto& db = dbs[shards];
  if (!db) {
    db = kora::Database::open({.shard_count = shards});
    for (const auto& k : keys()) (void)db->set(k, kValue);
  }
  return *db;
}

// Each thread walks the keys with its own stride so threads rarely collide.
std::size_t next_key(std::size_t& i, const benchmark::State& state) {
  i = (i + 7919 + static_cast<std::size_t>(state.thread_index())) % kKeys;
  return i;
}

void BM_Get(benchmark::State& state) {
  auto& db = database(static_cast<std::size_t>(state.range(0)));
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 101;
  for (auto _ : state) {
    auto v = db.get(keys()[next_key(i, state)]);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Get)->ArgName("shards")->Arg(2)->Arg(4)->ThreadRange(1, 4)->UseRealTime();

void BM_Set(benchmark::State& state) {
  auto& db = database(static_cast<std::size_t>(state.range(0)));
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 101;
  for (auto _ : state) {
    auto r = db.set(keys()[next_key(i, state)], kValue);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Set)->ArgName("shards")->Arg(2)->Arg(4)->ThreadRange(1, 4)->UseRealTime();

void BM_GetLarge(benchmark::State& state) {
  auto& db = database(2);
  const std::string key = "large:" + std::to_string(state.range(0));
  (void)db.set(key, std::string(static_cast<std::size_t>(state.range(0)), 'x'));
  for (auto _ : state) {
    auto v = db.get(key);
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_GetLarge)->ArgName("bytes")->Arg(1024)->Arg(64 << 10)->Arg(1 << 20);

void BM_Incr(benchmark::State& state) {
  auto& db = database(2);
  for (auto _ : state) {
    auto v = db.incr("bench:counter");
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_Incr)->ThreadRange(1, 4)->UseRealTime();

void BM_HSetHGet(benchmark::State& state) {
  auto& db = database(2);
  for (auto _ : state) {
    (void)db.hset("bench:hash", "field", kValue);
    auto v = db.hget("bench:hash", "field");
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_HSetHGet);

void BM_RPushLPop(benchmark::State& state) {
  auto& db = database(2);
  for (auto _ : state) {
    (void)db.rpush("bench:list", {kValue});
    auto v = db.lpop("bench:list");
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_RPushLPop);

void BM_SAddSIsMember(benchmark::State& state) {
  auto& db = database(2);
  for (auto _ : state) {
    (void)db.sadd("bench:set", {"member"});
    auto v = db.sismember("bench:set", "member");
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_SAddSIsMember);

// Multi-shard: borrows every shard its keys live on.
void BM_MGet(benchmark::State& state) {
  auto& db = database(static_cast<std::size_t>(state.range(0)));
  std::vector<std::string_view> batch;
  for (std::size_t i = 0; i < 10; ++i) batch.push_back(keys()[i]);
  for (auto _ : state) {
    auto v = db.mget(batch);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations() * 10);
}
BENCHMARK(BM_MGet)->ArgName("shards")->Arg(1)->Arg(2)->Arg(4);

// The generic path: parse, route, run, encode RESP, decode RESP.
void BM_ExecuteGet(benchmark::State& state) {
  auto& db = database(2);
  for (auto _ : state) {
    auto r = db.execute({"GET", "key:1"});
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ExecuteGet);

// The floor: one map, one mutex, a copied result.
void BM_MutexMapGet(benchmark::State& state) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::string> map = [] {
    std::unordered_map<std::string, std::string> m;
    for (const auto& k : keys()) m[k] = kValue;
    return m;
  }();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 101;
  for (auto _ : state) {
    std::string copy;
    {
      std::lock_guard lock(mu);
      copy = map.find(keys()[next_key(i, state)])->second;
    }
    benchmark::DoNotOptimize(copy);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MutexMapGet)->ThreadRange(1, 4)->UseRealTime();

}  // namespace
