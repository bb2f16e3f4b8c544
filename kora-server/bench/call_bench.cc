// The execution wrapper's own cost: a CommandRun around an operation, against
// the bare operation (what the embedded typed calls and every server command
// pay on top of their work).
#include <benchmark/benchmark.h>

#include "kora/core/shard.h"
#include "kora/core/string_ops.h"
#include "kora/server/call.h"
#include "kora/server/command.h"

using namespace kora;

namespace {

void BM_GetBare(benchmark::State& state) {
  core::Shard shard(0);
  (void)core::op_set(shard.db(0), "key", "value", {}, 1);
  for (auto _ : state) {
    auto r = core::op_get(shard.db(0), "key", 1);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_GetBare);

void BM_GetThroughCommandRun(benchmark::State& state) {
  core::Shard shard(0);
  (void)core::op_set(shard.db(0), "key", "value", {}, 1);
  const server::CommandSpec& spec = *server::CommandTable::instance().find("get");
  for (auto _ : state) {
    server::CommandRun run(spec, shard, 0);
    auto r = core::op_get(shard.db(0), "key", 1);
    benchmark::DoNotOptimize(r);
    run.finish({}, [] { return std::vector<std::string>{"GET", "key"}; });
  }
}
BENCHMARK(BM_GetThroughCommandRun);

// As the embedded typed calls run: the clock read one call in 8.
void BM_GetThroughSampledRun(benchmark::State& state) {
  core::Shard shard(0);
  (void)core::op_set(shard.db(0), "key", "value", {}, 1);
  const server::CommandSpec& spec = *server::CommandTable::instance().find("get");
  for (auto _ : state) {
    server::CommandRun run(spec, shard, 0, true, server::CommandRun::Timing::kSampled);
    auto r = core::op_get(shard.db(0), "key", 1);
    benchmark::DoNotOptimize(r);
    run.finish({}, [] { return std::vector<std::string>{"GET", "key"}; });
  }
}
BENCHMARK(BM_GetThroughSampledRun);

void BM_SetThroughCommandRun(benchmark::State& state) {
  core::Shard shard(0);
  const server::CommandSpec& spec = *server::CommandTable::instance().find("set");
  for (auto _ : state) {
    server::CommandRun run(spec, shard, 0);
    auto r = core::op_set(shard.db(0), "key", "value", {}, 1);
    benchmark::DoNotOptimize(r);
    run.finish({}, [] { return std::vector<std::string>{"SET", "key", "value"}; });
  }
}
BENCHMARK(BM_SetThroughCommandRun);

void BM_SetBare(benchmark::State& state) {
  core::Shard shard(0);
  for (auto _ : state) {
    auto r = core::op_set(shard.db(0), "key", "value", {}, 1);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_SetBare);

}  // namespace
