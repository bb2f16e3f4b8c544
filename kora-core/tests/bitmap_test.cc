// Unit tests of the bitmap family (bitmap_ops.h): the pure functions against
// bit-by-bit references, and every op on a Db, including which calls count as
// writes (key events).
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "kora/core/bitmap_ops.h"
#include "kora/core/key_events.h"
#include "kora/core/key_ops.h"
#include "kora/core/list_value.h"
#include "kora/core/string_ops.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1'000'000;

int bit_of(const std::string& s, std::int64_t i) {
  return (static_cast<unsigned char>(s[static_cast<std::size_t>(i >> 3)]) >> (7 - (i & 7))) & 1;
}

// Redis's index rules, bit by bit.
void ref_clamp(std::int64_t total, std::int64_t& start, std::int64_t& end) {
  if (start < 0) start += total;
  if (end < 0) end += total;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
}

std::int64_t ref_bitcount(const std::string& s, std::int64_t start, std::int64_t end,
                          BitUnit unit) {
  if (start < 0 && end < 0 && start > end) return 0;
  const bool bits = unit == BitUnit::kBit;
  const auto len = static_cast<std::int64_t>(s.size());
  ref_clamp(bits ? len * 8 : len, start, end);
  if (start > end) return 0;
  std::int64_t from = bits ? start : start * 8, to = bits ? end : end * 8 + 7, n = 0;
  for (std::int64_t i = from; i <= to; ++i) n += bit_of(s, i);
  return n;
}

std::int64_t ref_bitpos(const std::string& s, int bit, std::int64_t start,
                        std::optional<std::int64_t> end, BitUnit unit) {
  const bool bits = unit == BitUnit::kBit;
  const auto len = static_cast<std::int64_t>(s.size());
  std::int64_t stop = end ? *end : (bits ? len * 8 : len) - 1;
  ref_clamp(bits ? len * 8 : len, start, stop);
  if (start > stop) return -1;
  std::int64_t from = bits ? start : start * 8, to = bits ? stop : stop * 8 + 7;
  for (std::int64_t i = from; i <= to; ++i) {
    if (bit_of(s, i) == bit) return i;
  }
  return (bit == 0 && !end) ? to + 1 : -1;
}

std::string random_bytes(std::mt19937_64& rng, std::size_t n, int kind) {
  std::string s(n, '\0');
  for (auto& c : s) {
    switch (kind) {
      case 0:
        c = static_cast<char>(rng());
        break;
      case 1:
        c = (rng() % 50 == 0) ? static_cast<char>(rng()) : '\xff';
        break;  // mostly ones
      default:
        c = (rng() % 50 == 0) ? static_cast<char>(rng()) : '\0';
        break;  // mostly zeros
    }
  }
  return s;
}

// Counts the key events raised on a Db.
struct EventCounter : KeyListener {
  int events = 0;
  void on_key_event(int, KeyEvent, std::string_view) override { ++events; }
};

std::string get(Db& db, std::string_view key) {
  auto r = op_get(db, key, kNow);
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  return std::string(**r);
}

BitfieldOp field(BitfieldOp::Kind kind, const char* type, std::uint64_t offset,
                 std::int64_t value = 0, BitfieldOverflow overflow = BitfieldOverflow::kWrap) {
  auto t = parse_bitfield_type(type);
  REQUIRE(t.ok());
  BitfieldOp op;
  op.kind = kind;
  op.type = *t;
  op.offset = offset;
  op.value = value;
  op.overflow = overflow;
  return op;
}

using K = BitfieldOp::Kind;
using Replies = std::vector<std::optional<std::int64_t>>;

}  // namespace

