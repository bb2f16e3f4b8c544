#include "kora/observability/count_min.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using kora::observability::CountMinSketch;
using kora::observability::HotKey;
using kora::observability::HotKeys;

// Draws ranks 0..n-1 with P(r) proportional to 1 / (r + 1)^s.
class Zipf {
 public:
  Zipf(std::size_t n, double s) : cdf_(n) {
    double sum = 0;
    for (std::size_t r = 0; r < n; ++r) cdf_[r] = sum += 1.0 / std::pow(double(r + 1), s);
    for (auto& c : cdf_) c /= sum;
  }
  std::size_t operator()(std::mt19937_64& rng) {
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    return static_cast<std::size_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
  }

 private:
  std::vector<double> cdf_;
};

std::string key_of(std::size_t rank) { return "key:" + std::to_string(rank); }

struct Stream {
  std::vector<std::string> events;
  std::unordered_map<std::string, std::uint64_t> truth;
};

Stream zipf_stream(std::size_t events, std::size_t keys, double s, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Zipf zipf(keys, s);
  Stream out;
  out.events.reserve(events);
  for (std::size_t i = 0; i < events; ++i) {
    out.events.push_back(key_of(zipf(rng)));
    ++out.truth[out.events.back()];
  }
  return out;
}

}  // namespace

TEST_CASE("sketch dimensions are normalised", "[cms]") {
  CountMinSketch a(1000, 3);
  CHECK(a.width() == 1024);
  CHECK(a.depth() == 3);
  CountMinSketch b(0, 0);
  CHECK(b.width() == 1);
  CHECK(b.depth() == 1);
  CHECK(CountMinSketch(8, 100).depth() == CountMinSketch::kMaxDepth);
  auto c = CountMinSketch::with_error_bounds(0.01, 0.01);
  CHECK(c.width() == 512);  // ceil(e / 0.01) = 272, rounded up
  CHECK(c.depth() == 5);    // ceil(ln 100)
}

TEST_CASE("CMS never undercounts and stays within eps*N w.h.p. on a Zipf stream", "[cms]") {
  const double epsilon = 0.001;
  const double delta = 0.01;
  auto sketch = CountMinSketch::with_error_bounds(epsilon, delta);
  const Stream stream = zipf_stream(200000, 50000, 1.1, 1);
  for (const auto& key : stream.events) sketch.add(key);
  CHECK(sketch.total() == stream.events.size());

  const double bound = epsilon * static_cast<double>(stream.events.size());
  std::size_t beyond = 0;
  double worst = 0;
  for (const auto& [key, count] : stream.truth) {
    const std::uint64_t estimate = sketch.estimate(key);
    REQUIRE(estimate >= count);
    const double over = static_cast<double>(estimate - count);
    worst = std::max(worst, over);
    if (over > bound) ++beyond;
  }
  INFO("worst overcount " << worst << ", bound " << bound);
  CHECK(static_cast<double>(beyond) <= delta * static_cast<double>(stream.truth.size()));
  // Keys never added are overestimated within the same bound.
  std::size_t absent_beyond = 0;
  for (int i = 0; i < 10000; ++i) {
    if (static_cast<double>(sketch.estimate("absent:" + std::to_string(i))) > bound) {
      ++absent_beyond;
    }
  }
  CHECK(absent_beyond <= 100);
}

TEST_CASE("conservative update is exact without collisions", "[cms]") {
  CountMinSketch sketch(1 << 16, 4);
  CHECK(sketch.add("a") == 1);
  CHECK(sketch.add("a", 9) == 10);
  CHECK(sketch.add("b", 3) == 3);
  CHECK(sketch.estimate("a") == 10);
  CHECK(sketch.estimate("b") == 3);
  CHECK(sketch.estimate("never") == 0);
}

TEST_CASE("decay halves counts; clear forgets them", "[cms]") {
  CountMinSketch sketch(1024, 4);
  sketch.add("hot", 101);
  sketch.decay();
  CHECK(sketch.estimate("hot") == 50);
  CHECK(sketch.total() == 50);
  sketch.clear();
  CHECK(sketch.estimate("hot") == 0);
  CHECK(sketch.total() == 0);
}

