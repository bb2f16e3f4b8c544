// Unit tests of the hash family: HashValue (both encodings and the conversion
// between them) and the hash_ops operations.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "kora/core/db.h"
#include "kora/core/hash_ops.h"
#include "kora/core/hash_value.h"
#include "kora/core/string_ops.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1'000'000;

// Sets the listpack limits for one test and restores them afterwards.
class LimitsGuard {
 public:
  LimitsGuard(std::int64_t entries, std::int64_t value) {
    auto& l = EncodingLimits::instance();
    old_entries_ = l.hash_max_listpack_entries.exchange(entries);
    old_value_ = l.hash_max_listpack_value.exchange(value);
  }
  ~LimitsGuard() {
    auto& l = EncodingLimits::instance();
    l.hash_max_listpack_entries.store(old_entries_);
    l.hash_max_listpack_value.store(old_value_);
  }

 private:
  std::int64_t old_entries_, old_value_;
};

std::vector<std::pair<std::string, std::string>> pairs_of(const HashValue& h) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto p : h) out.emplace_back(std::string(p.field), std::string(p.value));
  return out;
}

std::map<std::string, std::string> map_of(const HashValue& h) {
  std::map<std::string, std::string> out;
  for (auto p : h) REQUIRE(out.emplace(std::string(p.field), std::string(p.value)).second);
  return out;
}

HashValue* hash_at(Db& db, std::string_view key) {
  auto r = db.find_as<HashValue>(key, kNow);
  REQUIRE(r.ok());
  return *r;
}

std::vector<std::string_view> sv(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

}  // namespace

TEST_CASE("HashValue: a small fixed header") {
  STATIC_REQUIRE(sizeof(HashValue) <= 24);
  HashValue h;
  CHECK(h.type() == ValueType::kHash);
  CHECK(HashValue::kType == ValueType::kHash);
  CHECK(h.size() == 0);
  CHECK(h.encoding() == "listpack");
  CHECK(h.begin() == h.end());
  CHECK_FALSE(h.get("x"));
  CHECK_FALSE(h.erase("x"));
}

TEST_CASE("HashValue listpack: insertion order, in-place update, erase closes the gap") {
  LimitsGuard g(128, 64);
  HashValue h;
  CHECK(h.set("a", "1"));
  CHECK(h.set("b", "2"));
  CHECK(h.set("c", "3"));
  CHECK_FALSE(h.set("b", "a much longer value than before"));
  using P = std::vector<std::pair<std::string, std::string>>;
  CHECK(pairs_of(h) == P{{"a", "1"}, {"b", "a much longer value than before"}, {"c", "3"}});
  CHECK_FALSE(h.set("b", ""));
  CHECK(pairs_of(h) == P{{"a", "1"}, {"b", ""}, {"c", "3"}});
  CHECK(h.get("b") == std::optional<std::string_view>(""));
  CHECK(h.erase("a"));
  CHECK_FALSE(h.erase("a"));
  CHECK(h.set("a", "again"));
  CHECK(pairs_of(h) == P{{"b", ""}, {"c", "3"}, {"a", "again"}});
  CHECK(h.erase("c"));
  CHECK(pairs_of(h) == P{{"b", ""}, {"a", "again"}});
  CHECK(h.size() == 2);
  CHECK(h.encoding() == "listpack");
  CHECK(h.erase("b"));
  CHECK(h.erase("a"));
  CHECK(h.size() == 0);
  CHECK(h.memory_usage() == sizeof(HashValue));
}

TEST_CASE("HashValue listpack: binary fields and values, lengths past one prefix byte") {
  LimitsGuard g(128, 1000);
  HashValue h;
  std::string nul("a\0b", 3);
  std::string long_field(300, 'f');  // a two-byte length prefix
  std::string long_value(200, 'v');
  CHECK(h.set(nul, std::string("\0\r\n", 3)));
  CHECK(h.set(long_field, long_value));
  CHECK(h.set("", ""));
  CHECK(h.encoding() == "listpack");
  CHECK(h.get(nul) == std::optional<std::string_view>(std::string_view("\0\r\n", 3)));
  CHECK(h.get(long_field) == std::optional<std::string_view>(long_value));
  CHECK(h.get("") == std::optional<std::string_view>(""));
  CHECK_FALSE(h.get("a"));
  CHECK_FALSE(h.set(long_field, "short"));
  CHECK(h.get(long_field) == std::optional<std::string_view>("short"));
  CHECK_FALSE(h.set(long_field, std::string(999, 'w')));
  CHECK(h.get(long_field)->size() == 999);
  CHECK(pairs_of(h).back().first.empty());
}

