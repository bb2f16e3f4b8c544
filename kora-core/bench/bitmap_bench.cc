// Bitmap family: BITCOUNT (popcount over words), BITPOS (word-at-a-time skip),
// BITOP over long strings, SETBIT/GETBIT and BITFIELD through bitmap_ops as the
// server calls them.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "kora/core/bitmap_ops.h"
#include "kora/core/string_ops.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1;

std::string random_string(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

}  // namespace

// BITCOUNT of a whole string of range(0) bytes.
static void BM_Bitcount(benchmark::State& state) {
  const std::string s = random_string(static_cast<std::size_t>(state.range(0)), 1);
  for (auto _ : state) benchmark::DoNotOptimize(popcount(s));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Bitcount)->Arg(64)->Arg(4096)->Arg(1 << 20);

// BITCOUNT with a bit range (masked first and last bytes).
static void BM_BitcountBitRange(benchmark::State& state) {
  const std::string s = random_string(static_cast<std::size_t>(state.range(0)), 2);
  for (auto _ : state) benchmark::DoNotOptimize(bitcount(s, 3, -5, BitUnit::kBit));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_BitcountBitRange)->Arg(4096)->Arg(1 << 20);

// BITPOS of the first set bit at the end of range(0) zero bytes, and of the
// first clear bit after range(0) bytes of ones.
static void BM_BitposScan(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::string zeros(n, '\0');
  zeros.back() = 1;
  const std::string ones(n, '\xff');
  for (auto _ : state) {
    benchmark::DoNotOptimize(bitpos(zeros, 1));
    benchmark::DoNotOptimize(bitpos(ones, 0));
  }
  state.SetBytesProcessed(state.iterations() * state.range(0) * 2);
}
BENCHMARK(BM_BitposScan)->Arg(64)->Arg(4096)->Arg(1 << 20);

// BITOP of range(1) inputs of range(0) bytes.
static void BM_Bitop(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<std::string> in;
  for (int k = 0; k < state.range(1); ++k)
    in.push_back(random_string(n, 10 + static_cast<std::uint64_t>(k)));
  std::vector<std::string_view> views(in.begin(), in.end());
  for (auto _ : state) {
    benchmark::DoNotOptimize(bitop(BitOp::kAnd, views));
    benchmark::DoNotOptimize(bitop(BitOp::kXor, views));
  }
  state.SetBytesProcessed(state.iterations() * state.range(0) * state.range(1) * 2);
}
BENCHMARK(BM_Bitop)->Args({4096, 2})->Args({1 << 20, 3});

// SETBIT then GETBIT at scattered offsets of a 1 MB bitmap (the common
// "flag per user id" use).
static void BM_SetbitGetbit(benchmark::State& state) {
  Db db;
  (void)op_setbit(db, "bm", (1u << 23) - 1, true, kNow);  // 1 MB, allocated once
  std::mt19937_64 rng(3);
  std::vector<std::uint64_t> offsets(4096);
  for (auto& o : offsets) o = rng() % (1u << 23);
  std::size_t i = 0;
  for (auto _ : state) {
    const std::uint64_t o = offsets[i++ & 4095];
    benchmark::DoNotOptimize(op_setbit(db, "bm", o, (o & 1) != 0, kNow));
    benchmark::DoNotOptimize(op_getbit(db, "bm", o ^ 1, kNow));
  }
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_SetbitGetbit);

// BITFIELD INCRBY of a few counters (a counter array) and GET of them.
static void BM_BitfieldCounters(benchmark::State& state) {
  Db db;
  std::vector<BitfieldOp> ops;
  for (int k = 0; k < 4; ++k) {
    BitfieldOp op;
    op.kind = BitfieldOp::Kind::kIncrBy;
    op.type = *parse_bitfield_type("u12");
    op.offset = static_cast<std::uint64_t>(k) * 12 * 37;
    op.value = 3;
    op.overflow = BitfieldOverflow::kSat;
    ops.push_back(op);
    op.kind = BitfieldOp::Kind::kGet;
    ops.push_back(op);
  }
  for (auto _ : state) benchmark::DoNotOptimize(op_bitfield(db, "counters", ops, kNow));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(ops.size()));
}
BENCHMARK(BM_BitfieldCounters);
