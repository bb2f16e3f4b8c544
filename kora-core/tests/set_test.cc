// Unit tests of the set family: SetValue's encodings and conversions, and every
// op of set_ops.h.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "kora/core/set_ops.h"
#include "kora/core/set_value.h"
#include "kora/core/string_ops.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1'000'000;

using Strings = std::vector<std::string>;

std::vector<std::string_view> views(const Strings& s) { return {s.begin(), s.end()}; }

std::size_t sadd(Db& db, std::string_view key, const Strings& members) {
  auto v = views(members);
  auto r = op_sadd(db, key, v, kNow);
  REQUIRE(r.ok());
  return *r;
}

Strings sorted(Strings s) {
  std::sort(s.begin(), s.end());
  return s;
}

Strings members(Db& db, std::string_view key) {
  auto r = op_smembers(db, key, kNow);
  REQUIRE(r.ok());
  return *r;
}

SetValue* get(Db& db, std::string_view key) {
  auto r = db.find_as<SetValue>(key, kNow);
  REQUIRE(r.ok());
  return *r;
}

void put_string(Db& db, std::string_view key) { REQUIRE(op_set(db, key, "str", {}, kNow).ok()); }

// Restores set_max_intset_entries when a test changes it.
struct IntsetLimit {
  explicit IntsetLimit(std::int64_t v)
      : saved(EncodingLimits::instance().set_max_intset_entries.load()) {
    EncodingLimits::instance().set_max_intset_entries.store(v);
  }
  ~IntsetLimit() { EncodingLimits::instance().set_max_intset_entries.store(saved); }
  std::int64_t saved;
};

}  // namespace