TEST_CASE("HashValue: entries threshold, both sides, and no way back") {
  LimitsGuard g(4, 64);
  HashValue h;
  for (int i = 0; i < 4; ++i) h.set("f" + std::to_string(i), "v");
  CHECK(h.encoding() == "listpack");
  CHECK(h.size() == 4);
  CHECK_FALSE(h.set("f0", "updated"));  // an update at the limit stays compact
  CHECK(h.encoding() == "listpack");
  CHECK(h.set("f4", "v"));
  CHECK(h.encoding() == "hashtable");
  CHECK(h.size() == 5);
  CHECK(map_of(h) == std::map<std::string, std::string>{
                         {"f0", "updated"}, {"f1", "v"}, {"f2", "v"}, {"f3", "v"}, {"f4", "v"}});
  for (int i = 1; i < 5; ++i) CHECK(h.erase("f" + std::to_string(i)));
  CHECK(h.size() == 1);
  CHECK(h.encoding() == "hashtable");  // Redis never converts back
  CHECK(h.set("g", "1"));
  CHECK(h.encoding() == "hashtable");
}

TEST_CASE("HashValue: value-length threshold, field and value, both sides") {
  LimitsGuard g(128, 8);
  SECTION("value of exactly the limit stays compact, one byte more converts") {
    HashValue h;
    h.set("f", std::string(8, 'x'));
    CHECK(h.encoding() == "listpack");
    h.set("g", std::string(9, 'x'));
    CHECK(h.encoding() == "hashtable");
    CHECK(h.get("f") == std::optional<std::string_view>("xxxxxxxx"));
  }
  SECTION("a long field converts too") {
    HashValue h;
    h.set(std::string(8, 'f'), "v");
    CHECK(h.encoding() == "listpack");
    h.set(std::string(9, 'f'), "v");
    CHECK(h.encoding() == "hashtable");
    CHECK(h.size() == 2);
  }
  SECTION("an update with a long value converts") {
    HashValue h;
    h.set("a", "1");
    h.set("b", "2");
    h.set("a", std::string(20, 'y'));
    CHECK(h.encoding() == "hashtable");
    CHECK(map_of(h) == std::map<std::string, std::string>{{"a", std::string(20, 'y')}, {"b", "2"}});
  }
  SECTION("prepare_write converts before any write (hashTypeTryConversion)") {
    HashValue h;
    h.set("a", "1");
    std::vector<std::string_view> args{"b", "2", "c", std::string_view("0123456789")};
    h.prepare_write(args);
    CHECK(h.encoding() == "hashtable");
    HashValue k;
    std::vector<std::string_view> short_args{"b", "2", "c", "01234567"};
    k.prepare_write(short_args);
    CHECK(k.encoding() == "listpack");
  }
}

TEST_CASE("HashValue: a lowered entries limit converts on the next write, even an update") {
  LimitsGuard g(10, 64);
  HashValue h;
  for (int i = 0; i < 6; ++i) h.set("f" + std::to_string(i), "v");
  CHECK(h.encoding() == "listpack");
  EncodingLimits::instance().hash_max_listpack_entries.store(3);
  CHECK(h.get("f5"));
  CHECK(h.encoding() == "listpack");  // reads never convert
  CHECK_FALSE(h.set("f0", "w"));
  CHECK(h.encoding() == "hashtable");
  CHECK(h.size() == 6);
}

TEST_CASE("HashValue: a zero entries limit makes every hash a hashtable") {
  LimitsGuard g(0, 64);
  HashValue h;
  h.set("a", "b");
  CHECK(h.encoding() == "hashtable");
}

