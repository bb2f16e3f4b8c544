// Unit tests of the sorted-set family: ZSetValue in both encodings against a
// reference model (random operations, every rank, range and score checked),
// conversions at Redis's limits, and the ops of zset_ops.h.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "kora/core/set_ops.h"
#include "kora/core/string_ops.h"
#include "kora/core/type_registry.h"
#include "kora/core/zset_ops.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1'000'000;

struct Limits {
  std::int64_t entries, value;
  Limits(std::int64_t e, std::int64_t v)
      : entries(EncodingLimits::instance().zset_max_listpack_entries.load()),
        value(EncodingLimits::instance().zset_max_listpack_value.load()) {
    EncodingLimits::instance().zset_max_listpack_entries = e;
    EncodingLimits::instance().zset_max_listpack_value = v;
  }
  ~Limits() {
    EncodingLimits::instance().zset_max_listpack_entries = entries;
    EncodingLimits::instance().zset_max_listpack_value = value;
  }
};

using Model = std::set<std::pair<double, std::string>, bool (*)(const std::pair<double, std::string>&,
                                                                 const std::pair<double, std::string>&)>;

bool model_less(const std::pair<double, std::string>& a, const std::pair<double, std::string>& b) {
  return a.first < b.first || (a.first == b.first && compare_members(a.second, b.second) < 0);
}

void check_against(const ZSetValue& z, const Model& model) {
  REQUIRE(z.size() == model.size());
  std::size_t rank = 0;
  for (const auto& [score, member] : model) {
    ZItem it = z.at(rank);
    REQUIRE(it.member == member);
    REQUIRE(it.score == score);
    REQUIRE(z.rank(member) == rank);
    REQUIRE(z.score(member) == score);
    ++rank;
  }
  std::vector<std::string> fwd, rev;
  z.walk(0, false, [&](const ZItem& it) {
    fwd.emplace_back(it.member);
    return true;
  });
  if (z.size() > 0) {
    z.walk(z.size() - 1, true, [&](const ZItem& it) {
      rev.emplace_back(it.member);
      return true;
    });
  }
  std::reverse(rev.begin(), rev.end());
  REQUIRE(fwd == rev);
  REQUIRE(fwd.size() == model.size());
}

}  // namespace

TEST_CASE("ZSetValue matches a reference model in both encodings", "[zset]") {
  for (bool skiplist : {false, true}) {
    Limits limits(skiplist ? 0 : 100000, 1000);
    std::mt19937_64 rng(skiplist ? 7 : 11);
    ZSetValue z(skiplist);
    Model model(model_less);
    std::map<std::string, double> scores;
    const double pool[] = {0, 1, -1, 2.5, 3, -0.0, 1e300, -std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::infinity(), 7};
    for (int step = 0; step < 3000; ++step) {
      std::string m = "m" + std::to_string(rng() % 200);
      const int op = static_cast<int>(rng() % 10);
      if (op < 6) {
        double s = pool[rng() % 10];
        double out = 0;
        int r = z.add(m, s, ZSetValue::kNone, &out);
        auto it = scores.find(m);
        if (it == scores.end()) {
          REQUIRE(r == ZSetValue::kAdded);
          scores[m] = s;
          model.insert({s, m});
        } else {
          REQUIRE(r == (it->second != s ? ZSetValue::kUpdated : 0));
          model.erase({it->second, m});
          it->second = s;
          model.insert({s, m});
        }
      } else if (op < 9) {
        bool present = scores.erase(m) > 0;
        if (present) {
          for (auto mi = model.begin(); mi != model.end(); ++mi) {
            if (mi->second == m) {
              model.erase(mi);
              break;
            }
          }
        }
        REQUIRE(z.remove(m) == present);
      } else if (z.size() > 2) {
        std::size_t a = rng() % z.size(), b = rng() % z.size();
        if (a > b) std::swap(a, b);
        auto first = model.begin();
        std::advance(first, static_cast<std::ptrdiff_t>(a));
        auto last = first;
        std::advance(last, static_cast<std::ptrdiff_t>(b - a + 1));
        for (auto i = first; i != last; ++i) scores.erase(i->second);
        model.erase(first, last);
        z.erase_ranks(a, b);
      }
      if (step % 100 == 0) check_against(z, model);
    }
    check_against(z, model);
    REQUIRE(z.encoding() == (skiplist ? "skiplist" : "listpack"));
    // A copy (COPY, cross-shard RENAME) is equal and independent.
    auto copy = z.clone();
    check_against(static_cast<const ZSetValue&>(*copy), model);
  }
}