TEST_CASE("IntSet keeps values sorted and upgrades its width") {
  IntSet s;
  CHECK(s.width() == 2);
  CHECK(s.insert(5));
  CHECK(s.insert(-3));
  CHECK(s.insert(100));
  CHECK_FALSE(s.insert(5));
  CHECK(s.width() == 2);
  CHECK(s.insert(70000));  // needs int32: appended after an upgrade
  CHECK(s.width() == 4);
  CHECK(s.insert(-5'000'000'000));  // needs int64: prepended after an upgrade
  CHECK(s.width() == 8);
  CHECK(s.insert(INT64_MAX));
  CHECK(s.insert(INT64_MIN));
  std::vector<std::int64_t> got;
  for (std::size_t i = 0; i < s.size(); ++i) got.push_back(s.at(i));
  CHECK(got == std::vector<std::int64_t>{INT64_MIN, -5'000'000'000, -3, 5, 100, 70000, INT64_MAX});
  CHECK(s.contains(70000));
  CHECK_FALSE(s.contains(70001));
  CHECK(s.erase(-3));
  CHECK_FALSE(s.erase(-3));
  CHECK(s.erase(INT64_MIN));
  CHECK(s.size() == 5);
  CHECK(s.width() == 8);  // never downgrades
  CHECK(s.at(0) == -5'000'000'000);
}

TEST_CASE("IntSet widths follow int16/int32/int64 boundaries") {
  CHECK(IntSet::width_for(INT16_MAX) == 2);
  CHECK(IntSet::width_for(INT16_MIN) == 2);
  CHECK(IntSet::width_for(INT16_MAX + 1) == 4);
  CHECK(IntSet::width_for(INT16_MIN - 1) == 4);
  CHECK(IntSet::width_for(INT32_MAX) == 4);
  CHECK(IntSet::width_for(std::int64_t{INT32_MAX} + 1) == 8);
  CHECK(IntSet::width_for(std::int64_t{INT32_MIN} - 1) == 8);
  IntSet s;
  for (int v = 1000; v >= -1000; --v) REQUIRE(s.insert(v));
  CHECK(s.size() == 2001);
  for (std::size_t i = 0; i < s.size(); ++i) REQUIRE(s.at(i) == static_cast<std::int64_t>(i) - 1000);
  CHECK_FALSE(s.contains(1 << 20));  // wider than the set: absent without a search
  CHECK_FALSE(s.erase(1 << 20));
}

TEST_CASE("SetValue starts as an intset and converts on a non-integer") {
  SetValue s;
  CHECK(s.encoding() == "intset");
  CHECK(s.add("3"));
  CHECK(s.add("-1"));
  CHECK_FALSE(s.add("3"));
  CHECK(s.intset_width() == 2);
  CHECK(s.add("100000"));
  CHECK(s.intset_width() == 4);
  CHECK(s.members() == Strings{"-1", "3", "100000"});
  // Not integers in Redis's strict sense: each converts the set.
  for (const char* m : {"01", "+1", " 1", "1 ", "-0", "1.5", "abc", "", "9223372036854775808"}) {
    SetValue t;
    t.add("1");
    CHECK(t.add(m));
    CHECK(t.encoding() == "hashtable");
    CHECK(t.contains(m));
    CHECK(t.contains("1"));
  }
  CHECK(s.add("x"));
  CHECK(s.encoding() == "hashtable");
  CHECK(s.intset_width() == 0);
  CHECK(s.size() == 4);
  CHECK(s.contains("100000"));
  CHECK(s.contains_integer(-1));
  CHECK(s.remove("x"));
  CHECK(s.encoding() == "hashtable");  // never converts back
  CHECK(sorted(s.members()) == Strings{"-1", "100000", "3"});
}

TEST_CASE("SetValue converts when the intset outgrows set_max_intset_entries") {
  IntsetLimit limit(4);
  SetValue s;
  for (int i = 0; i < 4; ++i) s.add(std::to_string(i));
  CHECK(s.encoding() == "intset");
  CHECK_FALSE(s.add("3"));  // a duplicate does not convert
  CHECK(s.encoding() == "intset");
  s.add("4");
  CHECK(s.encoding() == "hashtable");
  CHECK(s.size() == 5);
  for (int i = 0; i < 5; ++i) CHECK(s.contains(std::to_string(i)));
  auto copy = s.clone();
  CHECK(copy->size() == 5);
  CHECK(copy->encoding() == "hashtable");
  CHECK(s.memory_usage() > sizeof(SetValue));
}

TEST_CASE("SADD, SREM, SISMEMBER, SMISMEMBER, SCARD") {
  Db db;
  CHECK(sadd(db, "s", {"1", "2", "2", "3"}) == 3);
  CHECK(get(db, "s")->encoding() == "intset");
  CHECK(*op_scard(db, "s", kNow) == 3);
  CHECK(*op_sismember(db, "s", "2", kNow));
  CHECK_FALSE(*op_sismember(db, "s", "02", kNow));
  CHECK_FALSE(*op_sismember(db, "missing", "2", kNow));
  Strings probe{"1", "x", "3", "1"};
  auto pv = views(probe);
  CHECK(*op_smismember(db, "s", pv, kNow) == std::vector<bool>{true, false, true, true});
  CHECK(*op_smismember(db, "missing", pv, kNow) == std::vector<bool>{false, false, false, false});
  CHECK(*op_scard(db, "missing", kNow) == 0);
  Strings rm{"1", "9", "1"};
  auto rv = views(rm);
  CHECK(*op_srem(db, "s", rv, kNow) == 1);
  CHECK(*op_srem(db, "missing", rv, kNow) == 0);
  Strings rest{"2", "3", "4"};
  auto restv = views(rest);
  CHECK(*op_srem(db, "s", restv, kNow) == 2);
  CHECK_FALSE(db.find("s", kNow));  // emptied: deleted
  CHECK(db.size() == 0);

  // Hashtable.
  CHECK(sadd(db, "h", {"a", "b", "1"}) == 3);
  CHECK(get(db, "h")->encoding() == "hashtable");
  Strings ab{"a", "b", "1", "zz"};
  auto abv = views(ab);
  CHECK(*op_srem(db, "h", abv, kNow) == 3);
  CHECK_FALSE(db.find("h", kNow));
}

TEST_CASE("SMEMBERS of an intset is ascending, of a hashtable complete") {
  Db db;
  sadd(db, "i", {"10", "-5", "3", "70000", "-9223372036854775808"});
  CHECK(members(db, "i") == Strings{"-9223372036854775808", "-5", "3", "10", "70000"});
  sadd(db, "h", {"b", "a", "10"});
  CHECK(sorted(members(db, "h")) == Strings{"10", "a", "b"});
  CHECK(members(db, "missing").empty());
}

TEST_CASE("every op reports WRONGTYPE on a string key") {
  Db db;
  put_string(db, "str");
  sadd(db, "s", {"1"});
  Strings m{"1"};
  auto mv = views(m);
  CHECK(op_sadd(db, "str", mv, kNow).code() == Errc::kWrongType);
  CHECK(op_srem(db, "str", mv, kNow).code() == Errc::kWrongType);
  CHECK(op_sismember(db, "str", "1", kNow).code() == Errc::kWrongType);
  CHECK(op_smismember(db, "str", mv, kNow).code() == Errc::kWrongType);
  CHECK(op_scard(db, "str", kNow).code() == Errc::kWrongType);
  CHECK(op_smembers(db, "str", kNow).code() == Errc::kWrongType);
  CHECK(op_spop(db, "str", kNow).code() == Errc::kWrongType);
  CHECK(op_spop_count(db, "str", 0, kNow).code() == Errc::kWrongType);
  CHECK(op_srandmember(db, "str", kNow).code() == Errc::kWrongType);
  CHECK(op_srandmember_count(db, "str", -3, kNow).code() == Errc::kWrongType);
  CHECK(op_sscan(db, "str", 0, std::nullopt, kNow).code() == Errc::kWrongType);
  CHECK(op_smove({&db, "str"}, {&db, "s"}, "1", kNow).code() == Errc::kWrongType);
  CHECK(op_smove({&db, "s"}, {&db, "str"}, "1", kNow).code() == Errc::kWrongType);
  CHECK(*op_smove({&db, "missing"}, {&db, "str"}, "1", kNow) == false);  // src checked first
  // Set algebra: the wrong type is found even after a missing key.
  std::vector<SetKey> keys{{&db, "missing"}, {&db, "s"}, {&db, "str"}};
  CHECK(op_sinter(keys, kNow).code() == Errc::kWrongType);
  CHECK(op_sintercard(keys, 0, kNow).code() == Errc::kWrongType);
  CHECK(op_sunion(keys, kNow).code() == Errc::kWrongType);
  CHECK(op_sdiff(keys, kNow).code() == Errc::kWrongType);
  CHECK(op_sinterstore({&db, "d"}, keys, kNow).code() == Errc::kWrongType);
  CHECK(op_sunionstore({&db, "d"}, keys, kNow).code() == Errc::kWrongType);
  CHECK(op_sdiffstore({&db, "d"}, keys, kNow).code() == Errc::kWrongType);
  CHECK_FALSE(db.find("d", kNow));
  CHECK(get(db, "s")->size() == 1);
}

TEST_CASE("SPOP without count removes one member and deletes an emptied key") {
  Db db;
  CHECK_FALSE(op_spop(db, "missing", kNow)->has_value());
  sadd(db, "s", {"1", "2", "a"});
  std::set<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    auto r = op_spop(db, "s", kNow);
    REQUIRE(r->has_value());
    CHECK(seen.insert(**r).second);
  }
  CHECK(seen == std::set<std::string>{"1", "2", "a"});
  CHECK_FALSE(db.find("s", kNow));
}

TEST_CASE("SPOP with count: all three strategies") {
  for (bool ints : {true, false}) {
    Db db;
    Strings all;
    for (int i = 0; i < 100; ++i) all.push_back(ints ? std::to_string(i) : "m" + std::to_string(i));
    sadd(db, "s", all);
    CHECK(op_spop_count(db, "s", 0, kNow)->empty());
    CHECK(op_spop_count(db, "missing", 5, kNow)->empty());
    std::set<std::string> popped;
    auto take = [&](std::uint64_t n) {
      auto r = op_spop_count(db, "s", n, kNow);
      REQUIRE(r.ok());
      for (auto& m : *r) {
        CHECK(popped.insert(m).second);  // distinct, and never popped twice
        CHECK_FALSE(*op_sismember(db, "s", m, kNow));
      }
      return r->size();
    };
    CHECK(take(10) == 10);  // few: drawn one by one
    CHECK(*op_scard(db, "s", kNow) == 90);
    CHECK(take(85) == 85);  // most: the 5 kept are drawn into a new set
    CHECK(*op_scard(db, "s", kNow) == 5);
    CHECK(get(db, "s")->encoding() == (ints ? "intset" : "hashtable"));
    CHECK(take(50) == 5);  // more than left: everything, key deleted
    CHECK_FALSE(db.find("s", kNow));
    CHECK(popped.size() == 100);
  }
}

TEST_CASE("SPOP keeping few members rebuilds the set, possibly as an intset") {
  Db db;
  Strings all{"x"};
  for (int i = 0; i < 20; ++i) all.push_back(std::to_string(i));
  sadd(db, "s", all);
  REQUIRE(get(db, "s")->encoding() == "hashtable");
  // Pop 20 of 21 (case 3): the kept member starts a new set, as Redis's setTypeCreate.
  auto r = op_spop_count(db, "s", 20, kNow);
  REQUIRE(r->size() == 20);
  Strings left = members(db, "s");
  REQUIRE(left.size() == 1);
  CHECK(get(db, "s")->encoding() == (left[0] == "x" ? "hashtable" : "intset"));
}

TEST_CASE("SRANDMEMBER: positive counts are distinct, negative counts repeat") {
  Db db;
  CHECK_FALSE(op_srandmember(db, "missing", kNow)->has_value());
  CHECK(op_srandmember_count(db, "missing", 5, kNow)->empty());
  CHECK(op_srandmember_count(db, "missing", -5, kNow)->empty());
  for (bool ints : {true, false}) {
    db.clear();
    Strings all;
    for (int i = 0; i < 30; ++i) all.push_back(ints ? std::to_string(i * 7) : "v" + std::to_string(i));
    sadd(db, "s", all);
    std::set<std::string> universe(all.begin(), all.end());
    CHECK(universe.count(**op_srandmember(db, "s", kNow)) == 1);
    CHECK(op_srandmember_count(db, "s", 0, kNow)->empty());
    for (std::int64_t n : {1, 5, 15, 29, 30, 31, 1000}) {
      auto r = op_srandmember_count(db, "s", n, kNow);
      REQUIRE(r.ok());
      CHECK(r->size() == std::min<std::size_t>(static_cast<std::size_t>(n), 30));
      std::set<std::string> distinct(r->begin(), r->end());
      CHECK(distinct.size() == r->size());
      for (auto& m : *r) CHECK(universe.count(m) == 1);
    }
    // The whole set in set order when count >= size.
    if (ints) CHECK(*op_srandmember_count(db, "s", 30, kNow) == members(db, "s"));
    auto neg = op_srandmember_count(db, "s", -200, kNow);
    REQUIRE(neg->size() == 200);
    std::set<std::string> distinct(neg->begin(), neg->end());
    CHECK(distinct.size() < 200);  // 200 draws from 30: repeats are certain
    for (auto& m : *neg) CHECK(universe.count(m) == 1);
    CHECK(op_srandmember_count(db, "s", -1, kNow)->size() == 1);
    CHECK(*op_scard(db, "s", kNow) == 30);  // read-only
  }
  db.clear();
  sadd(db, "one", {"a"});
  CHECK(*op_srandmember_count(db, "one", -3, kNow) == Strings{"a", "a", "a"});
}

TEST_CASE("SMOVE") {
  Db db;
  sadd(db, "a", {"1", "2"});
  CHECK(*op_smove({&db, "a"}, {&db, "b"}, "1", kNow));
  CHECK(members(db, "b") == Strings{"1"});
  CHECK(get(db, "b")->encoding() == "intset");
  CHECK_FALSE(*op_smove({&db, "a"}, {&db, "b"}, "9", kNow));
  CHECK_FALSE(*op_smove({&db, "missing"}, {&db, "b"}, "1", kNow));
  // src == dst: membership only.
  CHECK(*op_smove({&db, "a"}, {&db, "a"}, "2", kNow));
  CHECK_FALSE(*op_smove({&db, "a"}, {&db, "a"}, "7", kNow));
  CHECK(members(db, "a") == Strings{"2"});
  // Moving the last member deletes the source.
  CHECK(*op_smove({&db, "a"}, {&db, "b"}, "2", kNow));
  CHECK_FALSE(db.find("a", kNow));
  CHECK(members(db, "b") == Strings{"1", "2"});
  // Already present in dst: still 1, removed from src.
  sadd(db, "c", {"1", "x"});
  CHECK(*op_smove({&db, "c"}, {&db, "b"}, "1", kNow));
  CHECK(members(db, "c") == Strings{"x"});
  CHECK(*op_smove({&db, "c"}, {&db, "b"}, "x", kNow));
  CHECK(get(db, "b")->encoding() == "hashtable");
  // Across two Dbs (two shards under a cross-shard transaction).
  Db other;
  CHECK(*op_smove({&db, "b"}, {&other, "o"}, "x", kNow));
  CHECK(members(other, "o") == Strings{"x"});
}

TEST_CASE("SINTER, SINTERCARD, SINTERSTORE") {
  Db db;
  sadd(db, "a", {"1", "2", "3", "4", "5"});
  sadd(db, "b", {"5", "3", "1", "9"});
  sadd(db, "h", {"3", "5", "x", "1"});
  std::vector<SetKey> ab{{&db, "a"}, {&db, "b"}};
  CHECK(*op_sinter(ab, kNow) == Strings{"1", "3", "5"});  // smallest is an intset: ascending
  std::vector<SetKey> ah{{&db, "a"}, {&db, "h"}};
  CHECK(*op_sinter(ah, kNow) == Strings{"1", "3", "5"});
  std::vector<SetKey> hh{{&db, "h"}, {&db, "h"}};
  CHECK(sorted(*op_sinter(hh, kNow)) == Strings{"1", "3", "5", "x"});
  std::vector<SetKey> one{{&db, "a"}};
  CHECK(*op_sinter(one, kNow) == members(db, "a"));
  std::vector<SetKey> with_missing{{&db, "a"}, {&db, "missing"}};
  CHECK(op_sinter(with_missing, kNow)->empty());
  CHECK(*op_sintercard(with_missing, 0, kNow) == 0);

  std::vector<SetKey> abh{{&db, "a"}, {&db, "b"}, {&db, "h"}};
  CHECK(*op_sintercard(abh, 0, kNow) == 3);
  CHECK(*op_sintercard(abh, 2, kNow) == 2);
  CHECK(*op_sintercard(abh, 100, kNow) == 3);

  // STORE: overwrites any type and clears the TTL; an empty result deletes.
  put_string(db, "d");
  db.set_expire(db.find("d", kNow), kNow + 100000);
  CHECK(*op_sinterstore({&db, "d"}, abh, kNow) == 3);
  CHECK(members(db, "d") == Strings{"1", "3", "5"});
  CHECK(get(db, "d")->encoding() == "intset");
  CHECK(db.find("d", kNow)->expire_at_ms() == 0);
  CHECK(*op_sinterstore({&db, "d"}, with_missing, kNow) == 0);
  CHECK_FALSE(db.find("d", kNow));
  // The destination may be a source.
  std::vector<SetKey> self{{&db, "a"}, {&db, "b"}};
  CHECK(*op_sinterstore({&db, "a"}, self, kNow) == 3);
  CHECK(members(db, "a") == Strings{"1", "3", "5"});
  // A hashtable intersection with only integers stores an intset.
  sadd(db, "h2", {"1", "y", "5"});
  std::vector<SetKey> hh2{{&db, "h"}, {&db, "h2"}};
  CHECK(*op_sinterstore({&db, "d"}, hh2, kNow) == 2);
  CHECK(get(db, "d")->encoding() == "intset");
}

TEST_CASE("SUNION and SUNIONSTORE") {
  Db db;
  sadd(db, "a", {"3", "1"});
  sadd(db, "b", {"2", "1", "-7"});
  std::vector<SetKey> ab{{&db, "a"}, {&db, "missing"}, {&db, "b"}};
  CHECK(*op_sunion(ab, kNow) == Strings{"-7", "1", "2", "3"});
  sadd(db, "h", {"z"});
  std::vector<SetKey> abh{{&db, "a"}, {&db, "b"}, {&db, "h"}};
  CHECK(sorted(*op_sunion(abh, kNow)) == Strings{"-7", "1", "2", "3", "z"});
  CHECK(*op_sunionstore({&db, "d"}, abh, kNow) == 5);
  CHECK(get(db, "d")->encoding() == "hashtable");
  std::vector<SetKey> none{{&db, "m1"}, {&db, "m2"}};
  CHECK(op_sunion(none, kNow)->empty());
  CHECK(*op_sunionstore({&db, "d"}, none, kNow) == 0);
  CHECK_FALSE(db.find("d", kNow));
  {
    IntsetLimit limit(3);
    std::vector<SetKey> ab2{{&db, "a"}, {&db, "b"}};
    CHECK(*op_sunionstore({&db, "d"}, ab2, kNow) == 4);
    CHECK(get(db, "d")->encoding() == "hashtable");  // 4 > set_max_intset_entries
  }
}

TEST_CASE("SDIFF and SDIFFSTORE, with both of Redis's algorithms") {
  Db db;
  sadd(db, "a", {"1", "2", "3", "4", "5"});
  sadd(db, "b", {"2", "4"});
  sadd(db, "c", {"5", "x"});
  std::vector<SetKey> abc{{&db, "a"}, {&db, "b"}, {&db, "missing"}, {&db, "c"}};
  CHECK(*op_sdiff(abc, kNow) == Strings{"1", "3"});
  std::vector<SetKey> first_missing{{&db, "missing"}, {&db, "a"}};
  CHECK(op_sdiff(first_missing, kNow)->empty());
  std::vector<SetKey> same{{&db, "a"}, {&db, "b"}, {&db, "a"}};
  CHECK(op_sdiff(same, kNow)->empty());
  std::vector<SetKey> only{{&db, "a"}};
  CHECK(*op_sdiff(only, kNow) == members(db, "a"));

  // Algorithm 2 (the first set much larger than the others): the result keeps
  // the encoding the copy of the first set had, as in Redis.
  sadd(db, "big", {"1", "2", "3", "4", "5", "a"});
  sadd(db, "s1", {"a"});
  sadd(db, "s2", {"zz"});
  std::vector<SetKey> algo2{{&db, "big"}, {&db, "s1"}, {&db, "s2"}};
  CHECK(sorted(*op_sdiff(algo2, kNow)) == Strings{"1", "2", "3", "4", "5"});
  CHECK(*op_sdiffstore({&db, "d"}, algo2, kNow) == 5);
  CHECK(get(db, "d")->encoding() == "hashtable");
  // Algorithm 1: only the kept members are added.
  std::vector<SetKey> algo1{{&db, "big"}, {&db, "s1"}};
  CHECK(*op_sdiffstore({&db, "d"}, algo1, kNow) == 5);
  CHECK(get(db, "d")->encoding() == "intset");
  CHECK(members(db, "d") == Strings{"1", "2", "3", "4", "5"});

  put_string(db, "d");
  std::vector<SetKey> empty{{&db, "b"}, {&db, "a"}};
  CHECK(*op_sdiffstore({&db, "d"}, empty, kNow) == 0);
  CHECK_FALSE(db.find("d", kNow));
}

TEST_CASE("SSCAN returns every matching member with cursor 0") {
  Db db;
  auto empty = op_sscan(db, "missing", 0, std::nullopt, kNow);
  CHECK(empty->cursor == 0);
  CHECK(empty->members.empty());
  sadd(db, "i", {"12", "3", "13", "-1"});
  auto all = op_sscan(db, "i", 0, std::nullopt, kNow);
  CHECK(all->members == Strings{"-1", "3", "12", "13"});
  CHECK(op_sscan(db, "i", 0, "1*", kNow)->members == Strings{"12", "13"});
  CHECK(op_sscan(db, "i", 77, "*", kNow)->members.size() == 4);
  sadd(db, "h", {"apple", "avocado", "banana"});
  auto h = op_sscan(db, "h", 0, "a*", kNow);
  CHECK(h->cursor == 0);
  CHECK(sorted(h->members) == Strings{"apple", "avocado"});
}

TEST_CASE("sets delete themselves when emptied and expire like any key") {
  Db db;
  sadd(db, "s", {"a"});
  db.set_expire(db.find("s", kNow), kNow + 10);
  CHECK(*op_scard(db, "s", kNow) == 1);
  CHECK(*op_scard(db, "s", kNow + 10) == 0);  // expired
  CHECK(sadd(db, "s", {"b"}) == 1);            // re-created without a TTL
  CHECK(db.find("s", kNow)->expire_at_ms() == 0);
  Strings b{"b"};
  auto bv = views(b);
  CHECK(*op_srem(db, "s", bv, kNow) == 1);
  CHECK(db.size() == 0);
}

TEST_CASE("a large hashtable set survives mass removal with fast random picks") {
  Db db;
  Strings all;
  for (int i = 0; i < 5000; ++i) all.push_back("k" + std::to_string(i));
  sadd(db, "s", all);
  auto r = op_spop_count(db, "s", 4990, kNow);
  CHECK(r->size() == 4990);
  CHECK(*op_scard(db, "s", kNow) == 10);
  for (int i = 0; i < 100; ++i) REQUIRE(op_srandmember(db, "s", kNow)->has_value());
}