TEST_CASE("HashValue hashtable: many fields, growth, deletion, shrink") {
  LimitsGuard g(16, 64);
  HashValue h;
  std::map<std::string, std::string> model;
  for (int i = 0; i < 20000; ++i) {
    std::string f = "field:" + std::to_string(i), v = std::to_string(i * 7);
    CHECK(h.set(f, v) == model.emplace(f, v).second);
  }
  CHECK(h.encoding() == "hashtable");
  CHECK(h.size() == 20000);
  CHECK(map_of(h) == model);
  std::size_t big = h.memory_usage();
  for (int i = 0; i < 20000; ++i) {
    if (i % 10 != 0) {
      std::string f = "field:" + std::to_string(i);
      REQUIRE(h.erase(f));
      model.erase(f);
    }
  }
  CHECK_FALSE(h.erase("field:1"));
  CHECK(h.size() == 2000);
  CHECK(map_of(h) == model);
  for (const auto& [f, v] : model) REQUIRE(h.get(f) == std::optional<std::string_view>(v));
  CHECK_FALSE(h.get("field:3"));
  CHECK(h.memory_usage() < big / 4);
  // updates keep the count and change the value
  CHECK_FALSE(h.set("field:10", "ten"));
  CHECK(h.get("field:10") == std::optional<std::string_view>("ten"));
  CHECK(h.size() == 2000);
}

TEST_CASE("HashValue hashtable: random erase/insert keeps probing consistent") {
  LimitsGuard g(0, 64);
  HashValue h;
  std::map<std::string, std::string> model;
  std::mt19937_64 rng(7);
  for (int step = 0; step < 30000; ++step) {
    std::string f = "k" + std::to_string(rng() % 3000);
    if (rng() % 3 == 0) {
      CHECK(h.erase(f) == (model.erase(f) == 1));
    } else {
      std::string v = std::to_string(step);
      bool is_new = model.find(f) == model.end();
      model[f] = v;
      CHECK(h.set(f, v) == is_new);
    }
  }
  CHECK(h.size() == model.size());
  CHECK(map_of(h) == model);
}

TEST_CASE("HashValue: clone is deep and keeps encoding and order") {
  LimitsGuard g(4, 64);
  HashValue h;
  h.set("b", "1");
  h.set("a", "2");
  auto c = h.clone();
  auto& copy = static_cast<HashValue&>(*c);
  CHECK(copy.encoding() == "listpack");
  CHECK(pairs_of(copy) == pairs_of(h));
  h.set("b", "changed");
  CHECK(copy.get("b") == std::optional<std::string_view>("1"));

  for (int i = 0; i < 50; ++i) h.set("x" + std::to_string(i), "y");
  REQUIRE(h.encoding() == "hashtable");
  auto c2 = h.clone();
  auto& copy2 = static_cast<HashValue&>(*c2);
  CHECK(copy2.encoding() == "hashtable");
  CHECK(map_of(copy2) == map_of(h));
  CHECK(copy2.memory_usage() == h.memory_usage());
  h.erase("x1");
  CHECK(copy2.get("x1"));
  CHECK(copy2.size() == 52);
}

TEST_CASE("HashValue: random sampling in both encodings") {
  std::mt19937_64 rng(42);
  for (std::int64_t entries : {128, 0}) {
    LimitsGuard g(entries, 64);
    HashValue h;
    for (int i = 0; i < 40; ++i) h.set("f" + std::to_string(i), "v" + std::to_string(i));
    INFO(h.encoding());
    auto valid = [&](const HashValue::Pair& p) {
      return h.get(p.field) == std::optional<std::string_view>(p.value);
    };
    std::set<std::string> seen;
    for (int i = 0; i < 2000; ++i) {
      auto p = h.random_pair(rng);
      REQUIRE(valid(p));
      seen.emplace(p.field);
    }
    CHECK(seen.size() == 40);  // every field shows up

    std::vector<HashValue::Pair> out;
    h.random_pairs(500, rng, out);
    CHECK(out.size() == 500);
    CHECK(std::all_of(out.begin(), out.end(), valid));

    for (std::size_t count : {1u, 5u, 13u, 14u, 30u, 39u, 40u, 41u, 1000u}) {
      out.clear();
      h.random_distinct_pairs(count, rng, out);
      REQUIRE(out.size() == std::min<std::size_t>(count, 40));
      std::set<std::string_view> distinct;
      for (auto& p : out) distinct.insert(p.field);
      CHECK(distinct.size() == out.size());
      CHECK(std::all_of(out.begin(), out.end(), valid));
      if (h.is_listpack() || count >= 40) {
        // listpack samples and whole-hash replies come in iteration order
        std::vector<std::string_view> order;
        for (auto p : h) order.push_back(p.field);
        std::size_t pos = 0;
        for (auto& p : out) {
          while (pos < order.size() && order[pos] != p.field) ++pos;
          REQUIRE(pos < order.size());
        }
      }
    }
  }
}

