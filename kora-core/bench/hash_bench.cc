// Hash family: the core operations on small (listpack) and large (hashtable)
// hashes, and the heap cost of many small hashes.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <memory>
#include <string>
#include <vector>

#include "kora/core/db.h"
#include "kora/core/hash_ops.h"
#include "kora/core/hash_value.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1;

std::vector<std::string> make_fields(std::size_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back("field:" + std::to_string(i));
  return out;
}

// A hash of n fields: a listpack up to hash-max-listpack-entries, a hashtable past it.
std::unique_ptr<HashValue> make_hash(const std::vector<std::string>& fields) {
  auto h = std::make_unique<HashValue>();
  for (const auto& f : fields) h->set(f, "value");
  return h;
}

}  // namespace

// HSET of a new field until the hash has state.range(0) fields, then start over.
static void BM_HashSetNew(benchmark::State& state) {
  auto fields = make_fields(static_cast<std::size_t>(state.range(0)));
  auto h = std::make_unique<HashValue>();
  std::string_view encoding = "listpack";
  std::size_t i = 0;
  for (auto _ : state) {
    h->set(fields[i], "value");
    if (++i == fields.size()) {
      state.PauseTiming();
      encoding = h->encoding();
      h = std::make_unique<HashValue>();
      i = 0;
      state.ResumeTiming();
    }
  }
  state.SetLabel(std::string(encoding));
}
BENCHMARK(BM_HashSetNew)->Arg(8)->Arg(128)->Arg(100000);

// HSET of an existing field (an update in place).
static void BM_HashSetUpdate(benchmark::State& state) {
  auto fields = make_fields(static_cast<std::size_t>(state.range(0)));
  auto hp = make_hash(fields);
  HashValue& h = *hp;
  std::size_t i = 0;
  for (auto _ : state) {
    h.set(fields[i], (i & 1) ? "v1" : "value-2");
    if (++i == fields.size()) i = 0;
  }
  state.SetLabel(std::string(h.encoding()));
}
BENCHMARK(BM_HashSetUpdate)->Arg(8)->Arg(128)->Arg(100000);

// HGET of present fields.
static void BM_HashGet(benchmark::State& state) {
  auto fields = make_fields(static_cast<std::size_t>(state.range(0)));
  auto hp = make_hash(fields);
  HashValue& h = *hp;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.get(fields[i]));
    if (++i == fields.size()) i = 0;
  }
  state.SetLabel(std::string(h.encoding()));
}
BENCHMARK(BM_HashGet)->Arg(8)->Arg(128)->Arg(100000);

// HDEL then HSET of the same field.
static void BM_HashDelSet(benchmark::State& state) {
  auto fields = make_fields(static_cast<std::size_t>(state.range(0)));
  auto hp = make_hash(fields);
  HashValue& h = *hp;
  std::size_t i = 0;
  for (auto _ : state) {
    h.erase(fields[i]);
    h.set(fields[i], "value");
    if (++i == fields.size()) i = 0;
  }
  state.SetLabel(std::string(h.encoding()));
}
BENCHMARK(BM_HashDelSet)->Arg(8)->Arg(128)->Arg(100000);

// HGETALL through the op (one vector of views per call).
static void BM_HashGetAll(benchmark::State& state) {
  Db db;
  auto fields = make_fields(static_cast<std::size_t>(state.range(0)));
  std::vector<std::string_view> args;
  for (const auto& f : fields) {
    args.push_back(f);
    args.push_back("value");
  }
  (void)op_hset(db, "h", args, kNow);
  for (auto _ : state) {
    auto r = op_hgetall(db, "h", kNow);
    benchmark::DoNotOptimize(r->data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_HashGetAll)->Arg(8)->Arg(128)->Arg(10000);

// HINCRBY and HINCRBYFLOAT on one field of a small hash (through the Db).
static void BM_HashIncrBy(benchmark::State& state) {
  Db db;
  for (auto _ : state) benchmark::DoNotOptimize(op_hincrby(db, "h", "counter", 1, kNow));
}
BENCHMARK(BM_HashIncrBy);

static void BM_HashIncrByFloat(benchmark::State& state) {
  Db db;
  for (auto _ : state) benchmark::DoNotOptimize(op_hincrbyfloat(db, "h", "x", 0.5L, kNow));
}
BENCHMARK(BM_HashIncrByFloat);

// HRANDFIELD with a count (distinct fields).
static void BM_HashRandomDistinct(benchmark::State& state) {
  auto fields = make_fields(static_cast<std::size_t>(state.range(0)));
  auto hp = make_hash(fields);
  HashValue& h = *hp;
  std::mt19937_64 rng(1);
  std::vector<HashValue::Pair> out;
  for (auto _ : state) {
    out.clear();
    h.random_distinct_pairs(5, rng, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetLabel(std::string(h.encoding()));
}
BENCHMARK(BM_HashRandomDistinct)->Arg(128)->Arg(100000);

// Heap bytes per small hash (5 fields "field:i" -> "value"), measured with
// mallinfo2 around building 100,000 of them: the object plus its listpack,
// including the allocator's headers. The keyspace entry is not counted.
static void BM_HashSmallHashHeap(benchmark::State& state) {
  constexpr std::size_t kHashes = 100000;
  auto fields = make_fields(5);
  double per_hash = 0;
  for (auto _ : state) {
    std::vector<std::unique_ptr<HashValue>> hashes;
    hashes.reserve(kHashes);
    std::size_t before = mallinfo2().uordblks;
    for (std::size_t i = 0; i < kHashes; ++i) {
      auto h = std::make_unique<HashValue>();
      for (const auto& f : fields) h->set(f, "value");
      hashes.push_back(std::move(h));
    }
    std::size_t after = mallinfo2().uordblks;
    per_hash = static_cast<double>(after - before) / kHashes;
  }
  state.counters["heap_bytes_per_hash"] = per_hash;
  state.counters["object_bytes"] = static_cast<double>(sizeof(HashValue));
}
BENCHMARK(BM_HashSmallHashHeap)->Unit(benchmark::kMillisecond)->Iterations(3);
