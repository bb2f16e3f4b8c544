// Append and read throughput of a shard's ChangeRing.

#include <benchmark/benchmark.h>

#include <string>

#include "kora/cdc/change_ring.h"

namespace {

using kora::cdc::ChangeRing;
using kora::cdc::Op;

void BM_Append(benchmark::State& state) {
  ChangeRing ring(1 << 16);
  const std::string key = "user:0000000042";
  const std::string value(static_cast<std::size_t>(state.range(0)), 'v');
  std::int64_t ts = 0;
  for (auto _ : state) benchmark::DoNotOptimize(ring.append(Op::kSet, key, value, ++ts));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Append)->Arg(16)->Arg(256)->Arg(4096);

void BM_ReadBatch(benchmark::State& state) {
  ChangeRing ring(1 << 16);
  const std::string value(64, 'v');
  for (int i = 0; i < (1 << 16); ++i) ring.append(Op::kSet, "key:" + std::to_string(i), value, i);
  const auto batch_size = static_cast<std::size_t>(state.range(0));
  std::uint64_t cursor = ring.first_seq();
  for (auto _ : state) {
    auto batch = ring.read(cursor, batch_size);
    cursor = batch.next_seq > ring.last_seq() ? ring.first_seq() : batch.next_seq;
    benchmark::DoNotOptimize(batch);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_ReadBatch)->Arg(1)->Arg(100)->Arg(1000);

}  // namespace