TEST_CASE("op_hset / op_hget / op_hmget / op_hlen / op_hexists / op_hstrlen") {
  Db db;
  std::vector<std::string> args{"a", "1", "b", "22", "a", "333"};
  auto added = op_hset(db, "h", sv(args), kNow);
  REQUIRE(added.ok());
  CHECK(*added == 2);  // a repeated field counts once, the last value wins
  CHECK(*op_hget(db, "h", "a", kNow) == std::optional<std::string_view>("333"));
  CHECK_FALSE(op_hget(db, "h", "zz", kNow)->has_value());
  CHECK_FALSE(op_hget(db, "missing", "a", kNow)->has_value());
  CHECK(*op_hlen(db, "h", kNow) == 2);
  CHECK(*op_hlen(db, "missing", kNow) == 0);
  CHECK(*op_hexists(db, "h", "b", kNow));
  CHECK_FALSE(*op_hexists(db, "h", "c", kNow));
  CHECK_FALSE(*op_hexists(db, "missing", "c", kNow));
  CHECK(*op_hstrlen(db, "h", "b", kNow) == 2);
  CHECK(*op_hstrlen(db, "h", "c", kNow) == 0);
  CHECK(*op_hstrlen(db, "missing", "c", kNow) == 0);
  std::vector<std::string> fields{"b", "nope", "a"};
  auto got = op_hmget(db, "h", sv(fields), kNow);
  REQUIRE(got.ok());
  REQUIRE(got->size() == 3);
  CHECK((*got)[0] == std::optional<std::string_view>("22"));
  CHECK_FALSE((*got)[1]);
  CHECK((*got)[2] == std::optional<std::string_view>("333"));
  auto none = op_hmget(db, "missing", sv(fields), kNow);
  CHECK(none->size() == 3);
  CHECK(std::none_of(none->begin(), none->end(), [](auto& v) { return v.has_value(); }));
  std::vector<std::string> more{"b", "x"};
  CHECK(*op_hset(db, "h", sv(more), kNow) == 0);
  CHECK(*op_hget(db, "h", "b", kNow) == std::optional<std::string_view>("x"));
}

TEST_CASE("op_hsetnx") {
  Db db;
  CHECK(*op_hsetnx(db, "h", "f", "1", kNow));
  CHECK_FALSE(*op_hsetnx(db, "h", "f", "2", kNow));
  CHECK(*op_hget(db, "h", "f", kNow) == std::optional<std::string_view>("1"));
  LimitsGuard g(128, 4);
  CHECK_FALSE(*op_hsetnx(db, "h", "f", "a long value", kNow));
  CHECK(hash_at(db, "h")->encoding() == "listpack");  // no write, no conversion
  CHECK(*op_hsetnx(db, "h", "g", "a long value", kNow));
  CHECK(hash_at(db, "h")->encoding() == "hashtable");
}

TEST_CASE("op_hset converts before writing when any argument is long") {
  LimitsGuard g(128, 5);
  Db db;
  std::vector<std::string> args{"a", "1", "b", "123456"};
  CHECK(*op_hset(db, "h", sv(args), kNow) == 2);
  CHECK(hash_at(db, "h")->encoding() == "hashtable");
}

TEST_CASE("op_hdel deletes the key with its last field") {
  Db db;
  std::vector<std::string> args{"a", "1", "b", "2", "c", "3"};
  (void)op_hset(db, "h", sv(args), kNow);
  std::vector<std::string> del1{"a", "a", "zz"};
  CHECK(*op_hdel(db, "h", sv(del1), kNow) == 1);
  CHECK(*op_hlen(db, "h", kNow) == 2);
  std::vector<std::string> del2{"b", "c", "b", "x"};
  CHECK(*op_hdel(db, "h", sv(del2), kNow) == 2);
  CHECK_FALSE(db.find("h", kNow));
  CHECK(db.size() == 0);
  CHECK(*op_hdel(db, "h", sv(del2), kNow) == 0);
  CHECK(db.size() == 0);
}

