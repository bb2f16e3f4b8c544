#include "kora/vector/flat_index.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

using kora::core::Errc;
using kora::vector::FlatIndex;
using kora::vector::Metric;
using kora::vector::Neighbor;

namespace {

using Vec = std::vector<float>;

std::vector<Neighbor> search(const FlatIndex& index, const Vec& q, std::size_t k) {
  auto r = index.search(q, k);
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::vector<std::uint64_t> ids_of(const std::vector<Neighbor>& hits) {
  std::vector<std::uint64_t> ids;
  for (const Neighbor& n : hits) ids.push_back(n.id);
  return ids;
}

// Four points in the plane at L2 distances 0, 1, 2 and 5 from the origin.
FlatIndex plane() {
  FlatIndex index(2, Metric::kL2);
  REQUIRE(index.add(1, Vec{0, 0}).value());
  REQUIRE(index.add(2, Vec{1, 0}).value());
  REQUIRE(index.add(3, Vec{0, 2}).value());
  REQUIRE(index.add(4, Vec{3, 4}).value());
  return index;
}

}  // namespace

TEST_CASE("search returns the k nearest with their distances, ascending", "[flat]") {
  FlatIndex index = plane();
  CHECK(index.size() == 4);
  CHECK(index.dimension() == 2);
  CHECK(index.metric() == Metric::kL2);

  auto top2 = search(index, Vec{0, 0}, 2);
  REQUIRE(top2.size() == 2);
  CHECK(top2[0] == Neighbor{1, 0.0f});
  CHECK(top2[1] == Neighbor{2, 1.0f});

  auto near_44 = search(index, Vec{3, 3}, 2);
  CHECK(ids_of(near_44) == std::vector<std::uint64_t>{4, 3});  // 1 and sqrt(10)
  CHECK(near_44[0].distance == Approx(1.0));
  CHECK(near_44[1].distance == Approx(std::sqrt(10.0)));
}

TEST_CASE("k larger than the index returns everything; k = 0 nothing", "[flat]") {
  FlatIndex index = plane();
  auto all = search(index, Vec{0, 0}, 100);
  REQUIRE(all.size() == 4);
  CHECK(ids_of(all) == std::vector<std::uint64_t>{1, 2, 3, 4});
  CHECK(all[2].distance == Approx(2.0));
  CHECK(all[3].distance == Approx(5.0));
  CHECK(search(index, Vec{0, 0}, 0).empty());

  FlatIndex empty(3, Metric::kCosine);
  CHECK(search(empty, Vec{1, 2, 3}, 5).empty());
}

TEST_CASE("equal distances are ordered by id", "[flat]") {
  FlatIndex index(2, Metric::kL2);
  // Inserted out of id order, all at distance 1 from the origin.
  REQUIRE(index.add(70, Vec{0, -1}).ok());
  REQUIRE(index.add(30, Vec{1, 0}).ok());
  REQUIRE(index.add(50, Vec{-1, 0}).ok());
  REQUIRE(index.add(10, Vec{0, 1}).ok());
  auto hits = search(index, Vec{0, 0}, 3);
  CHECK(ids_of(hits) == std::vector<std::uint64_t>{10, 30, 50});
  for (const Neighbor& n : hits) CHECK(n.distance == 1.0f);
}

TEST_CASE("each metric ranks by its own distance", "[flat]") {
  FlatIndex cosine(2, Metric::kCosine);
  FlatIndex ip(2, Metric::kInnerProduct);
  // Same direction as the query but short (1), a large vector 45 degrees off (2).
  for (FlatIndex* index : {&cosine, &ip}) {
    REQUIRE(index->add(1, Vec{0.1f, 0}).ok());
    REQUIRE(index->add(2, Vec{10, 10}).ok());
  }
  CHECK(ids_of(search(cosine, Vec{1, 0}, 2)) == std::vector<std::uint64_t>{1, 2});
  CHECK(ids_of(search(ip, Vec{1, 0}, 2)) == std::vector<std::uint64_t>{2, 1});  // 1-10 < 1-0.1
  CHECK(search(ip, Vec{1, 0}, 1)[0].distance == Approx(-9.0));
  CHECK(search(cosine, Vec{1, 0}, 2)[1].distance == Approx(1.0 - std::sqrt(0.5)));
}

TEST_CASE("dimension mismatches and non-finite components are errors", "[flat]") {
  FlatIndex index = plane();
  auto too_long = index.add(9, Vec{1, 2, 3});
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.code() == Errc::kSyntax);
  CHECK(too_long.error().message == "ERR vector dimension mismatch: expected 2, got 3");
  auto too_short = index.add(9, Vec{1});
  REQUIRE_FALSE(too_short.ok());
  CHECK(too_short.error().message == "ERR vector dimension mismatch: expected 2, got 1");
  CHECK_FALSE(index.contains(9));
  CHECK(index.size() == 4);

