// Lists: the quicklist (ListValue) and the list operations through a Db, on a
// small list (one node) and on large ones (many 8 KiB nodes). The counter
// bytes_per_elem reports ListValue::memory_usage() / size() of the list used.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "kora/core/list_ops.h"
#include "kora/core/list_value.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1'000'000;

std::string element(std::int64_t i) { return "element:" + std::to_string(i); }

ListValue filled(std::int64_t n) {
  ListValue l;
  for (std::int64_t i = 0; i < n; ++i) l.push(ListEnd::kTail, element(i));
  return l;
}

void report_memory(benchmark::State& state, const ListValue& l) {
  if (l.size() == 0) return;
  state.counters["bytes_per_elem"] =
      static_cast<double>(l.memory_usage()) / static_cast<double>(l.size());
  state.counters["nodes"] = static_cast<double>(l.node_count());
}

// RPUSH then LPOP on a list holding range(0) elements: a queue in steady state.
void BM_ListQueue(benchmark::State& state) {
  ListValue l = filled(state.range(0));
  const std::string v = element(42);
  for (auto _ : state) {
    l.push(ListEnd::kTail, v);
    benchmark::DoNotOptimize(l.pop(ListEnd::kHead));
  }
  report_memory(state, l);
}
BENCHMARK(BM_ListQueue)->Arg(8)->Arg(100'000);

// LPUSH then LPOP at the head: a stack.
void BM_ListStack(benchmark::State& state) {
  ListValue l = filled(state.range(0));
  const std::string v = element(42);
  for (auto _ : state) {
    l.push(ListEnd::kHead, v);
    benchmark::DoNotOptimize(l.pop(ListEnd::kHead));
  }
}
BENCHMARK(BM_ListStack)->Arg(8)->Arg(100'000);

// Building a list of range(0) elements from nothing (allocation and growth).
void BM_ListBuild(benchmark::State& state) {
  const std::string v = element(42);
  for (auto _ : state) {
    ListValue l;
    for (std::int64_t i = 0; i < state.range(0); ++i) l.push(ListEnd::kTail, v);
    benchmark::DoNotOptimize(l.size());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ListBuild)->Arg(8)->Arg(10'000);

// LINDEX of the middle element: a walk over half the nodes.
void BM_ListIndexMiddle(benchmark::State& state) {
  ListValue l = filled(state.range(0));
  const auto mid = static_cast<std::size_t>(state.range(0) / 2);
  for (auto _ : state) benchmark::DoNotOptimize(l.at(mid).value());
  report_memory(state, l);
}
BENCHMARK(BM_ListIndexMiddle)->Arg(8)->Arg(10'000)->Arg(1'000'000);

// LRANGE of 100 elements from the middle, through the Db and the op.
void BM_OpLrange100(benchmark::State& state) {
  Db db;
  std::vector<std::string> values;
  for (std::int64_t i = 0; i < state.range(0); ++i) values.push_back(element(i));
  std::vector<std::string_view> views(values.begin(), values.end());
  (void)op_push(db, "list", ListEnd::kTail, views, false, kNow);
  const std::int64_t start = state.range(0) / 2;
  for (auto _ : state) benchmark::DoNotOptimize(op_lrange(db, "list", start, start + 99, kNow));
}
BENCHMARK(BM_OpLrange100)->Arg(200)->Arg(100'000);

// LPUSH + RPOP of one element through the Db (hash lookup included).
void BM_OpPushPop(benchmark::State& state) {
  Db db;
  const std::string v = element(7);
  const std::string_view one[] = {v};
  for (std::int64_t i = 0; i < state.range(0); ++i) (void)op_push(db, "list", ListEnd::kTail, one, false, kNow);
  for (auto _ : state) {
    benchmark::DoNotOptimize(op_push(db, "list", ListEnd::kHead, one, false, kNow));
    benchmark::DoNotOptimize(op_pop(db, "list", ListEnd::kTail, kNow));
  }
}
BENCHMARK(BM_OpPushPop)->Arg(8)->Arg(100'000);

// LINSERT before the middle element, then LREM of it: the scan, the insert into
// a full node (split) and the compaction.
void BM_ListInsertRemoveMiddle(benchmark::State& state) {
  ListValue l = filled(state.range(0));
  const std::string pivot = element(state.range(0) / 2);
  for (auto _ : state) {
    l.insert(pivot, "inserted", false);
    benchmark::DoNotOptimize(l.remove("inserted", 1, ListEnd::kHead));
  }
  report_memory(state, l);
}
BENCHMARK(BM_ListInsertRemoveMiddle)->Arg(8)->Arg(10'000);

// LSET of an element in the middle to values of alternating size.
void BM_ListReplaceMiddle(benchmark::State& state) {
  ListValue l = filled(state.range(0));
  const auto mid = static_cast<std::size_t>(state.range(0) / 2);
  const std::string a = "short";
  const std::string b(80, 'b');
  bool flip = false;
  for (auto _ : state) {
    l.replace(mid, (flip = !flip) ? b : a);
  }
}
BENCHMARK(BM_ListReplaceMiddle)->Arg(8)->Arg(10'000);

}  // namespace
