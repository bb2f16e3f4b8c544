// Geo family: GEOADD into a growing set and GEOSEARCH by radius and by box over
// sets of range(0) points (listpack below 128 members, skiplist above), through
// geo_ops as the server calls them.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "kora/core/geo_ops.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1;

// n points spread over Europe-sized area around (10, 45).
std::vector<GeoPoint> points(std::int64_t n) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lon(0, 20), lat(35, 55);
  std::vector<GeoPoint> out;
  for (std::int64_t i = 0; i < n; ++i) out.push_back(GeoPoint{lon(rng), lat(rng)});
  return out;
}

void fill(Db& db, std::int64_t n, std::vector<std::string>& names) {
  auto ps = points(n);
  names.clear();
  for (std::int64_t i = 0; i < n; ++i) names.push_back("member:" + std::to_string(i));
  for (std::int64_t i = 0; i < n; ++i) {
    GeoAddItem item{ps[static_cast<std::size_t>(i)], names[static_cast<std::size_t>(i)]};
    benchmark::DoNotOptimize(op_geoadd(db, "g", ZAddOptions{}, std::span(&item, 1), kNow));
  }
}

}  // namespace

// GEOADD of range(0) new members one at a time.
static void BM_GeoaddNew(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  auto ps = points(n);
  std::vector<std::string> names;
  for (std::int64_t i = 0; i < n; ++i) names.push_back("member:" + std::to_string(i));
  for (auto _ : state) {
    Db db;
    for (std::int64_t i = 0; i < n; ++i) {
      GeoAddItem item{ps[static_cast<std::size_t>(i)], names[static_cast<std::size_t>(i)]};
      benchmark::DoNotOptimize(op_geoadd(db, "g", ZAddOptions{}, std::span(&item, 1), kNow));
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_GeoaddNew)->Arg(100)->Arg(10000);

// GEOSEARCH BYRADIUS range(1) km around the middle, ASC, over range(0) points.
static void BM_GeosearchRadius(benchmark::State& state) {
  Db db;
  std::vector<std::string> names;
  fill(db, state.range(0), names);
  GeoSearch s;
  s.shape = geo::Shape{false, 10, 45, 1000, static_cast<double>(state.range(1)), 0, 0};
  s.sort = GeoSort::kAsc;
  std::size_t found = 0;
  for (auto _ : state) {
    auto r = op_geosearch(db, "g", s, kNow);
    found = r->size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["matches"] = static_cast<double>(found);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GeosearchRadius)->Args({100, 200})->Args({10000, 50})->Args({10000, 200})->Args({100000, 100});

// GEOSEARCH BYBOX range(1) x range(1) km, COUNT 10 ANY (stops early).
static void BM_GeosearchBoxAny(benchmark::State& state) {
  Db db;
  std::vector<std::string> names;
  fill(db, state.range(0), names);
  GeoSearch s;
  const auto side = static_cast<double>(state.range(1));
  s.shape = geo::Shape{true, 10, 45, 1000, 0, side, side};
  s.count = 10;
  s.any = true;
  for (auto _ : state) benchmark::DoNotOptimize(op_geosearch(db, "g", s, kNow));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GeosearchBoxAny)->Args({10000, 400});

