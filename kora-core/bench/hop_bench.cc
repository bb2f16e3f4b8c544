// The cross-shard hop: the cost of sending work to another worker and getting the
// answer back, with the batched mailbox against one asio::post per task.
#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>

#include "kora/core/engine.h"

using namespace kora::core;

namespace {

EngineOptions options_for(int hop) {
  EngineOptions opts;
  opts.shard_count = 1;
  opts.hop = hop == 0 ? EngineOptions::Hop::kMailbox : EngineOptions::Hop::kDirectPost;
  return opts;
}

}  // namespace

// Round trip: one blocking call at a time to the worker's thread and back (the
// latency of one hop each way).
static void BM_HopRoundTrip(benchmark::State& state) {
  ShardEngine engine(options_for(static_cast<int>(state.range(0))));
  int counter = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(engine.run_on_worker(0, [&] { return ++counter; }));
  }
  state.SetLabel(state.range(0) == 0 ? "mailbox" : "asio::post");
}
BENCHMARK(BM_HopRoundTrip)->Arg(0)->Arg(1)->UseRealTime();

// No hop: call() on an idle shard runs on the calling thread (the embedded fast path).
static void BM_CallIdleShard(benchmark::State& state) {
  ShardEngine engine(options_for(0));
  int counter = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(engine.call(0, [&] { return ++counter; }));
  }
}
BENCHMARK(BM_CallIdleShard)->UseRealTime();

// Throughput: bursts of 64 fire-and-forget tasks, as a pipelined connection sends
// them, then one wait for the burst to finish.
static void BM_HopBurst64(benchmark::State& state) {
  ShardEngine engine(options_for(static_cast<int>(state.range(0))));
  std::atomic<int> done{0};
  for (auto _ : state) {
    done.store(0, std::memory_order_relaxed);
    for (int i = 0; i < 64; ++i) {
      engine.post(0, [&] { done.fetch_add(1, std::memory_order_release); });
    }
    while (done.load(std::memory_order_acquire) != 64) std::this_thread::yield();
  }
  state.SetItemsProcessed(state.iterations() * 64);
  state.SetLabel(state.range(0) == 0 ? "mailbox" : "asio::post");
}
BENCHMARK(BM_HopBurst64)->Arg(0)->Arg(1)->UseRealTime();
