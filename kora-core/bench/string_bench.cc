// String family: the core operations as the server calls them (one Db, no
// protocol): SET/GET, INCRBYFLOAT, SETRANGE/GETRANGE on short and long strings,
// MSETNX and LCS.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "kora/core/numbers.h"
#include "kora/core/string_ops.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1;

std::vector<std::string> make_keys(std::int64_t n) {
  std::vector<std::string> keys;
  keys.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) keys.push_back("key:" + std::to_string(i));
  return keys;
}

// A deterministic pseudo-random string over a small alphabet (LCS inputs).
std::string text(std::size_t n, unsigned seed) {
  std::string s(n, 'a');
  for (std::size_t i = 0; i < n; ++i) {
    seed = seed * 1103515245u + 12345u;
    s[i] = static_cast<char>('a' + (seed >> 16) % 4);
  }
  return s;
}

}  // namespace

// SET then GET of range(0) distinct keys with 32-byte values.
static void BM_SetGet(benchmark::State& state) {
  auto keys = make_keys(state.range(0));
  const std::string value(32, 'v');
  for (auto _ : state) {
    Db db;
    for (const auto& k : keys) benchmark::DoNotOptimize(op_set(db, k, value, {}, kNow));
    for (const auto& k : keys) benchmark::DoNotOptimize(op_get(db, k, kNow));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0) * 2);
}
BENCHMARK(BM_SetGet)->Arg(1000)->Arg(100000);

// INCRBYFLOAT on one key: parse, add in long double, format with "%.17Lf".
static void BM_IncrByFloat(benchmark::State& state) {
  Db db;
  const long double incr = *parse_long_double("0.1");
  for (auto _ : state) benchmark::DoNotOptimize(op_incr_by_float(db, "f", incr, kNow));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IncrByFloat);

// SETRANGE of 8 bytes at a moving offset inside a string of range(0) bytes:
// inline strings are rebuilt, out-of-line ones written in place.
static void BM_SetRange(benchmark::State& state) {
  Db db;
  const auto len = state.range(0);
  (void)op_setrange(db, "s", len - 1, "x", kNow);
  std::int64_t off = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(op_setrange(db, "s", off, "abcdefgh", kNow));
    off = (off + 97) % (len - 8);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SetRange)->Arg(48)->Arg(4096)->Arg(1 << 20);

// GETRANGE of 16 bytes from a 1 MiB string.
static void BM_GetRange(benchmark::State& state) {
  Db db;
  (void)op_setrange(db, "s", (1 << 20) - 1, "x", kNow);
  std::int64_t off = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(op_getrange(db, "s", off, off + 15, kNow));
    off = (off + 4099) % ((1 << 20) - 16);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetRange);

// MSETNX of range(0) fresh keys (all absent: every key is checked, then set).
static void BM_MsetNx(benchmark::State& state) {
  auto keys = make_keys(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    Db db;
    std::vector<DbKeyValue> items;
    for (const auto& k : keys) items.push_back({&db, k, "value"});
    state.ResumeTiming();
    benchmark::DoNotOptimize(op_msetnx(items, kNow));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MsetNx)->Arg(10)->Arg(1000);

// LCS of two range(0)-byte strings: the full table (IDX) against the two-row
// length-only pass (LEN).
static void BM_Lcs(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::string a = text(n, 1), b = text(n, 2);
  LcsOptions opts;
  opts.want_string = false;
  opts.want_matches = state.range(1) != 0;
  for (auto _ : state) benchmark::DoNotOptimize(compute_lcs(a, b, opts));
  state.SetItemsProcessed(state.iterations() * state.range(0) * state.range(0));
  state.SetLabel(opts.want_matches ? "idx" : "len");
}
BENCHMARK(BM_Lcs)->Args({256, 0})->Args({256, 1})->Args({2048, 0})->Args({2048, 1});