TEST_CASE("hash ops report WRONGTYPE on a string key and leave it alone") {
  Db db;
  (void)op_set(db, "s", "text", {}, kNow);
  std::vector<std::string> pair{"f", "v"};
  std::vector<std::string> fields{"f"};
  CHECK(op_hset(db, "s", sv(pair), kNow).code() == Errc::kWrongType);
  CHECK(op_hsetnx(db, "s", "f", "v", kNow).code() == Errc::kWrongType);
  CHECK(op_hget(db, "s", "f", kNow).code() == Errc::kWrongType);
  CHECK(op_hmget(db, "s", sv(fields), kNow).code() == Errc::kWrongType);
  CHECK(op_hdel(db, "s", sv(fields), kNow).code() == Errc::kWrongType);
  CHECK(op_hexists(db, "s", "f", kNow).code() == Errc::kWrongType);
  CHECK(op_hlen(db, "s", kNow).code() == Errc::kWrongType);
  CHECK(op_hstrlen(db, "s", "f", kNow).code() == Errc::kWrongType);
  CHECK(op_hgetall(db, "s", kNow).code() == Errc::kWrongType);
  CHECK(op_hincrby(db, "s", "f", 1, kNow).code() == Errc::kWrongType);
  CHECK(op_hincrbyfloat(db, "s", "f", 1.0L, kNow).code() == Errc::kWrongType);
  CHECK(op_hrandfield(db, "s", kNow).code() == Errc::kWrongType);
  CHECK(op_hrandfield_count(db, "s", 0, kNow).code() == Errc::kWrongType);
  CHECK(op_hrandfield_count(db, "s", -3, kNow).code() == Errc::kWrongType);
  CHECK(op_hscan(db, "s", 0, std::nullopt, kNow).code() == Errc::kWrongType);
  CHECK(op_hset(db, "s", sv(pair), kNow).error().message ==
        "WRONGTYPE Operation against a key holding the wrong kind of value");
  CHECK(*op_get(db, "s", kNow) == std::optional<std::string_view>("text"));
}

TEST_CASE("op_hgetall keeps listpack insertion order; absent key is empty") {
  Db db;
  std::vector<std::string> args{"z", "1", "a", "2", "m", "3"};
  (void)op_hset(db, "h", sv(args), kNow);
  auto all = op_hgetall(db, "h", kNow);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].field == "z");
  CHECK((*all)[1].field == "a");
  CHECK((*all)[2].value == "3");
  CHECK(op_hgetall(db, "missing", kNow)->empty());
}

TEST_CASE("op_hincrby") {
  Db db;
  CHECK(*op_hincrby(db, "h", "n", 5, kNow) == 5);
  CHECK(*op_hincrby(db, "h", "n", -7, kNow) == -2);
  CHECK(*op_hget(db, "h", "n", kNow) == std::optional<std::string_view>("-2"));
  std::vector<std::string> args{
      "s",    "abc", "sp", " 1", "big", "9223372036854775807", "small", "-9223372036854775808",
      "lead", "01",  "f",  "1.5"};
  (void)op_hset(db, "h", sv(args), kNow);
  for (const char* f : {"s", "sp", "lead", "f"}) {
    auto r = op_hincrby(db, "h", f, 1, kNow);
    CHECK(r.code() == Errc::kHashNotInteger);
    CHECK(r.error().message == "ERR hash value is not an integer");
  }
  auto over = op_hincrby(db, "h", "big", 1, kNow);
  CHECK(over.code() == Errc::kOverflow);
  CHECK(over.error().message == "ERR increment or decrement would overflow");
  CHECK(op_hincrby(db, "h", "small", -1, kNow).code() == Errc::kOverflow);
  CHECK(*op_hincrby(db, "h", "big", INT64_MIN, kNow) == -1);
  CHECK(*op_hincrby(db, "h", "small", INT64_MAX, kNow) == -1);
  CHECK(*op_hincrby(db, "h2", "x", INT64_MIN, kNow) == INT64_MIN);
  CHECK(*op_hget(db, "h2", "x", kNow) == std::optional<std::string_view>("-9223372036854775808"));
}

TEST_CASE("op_hincrby with a long field converts (hashTypeSet's length check)") {
  LimitsGuard g(128, 8);
  Db db;
  (void)op_hincrby(db, "h", "f", 1, kNow);
  CHECK(hash_at(db, "h")->encoding() == "listpack");
  (void)op_hincrby(db, "h", "a-field-longer-than-8", 1, kNow);
  CHECK(hash_at(db, "h")->encoding() == "hashtable");
}

