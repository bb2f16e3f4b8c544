#include "kora/vector/distance.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

using kora::vector::distance;
using kora::vector::dot_product;
using kora::vector::Metric;
using kora::vector::squared_l2;

namespace {

using Vec = std::vector<float>;

float dist(Metric m, const Vec& a, const Vec& b) { return distance(m, a, b); }

}  // namespace

TEST_CASE("hand-computed distances in 2 and 3 dimensions", "[distance]") {
  Vec x{1, 0}, y{0, 1};
  CHECK(dist(Metric::kCosine, x, y) == Approx(1.0));
  CHECK(dist(Metric::kL2, x, y) == Approx(std::sqrt(2.0)));
  CHECK(dist(Metric::kInnerProduct, x, y) == Approx(1.0));

  // a = (1,2,3), b = (4,5,6): dot 32, |a|^2 14, |b|^2 77, sum of squared diffs 27.
  Vec a{1, 2, 3}, b{4, 5, 6};
  CHECK(dot_product(a, b) == Approx(32.0));
  CHECK(squared_l2(a, b) == Approx(27.0));
  CHECK(dist(Metric::kL2, a, b) == Approx(5.196152422706632));
  CHECK(dist(Metric::kCosine, a, b) == Approx(1.0 - 32.0 / std::sqrt(14.0 * 77.0)));
  CHECK(dist(Metric::kInnerProduct, a, b) == Approx(-31.0));
}

TEST_CASE("cosine edge cases stay within [0, 2]", "[distance]") {
  Vec a{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f};
  Vec minus_a;
  for (float v : a) minus_a.push_back(-v);
  Vec twice_a;
  for (float v : a) twice_a.push_back(2 * v);
  CHECK(dist(Metric::kCosine, a, a) == Approx(0.0).margin(1e-6));
  CHECK(dist(Metric::kCosine, a, a) >= 0.0f);
  CHECK(dist(Metric::kCosine, a, twice_a) == Approx(0.0).margin(1e-6));  // scale-invariant
  CHECK(dist(Metric::kCosine, a, minus_a) == Approx(2.0));
  CHECK(dist(Metric::kCosine, a, minus_a) <= 2.0f);

  Vec zero(9, 0.0f);
  CHECK(dist(Metric::kCosine, a, zero) == 1.0f);
  CHECK(dist(Metric::kCosine, zero, zero) == 1.0f);
  CHECK(dist(Metric::kL2, zero, zero) == 0.0f);
  CHECK(dist(Metric::kInnerProduct, a, zero) == 1.0f);
}

TEST_CASE("inner product distance equals cosine distance on unit vectors", "[distance]") {
  Vec u{0.6f, 0.8f}, v{1.0f, 0.0f};
  CHECK(dist(Metric::kInnerProduct, u, v) == Approx(dist(Metric::kCosine, u, v)));
  CHECK(dist(Metric::kInnerProduct, u, v) == Approx(0.4));
}

TEST_CASE("sums are right across the 8-lane blocks and the tail", "[distance]") {
  // a_i = i, b_i = 1 for i in [0, 19): dot = 171; squared L2 = sum_{k=-1}^{17} k^2 = 1786.
  Vec a, b(19, 1.0f);
  for (int i = 0; i < 19; ++i) a.push_back(static_cast<float>(i));
  CHECK(dot_product(a, b) == 171.0f);
  CHECK(squared_l2(a, b) == 1786.0f);

  std::mt19937 rng(42);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (std::size_t n : {1u, 7u, 8u, 9u, 16u, 17u, 31u, 128u, 768u}) {
    Vec p(n), q(n);
    for (std::size_t i = 0; i < n; ++i) {
      p[i] = u(rng);
      q[i] = u(rng);
    }
    double d = 0, l2 = 0, pp = 0, qq = 0;
    for (std::size_t i = 0; i < n; ++i) {
      d += double(p[i]) * q[i];
      l2 += (double(p[i]) - q[i]) * (double(p[i]) - q[i]);
      pp += double(p[i]) * p[i];
      qq += double(q[i]) * q[i];
    }
    INFO("n = " << n);
    CHECK(dot_product(p, q) == Approx(d).margin(1e-4));
    CHECK(dist(Metric::kL2, p, q) == Approx(std::sqrt(l2)).epsilon(1e-5));
    CHECK(dist(Metric::kCosine, p, q) == Approx(1.0 - d / std::sqrt(pp * qq)).margin(1e-5));
    CHECK(dist(Metric::kInnerProduct, p, q) == Approx(1.0 - d).margin(1e-4));
  }
}

TEST_CASE("empty vectors", "[distance]") {
  Vec e;
  CHECK(dist(Metric::kL2, e, e) == 0.0f);
  CHECK(dist(Metric::kCosine, e, e) == 1.0f);
  CHECK(dist(Metric::kInnerProduct, e, e) == 1.0f);
}

TEST_CASE("metric names", "[distance]") {
  using kora::vector::metric_from_name;
  using kora::vector::metric_name;
  CHECK(metric_name(Metric::kCosine) == "COSINE");
  CHECK(metric_name(Metric::kL2) == "L2");
  CHECK(metric_name(Metric::kInnerProduct) == "IP");
  CHECK(metric_from_name("cosine") == Metric::kCosine);
  CHECK(metric_from_name("l2") == Metric::kL2);
  CHECK(metric_from_name("Ip") == Metric::kInnerProduct);
  CHECK_FALSE(metric_from_name("dot").has_value());
  CHECK_FALSE(metric_from_name("").has_value());
  CHECK_FALSE(metric_from_name("L2X").has_value());
}
