// Cost of the per-command observability hooks: CMS add, HotKeys add, histogram
// record, and a Prometheus-backed command record.

#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "kora/observability/count_min.h"
#include "kora/observability/latency_histogram.h"
#include "kora/observability/metrics.h"

namespace {

namespace ko = kora::observability;

std::vector<std::string> keys(std::size_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back("user:" + std::to_string(i * 7919));
  return out;
}

void BM_CmsAdd(benchmark::State& state) {
  ko::CountMinSketch sketch(static_cast<std::size_t>(state.range(0)), 4);
  const auto ks = keys(4096);
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(sketch.add(ks[i++ & 4095]));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_CmsAdd)->Arg(1 << 10)->Arg(1 << 16);

void BM_HotKeysAdd(benchmark::State& state) {
  ko::HotKeys hot(static_cast<std::size_t>(state.range(0)));
  const auto ks = keys(1 << 16);
  std::mt19937_64 rng(1);
  std::vector<std::uint32_t> order(1 << 16);
  // Skewed access: low indexes are far more frequent.
  for (auto& o : order) o = static_cast<std::uint32_t>((rng() % 65536) * (rng() % 65536) >> 16);
  std::size_t i = 0;
  for (auto _ : state) hot.add(ks[order[i++ & 65535]]);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_HotKeysAdd)->Arg(16)->Arg(256);

void BM_HistogramRecord(benchmark::State& state) {
  ko::LatencyHistogram h(static_cast<int>(state.range(0)));
  std::mt19937_64 rng(2);
  std::vector<std::uint64_t> values(4096);
  for (auto& v : values) v = rng() >> (rng() % 48 + 16);
  std::size_t i = 0;
  for (auto _ : state) h.record(values[i++ & 4095]);
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_HistogramRecord)->Arg(3)->Arg(7);

void BM_HistogramPercentile(benchmark::State& state) {
  ko::LatencyHistogram h(3);
  for (std::uint64_t v = 1; v < 1000000; v = v * 11 / 10 + 1) h.record(v);
  for (auto _ : state) benchmark::DoNotOptimize(h.percentile(99.9));
}
BENCHMARK(BM_HistogramPercentile);

void BM_PrometheusCommandRecord(benchmark::State& state) {
  auto registry = ko::MetricsRegistry::create();
  if (!registry.ok()) {
    state.SkipWithError("registry");
    return;
  }
  auto get = registry->command("get");
  if (!get.ok()) {
    state.SkipWithError("command");
    return;
  }
  std::uint64_t us = 0;
  for (auto _ : state) get->record(++us & 1023);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_PrometheusCommandRecord);

}  // namespace
