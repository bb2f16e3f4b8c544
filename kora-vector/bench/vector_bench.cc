// Distance kernels per metric at common embedding sizes, and exact search over
// 10k x 128 vectors (the cost HNSW has to beat).

#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "kora/vector/distance.h"
#include "kora/vector/flat_index.h"

namespace {

using kora::vector::Metric;

std::vector<float> random_vector(std::mt19937& rng, std::size_t dim) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(dim);
  for (float& x : v) x = u(rng);
  return v;
}

void BM_Distance(benchmark::State& state, Metric metric) {
  std::mt19937 rng(1);
  auto dim = static_cast<std::size_t>(state.range(0));
  auto a = random_vector(rng, dim);
  auto b = random_vector(rng, dim);
  for (auto _ : state) {
    benchmark::DoNotOptimize(a.data());
    float d = kora::vector::distance(metric, a, b);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * 2 * dim * sizeof(float)));
}
BENCHMARK_CAPTURE(BM_Distance, cosine, Metric::kCosine)->Arg(128)->Arg(768);
BENCHMARK_CAPTURE(BM_Distance, l2, Metric::kL2)->Arg(128)->Arg(768);
BENCHMARK_CAPTURE(BM_Distance, inner_product, Metric::kInnerProduct)->Arg(128)->Arg(768);

void BM_FlatSearch(benchmark::State& state, Metric metric) {
  constexpr std::size_t kDim = 128;
  auto n = static_cast<std::uint64_t>(state.range(0));
  auto k = static_cast<std::size_t>(state.range(1));
  std::mt19937 rng(2);
  kora::vector::FlatIndex index(kDim, metric);
  for (std::uint64_t id = 0; id < n; ++id) {
    if (!index.add(id, random_vector(rng, kDim)).ok()) {
      state.SkipWithError("add failed");
      return;
    }
  }
  auto query = random_vector(rng, kDim);
  for (auto _ : state) {
    auto hits = index.search(query, k);
    benchmark::DoNotOptimize(hits);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));  // vectors scanned
}
BENCHMARK_CAPTURE(BM_FlatSearch, cosine, Metric::kCosine)
    ->Args({10000, 10})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_FlatSearch, l2, Metric::kL2)
    ->Args({10000, 10})
    ->Args({10000, 100})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_FlatSearch, inner_product, Metric::kInnerProduct)
    ->Args({10000, 10})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