TEST_CASE("ZSetValue converts at Redis's limits and never back by itself", "[zset]") {
  Limits limits(4, 8);
  ZSetValue z;
  for (int i = 0; i < 4; ++i) z.add("m" + std::to_string(i), i, ZSetValue::kNone, nullptr);
  REQUIRE(z.encoding() == "listpack");
  z.add("m4", 4, ZSetValue::kNone, nullptr);
  REQUIRE(z.encoding() == "skiplist");
  z.remove("m4");
  z.remove("m3");
  REQUIRE(z.encoding() == "skiplist");
  z.convert_to_listpack_if_fits();
  REQUIRE(z.encoding() == "listpack");
  z.add("a-long-member", 1, ZSetValue::kNone, nullptr);
  REQUIRE(z.encoding() == "skiplist");
  REQUIRE(ZSetValue::for_first_member(9)->encoding() == "skiplist");
  REQUIRE(ZSetValue::for_first_member(8)->encoding() == "listpack");
  REQUIRE(ZSetValue::for_size(5)->encoding() == "skiplist");
}

TEST_CASE("ZADD flags follow zsetAdd", "[zset]") {
  ZSetValue z;
  double out = 0;
  REQUIRE(z.add("a", 1, ZSetValue::kXx, &out) == ZSetValue::kNop);
  REQUIRE(z.add("a", 1, ZSetValue::kNx, &out) == ZSetValue::kAdded);
  REQUIRE(z.add("a", 5, ZSetValue::kNx, &out) == ZSetValue::kNop);
  REQUIRE(z.add("a", 0, ZSetValue::kGt, &out) == ZSetValue::kNop);
  REQUIRE(z.add("a", 3, ZSetValue::kGt, &out) == ZSetValue::kUpdated);
  REQUIRE(z.add("a", 2, ZSetValue::kIncr, &out) == ZSetValue::kUpdated);
  REQUIRE(out == 5);
  const double inf = std::numeric_limits<double>::infinity();
  REQUIRE(z.add("b", inf, ZSetValue::kNone, &out) == ZSetValue::kAdded);
  REQUIRE(z.add("b", -inf, ZSetValue::kIncr, &out) == ZSetValue::kNan);
  REQUIRE(z.score("b") == inf);
  REQUIRE(z.add("c", std::nan(""), ZSetValue::kNone, &out) == ZSetValue::kNan);
}

TEST_CASE("Score and lex range parsing follow Redis", "[zset]") {
  auto r = parse_score_range("(1", "+inf");
  REQUIRE(r.ok());
  REQUIRE(r->minex);
  REQUIRE(std::isinf(r->max));
  REQUIRE(parse_score_range("", "").ok());  // strtod reads "" as 0
  REQUIRE(parse_score_range("nan", "1").code() == Errc::kMinMaxNotFloat);
  REQUIRE(parse_score_range("1x", "1").code() == Errc::kMinMaxNotFloat);
  REQUIRE(parse_lex_range("-", "+").ok());
  REQUIRE(parse_lex_range("a", "+").code() == Errc::kMinMaxNotString);
  REQUIRE(parse_lex_range("-x", "+").code() == Errc::kMinMaxNotString);
  REQUIRE(parse_score("1e400").code() == Errc::kNotFloat);
  REQUIRE(parse_score(" 1").code() == Errc::kNotFloat);
  REQUIRE(*parse_score("-inf") < 0);
  REQUIRE(format_score_d2string(-0.0) == "-0");
  REQUIRE(format_score_d2string(1e17) == "100000000000000000");
  REQUIRE(format_score_d2string(0.1) == "0.10000000000000001");
}