TEST_CASE("parse_bit_offset follows getBitOffsetFromArgument", "[bitmap]") {
  CHECK(*parse_bit_offset("0") == 0);
  CHECK(*parse_bit_offset("4294967295") == 4294967295u);
  CHECK(parse_bit_offset("4294967296").code() == Errc::kBitOffset);
  CHECK(parse_bit_offset("-1").code() == Errc::kBitOffset);
  CHECK(parse_bit_offset("01").code() == Errc::kBitOffset);
  CHECK(parse_bit_offset("").code() == Errc::kBitOffset);
  CHECK(parse_bit_offset("#2").code() == Errc::kBitOffset);  // no '#' outside BITFIELD
  CHECK(*parse_bit_offset("#2", 8) == 16);
  CHECK(*parse_bit_offset("#536870911", 8) == 4294967288u);
  CHECK(parse_bit_offset("#536870912", 8).code() == Errc::kBitOffset);
  CHECK(parse_bit_offset("#-1", 8).code() == Errc::kBitOffset);
  CHECK(parse_bit_offset("#", 8).code() == Errc::kBitOffset);
  // The multiplication wraps as a long long does: 2^60 * 16 = 2^64 = 0.
  CHECK(*parse_bit_offset("#1152921504606846976", 16) == 0);
  CHECK(error_message(Errc::kBitOffset) == "ERR bit offset is not an integer or out of range");
}

TEST_CASE("parse_bitfield_type accepts i1..i64 and u1..u63", "[bitmap]") {
  CHECK(parse_bitfield_type("i64")->bits == 64);
  CHECK(parse_bitfield_type("i64")->is_signed);
  CHECK(parse_bitfield_type("u63")->bits == 63);
  CHECK_FALSE(parse_bitfield_type("u1")->is_signed);
  for (const char* bad : {"u64", "i65", "u0", "i0", "x8", "U8", "u", "", "u08", "u+8", "u-1"}) {
    CHECK(parse_bitfield_type(bad).code() == Errc::kBitfieldType);
  }
  CHECK(parse_bitfield_type(std::string_view("u8\0junk", 7))->bits == 8);  // read as a C string
}

TEST_CASE("popcount, bitcount and bitpos agree with bit-by-bit references", "[bitmap]") {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 300; ++round) {
    const std::size_t n = rng() % 80;
    const std::string s = random_bytes(rng, n, round % 3);
    CHECK(popcount(s) == static_cast<std::uint64_t>(ref_bitcount(s, 0, -1, BitUnit::kByte)));
    for (int q = 0; q < 20; ++q) {
      const auto a = static_cast<std::int64_t>(rng() % 1400) - 700;
      const auto b = static_cast<std::int64_t>(rng() % 1400) - 700;
      const BitUnit unit = (rng() & 1) ? BitUnit::kBit : BitUnit::kByte;
      const std::int64_t sa = unit == BitUnit::kBit ? a : a / 8,
                         sb = unit == BitUnit::kBit ? b : b / 8;
      INFO("len " << n << " start " << sa << " end " << sb << " bit unit "
                  << (unit == BitUnit::kBit));
      CHECK(bitcount(s, sa, sb, unit) == ref_bitcount(s, sa, sb, unit));
      for (int bit = 0; bit < 2; ++bit) {
        CHECK(bitpos(s, bit, sa, sb, unit) == ref_bitpos(s, bit, sa, sb, unit));
        CHECK(bitpos(s, bit, sa, std::nullopt, unit) == ref_bitpos(s, bit, sa, std::nullopt, unit));
      }
    }
  }
}

TEST_CASE("bitpos: the no-end rule for clear bits", "[bitmap]") {
  const std::string ones(3, '\xff');
  CHECK(bitpos(ones, 0) == 24);
  CHECK(bitpos(ones, 0, 1) == 24);
  CHECK(bitpos(ones, 0, 0, -1) == -1);
  CHECK(bitpos(ones, 0, 3, 23, BitUnit::kBit) == -1);
  CHECK(bitpos(ones, 0, 3, std::nullopt, BitUnit::kBit) == 24);
  CHECK(bitpos(ones, 1) == 0);
  CHECK(bitpos(std::string(3, '\0'), 1) == -1);
  CHECK(bitpos("", 0) == -1);
  CHECK(bitpos("", 1) == -1);
  CHECK(bitpos(std::string("\x00\x01", 2), 1) == 15);
}