TEST_CASE("op_hincrbyfloat formats as Redis 7.0 (long double, %.17Lf, zeros trimmed)") {
  Db db;
  auto incr = [&](std::string_view f, const char* by) {
    auto v = parse_long_double(by);
    REQUIRE(v);
    auto r = op_hincrbyfloat(db, "h", f, *v, kNow);
    REQUIRE(r.ok());
    return *r;
  };
  std::vector<std::string> args{"a", "10.5", "b", "3.0e3", "c", "5.0e3", "i", "17"};
  (void)op_hset(db, "h", sv(args), kNow);
  CHECK(incr("a", "0.1") == "10.6");
  CHECK(incr("b", "0") == "3000");
  CHECK(incr("c", "-5.0e3") == "0");
  CHECK(incr("i", "0.5") == "17.5");
  CHECK(incr("new", "1e-20") == "0");
  CHECK(incr("neg", "-1e-20") == "0");
  CHECK(incr("neg2", "-2.5") == "-2.5");
  CHECK(incr("hex", "0x10") == "16");
  CHECK(incr("third", "0.333333333333333333333") == "0.33333333333333333");
  CHECK(incr("big", "1e100") ==
        "999999999999999999966935353220734261949869901982849607927139154175201866948264432441897784"
        "0117055488");
  CHECK(*op_hget(db, "h", "a", kNow) == std::optional<std::string_view>("10.6"));
  // a result longer than hash-max-listpack-value converts the hash
  CHECK(hash_at(db, "h")->encoding() == "hashtable");
}

TEST_CASE("op_hincrbyfloat errors") {
  Db db;
  std::vector<std::string> args{"s", "abc", "sp", " 1", "inf", "inf", "max", "1e5000"};
  (void)op_hset(db, "h", sv(args), kNow);
  auto nan = op_hincrbyfloat(db, "h", "x", NAN, kNow);
  CHECK(nan.error().message == "ERR value is NaN or Infinity");
  CHECK(op_hincrbyfloat(db, "h", "x", INFINITY, kNow).code() == Errc::kValueNanOrInf);
  CHECK(op_hincrbyfloat(db, "missing", "x", INFINITY, kNow).code() == Errc::kValueNanOrInf);
  CHECK_FALSE(db.find("missing", kNow));
  for (const char* f : {"s", "sp", "inf"}) {
    INFO(f);
    auto r = op_hincrbyfloat(db, "h", f, 1, kNow);
    if (std::string_view(f) == "inf") {
      CHECK(r.error().message == "ERR increment would produce NaN or Infinity");
    } else {
      CHECK(r.error().message == "ERR hash value is not a float");
    }
  }
  CHECK(op_hincrbyfloat(db, "h", "max", 1, kNow).code() == Errc::kHashNotFloat);
  auto huge = op_hincrbyfloat(db, "h", "y", 1e4932L, kNow);
  REQUIRE(huge.ok());
  CHECK(huge->size() == 4933);
  CHECK(op_hincrbyfloat(db, "h", "y", 1e4932L, kNow).code() == Errc::kIncrNanOrInf);
  CHECK(*op_hget(db, "h", "y", kNow) == std::optional<std::string_view>(*huge));
}

TEST_CASE("parse_long_double follows string2ld") {
  CHECK(parse_long_double("1.5") == 1.5L);
  CHECK(parse_long_double("-3e2") == -300.0L);
  CHECK(parse_long_double("+7") == 7.0L);
  CHECK(parse_long_double(".5") == 0.5L);
  CHECK(parse_long_double("0x1p4") == 16.0L);
  CHECK(parse_long_double("inf") == INFINITY);
  CHECK(parse_long_double("-Infinity") == -INFINITY);
  CHECK(parse_long_double("1e4000"));  // fits a long double
  for (std::string_view bad :
       {"", " 1", "1 ", "abc", "nan", "1e5000", "1e-5000", "1.5x", "--1", "\t1"}) {
    INFO(bad);
    CHECK_FALSE(parse_long_double(bad));
  }
  CHECK_FALSE(parse_long_double(std::string_view("1\0", 2)));
  CHECK_FALSE(parse_long_double(std::string(5120, '1')));
  CHECK(parse_long_double(std::string(5118, '0') + "1") == 1.0L);
}

