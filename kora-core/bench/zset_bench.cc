// Sorted-set family: the core operations on both encodings (listpack: up to
// zset-max-listpack-entries members; skiplist: larger), through zset_ops as the
// server calls them.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "kora/core/zset_ops.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1;

std::string member(std::int64_t i) { return "member:" + std::to_string(i); }

void fill(Db& db, std::string_view key, std::int64_t n) {
  std::vector<std::string> ms;
  for (std::int64_t i = 0; i < n; ++i) ms.push_back(member(i));
  std::vector<std::pair<double, std::string_view>> pairs;
  for (std::int64_t i = 0; i < n; ++i) pairs.emplace_back(static_cast<double>((i * 7919) % n), ms[static_cast<std::size_t>(i)]);
  benchmark::DoNotOptimize(op_zadd(db, key, ZAddOptions{}, pairs, kNow));
}

const char* label(std::int64_t n) { return n <= 128 ? "listpack" : "skiplist"; }

// 256 members of a set filled with `n`, scattered over it.
std::vector<std::string> probes(std::int64_t n) {
  std::vector<std::string> out;
  for (std::int64_t i = 0; i < 256; ++i) out.push_back(member((i * 31) % n));
  return out;
}

}  // namespace

// ZADD of new members one at a time, scores in a scattered order.
static void BM_ZaddNew(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  std::vector<std::string> ms;
  for (std::int64_t i = 0; i < n; ++i) ms.push_back(member(i));
  for (auto _ : state) {
    Db db;
    for (std::int64_t i = 0; i < n; ++i) {
      std::pair<double, std::string_view> p{static_cast<double>((i * 7919) % n), ms[static_cast<std::size_t>(i)]};
      benchmark::DoNotOptimize(op_zadd(db, "z", ZAddOptions{}, std::span(&p, 1), kNow));
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetLabel(label(n));
}
BENCHMARK(BM_ZaddNew)->Arg(100)->Arg(100000);

// ZSCORE hits.
static void BM_Zscore(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  Db db;
  fill(db, "z", n);
  const std::vector<std::string> ps = probes(n);
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(op_zscore(db, "z", ps[i++ & 255], kNow));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(label(n));
}
BENCHMARK(BM_Zscore)->Arg(100)->Arg(100000);

// ZRANK of a member (O(log N) in a skiplist).
static void BM_Zrank(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  Db db;
  fill(db, "z", n);
  const std::vector<std::string> ps = probes(n);
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(op_zrank(db, "z", ps[i++ & 255], false, kNow));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(label(n));
}
BENCHMARK(BM_Zrank)->Arg(100)->Arg(100000);

// ZRANGEBYSCORE of a 10-element window at a random place.
static void BM_ZrangeByScore(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  Db db;
  fill(db, "z", n);
  std::size_t i = 0;
  for (auto _ : state) {
    ZRangeSpec spec;
    spec.by = ZRangeBy::kScore;
    const double lo = static_cast<double>((i++ * 7919) % static_cast<std::size_t>(n - 10));
    spec.score = ScoreRange{lo, lo + 9, false, false};
    benchmark::DoNotOptimize(op_zrange(db, "z", spec, kNow));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(label(n));
}
BENCHMARK(BM_ZrangeByScore)->Arg(100)->Arg(100000);

// ZPOPMIN then ZADD back: the churn of a priority queue.
static void BM_ZpopminZadd(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  Db db;
  fill(db, "z", n);
  double next = static_cast<double>(n);
  for (auto _ : state) {
    auto r = op_zpop(db, "z", false, 1, kNow);
    const std::string m = (**r)[0].member;
    std::pair<double, std::string_view> p{next++, m};
    benchmark::DoNotOptimize(op_zadd(db, "z", ZAddOptions{}, std::span(&p, 1), kNow));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(label(n));
}
BENCHMARK(BM_ZpopminZadd)->Arg(100)->Arg(100000);