TEST_CASE("bitop computes AND/OR/XOR/NOT with zero padding", "[bitmap]") {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 100; ++round) {
    std::vector<std::string> in;
    for (std::size_t k = 0, n = 1 + rng() % 4; k < n; ++k)
      in.push_back(random_bytes(rng, rng() % 70, 0));
    std::vector<std::string_view> views(in.begin(), in.end());
    std::size_t maxlen = 0;
    for (const auto& s : in) maxlen = std::max(maxlen, s.size());
    for (BitOp op : {BitOp::kAnd, BitOp::kOr, BitOp::kXor, BitOp::kNot}) {
      auto inputs = op == BitOp::kNot ? std::span(views).first(1) : std::span(views);
      std::size_t len = 0;
      for (auto v : inputs) len = std::max(len, v.size());
      std::string want(len, '\0');
      for (std::size_t j = 0; j < len; ++j) {
        auto at = [&](std::string_view v) {
          return j < v.size() ? static_cast<unsigned char>(v[j]) : 0u;
        };
        unsigned out = at(inputs[0]);
        if (op == BitOp::kNot) out = ~out;
        for (std::size_t k = 1; k < inputs.size(); ++k) {
          if (op == BitOp::kAnd) out &= at(inputs[k]);
          if (op == BitOp::kOr) out |= at(inputs[k]);
          if (op == BitOp::kXor) out ^= at(inputs[k]);
        }
        want[j] = static_cast<char>(out);
      }
      CHECK(bitop(op, inputs) == want);
    }
    (void)maxlen;
  }
}

TEST_CASE("op_setbit and op_getbit", "[bitmap]") {
  Db db;
  KeyEventHub hub;
  EventCounter events;
  hub.add(&events);
  db.attach(&hub, 0);
  CHECK(*op_setbit(db, "k", 7, true, kNow) == 0);
  CHECK(get(db, "k") == std::string("\x01", 1));
  CHECK(*op_setbit(db, "k", 7, true, kNow) == 1);
  CHECK(events.events == 1);  // the second call changed nothing
  CHECK(*op_setbit(db, "k", 17, true, kNow) == 0);
  CHECK(get(db, "k") == std::string("\x01\x00\x40", 3));
  CHECK(events.events == 2);
  CHECK(*op_setbit(db, "k", 100, false, kNow) == 0);  // growth is a write even for a 0
  CHECK(events.events == 3);
  CHECK(*op_strlen(db, "k", kNow) == 13);
  CHECK(*op_getbit(db, "k", 17, kNow) == 1);
  CHECK(*op_getbit(db, "k", 16, kNow) == 0);
  CHECK(*op_getbit(db, "k", 4294967295u, kNow) == 0);
  CHECK(*op_getbit(db, "missing", 3, kNow) == 0);
  // An unchanged bit leaves an "int" value "raw", as Redis, without an event.
  REQUIRE(op_set(db, "n", "12", {}, kNow).ok());
  const int before = events.events;
  CHECK(*op_setbit(db, "n", 0, false, kNow) == 0);
  CHECK(events.events == before);
  CHECK(object_encoding(*db.find("n", kNow).entry) == "raw");
  CHECK(get(db, "n") == "12");
  // Keeps the TTL.
  REQUIRE(op_set(db, "t", "a",
                 SetOptions{SetOptions::Condition::kAlways, kNow + 5000, false, false}, kNow)
              .ok());
  CHECK(*op_setbit(db, "t", 6, true, kNow) == 0);
  CHECK(get(db, "t") == "c");
  CHECK(db.find("t", kNow)->expire_at_ms() == kNow + 5000);
  // Wrong type.
  REQUIRE(db.find_or_create_as<ListValue>("l", kNow).ok());
  CHECK(op_setbit(db, "l", 0, true, kNow).code() == Errc::kWrongType);
  CHECK(op_getbit(db, "l", 0, kNow).code() == Errc::kWrongType);
  CHECK(op_bitcount(db, "l", std::nullopt, kNow).code() == Errc::kWrongType);
  db.attach(nullptr, 0);
}