TEST_CASE("format_long_double_human") {
  CHECK(format_long_double_human(0) == "0");
  CHECK(format_long_double_human(-0.0L) == "0");
  CHECK(format_long_double_human(1) == "1");
  CHECK(format_long_double_human(-1.25L) == "-1.25");
  CHECK(format_long_double_human(1e-18L) == "0");
  CHECK(format_long_double_human(1e-17L) == "0.00000000000000001");
  CHECK(format_long_double_human(INFINITY) == "inf");
  CHECK(format_long_double_human(-INFINITY) == "-inf");
  CHECK(format_long_double_human(1e20L) == "100000000000000000000");
}

TEST_CASE("parse_scan_cursor follows strtoul and parseScanCursorOrReply") {
  CHECK(parse_scan_cursor("0") == 0u);
  CHECK(parse_scan_cursor("") == 0u);
  CHECK(parse_scan_cursor("+5") == 5u);
  CHECK(parse_scan_cursor("-1") == UINT64_MAX);
  CHECK(parse_scan_cursor("18446744073709551615") == UINT64_MAX);
  CHECK(parse_scan_cursor(std::string_view("12\0zz", 5)) == 12u);
  for (std::string_view bad :
       {" 0", "0 ", "abc", "0x10", "+", "-", "18446744073709551616", "1.0"}) {
    INFO(bad);
    CHECK_FALSE(parse_scan_cursor(bad));
  }
}

TEST_CASE("op_hrandfield and op_hrandfield_count") {
  Db db;
  CHECK_FALSE(op_hrandfield(db, "missing", kNow)->has_value());
  CHECK(op_hrandfield_count(db, "missing", 5, kNow)->empty());
  CHECK(op_hrandfield_count(db, "missing", -5, kNow)->empty());
  std::vector<std::string> args{"a", "1", "b", "2", "c", "3"};
  (void)op_hset(db, "h", sv(args), kNow);
  for (int i = 0; i < 50; ++i) {
    auto f = op_hrandfield(db, "h", kNow);
    REQUIRE(f->has_value());
    CHECK(std::string_view("abc").find(**f) != std::string_view::npos);
  }
  CHECK(op_hrandfield_count(db, "h", 0, kNow)->empty());
  auto all = op_hrandfield_count(db, "h", 10, kNow);
  REQUIRE(all->size() == 3);  // the whole hash, in listpack order
  CHECK((*all)[0].field == "a");
  CHECK((*all)[1].field == "b");
  CHECK((*all)[2].value == "3");
  auto two = op_hrandfield_count(db, "h", 2, kNow);
  REQUIRE(two->size() == 2);
  CHECK((*two)[0].field != (*two)[1].field);
  auto many = op_hrandfield_count(db, "h", -20, kNow);
  REQUIRE(many->size() == 20);
  for (auto& p : *many) CHECK(*op_hget(db, "h", p.field, kNow) == std::optional(p.value));
}

TEST_CASE("op_hscan returns the whole hash with cursor 0, filtered by MATCH") {
  Db db;
  std::vector<std::string> args{"user:1", "a", "user:2", "b", "other", "c"};
  (void)op_hset(db, "h", sv(args), kNow);
  auto all = op_hscan(db, "h", 0, std::nullopt, kNow);
  CHECK(all->cursor == 0);
  CHECK(all->pairs.size() == 3);
  auto star = op_hscan(db, "h", 7, std::string_view("*"), kNow);
  CHECK(star->pairs.size() == 3);
  auto users = op_hscan(db, "h", 0, std::string_view("user:*"), kNow);
  REQUIRE(users->pairs.size() == 2);
  CHECK(users->pairs[0].field == "user:1");
  CHECK(users->pairs[1].value == "b");
  CHECK(op_hscan(db, "h", 0, std::string_view("nothing*"), kNow)->pairs.empty());
  auto missing = op_hscan(db, "missing", 0, std::nullopt, kNow);
  CHECK(missing->cursor == 0);
  CHECK(missing->pairs.empty());
}

TEST_CASE("an expired hash reads as absent and is replaced on write") {
  Db db;
  std::vector<std::string> args{"a", "1"};
  (void)op_hset(db, "h", sv(args), kNow);
  EntryRef ref = db.find("h", kNow);
  db.set_expire(ref, kNow + 10);
  CHECK(*op_hlen(db, "h", kNow + 9) == 1);
  CHECK(*op_hlen(db, "h", kNow + 10) == 0);
  (void)op_hset(db, "h", sv(args), kNow + 20);
  CHECK(*op_hlen(db, "h", kNow + 20) == 1);
  CHECK(db.find("h", kNow + 20)->expire_at_ms() == 0);
}
