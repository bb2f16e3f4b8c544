// Uniformity of every random draw (SRANDMEMBER, SPOP with a count,
// HRANDFIELD, ZRANDMEMBER, RANDOMKEY) in each encoding, measured the way
// Redis's own suite does: 10 elements, a chi-square over the histogram of the
// draws, which must stay below 40 (df = 9: a 1e-5 chance for a fair draw).
// Hashtable-encoded sets failed this (179) when a draw picked a random bucket
// and then a random node of its chain.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "kora/core/hash_ops.h"
#include "kora/core/set_ops.h"
#include "kora/core/string_ops.h"
#include "kora/core/zset_ops.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1'000'000;

double chi_square(const std::vector<std::string>& draws, std::size_t distinct) {
  std::map<std::string, double> hist;
  for (const auto& d : draws) hist[d] += 1;
  REQUIRE(hist.size() <= distinct);
  const double expected = static_cast<double>(draws.size()) / static_cast<double>(distinct);
  double chi = 0;
  for (const auto& [k, n] : hist) chi += (n - expected) * (n - expected) / expected;
  chi += static_cast<double>(distinct - hist.size()) * expected;  // elements never drawn
  return chi;
}

// Ten members: "m0".."m9" padded to `width` bytes (a long one forces the
// hashtable / skiplist encodings).
std::vector<std::string> ten(std::size_t width) {
  std::vector<std::string> out;
  for (int i = 0; i < 10; ++i) {
    std::string m = "m" + std::to_string(i);
    if (m.size() < width) m.append(width - m.size(), 'x');
    out.push_back(m);
  }
  return out;
}

// Draws with repetition (count -1000), then distinct draws of 8 and of 2 (the
// two strategies of a positive count), as Redis's histogram tests do.
template <typename Draw>
void check_counts(Draw draw) {
  std::vector<std::string> all = draw(-1000);
  REQUIRE(all.size() == 1000);
  CHECK(chi_square(all, 10) < 40);
  for (std::int64_t size : {8, 2}) {
    std::vector<std::string> picks;
    for (std::int64_t i = 0; i < 1000 / size; ++i) {
      auto part = draw(size);
      REQUIRE(part.size() == static_cast<std::size_t>(size));
      picks.insert(picks.end(), part.begin(), part.end());
    }
    CHECK(chi_square(picks, 10) < 40);
  }
}

}  // namespace

TEST_CASE("SRANDMEMBER draws uniformly in every encoding", "[random][set]") {
  for (bool intset : {true, false}) {
    Db db;
    std::vector<std::string> members;
    for (int i = 0; i < 10; ++i) members.push_back(intset ? std::to_string(i) : "member:" + std::to_string(i));
    std::vector<std::string_view> v(members.begin(), members.end());
    REQUIRE(op_sadd(db, "s", v, kNow).ok());
    INFO("intset " << intset);
    check_counts([&](std::int64_t count) {
      auto r = op_srandmember_count(db, "s", count, kNow);
      REQUIRE(r.ok());
      return *r;
    });
    std::vector<std::string> single;
    for (int i = 0; i < 1000; ++i) single.push_back(**op_srandmember(db, "s", kNow));
    CHECK(chi_square(single, 10) < 40);
  }
}

TEST_CASE("SPOP with a count pops uniformly", "[random][set]") {
  for (bool intset : {true, false}) {
    std::vector<std::string> popped;
    for (int round = 0; round < 500; ++round) {
      Db db;
      std::vector<std::string> members;
      for (int i = 0; i < 10; ++i) members.push_back(intset ? std::to_string(i) : "member:" + std::to_string(i));
      std::vector<std::string_view> v(members.begin(), members.end());
      REQUIRE(op_sadd(db, "s", v, kNow).ok());
      auto r = op_spop_count(db, "s", 2, kNow);
      REQUIRE(r.ok());
      popped.insert(popped.end(), r->begin(), r->end());
    }
    INFO("intset " << intset);
    CHECK(chi_square(popped, 10) < 40);
  }
}

TEST_CASE("HRANDFIELD draws uniformly in every encoding", "[random][hash]") {
  for (std::size_t width : {4u, 80u}) {
    Db db;
    std::vector<std::string> fv;
    for (const auto& f : ten(width)) {
      fv.push_back(f);
      fv.push_back("v");
    }
    std::vector<std::string_view> v(fv.begin(), fv.end());
    REQUIRE(op_hset(db, "h", v, kNow).ok());
    INFO("field width " << width);
    check_counts([&](std::int64_t count) {
      auto r = op_hrandfield_count(db, "h", count, kNow);
      REQUIRE(r.ok());
      std::vector<std::string> out;
      for (const auto& p : *r) out.emplace_back(p.field);
      return out;
    });
  }
}

TEST_CASE("ZRANDMEMBER draws uniformly in every encoding", "[random][zset]") {
  for (std::size_t width : {4u, 80u}) {
    Db db;
    std::vector<std::string> members = ten(width);
    std::vector<std::pair<double, std::string_view>> pairs;
    for (std::size_t i = 0; i < members.size(); ++i) pairs.emplace_back(static_cast<double>(i), members[i]);
    REQUIRE(op_zadd(db, "z", ZAddOptions{}, pairs, kNow).ok());
    INFO("member width " << width << ", encoding " << db.find("z", kNow)->as<ZSetValue>().encoding());
    check_counts([&](std::int64_t count) {
      auto r = op_zrandmember_count(db, "z", count, kNow);
      REQUIRE(r.ok());
      std::vector<std::string> out;
      for (const auto& it : *r) out.push_back(it.member);
      return out;
    });
  }
}

TEST_CASE("RANDOMKEY draws uniformly", "[random][keys]") {
  Db db;
  for (const auto& k : ten(6)) REQUIRE(op_set(db, k, "v", SetOptions{}, kNow).ok());
  std::vector<std::string> draws;
  for (int i = 0; i < 1000; ++i) draws.push_back(*db.random_key(kNow));
  CHECK(chi_square(draws, 10) < 40);
}
