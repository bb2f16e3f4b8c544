// Unit tests of the string family: every op of string_ops.h added for SETNX,
// SETEX, PSETEX, GETSET, GETDEL, GETEX, MSETNX, GETRANGE, SETRANGE, INCRBYFLOAT and
// LCS, with Redis 7.0's edge cases (expected values checked against redis-server).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "kora/core/key_ops.h"
#include "kora/core/numbers.h"
#include "kora/core/object.h"
#include "kora/core/string_ops.h"

using namespace kora::core;
using namespace std::string_literals;

namespace {

constexpr std::int64_t kNow = 1'000'000;

void put(Db& db, std::string_view key, std::string_view value) {
  REQUIRE(op_set(db, key, value, {}, kNow).ok());
}

std::optional<std::string> get(Db& db, std::string_view key, std::int64_t now = kNow) {
  auto r = op_get(db, key, now);
  REQUIRE(r.ok());
  if (!r->has_value()) return std::nullopt;
  return std::string(**r);
}

// A non-string value, independent of the list family's implementation.
class FakeList : public Object {
 public:
  ValueType type() const override { return ValueType::kList; }
  std::string_view encoding() const override { return "listpack"; }
  std::size_t size() const override { return 1; }
  std::unique_ptr<Object> clone() const override { return std::make_unique<FakeList>(); }
  std::size_t memory_usage() const override { return sizeof(*this); }
};

void put_list(Db& db, std::string_view key) {
  EntryRef ref = db.find_or_create(key, kNow, nullptr);
  db.set_object(ref, std::make_unique<FakeList>());
}

std::string getrange(Db& db, std::string_view key, std::int64_t start, std::int64_t end) {
  auto r = op_getrange(db, key, start, end, kNow);
  REQUIRE(r.ok());
  return std::string(*r);
}

std::string incr_float(Db& db, std::string_view key, std::string_view incr) {
  auto v = parse_long_double(incr);
  REQUIRE(v.has_value());
  auto r = op_incr_by_float(db, key, *v, kNow);
  REQUIRE(r.ok());
  return *r;
}

LcsResult lcs_of(std::string_view a, std::string_view b, const LcsOptions& opts) {
  auto r = compute_lcs(a, b, opts);
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("SETNX, SETEX, PSETEX and GETSET through op_set", "[string]") {
  Db db;
  SetOptions nx;
  nx.condition = SetOptions::Condition::kIfAbsent;
  auto r = op_set(db, "k", "v1", nx, kNow);
  REQUIRE(r.ok());
  CHECK(r->written);
  r = op_set(db, "k", "v2", nx, kNow);
  REQUIRE(r.ok());
  CHECK_FALSE(r->written);
  CHECK(get(db, "k") == "v1");
  put_list(db, "l");
  r = op_set(db, "l", "v", nx, kNow);  // any type counts as present
  REQUIRE(r.ok());
  CHECK_FALSE(r->written);

  SetOptions ex;
  ex.expire_at_ms = kNow + 10'000;
  REQUIRE(op_set(db, "e", "v", ex, kNow).ok());
  CHECK(op_pttl(db, "e", kNow) == 10'000);
  CHECK_FALSE(get(db, "e", kNow + 10'000).has_value());

  SetOptions getset;
  getset.get = true;
  REQUIRE(op_set(db, "g", "old", ex, kNow).ok());
  r = op_set(db, "g", "new", getset, kNow);
  REQUIRE(r.ok());
  CHECK(r->previous == "old");
  CHECK(op_pttl(db, "g", kNow) == -1);  // GETSET drops the TTL
  r = op_set(db, "missing", "v", getset, kNow);
  REQUIRE(r.ok());
  CHECK_FALSE(r->previous.has_value());
  r = op_set(db, "l", "v", getset, kNow);
  CHECK(r.code() == Errc::kWrongType);
}

TEST_CASE("GETDEL", "[string]") {
  Db db;
  auto r = op_getdel(db, "missing", kNow);
  REQUIRE(r.ok());
  CHECK_FALSE(r->has_value());
  put(db, "k", "v\0x"s);
  r = op_getdel(db, "k", kNow);
  REQUIRE(r.ok());
  CHECK(**r == "v\0x"s);
  CHECK_FALSE(op_exists(db, "k", kNow));
  put_list(db, "l");
  CHECK(op_getdel(db, "l", kNow).code() == Errc::kWrongType);
  CHECK(op_exists(db, "l", kNow));
  // an expired key reads as absent
  put(db, "t", "v");
  REQUIRE(op_expire_at(db, "t", kNow + 5, kNow));
  r = op_getdel(db, "t", kNow + 5);
  REQUIRE(r.ok());
  CHECK_FALSE(r->has_value());
}

TEST_CASE("GETEX", "[string]") {
  Db db;
  put(db, "k", "v");
  GetExOptions keep;
  auto r = op_getex(db, "k", keep, kNow);
  REQUIRE(r.ok());
  CHECK(**r == "v");
  CHECK(op_pttl(db, "k", kNow) == -1);

  GetExOptions set;
  set.ttl = GetExOptions::Ttl::kSet;
  set.expire_at_ms = kNow + 2'000;
  r = op_getex(db, "k", set, kNow);
  REQUIRE(r.ok());
  CHECK(**r == "v");
  CHECK(op_pttl(db, "k", kNow) == 2'000);
  r = op_getex(db, "k", keep, kNow);  // no option keeps the TTL
  REQUIRE(r.ok());
  CHECK(op_pttl(db, "k", kNow) == 2'000);

  GetExOptions persist;
  persist.ttl = GetExOptions::Ttl::kPersist;
  r = op_getex(db, "k", persist, kNow);
  REQUIRE(r.ok());
  CHECK(op_pttl(db, "k", kNow) == -1);
  r = op_getex(db, "k", persist, kNow);  // PERSIST without a TTL: a no-op
  REQUIRE(r.ok());
  CHECK(**r == "v");

  SECTION("an absolute time already past returns the value and deletes the key") {
    GetExOptions past;
    past.ttl = GetExOptions::Ttl::kSet;
    past.expire_at_ms = kNow;
    r = op_getex(db, "k", past, kNow);
    REQUIRE(r.ok());
    CHECK(**r == "v");
    CHECK_FALSE(op_exists(db, "k", kNow));
  }
  SECTION("missing and wrong type") {
    r = op_getex(db, "missing", set, kNow);
    REQUIRE(r.ok());
    CHECK_FALSE(r->has_value());
    CHECK_FALSE(op_exists(db, "missing", kNow));
    put_list(db, "l");
    CHECK(op_getex(db, "l", set, kNow).code() == Errc::kWrongType);
    CHECK(op_pttl(db, "l", kNow) == -1);
  }
}

TEST_CASE("MSETNX over one or several Dbs", "[string]") {
  Db d1, d2;
  std::vector<DbKeyValue> items{{&d1, "a", "1"}, {&d2, "b", "2"}, {&d1, "c", "3"}};
  CHECK(op_msetnx(items, kNow));
  CHECK(get(d1, "a") == "1");
  CHECK(get(d2, "b") == "2");
  CHECK(get(d1, "c") == "3");

  // one existing key (here on the second Db) blocks every write
  std::vector<DbKeyValue> blocked{{&d1, "x", "1"}, {&d2, "b", "new"}};
  CHECK_FALSE(op_msetnx(blocked, kNow));
  CHECK_FALSE(op_exists(d1, "x", kNow));
  CHECK(get(d2, "b") == "2");

  // a key of another type blocks as well
  put_list(d2, "l");
  std::vector<DbKeyValue> vs_list{{&d1, "y", "1"}, {&d2, "l", "v"}};
  CHECK_FALSE(op_msetnx(vs_list, kNow));
  CHECK_FALSE(op_exists(d1, "y", kNow));

  // a repeated key: the last value wins
  std::vector<DbKeyValue> dup{{&d1, "d", "1"}, {&d1, "d", "2"}};
  CHECK(op_msetnx(dup, kNow));
  CHECK(get(d1, "d") == "2");

  // an expired key counts as absent, and the new key has no TTL
  put(d1, "t", "old");
  REQUIRE(op_expire_at(d1, "t", kNow + 5, kNow));
  std::vector<DbKeyValue> after{{&d1, "t", "new"}};
  CHECK(op_msetnx(after, kNow + 5));
  CHECK(get(d1, "t", kNow + 5) == "new");
  CHECK(op_pttl(d1, "t", kNow + 5) == -1);
}

TEST_CASE("GETRANGE indices", "[string]") {
  Db db;
  put(db, "k", "Hello World");
  CHECK(getrange(db, "k", 0, 4) == "Hello");
  CHECK(getrange(db, "k", 0, -1) == "Hello World");
  CHECK(getrange(db, "k", -5, -1) == "World");
  CHECK(getrange(db, "k", -3, -1) == "rld");
  CHECK(getrange(db, "k", 5, 3).empty());
  CHECK(getrange(db, "k", -1, -5).empty());   // both negative, start > end
  CHECK(getrange(db, "k", -100, 2) == "Hel");  // start clamped to 0
  CHECK(getrange(db, "k", 0, 100) == "Hello World");
  CHECK(getrange(db, "k", 10, 100) == "d");
  CHECK(getrange(db, "k", 11, 100).empty());
  CHECK(getrange(db, "k", 0, -100) == "H");  // end clamped to 0
  CHECK(getrange(db, "k", -100, -100) == "H");
  CHECK(getrange(db, "k", INT64_MIN, INT64_MAX) == "Hello World");
  CHECK(getrange(db, "k", INT64_MAX, INT64_MAX).empty());
  CHECK(getrange(db, "missing", 0, -1).empty());
  put(db, "e", "");
  CHECK(getrange(db, "e", 0, -1).empty());
  CHECK(getrange(db, "e", 0, 0).empty());
  put(db, "n", "12345");
  CHECK(getrange(db, "n", 1, 2) == "23");
  put_list(db, "l");
  CHECK(op_getrange(db, "l", 0, 1, kNow).code() == Errc::kWrongType);
}

TEST_CASE("SETRANGE", "[string]") {
  Db db;
  SECTION("overwrite, extend and pad") {
    put(db, "k", "Hello World");
    auto r = op_setrange(db, "k", 6, "Redis", kNow);
    REQUIRE(r.ok());
    CHECK(*r == 11);
    CHECK(get(db, "k") == "Hello Redis");
    r = op_setrange(db, "k", 9, "xyz", kNow);
    REQUIRE(r.ok());
    CHECK(*r == 12);
    CHECK(get(db, "k") == "Hello Redxyz");
    r = op_setrange(db, "k", 0, "J", kNow);
    REQUIRE(r.ok());
    CHECK(get(db, "k") == "Jello Redxyz");
    r = op_setrange(db, "k", 14, "!", kNow);
    REQUIRE(r.ok());
    CHECK(*r == 15);
    CHECK(get(db, "k") == "Jello Redxyz\0\0!"s);
  }
  SECTION("a missing key is created zero-padded") {
    auto r = op_setrange(db, "new", 5, "ab", kNow);
    REQUIRE(r.ok());
    CHECK(*r == 7);
    CHECK(get(db, "new") == "\0\0\0\0\0ab"s);
    // padding longer than the internal zero chunk
    r = op_setrange(db, "big", 10'000, "z", kNow);
    REQUIRE(r.ok());
    CHECK(*r == 10'001);
    auto v = get(db, "big");
    REQUIRE(v.has_value());
    CHECK(v->find_first_not_of('\0') == 10'000);
  }
  SECTION("an empty value changes nothing and creates no key") {
    auto r = op_setrange(db, "none", 3, "", kNow);
    REQUIRE(r.ok());
    CHECK(*r == 0);
    CHECK_FALSE(op_exists(db, "none", kNow));
    put(db, "k", "abc");
    r = op_setrange(db, "k", 100, "", kNow);
    REQUIRE(r.ok());
    CHECK(*r == 3);
    r = op_setrange(db, "k", static_cast<std::int64_t>(kMaxStringLength), "", kNow);
    REQUIRE(r.ok());  // no size check without a value, as in Redis
    CHECK(*r == 3);
    CHECK(get(db, "k") == "abc");
  }
  SECTION("errors") {
    put(db, "k", "abc");
    CHECK(op_setrange(db, "k", -1, "x", kNow).code() == Errc::kOffsetOutOfRange);
    CHECK(op_setrange(db, "missing", -1, "", kNow).code() == Errc::kOffsetOutOfRange);
    const auto max = static_cast<std::int64_t>(kMaxStringLength);
    CHECK(op_setrange(db, "k", max, "x", kNow).code() == Errc::kStringTooLong);
    CHECK(op_setrange(db, "k", max - 1, "xy", kNow).code() == Errc::kStringTooLong);
    CHECK(op_setrange(db, "k", INT64_MAX, "x", kNow).code() == Errc::kStringTooLong);
    CHECK(op_setrange(db, "missing", max, "x", kNow).code() == Errc::kStringTooLong);
    CHECK_FALSE(op_exists(db, "missing", kNow));
    put_list(db, "l");
    CHECK(op_setrange(db, "l", 0, "x", kNow).code() == Errc::kWrongType);
    CHECK(op_setrange(db, "l", 0, "", kNow).code() == Errc::kWrongType);
    CHECK(op_setrange(db, "l", -1, "x", kNow).code() == Errc::kOffsetOutOfRange);  // checked first
    CHECK(error_message(Errc::kOffsetOutOfRange) == "ERR offset is out of range");
  }
  SECTION("keeps the TTL") {
    put(db, "k", "abc");
    REQUIRE(op_expire_at(db, "k", kNow + 1'000, kNow));
    REQUIRE(op_setrange(db, "k", 1, "X", kNow).ok());
    REQUIRE(op_setrange(db, "k", 10, "Y", kNow).ok());
    CHECK(op_pttl(db, "k", kNow) == 1'000);
  }
}

TEST_CASE("parse_long_double (numbers.h) as INCRBYFLOAT uses it", "[string][float]") {
  CHECK(parse_long_double("10.5") == 10.5L);
  CHECK(parse_long_double("-3") == -3.0L);
  CHECK(parse_long_double("3.0e3") == 3000.0L);
  CHECK(parse_long_double("0x10") == 16.0L);
  CHECK(parse_long_double(".5") == 0.5L);
  CHECK(parse_long_double("+1") == 1.0L);
  CHECK(std::isinf(*parse_long_double("inf")));
  CHECK(std::isinf(*parse_long_double("-Infinity")));
  CHECK_FALSE(parse_long_double("1\0abc"s));  // all bytes must be consumed
  CHECK_FALSE(parse_long_double("1\0"s));
  CHECK(parse_long_double("1e-4940").has_value());  // subnormal: not zero, accepted
  CHECK_FALSE(parse_long_double(""));
  CHECK_FALSE(parse_long_double(" 1"));
  CHECK_FALSE(parse_long_double("1 "));
  CHECK_FALSE(parse_long_double("abc"));
  CHECK_FALSE(parse_long_double("1.5x"));
  CHECK_FALSE(parse_long_double("nan"));
  CHECK_FALSE(parse_long_double("1e5000"));   // overflow
  CHECK_FALSE(parse_long_double("1e-5000"));  // underflow to zero
  CHECK_FALSE(parse_long_double(std::string(5 * 1024, '1')));
  CHECK(parse_long_double("0." + std::string(5 * 1024 - 3, '0')) == 0.0L);  // longest accepted
}

TEST_CASE("format_long_double_human (numbers.h) as INCRBYFLOAT uses it", "[string][float]") {
  CHECK(format_long_double_human(0) == "0");
  CHECK(format_long_double_human(-0.0L) == "0");
  CHECK(format_long_double_human(3000) == "3000");
  CHECK(format_long_double_human(10.5L) == "10.5");
  CHECK(format_long_double_human(-2.25L) == "-2.25");
  CHECK(format_long_double_human(1e-5L) == "0.00001");
  CHECK(format_long_double_human(1e-18L) == "0");
  CHECK(format_long_double_human(-1e-18L) == "0");
  CHECK(format_long_double_human(1e20L) == "100000000000000000000");
  CHECK(format_long_double_human(std::numeric_limits<long double>::max()).size() == 4933);
}

TEST_CASE("INCRBYFLOAT", "[string][float]") {
  Db db;
  CHECK(incr_float(db, "f", "10.5") == "10.5");
  CHECK(incr_float(db, "f", "0.1") == "10.6");
  CHECK(incr_float(db, "f", "-5") == "5.6");
  CHECK(incr_float(db, "g", "3.0e3") == "3000");
  CHECK(incr_float(db, "h", "1e-5") == "0.00001");
  CHECK(incr_float(db, "z", "-0.0000000000000000001") == "0");
  CHECK(incr_float(db, "x", "0x10") == "16");
  CHECK(incr_float(db, "big", "1e300").size() == 301);
  CHECK(incr_float(db, "big", "1e300").substr(0, 2) == "20");
  put(db, "i", "5");
  CHECK(incr_float(db, "i", "1.5") == "6.5");
  CHECK(get(db, "i") == "6.5");
  put(db, "e", "1.5e1");
  CHECK(incr_float(db, "e", "0") == "15");

  SECTION("keeps the TTL") {
    put(db, "t", "1");
    REQUIRE(op_expire_at(db, "t", kNow + 3'000, kNow));
    CHECK(incr_float(db, "t", "1.25") == "2.25");
    CHECK(op_pttl(db, "t", kNow) == 3'000);
  }
  SECTION("errors") {
    auto inf = *parse_long_double("inf");
    auto r = op_incr_by_float(db, "f", inf, kNow);
    CHECK(r.code() == Errc::kIncrNanOrInf);
    CHECK(r.error().message == "ERR increment would produce NaN or Infinity");
    CHECK(get(db, "f") == "5.6");
    CHECK_FALSE(op_incr_by_float(db, "new", inf, kNow).ok());
    CHECK_FALSE(op_exists(db, "new", kNow));
    long double huge = std::numeric_limits<long double>::max();
    put(db, "m", format_long_double_human(huge));
    CHECK(op_incr_by_float(db, "m", huge, kNow).code() == Errc::kIncrNanOrInf);
    put(db, "s", "abc");
    r = op_incr_by_float(db, "s", 1, kNow);
    CHECK(r.code() == Errc::kNotFloat);
    CHECK(r.error().message == "ERR value is not a valid float");
    put(db, "sp", " 1");
    CHECK(op_incr_by_float(db, "sp", 1, kNow).code() == Errc::kNotFloat);
    put(db, "stored_inf", "inf");  // a stored "inf" parses, the sum is infinite
    CHECK(op_incr_by_float(db, "stored_inf", 1, kNow).code() == Errc::kIncrNanOrInf);
    put_list(db, "l");
    CHECK(op_incr_by_float(db, "l", 1, kNow).code() == Errc::kWrongType);
  }
}

TEST_CASE("LCS string and length", "[string][lcs]") {
  LcsOptions plain;
  auto r = lcs_of("ohmytext", "mynewtext", plain);
  CHECK(r.lcs == "mytext");
  CHECK(r.length == 6);
  CHECK(lcs_of("", "abc", plain).lcs.empty());
  CHECK(lcs_of("abc", "", plain).length == 0);
  CHECK(lcs_of("abc", "def", plain).lcs.empty());
  CHECK(lcs_of("abcabc", "abcabc", plain).lcs == "abcabc");
  CHECK(lcs_of("a\0b"s, "\0b"s, plain).lcs == "\0b"s);

  LcsOptions len_only;
  len_only.want_string = false;
  r = lcs_of("ohmytext", "mynewtext", len_only);
  CHECK(r.length == 6);
  CHECK(r.lcs.empty());
  // the two-row length agrees with the full table
  std::string a, b;
  for (int i = 0; i < 300; ++i) {
    a += static_cast<char>('a' + (i * 7) % 5);
    b += static_cast<char>('a' + (i * 11) % 6);
  }
  CHECK(lcs_of(a, b, len_only).length == lcs_of(a, b, plain).length);
  CHECK(lcs_of(a, b, plain).lcs.size() == lcs_of(a, b, plain).length);
}

TEST_CASE("LCS IDX ranges match Redis", "[string][lcs]") {
  LcsOptions idx;
  idx.want_string = false;
  idx.want_matches = true;
  auto r = lcs_of("ohmytext", "mynewtext", idx);
  CHECK(r.length == 6);
  REQUIRE(r.matches.size() == 2);
  // Redis: 1) [4,7] [5,8]  2) [2,3] [0,1]
  CHECK(r.matches[0].a_start == 4);
  CHECK(r.matches[0].a_end == 7);
  CHECK(r.matches[0].b_start == 5);
  CHECK(r.matches[0].b_end == 8);
  CHECK(r.matches[0].len == 4);
  CHECK(r.matches[1].a_start == 2);
  CHECK(r.matches[1].a_end == 3);
  CHECK(r.matches[1].b_start == 0);
  CHECK(r.matches[1].b_end == 1);
  CHECK(r.matches[1].len == 2);

  idx.min_match_len = 4;
  r = lcs_of("ohmytext", "mynewtext", idx);
  REQUIRE(r.matches.size() == 1);
  CHECK(r.matches[0].len == 4);
  CHECK(r.length == 6);

  idx.min_match_len = 0;
  CHECK(lcs_of("", "", idx).matches.empty());
  r = lcs_of("abc", "abc", idx);
  REQUIRE(r.matches.size() == 1);
  CHECK(r.matches[0].a_start == 0);
  CHECK(r.matches[0].a_end == 2);
}

TEST_CASE("LCS over keys", "[string][lcs]") {
  Db d1, d2;
  put(d1, "a", "ohmytext");
  put(d2, "b", "mynewtext");
  LcsOptions plain;
  auto r = op_lcs(d1, "a", d2, "b", plain, kNow);
  REQUIRE(r.ok());
  CHECK(r->lcs == "mytext");
  r = op_lcs(d1, "a", d2, "missing", plain, kNow);
  REQUIRE(r.ok());
  CHECK(r->lcs.empty());
  put_list(d2, "l");
  r = op_lcs(d1, "a", d2, "l", plain, kNow);
  CHECK(r.code() == Errc::kLcsNotString);
  CHECK(r.error().message == "ERR The specified keys must contain string values");
  CHECK(op_lcs(d2, "l", d1, "missing", plain, kNow).code() == Errc::kLcsNotString);
}

TEST_CASE("LCS refuses a table over proto-max-bulk-len", "[string][lcs]") {
  // (alen+1)*(blen+1)*4 bytes must stay <= 512 MB: 11585^2*4 fits, 11586^2*4 does not.
  std::string a(11585, 'a');
  std::string b(11586, 'b');
  LcsOptions len_only;
  len_only.want_string = false;
  auto r = compute_lcs(a, b, len_only);
  CHECK(r.code() == Errc::kLcsTooBig);
  CHECK(r.error().message ==
        "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
  std::string c(11584, 'c');
  r = compute_lcs(c, c.substr(0, 11584), len_only);  // 11585*11585*4 = 536,848,900 <= 536,870,912
  REQUIRE(r.ok());
  CHECK(r->length == 11584);
}