TEST_CASE("counters saturate instead of wrapping", "[cms]") {
  CountMinSketch sketch(64, 2);
  const auto max = std::numeric_limits<std::uint32_t>::max();
  sketch.add("k", max);
  sketch.add("k", max);
  CHECK(sketch.estimate("k") == max);
}

TEST_CASE("merged sketches bound the combined counts", "[cms]") {
  CountMinSketch a(2048, 4), b(2048, 4);
  const Stream s1 = zipf_stream(20000, 5000, 1.0, 2);
  const Stream s2 = zipf_stream(20000, 5000, 1.0, 3);
  for (const auto& k : s1.events) a.add(k);
  for (const auto& k : s2.events) b.add(k);
  REQUIRE(a.merge(b));
  CHECK(a.total() == 40000);
  for (const auto& [key, count] : s1.truth) {
    auto it = s2.truth.find(key);
    REQUIRE(a.estimate(key) >= count + (it == s2.truth.end() ? 0 : it->second));
  }
  CountMinSketch other_shape(1024, 4);
  CHECK_FALSE(a.merge(other_shape));
}

TEST_CASE("HotKeys finds the heavy hitters of a Zipf stream", "[hotkeys]") {
  const Stream stream = zipf_stream(200000, 50000, 1.1, 4);
  HotKeys hot(10, 4096, 4);
  for (const auto& key : stream.events) hot.add(key);

  std::vector<HotKey> truth;
  for (const auto& [key, count] : stream.truth) truth.push_back({key, count});
  std::sort(truth.begin(), truth.end(),
            [](const HotKey& a, const HotKey& b) { return a.count > b.count; });

  const auto top = hot.top();
  REQUIRE(top.size() == 10);
  for (std::size_t i = 0; i + 1 < top.size(); ++i) CHECK(top[i].count >= top[i + 1].count);
  for (std::size_t i = 0; i < 5; ++i) CHECK(top[i].key == truth[i].key);  // clear leaders
  std::size_t overlap = 0;
  for (std::size_t i = 0; i < 10; ++i) {
    overlap += std::count_if(top.begin(), top.end(),
                             [&](const HotKey& h) { return h.key == truth[i].key; });
  }
  CHECK(overlap >= 9);
  for (const auto& h : top) CHECK(h.count >= stream.truth.at(h.key));
}

TEST_CASE("a key that turns hot displaces a cold one", "[hotkeys]") {
  HotKeys hot(3, 1024, 4);
  hot.add("a", 5);
  hot.add("b", 4);
  hot.add("c", 3);
  hot.add("d", 1);  // too cold to enter
  CHECK(hot.top() == std::vector<HotKey>{{"a", 5}, {"b", 4}, {"c", 3}});
  hot.add("d", 9);  // now 10
  CHECK(hot.top() == std::vector<HotKey>{{"d", 10}, {"a", 5}, {"b", 4}});
  hot.add("c", 1);  // 4: ties with b but does not beat it
  CHECK(hot.top().back() == HotKey{"b", 4});
  hot.decay();
  CHECK(hot.top() == std::vector<HotKey>{{"d", 5}, {"a", 2}, {"b", 2}});
  hot.clear();
  CHECK(hot.top().empty());
}

TEST_CASE("HotKeys with k = 0 tracks nothing", "[hotkeys]") {
  HotKeys hot(0);
  hot.add("x", 100);
  CHECK(hot.top().empty());
  CHECK(hot.sketch().estimate("x") == 100);
}

TEST_CASE("merge_hot_keys combines shard lists", "[hotkeys]") {
  const std::vector<std::vector<HotKey>> shards = {
      {{"a", 50}, {"b", 10}}, {{"c", 30}, {"d", 5}}, {}, {{"e", 30}}};
  CHECK(kora::observability::merge_hot_keys(shards, 3) ==
        std::vector<HotKey>{{"a", 50}, {"c", 30}, {"e", 30}});
  const std::vector<std::vector<HotKey>> windows = {{{"a", 1}}, {{"a", 2}, {"b", 2}}};
  CHECK(kora::observability::merge_hot_keys(windows, 10) ==
        std::vector<HotKey>{{"a", 3}, {"b", 2}});
}