TEST_CASE("ZRANGE selections by rank, score and lex", "[zset]") {
  for (std::int64_t entries : {128, 0}) {
    Limits limits(entries, 64);
    Db db;
    std::vector<std::pair<double, std::string_view>> pairs = {{1, "a"}, {2, "b"}, {2, "c"}, {3, "d"}, {5, "e"}};
    REQUIRE(op_zadd(db, "z", ZAddOptions{}, pairs, kNow).ok());
    auto names = [](const std::vector<ScoredMember>& v) {
      std::string s;
      for (const auto& m : v) s += m.member;
      return s;
    };
    ZRangeSpec spec;
    spec.start = 1;
    spec.end = -2;
    REQUIRE(names(*op_zrange(db, "z", spec, kNow)) == "bcd");
    spec.reverse = true;
    REQUIRE(names(*op_zrange(db, "z", spec, kNow)) == "dcb");
    spec = ZRangeSpec{};
    spec.by = ZRangeBy::kScore;
    spec.score = *parse_score_range("(1", "3");
    REQUIRE(names(*op_zrange(db, "z", spec, kNow)) == "bcd");
    spec.offset = 1;
    spec.limit = 1;
    REQUIRE(names(*op_zrange(db, "z", spec, kNow)) == "c");
    spec.reverse = true;
    spec.offset = 0;
    spec.limit = -1;
    spec.score = *parse_score_range("(1", "3");
    REQUIRE(names(*op_zrange(db, "z", spec, kNow)) == "dcb");
    REQUIRE(*op_zcount(db, "z", *parse_score_range("-inf", "+inf"), kNow) == 5);
    REQUIRE(*op_zcount(db, "z", *parse_score_range("(2", "(5"), kNow) == 1);
    // ZREMRANGEBYSCORE removes [2, 3]; an emptied set goes.
    ZRangeSpec rem;
    rem.by = ZRangeBy::kScore;
    rem.score = *parse_score_range("2", "3");
    REQUIRE(*op_zremrange(db, "z", rem, kNow) == 3);
    REQUIRE(*op_zcard(db, "z", kNow) == 2);
    auto popped = op_zpop(db, "z", true, 10, kNow);
    REQUIRE(names(**popped) == "ea");
    REQUIRE(!db.find("z", kNow));
  }
}

TEST_CASE("ZUNIONSTORE/ZINTER take sets and weights; DUMP round trips", "[zset]") {
  Db db;
  std::vector<std::pair<double, std::string_view>> pairs = {{1, "a"}, {2, "b"}};
  REQUIRE(op_zadd(db, "z", ZAddOptions{}, pairs, kNow).ok());
  std::vector<std::string_view> members = {"b", "c"};
  REQUIRE(op_sadd(db, "s", members, kNow).ok());
  ZKey keys[] = {{&db, "z"}, {&db, "s"}};
  ZAlgebra how;
  how.weights = {2, 10};
  auto u = op_zalgebra(keys, how, kNow);
  REQUIRE(u.ok());
  REQUIRE(u->size() == 3);
  REQUIRE(((*u)[0].member == "a" && (*u)[0].score == 2));
  REQUIRE(((*u)[1].member == "c" && (*u)[1].score == 10));
  REQUIRE(((*u)[2].member == "b" && (*u)[2].score == 14));
  how.op = ZSetOp::kInter;
  how.aggregate = ZAggregate::kMax;
  REQUIRE(*op_zalgebrastore(ZKey{&db, "dst"}, keys, how, kNow) == 1);
  REQUIRE(*op_zscore(db, "dst", "b", kNow) == 10);
  REQUIRE(*op_zintercard(keys, 0, kNow) == 1);
  REQUIRE(op_set(db, "str", "x", SetOptions{}, kNow).ok());
  ZKey bad[] = {{&db, "z"}, {&db, "str"}};
  REQUIRE(op_zalgebra(bad, how, kNow).code() == Errc::kWrongType);

  const TypeInfo* info = TypeRegistry::instance().find(ValueType::kZSet);
  REQUIRE(info->serialize);
  std::string body;
  info->serialize(db.find("z", kNow)->as<ZSetValue>(), body);
  auto back = info->deserialize(body);
  REQUIRE(back);
  const auto& z2 = static_cast<const ZSetValue&>(*back);
  REQUIRE(z2.size() == 2);
  REQUIRE(z2.score("b") == 2.0);
  REQUIRE(info->deserialize(body.substr(0, body.size() - 1)) == nullptr);
}
