// Set family: the core operations on both encodings (intset: integers only, at
// most set-max-intset-entries members; hashtable: strings), through set_ops as
// the server calls them.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "kora/core/set_ops.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1;

// Member i of a set of the given encoding: "i" (intset) or "member:i" (hashtable).
std::string member(bool ints, std::int64_t i) {
  return ints ? std::to_string(i) : "member:" + std::to_string(i);
}

void fill(Db& db, std::string_view key, bool ints, std::int64_t n, std::int64_t offset = 0) {
  std::vector<std::string> ms;
  for (std::int64_t i = 0; i < n; ++i) ms.push_back(member(ints, i + offset));
  std::vector<std::string_view> views(ms.begin(), ms.end());
  benchmark::DoNotOptimize(op_sadd(db, key, views, kNow));
}

const char* label(bool ints) { return ints ? "intset" : "hashtable"; }

}  // namespace

// SADD of new members one at a time into a set of range(1) members (an intset
// stays under 512).
static void BM_SaddNew(benchmark::State& state) {
  const bool ints = state.range(0) == 0;
  const std::int64_t n = state.range(1);
  std::vector<std::string> ms;
  for (std::int64_t i = 0; i < n; ++i) ms.push_back(member(ints, (i * 7919) % n));
  for (auto _ : state) {
    Db db;
    for (const auto& m : ms) {
      std::string_view v = m;
      benchmark::DoNotOptimize(op_sadd(db, "s", std::span(&v, 1), kNow));
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetLabel(label(ints));
}
BENCHMARK(BM_SaddNew)->Args({0, 500})->Args({1, 500})->Args({1, 10000});

// SISMEMBER hits and misses.
static void BM_Sismember(benchmark::State& state) {
  const bool ints = state.range(0) == 0;
  const std::int64_t n = state.range(1);
  Db db;
  fill(db, "s", ints, n);
  std::vector<std::string> probes;
  for (std::int64_t i = 0; i < 256; ++i) probes.push_back(member(ints, (i * 31) % (2 * n)));
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(op_sismember(db, "s", probes[i++ & 255], kNow));
  }
  state.SetLabel(label(ints));
}
BENCHMARK(BM_Sismember)->Args({0, 500})->Args({1, 500})->Args({1, 100000});

// SMEMBERS of the whole set.
static void BM_Smembers(benchmark::State& state) {
  const bool ints = state.range(0) == 0;
  const std::int64_t n = state.range(1);
  Db db;
  fill(db, "s", ints, n);
  for (auto _ : state) benchmark::DoNotOptimize(op_smembers(db, "s", kNow));
  state.SetItemsProcessed(state.iterations() * n);
  state.SetLabel(label(ints));
}
BENCHMARK(BM_Smembers)->Args({0, 500})->Args({1, 500});

// SADD + SREM of one member (steady state).
static void BM_SaddSrem(benchmark::State& state) {
  const bool ints = state.range(0) == 0;
  Db db;
  fill(db, "s", ints, 400);
  std::string m = member(ints, 100000);
  std::string_view v = m;
  for (auto _ : state) {
    benchmark::DoNotOptimize(op_sadd(db, "s", std::span(&v, 1), kNow));
    benchmark::DoNotOptimize(op_srem(db, "s", std::span(&v, 1), kNow));
  }
  state.SetLabel(label(ints));
}
BENCHMARK(BM_SaddSrem)->Arg(0)->Arg(1);

// SRANDMEMBER (one member) and SPOP + SADD back.
static void BM_SrandmemberSpop(benchmark::State& state) {
  const bool ints = state.range(0) == 0;
  Db db;
  fill(db, "s", ints, 500);
  for (auto _ : state) {
    benchmark::DoNotOptimize(op_srandmember(db, "s", kNow));
    auto popped = op_spop(db, "s", kNow);
    std::string_view v = **popped;
    benchmark::DoNotOptimize(op_sadd(db, "s", std::span(&v, 1), kNow));
  }
  state.SetLabel(label(ints));
}
BENCHMARK(BM_SrandmemberSpop)->Arg(0)->Arg(1);

// SINTER / SUNION / SDIFF of two half-overlapping sets of range(1) members.
static void BM_SetAlgebra(benchmark::State& state) {
  const bool ints = state.range(0) == 0;
  const std::int64_t n = state.range(1);
  const int op = static_cast<int>(state.range(2));
  Db db;
  fill(db, "a", ints, n);
  fill(db, "b", ints, n, n / 2);
  std::vector<SetKey> keys{{&db, "a"}, {&db, "b"}};
  for (auto _ : state) {
    switch (op) {
      case 0: benchmark::DoNotOptimize(op_sinter(keys, kNow)); break;
      case 1: benchmark::DoNotOptimize(op_sunion(keys, kNow)); break;
      case 2: benchmark::DoNotOptimize(op_sdiff(keys, kNow)); break;
      default: benchmark::DoNotOptimize(op_sintercard(keys, 0, kNow)); break;
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
  static const char* kOps[] = {"sinter", "sunion", "sdiff", "sintercard"};
  state.SetLabel(std::string(kOps[op]) + " " + label(ints));
}
BENCHMARK(BM_SetAlgebra)
    ->ArgsProduct({{0}, {200}, {0, 1, 2, 3}})
    ->ArgsProduct({{1}, {200, 10000}, {0, 1, 2, 3}});

// SINTERSTORE into a destination that is overwritten each time.
static void BM_Sinterstore(benchmark::State& state) {
  const bool ints = state.range(0) == 0;
  Db db;
  fill(db, "a", ints, 200);
  fill(db, "b", ints, 200, 100);
  std::vector<SetKey> keys{{&db, "a"}, {&db, "b"}};
  for (auto _ : state) benchmark::DoNotOptimize(op_sinterstore({&db, "d"}, keys, kNow));
  state.SetLabel(label(ints));
}
BENCHMARK(BM_Sinterstore)->Arg(0)->Arg(1);
