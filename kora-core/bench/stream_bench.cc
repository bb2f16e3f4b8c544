// Stream family: XADD (explicit increasing ids, same and changing field names,
// with and without MAXLEN ~ trimming) and XRANGE (short seeks, long scans), through
// stream_ops as the server calls them; and the bytes per entry of a large stream.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "kora/core/stream_ops.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1'700'000'000'000;

void fill(Db& db, std::string_view key, std::int64_t n) {
  XAddArgs a;
  std::string value;
  for (std::int64_t i = 0; i < n; ++i) {
    a.id = StreamId{static_cast<std::uint64_t>(kNow + i / 4), static_cast<std::uint64_t>(i % 4)};
    value = std::to_string(i);
    std::string_view fv[] = {"sensor", "temp", "value", value};
    benchmark::DoNotOptimize(op_xadd(db, key, a, fv, kNow));
  }
}

}  // namespace

// XADD of range(0) entries with explicit ids; range(1): 1 = field names change
// every other entry (no sharing with the node's master entry).
static void BM_Xadd(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  const bool changing = state.range(1) == 1;
  std::vector<std::string> values;
  for (std::int64_t i = 0; i < n; ++i) values.push_back(std::to_string(i));
  for (auto _ : state) {
    Db db;
    XAddArgs a;
    for (std::int64_t i = 0; i < n; ++i) {
      a.id = StreamId{static_cast<std::uint64_t>(kNow + i), 0};
      std::string_view fv[] = {changing && (i & 1) ? "other" : "sensor", "temp", "value", values[static_cast<std::size_t>(i)]};
      benchmark::DoNotOptimize(op_xadd(db, "s", a, fv, kNow));
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetLabel(changing ? "changing fields" : "master fields");
}
BENCHMARK(BM_Xadd)->Args({10000, 0})->Args({10000, 1});

// XADD with MAXLEN ~ 1000: the stream stays near 1000 entries, whole nodes go.
static void BM_XaddCapped(benchmark::State& state) {
  Db db;
  XAddArgs a;
  a.trim = TrimArgs{TrimStrategy::kMaxLen, true, 1000, {}, 10000};
  std::uint64_t ms = kNow;
  for (auto _ : state) {
    a.id = StreamId{++ms, 0};
    std::string_view fv[] = {"sensor", "temp", "value", "21.5"};
    benchmark::DoNotOptimize(op_xadd(db, "s", a, fv, kNow));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_XaddCapped);

// XRANGE key <random id> + COUNT range(1) on a stream of range(0) entries: the
// seek into the ordered node map, then a short walk.
static void BM_XrangeSeek(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  const auto count = static_cast<std::size_t>(state.range(1));
  Db db;
  fill(db, "s", n);
  std::uint64_t x = 88172645463325252ULL;
  for (auto _ : state) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const StreamId start{static_cast<std::uint64_t>(kNow) + x % static_cast<std::uint64_t>(n / 4), 0};
    benchmark::DoNotOptimize(op_xrange(db, "s", start, StreamId::max(), false, count, kNow));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_XrangeSeek)->Args({100000, 1})->Args({100000, 10})->Args({1000000, 10});

// XRANGE - + over a whole stream of range(0) entries.
static void BM_XrangeAll(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  Db db;
  fill(db, "s", n);
  for (auto _ : state) {
    benchmark::DoNotOptimize(op_xrange(db, "s", StreamId{}, StreamId::max(), false, 0, kNow));
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_XrangeAll)->Arg(10000);

// Bytes per entry of a 1M-entry stream (XADD s <ms>-<seq> sensor temp value <i>):
// reported as a counter, to compare with redis-server's MEMORY USAGE.
static void BM_BytesPerEntry(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  double per_entry = 0;
  for (auto _ : state) {
    Db db;
    fill(db, "s", n);
    auto s = find_stream(db, "s", kNow);
    per_entry = static_cast<double>((*s)->memory_usage()) / static_cast<double>(n);
  }
  state.counters["bytes_per_entry"] = per_entry;
}
BENCHMARK(BM_BytesPerEntry)->Arg(1000000)->Iterations(1)->Unit(benchmark::kMillisecond);
