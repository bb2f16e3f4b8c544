#include "kora/observability/latency_histogram.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace {

using kora::observability::LatencyHistogram;

// The reference percentile, with the same rank rule as LatencyHistogram.
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double p) {
  auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * double(sorted.size())));
  rank = std::clamp<std::uint64_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

std::vector<std::uint64_t> log_uniform(std::size_t n, double max, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> exponent(0.0, std::log(max));
  std::vector<std::uint64_t> v(n);
  for (auto& x : v) x = static_cast<std::uint64_t>(std::exp(exponent(rng)));
  return v;
}

}  // namespace

TEST_CASE("an empty histogram reports zeros", "[histogram]") {
  LatencyHistogram h;
  CHECK(h.count() == 0);
  CHECK(h.percentile(50) == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h.mean() == 0.0);
}

TEST_CASE("small values are recorded exactly", "[histogram]") {
  LatencyHistogram h(3);
  for (std::uint64_t v = 0; v < 16; ++v) h.record(v);
  CHECK(h.count() == 16);
  CHECK(h.percentile(0) == 0);
  CHECK(h.percentile(50) == 7);
  CHECK(h.percentile(100) == 15);
  CHECK(h.sum() == 120);
  CHECK(h.mean() == Approx(7.5));
}

TEST_CASE("percentiles are within the relative error 2^-precision_bits", "[histogram]") {
  for (int bits : {1, 3, 5, 7, 10}) {
    LatencyHistogram h(bits);
    REQUIRE(h.precision_bits() == bits);
    auto values = log_uniform(100000, 1e9, static_cast<std::uint64_t>(bits));
    for (auto v : values) h.record(v);
    std::sort(values.begin(), values.end());
    const double rel = std::ldexp(1.0, -bits);
    for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
      CAPTURE(bits, p);
      const std::uint64_t exact = exact_percentile(values, p);
      const std::uint64_t estimate = h.percentile(p);
      CHECK(estimate >= exact);
      CHECK(double(estimate - exact) <= double(exact) * rel);
    }
    CHECK(h.percentile(100) == values.back());
    CHECK(h.min() == values.front());
  }
}

TEST_CASE("buckets cover each value with width at most 2^-p of it", "[histogram]") {
  std::mt19937_64 rng(9);
  for (int bits : {1, 3, 8}) {
    for (int i = 0; i < 2000; ++i) {
      const std::uint64_t v = rng() >> (rng() % 64);
      LatencyHistogram h(bits);
      h.record(v);
      int buckets = 0;
      h.for_each_bucket([&](std::uint64_t lo, std::uint64_t hi, std::uint64_t n) {
        ++buckets;
        CHECK(n == 1);
        REQUIRE(lo <= v);
        REQUIRE(v <= hi);
        REQUIRE(double(hi - lo) <= std::ldexp(double(lo), -bits));
      });
      CHECK(buckets == 1);
    }
  }
}

TEST_CASE("the full uint64 range is accepted", "[histogram]") {
  LatencyHistogram h(3);
  const auto max = std::numeric_limits<std::uint64_t>::max();
  h.record(0);
  h.record(max);
  CHECK(h.min() == 0);
  CHECK(h.max() == max);
  CHECK(h.percentile(100) == max);
  CHECK(h.percentile(50) == 0);
}

TEST_CASE("merge equals recording everything in one histogram", "[histogram]") {
  const auto a_values = log_uniform(5000, 1e6, 1);
  const auto b_values = log_uniform(7000, 1e7, 2);
  LatencyHistogram a, b, all;
  for (auto v : a_values) a.record(v), all.record(v);
  for (auto v : b_values) b.record(v), all.record(v);
  REQUIRE(a.merge(b));
  CHECK(a.count() == all.count());
  CHECK(a.sum() == all.sum());
  CHECK(a.min() == all.min());
  CHECK(a.max() == all.max());
  for (double p : {1.0, 50.0, 99.0, 99.9}) CHECK(a.percentile(p) == all.percentile(p));

  LatencyHistogram empty;
  REQUIRE(empty.merge(b));  // into an empty one: takes min and max from b
  CHECK(empty.min() == b.min());
  CHECK(empty.max() == b.max());

  LatencyHistogram finer(5);
  CHECK_FALSE(a.merge(finer));
  CHECK(a.count() == all.count());
}

TEST_CASE("record with a count and reset", "[histogram]") {
  LatencyHistogram h;
  h.record(100, 9);
  h.record(1000, 1);
  h.record(5, 0);  // no-op
  CHECK(h.count() == 10);
  CHECK(h.percentile(90) >= 100);
  CHECK(h.percentile(90) <= 112);
  CHECK(h.percentile(91) == 1000);
  CHECK(h.mean() == Approx(190.0));
  h.reset();
  CHECK(h.count() == 0);
  CHECK(h.percentile(99) == 0);
  h.record(3);
  CHECK(h.min() == 3);
}

TEST_CASE("precision is clamped to the supported range", "[histogram]") {
  CHECK(LatencyHistogram(0).precision_bits() == LatencyHistogram::kMinPrecisionBits);
  CHECK(LatencyHistogram(64).precision_bits() == LatencyHistogram::kMaxPrecisionBits);
}