TEST_CASE("op_bitcount on keys", "[bitmap]") {
  Db db;
  REQUIRE(op_set(db, "s", "foobar", {}, kNow).ok());
  CHECK(*op_bitcount(db, "s", std::nullopt, kNow) == 26);
  CHECK(*op_bitcount(db, "s", BitRange{1, 1, BitUnit::kByte}, kNow) == 6);
  CHECK(*op_bitcount(db, "s", BitRange{5, 30, BitUnit::kBit}, kNow) == 17);
  CHECK(*op_bitcount(db, "missing", std::nullopt, kNow) == 0);
}

TEST_CASE("op_bitop stores raw results, drops the TTL, deletes on empty", "[bitmap]") {
  Db a, b;
  REQUIRE(op_set(a, "x", "foobar", {}, kNow).ok());
  REQUIRE(op_set(b, "y", "abcdef", {}, kNow).ok());
  REQUIRE(op_set(a, "d", "old",
                 SetOptions{SetOptions::Condition::kAlways, kNow + 5000, false, false}, kNow)
              .ok());
  std::vector<BitopSource> src = {{&a, "x"}, {&b, "y"}};
  CHECK(*op_bitop(BitOp::kAnd, a, "d", src, kNow) == 6);
  CHECK(get(a, "d") == "`bc`ab");
  CHECK(a.find("d", kNow)->expire_at_ms() == 0);
  CHECK(object_encoding(*a.find("d", kNow).entry) == "raw");
  std::vector<BitopSource> missing = {{&a, "none"}, {&b, "none"}};
  CHECK(*op_bitop(BitOp::kOr, a, "d", missing, kNow) == 0);
  CHECK_FALSE(a.find("d", kNow));
  // The destination may be a source.
  std::vector<BitopSource> self = {{&a, "x"}};
  CHECK(*op_bitop(BitOp::kNot, a, "x", self, kNow) == 6);
  CHECK(*op_bitop(BitOp::kNot, a, "x", self, kNow) == 6);
  CHECK(get(a, "x") == "foobar");
  REQUIRE(b.find_or_create_as<ListValue>("l", kNow).ok());
  std::vector<BitopSource> bad = {{&a, "x"}, {&b, "l"}};
  CHECK(op_bitop(BitOp::kOr, a, "d", bad, kNow).code() == Errc::kWrongType);
  CHECK_FALSE(a.find("d", kNow));
}

TEST_CASE("bitfield overflow arithmetic matches Redis", "[bitmap]") {
  using O = BitfieldOverflow;
  CHECK(*bitfield_add_unsigned(250, 10, 8, O::kWrap) == 4);
  CHECK(*bitfield_add_unsigned(250, 10, 8, O::kSat) == 255);
  CHECK_FALSE(bitfield_add_unsigned(250, 10, 8, O::kFail));
  CHECK(*bitfield_add_unsigned(5, -10, 8, O::kSat) == 0);
  CHECK(*bitfield_add_unsigned(5, -10, 8, O::kWrap) == 251);
  CHECK(*bitfield_add_unsigned(static_cast<std::uint64_t>(-1), 0, 8, O::kSat) == 255);  // SET u8 -1
  CHECK(*bitfield_add_signed(127, 1, 8, O::kWrap) == -128);
  CHECK(*bitfield_add_signed(127, 1, 8, O::kSat) == 127);
  CHECK(*bitfield_add_signed(-128, -1, 8, O::kSat) == -128);
  CHECK_FALSE(bitfield_add_signed(-128, -1, 8, O::kFail));
  CHECK(*bitfield_add_signed(INT64_MAX, 1, 64, O::kWrap) == INT64_MIN);
  CHECK(*bitfield_add_signed(INT64_MAX, 1, 64, O::kSat) == INT64_MAX);
  CHECK(*bitfield_add_signed(INT64_MIN, -1, 64, O::kSat) == INT64_MIN);
  CHECK(*bitfield_add_signed(-1, INT64_MIN, 64, O::kWrap) == INT64_MAX);
  CHECK(*bitfield_add_signed(1, 0, 1, O::kSat) == 0);  // i1 holds -1..0
  CHECK(*bitfield_add_signed(1, 0, 1, O::kWrap) == -1);
  // Redis's i63 quirk: SET of INT64_MIN saturates to the maximum (its difference wraps).
  CHECK(*bitfield_add_signed(INT64_MIN, 0, 63, O::kSat) == (std::int64_t{1} << 62) - 1);
}

