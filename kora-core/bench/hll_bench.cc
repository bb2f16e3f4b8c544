// HyperLogLog family: PFADD into sparse and dense values, PFCOUNT of one key
// (cached, and recomputed on sparse and dense values), and PFCOUNT of the union
// of 3 keys, through hll_ops as the server calls them.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "kora/core/hll_ops.h"
#include "kora/core/string_ops.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1;

std::vector<std::string> elements(const std::string& prefix, long n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (long i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

void fill(Db& db, std::string_view key, const std::string& prefix, long n) {
  auto es = elements(prefix, n);
  std::vector<std::string_view> views(es.begin(), es.end());
  benchmark::DoNotOptimize(op_pfadd(db, key, views, kNow));
}

// A HLL of `n` elements: sparse below ~2000, dense above.
const char* label(long n) { return n < 2000 ? "sparse" : "dense"; }

}  // namespace

// PFADD of one never-seen element at a time into a HLL of range(0) elements
// (restored every 256 additions, so that a sparse one stays sparse).
static void BM_PfaddOne(benchmark::State& state) {
  const long n = state.range(0);
  Db db;
  fill(db, "h", "base:", n);
  const std::string base(**op_get(db, "h", kNow));
  long i = 0;
  for (auto _ : state) {
    if ((i & 255) == 255) {
      state.PauseTiming();
      benchmark::DoNotOptimize(op_set(db, "h", base, {}, kNow));
      state.ResumeTiming();
    }
    const std::string e = "new:" + std::to_string(i++);
    std::string_view ev = e;
    benchmark::DoNotOptimize(op_pfadd(db, "h", std::span(&ev, 1), kNow));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(label(n));
}
BENCHMARK(BM_PfaddOne)->Arg(100)->Arg(1000)->Arg(100000);

// PFADD of 100 elements per call into an empty key, until it holds range(0).
static void BM_PfaddBatch(benchmark::State& state) {
  const long n = state.range(0);
  const auto es = elements("e:", n);
  std::vector<std::string_view> views(es.begin(), es.end());
  for (auto _ : state) {
    Db db;
    for (long i = 0; i < n; i += 100) {
      benchmark::DoNotOptimize(op_pfadd(db, "h", std::span(views).subspan(i, std::min<long>(100, n - i)), kNow));
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_PfaddBatch)->Arg(1000)->Arg(100000);

// PFCOUNT of one key whose cache is valid (the common case).
static void BM_PfcountCached(benchmark::State& state) {
  Db db;
  fill(db, "h", "e:", state.range(0));
  benchmark::DoNotOptimize(op_pfcount(db, "h", kNow));
  for (auto _ : state) benchmark::DoNotOptimize(op_pfcount(db, "h", kNow));
  state.SetLabel(label(state.range(0)));
}
BENCHMARK(BM_PfcountCached)->Arg(1000)->Arg(100000);

// PFCOUNT of one key whose cache is invalid (as after a PFADD that changed a
// register): the estimate is recomputed over the sparse or dense registers
// and stored back. The uncached value is restored (untimed) before each call.
static void BM_PfcountRecompute(benchmark::State& state) {
  const long n = state.range(0);
  Db db;
  fill(db, "h", "e:", n);
  const std::string uncached(**op_get(db, "h", kNow));
  for (auto _ : state) {
    state.PauseTiming();
    benchmark::DoNotOptimize(op_set(db, "h", uncached, {}, kNow));
    state.ResumeTiming();
    benchmark::DoNotOptimize(op_pfcount(db, "h", kNow));
  }
  state.SetLabel(label(n));
}
BENCHMARK(BM_PfcountRecompute)->Arg(200)->Arg(1500)->Arg(100000);

// PFCOUNT of the union of 3 keys (in 3 Dbs, as on 3 shards).
static void BM_PfcountUnion3(benchmark::State& state) {
  const long n = state.range(0);
  Db a, b, c;
  fill(a, "a", "a:", n);
  fill(b, "b", "b:", n);
  fill(c, "c", "c:", n);
  const HllKey keys[] = {{&a, "a"}, {&b, "b"}, {&c, "c"}};
  for (auto _ : state) benchmark::DoNotOptimize(op_pfcount_union(keys, kNow));
  state.SetLabel(label(n));
}
BENCHMARK(BM_PfcountUnion3)->Arg(1000)->Arg(100000);

// PFMERGE of 3 sources into a fresh destination.
static void BM_Pfmerge3(benchmark::State& state) {
  const long n = state.range(0);
  Db db;
  fill(db, "a", "a:", n);
  fill(db, "b", "b:", n);
  fill(db, "c", "c:", n);
  const HllKey keys[] = {{&db, "dst"}, {&db, "a"}, {&db, "b"}, {&db, "c"}};
  for (auto _ : state) {
    db.erase("dst");
    benchmark::DoNotOptimize(op_pfmerge(keys, kNow));
  }
  state.SetLabel(label(n));
}
BENCHMARK(BM_Pfmerge3)->Arg(300)->Arg(100000);