  auto q = index.search(Vec{1, 2, 3}, 1);
  REQUIRE_FALSE(q.ok());
  CHECK(q.error().message == "ERR vector dimension mismatch: expected 2, got 3");
  CHECK_FALSE(index.search(Vec{}, 1).ok());

  auto nan = index.add(9, Vec{std::numeric_limits<float>::quiet_NaN(), 0});
  REQUIRE_FALSE(nan.ok());
  CHECK(nan.code() == Errc::kNotFloat);
  CHECK_FALSE(index.add(9, Vec{0, std::numeric_limits<float>::infinity()}).ok());
  CHECK_FALSE(index.search(Vec{std::numeric_limits<float>::quiet_NaN(), 0}, 1).ok());
  CHECK(index.size() == 4);
}

TEST_CASE("add replaces the vector of an existing id", "[flat]") {
  FlatIndex index = plane();
  auto again = index.add(4, Vec{0.5f, 0});
  REQUIRE(again.ok());
  CHECK_FALSE(again.value());
  CHECK(index.size() == 4);
  CHECK(std::vector<float>(index.get(4).begin(), index.get(4).end()) == Vec{0.5f, 0});
  CHECK(ids_of(search(index, Vec{0, 0}, 4)) == std::vector<std::uint64_t>{1, 4, 2, 3});
}

TEST_CASE("remove drops the id and keeps the others findable", "[flat]") {
  FlatIndex index = plane();
  CHECK(index.remove(2));
  CHECK_FALSE(index.remove(2));
  CHECK_FALSE(index.remove(99));
  CHECK(index.size() == 3);
  CHECK_FALSE(index.contains(2));
  CHECK(index.get(2).empty());
  // id 4 moved into 2's slot; its vector must have moved with it.
  CHECK(std::vector<float>(index.get(4).begin(), index.get(4).end()) == Vec{3, 4});
  CHECK(ids_of(search(index, Vec{0, 0}, 10)) == std::vector<std::uint64_t>{1, 3, 4});

  CHECK(index.remove(4));  // the last slot
  CHECK(index.remove(1));
  CHECK(index.remove(3));
  CHECK(index.size() == 0);
  CHECK(search(index, Vec{0, 0}, 10).empty());
  REQUIRE(index.add(2, Vec{1, 1}).value());
  CHECK(ids_of(search(index, Vec{0, 0}, 10)) == std::vector<std::uint64_t>{2});
}

TEST_CASE("adding a stored vector under another id (aliasing input)", "[flat]") {
  FlatIndex index(3, Metric::kL2);
  REQUIRE(index.add(1, Vec{1, 2, 3}).ok());
  for (std::uint64_t id = 2; id < 100; ++id) {  // forces data_ to grow while aliased
    REQUIRE(index.add(id, index.get(id - 1)).ok());
  }
  CHECK(std::vector<float>(index.get(99).begin(), index.get(99).end()) == Vec{1, 2, 3});
  REQUIRE(index.add(50, index.get(50)).ok());  // replace with itself
  CHECK(std::vector<float>(index.get(50).begin(), index.get(50).end()) == Vec{1, 2, 3});
}

TEST_CASE("search agrees with a full sort on random data", "[flat]") {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const std::size_t dim = 13;
  for (Metric m : {Metric::kCosine, Metric::kL2, Metric::kInnerProduct}) {
    FlatIndex index(dim, m);
    std::vector<Vec> vecs;
    for (std::uint64_t id = 0; id < 300; ++id) {
      Vec v(dim);
      for (float& x : v) x = u(rng);
      REQUIRE(index.add(id, v).ok());
      vecs.push_back(v);
    }
    for (std::uint64_t id = 0; id < 300; id += 3) REQUIRE(index.remove(id));
    Vec q(dim);
    for (float& x : q) x = u(rng);

    std::vector<Neighbor> expected;
    for (std::uint64_t id = 0; id < 300; ++id) {
      if (id % 3 != 0) expected.push_back({id, kora::vector::distance(m, q, vecs[id])});
    }
    std::sort(expected.begin(), expected.end(), kora::vector::nearer);
    for (std::size_t k : {1u, 10u, 199u, 200u, 1000u}) {
      auto hits = search(index, q, k);
      std::vector<Neighbor> want(
          expected.begin(),
          expected.begin() + static_cast<std::ptrdiff_t>(std::min(k, expected.size())));
      INFO("metric " << kora::vector::metric_name(m) << ", k = " << k);
      CHECK(hits == want);
    }
  }
}