TEST_CASE("op_bitfield runs ops in order, grows, and counts writes as Redis", "[bitmap]") {
  Db db;
  KeyEventHub hub;
  EventCounter events;
  hub.add(&events);
  db.attach(&hub, 0);
  using O = BitfieldOverflow;
  // GETs only: a read, nothing created.
  std::vector<BitfieldOp> gets = {field(K::kGet, "u8", 0), field(K::kGet, "i64", 1000)};
  CHECK(*op_bitfield(db, "k", gets, kNow) == Replies{0, 0});
  CHECK_FALSE(db.find("k", kNow));
  CHECK(events.events == 0);
  // Writes create and grow the key to the farthest bit, then run in order.
  std::vector<BitfieldOp> ops = {field(K::kGet, "u8", 8),
                                 field(K::kSet, "u8", 0, 255),
                                 field(K::kGet, "i8", 0),
                                 field(K::kIncrBy, "u4", 12, 7),
                                 field(K::kIncrBy, "u4", 12, 20, O::kFail),
                                 field(K::kSet, "i16", 4, -2)};
  CHECK(*op_bitfield(db, "k", ops, kNow) == Replies{0, 0, -1, 7, std::nullopt, -3984});
  CHECK(get(db, "k") == std::string("\xff\xff\xe0", 3));
  const int after = events.events;
  CHECK(after > 0);
  // Writes that leave every bit as it is (or fail) are not writes, but leave "raw".
  REQUIRE(op_set(db, "n", "1", {}, kNow).ok());
  const int before = events.events;
  std::vector<BitfieldOp> same = {field(K::kSet, "u8", 0, '1'), field(K::kIncrBy, "u8", 0, 0),
                                  field(K::kIncrBy, "u8", 0, 1000, O::kFail)};
  CHECK(*op_bitfield(db, "n", same, kNow) == Replies{'1', '1', std::nullopt});
  CHECK(events.events == before);
  CHECK(object_encoding(*db.find("n", kNow).entry) == "raw");
  // A change restored by a later op still counts, as Redis counts each change.
  std::vector<BitfieldOp> flip = {field(K::kSet, "u8", 0, 0), field(K::kSet, "u8", 0, '1')};
  CHECK(*op_bitfield(db, "n", flip, kNow) == Replies{'1', 0});
  CHECK(events.events > before);
  CHECK(get(db, "n") == "1");
  // Unsigned 63-bit values and signed 64-bit values across byte boundaries.
  std::vector<BitfieldOp> wide = {field(K::kSet, "u63", 5, INT64_MAX), field(K::kGet, "u63", 5),
                                  field(K::kGet, "i64", 4), field(K::kSet, "i64", 3, INT64_MIN),
                                  field(K::kGet, "i64", 3)};
  CHECK(*op_bitfield(db, "w", wide, kNow) ==
        Replies{0, INT64_MAX, INT64_MAX, (std::int64_t{1} << 62) - 1, INT64_MIN});
  REQUIRE(db.find_or_create_as<ListValue>("l", kNow).ok());
  CHECK(op_bitfield(db, "l", gets, kNow).code() == Errc::kWrongType);
  CHECK(op_bitfield(db, "l", ops, kNow).code() == Errc::kWrongType);
  db.attach(nullptr, 0);
}
