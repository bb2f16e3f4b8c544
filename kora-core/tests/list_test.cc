// ListValue (the quicklist of listpack nodes) and the list operations.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kora/core/list_ops.h"
#include "kora/core/list_value.h"
#include "kora/core/string_ops.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1'000'000;
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

// Sets list-max-listpack-size for one test and puts the old value back.
class FillGuard {
 public:
  explicit FillGuard(std::int64_t fill)
      : old_(EncodingLimits::instance().list_max_listpack_size.exchange(fill)) {}
  ~FillGuard() { EncodingLimits::instance().list_max_listpack_size.store(old_); }
  FillGuard(const FillGuard&) = delete;
  FillGuard& operator=(const FillGuard&) = delete;

 private:
  std::int64_t old_;
};

// Sets any EncodingLimits value for one test and puts the old value back.
class LimitGuard {
 public:
  LimitGuard(std::atomic<std::int64_t>& limit, std::int64_t value) : limit_(limit), old_(limit.exchange(value)) {}
  ~LimitGuard() { limit_.store(old_); }
  LimitGuard(const LimitGuard&) = delete;
  LimitGuard& operator=(const LimitGuard&) = delete;

 private:
  std::atomic<std::int64_t>& limit_;
  std::int64_t old_;
};

std::vector<std::string> forward(const ListValue& l) {
  std::vector<std::string> out;
  for (auto c = l.front(); c.valid(); c.next()) out.emplace_back(c.value());
  return out;
}

std::vector<std::string> backward(const ListValue& l) {
  std::vector<std::string> out;
  for (auto c = l.back(); c.valid(); c.prev()) out.emplace_back(c.value());
  return std::vector<std::string>(out.rbegin(), out.rend());
}

// Every way of reading the list agrees with the model.
void check_same(const ListValue& l, const std::deque<std::string>& model) {
  REQUIRE(l.size() == model.size());
  const std::vector<std::string> want(model.begin(), model.end());
  REQUIRE(forward(l) == want);
  REQUIRE(backward(l) == want);
  for (std::size_t i = 0; i < model.size(); i += 1 + model.size() / 17) {
    REQUIRE(l.at(i).value() == model[i]);
  }
  if (!model.empty()) REQUIRE(l.at(model.size() - 1).value() == model.back());
}

ListValue make(std::initializer_list<std::string_view> items) {
  ListValue l;
  for (auto s : items) l.push(ListEnd::kTail, s);
  return l;
}

std::vector<std::string> range(Db& db, std::string_view key, std::int64_t a, std::int64_t b) {
  auto r = op_lrange(db, key, a, b, kNow);
  REQUIRE(r.ok());
  return std::vector<std::string>(r->begin(), r->end());
}

void rpush(Db& db, std::string_view key, std::initializer_list<std::string_view> items) {
  std::vector<std::string_view> v(items);
  REQUIRE(op_push(db, key, ListEnd::kTail, v, false, kNow).ok());
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("ListValue: type, encoding, empty") {
  ListValue l;
  CHECK(l.type() == ValueType::kList);
  CHECK(ListValue::kType == ValueType::kList);
  CHECK(l.encoding() == "quicklist");
  CHECK(l.size() == 0);
  CHECK(l.node_count() == 0);
  CHECK_FALSE(l.front().valid());
  CHECK_FALSE(l.back().valid());
}

TEST_CASE("ListValue: push and pop at both ends") {
  ListValue l;
  l.push(ListEnd::kTail, "b");
  l.push(ListEnd::kHead, "a");
  l.push(ListEnd::kTail, "c");
  CHECK(forward(l) == V{"a", "b", "c"});
  CHECK(l.pop(ListEnd::kHead) == "a");
  CHECK(l.pop(ListEnd::kTail) == "c");
  CHECK(l.pop(ListEnd::kTail) == "b");
  CHECK(l.size() == 0);
  CHECK(l.node_count() == 0);
  CHECK(l.memory_usage() == sizeof(ListValue));
}

TEST_CASE("ListValue: binary-safe elements and lengths past one prefix byte") {
  FillGuard fill(-5);
  const std::string nul("a\0b", 3);
  const std::vector<std::size_t> lengths = {0, 1, 127, 128, 129, 16383, 16384, 70000};
  ListValue l;
  std::deque<std::string> model;
  for (std::size_t n : lengths) {
    std::string v(n, 'x');
    if (n > 2) v[n / 2] = '\0';
    l.push(ListEnd::kTail, v);
    model.push_back(v);
    l.push(ListEnd::kHead, v);
    model.push_front(v);
  }
  l.push(ListEnd::kTail, nul);
  model.push_back(nul);
  check_same(l, model);
  CHECK(l.pop(ListEnd::kTail) == nul);
}

TEST_CASE("ListValue: a small list is one small node") {
  ListValue l = make({"a", "bb", "ccc"});
  CHECK(l.node_count() == 1);
  // this object, one node header (32 bytes), the entries and a little slack
  CHECK(l.memory_usage() <= sizeof(ListValue) + 32 + 64);
  ListValue one = make({"x"});
  CHECK(one.memory_usage() <= sizeof(ListValue) + 32 + 24);
}

TEST_CASE("ListValue: node byte limit (-2 = 8 KiB), splitting up and merging down") {
  FillGuard fill(-2);
  ListValue l;
  const std::string v(98, 'v');  // 100 bytes per entry
  for (int i = 0; i < 81; ++i) l.push(ListEnd::kTail, v);
  CHECK(l.node_count() == 1);  // 8100 bytes
  l.push(ListEnd::kTail, v);   // 8200 > 8192
  CHECK(l.node_count() == 2);
  for (int i = 0; i < 81 * 3; ++i) l.push(ListEnd::kHead, v);
  CHECK(l.node_count() == 5);
  CHECK(l.size() == 82 + 243);
  // fully packed nodes carry little slack
  CHECK(l.memory_usage() < (l.size() * 100) * 11 / 10 + 5 * 32 + sizeof(ListValue));
  // popping back down frees the nodes again
  while (l.size() > 82) l.pop(ListEnd::kHead);
  CHECK(l.node_count() == 2);
  l.pop(ListEnd::kTail);
  CHECK(l.node_count() == 1);
}

TEST_CASE("ListValue: every byte limit -1..-5, and below -5 taken as -5") {
  const std::string v(1020, 'v');  // 1 KiB per entry with its two 2-byte lengths
  for (std::int64_t f : {-1, -2, -3, -4, -5, -6, -100}) {
    FillGuard fill(f);
    const std::size_t per_node = std::size_t{4} << (-std::max<std::int64_t>(f, -5) - 1);  // KiB
    ListValue l;
    for (std::size_t i = 0; i < per_node; ++i) l.push(ListEnd::kTail, v);
    CHECK(l.node_count() == 1);
    l.push(ListEnd::kTail, v);
    CHECK(l.node_count() == 2);
  }
}

TEST_CASE("ListValue: entry-count limits, with the 8 KiB safety limit") {
  {
    FillGuard fill(3);
    ListValue l;
    for (int i = 0; i < 10; ++i) l.push(ListEnd::kTail, std::to_string(i));
    CHECK(l.node_count() == 4);
    l.pop(ListEnd::kTail);
    CHECK(l.node_count() == 3);
  }
  {
    FillGuard fill(0);  // as 1: one entry per node
    ListValue l = make({"a", "b", "c"});
    CHECK(l.node_count() == 3);
  }
  {
    FillGuard fill(1000);
    ListValue l;
    for (int i = 0; i < 100; ++i) l.push(ListEnd::kTail, std::string(998, 'x'));
    CHECK(l.node_count() == 13);  // 8 KiB of 1000-byte entries per node, not 1000 entries
  }
}

TEST_CASE("ListValue: an element larger than a node sits alone") {
  FillGuard fill(-1);  // 4 KiB
  ListValue l = make({"a", "b"});
  l.push(ListEnd::kTail, std::string(10000, 'x'));
  l.push(ListEnd::kTail, "c");
  CHECK(l.node_count() == 3);
  CHECK(l.at(2).value().size() == 10000);
  // growing an element in the middle of a node past the limit splits it
  ListValue m = make({"a", "b", "c", "d"});
  m.replace(1, std::string(5000, 'y'));
  CHECK(forward(m) == V{"a", std::string(5000, 'y'), "c", "d"});
  CHECK(m.node_count() == 3);
  m.replace(1, "b");
  CHECK(forward(m) == V{"a", "b", "c", "d"});
}

TEST_CASE("ListValue: insert and replace inside full nodes") {
  FillGuard fill(4);
  ListValue l = make({"a", "b", "c", "d", "e", "f", "g", "h"});
  CHECK(l.node_count() == 2);
  std::deque<std::string> model = {"a", "b", "c", "d", "e", "f", "g", "h"};
  CHECK(l.insert("b", "x", true));  // middle of a full node: split
  model.insert(model.begin() + 2, "x");
  check_same(l, model);
  CHECK(l.insert("e", "y", false));  // head of a full node
  model.insert(model.begin() + 5, "y");
  check_same(l, model);
  CHECK(l.insert("h", "z", true));  // tail of the last node
  model.push_back("z");
  check_same(l, model);
  CHECK(l.insert("a", "w", false));  // head of the list
  model.push_front("w");
  check_same(l, model);
  CHECK_FALSE(l.insert("nope", "q", true));
  check_same(l, model);
  l.replace(0, "W");
  model[0] = "W";
  l.replace(model.size() - 1, "Z");
  model.back() = "Z";
  check_same(l, model);
}

TEST_CASE("ListValue: insert finds the first pivot from the head") {
  ListValue l = make({"p", "a", "p", "b"});
  CHECK(l.insert("p", "x", true));
  CHECK(forward(l) == V{"p", "x", "a", "p", "b"});
  CHECK(l.insert("p", "y", false));
  CHECK(forward(l) == V{"y", "p", "x", "a", "p", "b"});
}

TEST_CASE("ListValue: remove from either end, with and without a limit") {
  FillGuard fill(3);  // several nodes, so removal crosses node boundaries
  auto fresh = [] { return make({"a", "b", "a", "c", "a", "a", "d", "a"}); };
  ListValue l = fresh();
  CHECK(l.remove("a", 2, ListEnd::kHead) == 2);
  CHECK(forward(l) == V{"b", "c", "a", "a", "d", "a"});
  l = fresh();
  CHECK(l.remove("a", 3, ListEnd::kTail) == 3);
  CHECK(forward(l) == V{"a", "b", "a", "c", "d"});
  CHECK(backward(l) == V{"a", "b", "a", "c", "d"});
  l = fresh();
  CHECK(l.remove("a", 0, ListEnd::kHead) == 5);
  CHECK(forward(l) == V{"b", "c", "d"});
  CHECK(l.remove("zz", 0, ListEnd::kTail) == 0);
  CHECK(l.remove("b", 0, ListEnd::kTail) == 1);
  CHECK(l.remove("c", 1, ListEnd::kTail) == 1);
  CHECK(l.remove("d", 1, ListEnd::kHead) == 1);
  CHECK(l.size() == 0);
  CHECK(l.node_count() == 0);
}

TEST_CASE("ListValue: erase at either end, across nodes") {
  FillGuard fill(3);
  ListValue l;
  for (int i = 0; i < 20; ++i) l.push(ListEnd::kTail, std::to_string(i));
  l.erase(ListEnd::kHead, 4);
  l.erase(ListEnd::kTail, 5);
  CHECK(forward(l) == V{"4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14"});
  CHECK(backward(l) == forward(l));
  l.erase(ListEnd::kHead, 0);
  l.erase(ListEnd::kTail, 0);
  CHECK(l.size() == 11);
  l.erase(ListEnd::kTail, 100);
  CHECK(l.size() == 0);
  CHECK(l.node_count() == 0);
}

TEST_CASE("ListValue: clone is deep and compact") {
  FillGuard fill(-1);
  ListValue l;
  for (int i = 0; i < 2000; ++i) l.push(i % 2 ? ListEnd::kHead : ListEnd::kTail, std::to_string(i));
  for (int i = 0; i < 300; ++i) l.pop(ListEnd::kHead);
  auto copy = l.clone();
  auto& c = static_cast<ListValue&>(*copy);
  CHECK(forward(c) == forward(l));
  CHECK(c.memory_usage() <= l.memory_usage());
  c.push(ListEnd::kTail, "only in the copy");
  CHECK(c.size() == l.size() + 1);
  CHECK(l.at(l.size() - 1).value() != "only in the copy");
}

TEST_CASE("ListValue: a queue keeps its memory bounded") {
  FillGuard fill(-2);
  ListValue l;
  const std::string v(30, 'q');
  std::size_t peak = 0;
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 100; ++i) l.push(ListEnd::kTail, v);
    for (int i = 0; i < 100; ++i) l.pop(ListEnd::kHead);
    peak = std::max(peak, l.memory_usage());
  }
  CHECK(l.size() == 0);
  CHECK(peak < 2 * 8192 + 1024);
}

TEST_CASE("ListValue: random operations agree with a deque model") {
  std::mt19937_64 rng(GENERATE(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
  const std::int64_t fills[] = {-1, -2, 1, 2, 5, 100};
  FillGuard fill(fills[rng() % 6]);
  // Half the seeds compress inner nodes (depth 1..3); some make elements of a
  // few bytes plain nodes of their own.
  const std::int64_t depth = rng() % 2 ? static_cast<std::int64_t>(1 + rng() % 3) : 0;
  LimitGuard compress(EncodingLimits::instance().list_compress_depth, depth);
  LimitGuard plain(EncodingLimits::instance().list_packed_threshold,
                   rng() % 4 == 0 ? static_cast<std::int64_t>(1 + rng() % 8) : std::int64_t{1} << 30);
  INFO("fill " << EncodingLimits::instance().list_max_listpack_size.load() << " depth " << depth << " plain "
               << EncodingLimits::instance().list_packed_threshold.load());
  ListValue l;
  std::deque<std::string> model;
  auto value = [&] {
    const int kind = static_cast<int>(rng() % 10);
    if (kind == 0) return std::string(rng() % 3000, static_cast<char>('a' + rng() % 3));
    if (kind == 1) return std::string();
    return std::string(1 + rng() % 3, static_cast<char>('a' + rng() % 4));
  };
  for (int step = 0; step < 4000; ++step) {
    const int op = static_cast<int>(rng() % 100);
    if (op < 30) {
      auto v = value();
      if (rng() % 2) {
        l.push(ListEnd::kHead, v);
        model.push_front(v);
      } else {
        l.push(ListEnd::kTail, v);
        model.push_back(v);
      }
    } else if (op < 45) {
      if (model.empty()) continue;
      if (rng() % 2) {
        REQUIRE(l.pop(ListEnd::kHead) == model.front());
        model.pop_front();
      } else {
        REQUIRE(l.pop(ListEnd::kTail) == model.back());
        model.pop_back();
      }
    } else if (op < 60) {
      if (model.empty()) continue;
      const std::size_t i = rng() % model.size();
      auto v = value();
      l.replace(i, v);
      model[i] = v;
    } else if (op < 75) {
      const auto pivot = value();
      const auto v = value();
      const bool after = rng() % 2;
      auto it = std::find(model.begin(), model.end(), pivot);
      REQUIRE(l.insert(pivot, v, after) == (it != model.end()));
      if (it != model.end()) model.insert(after ? it + 1 : it, v);
    } else if (op < 85) {
      const auto v = value();
      const std::size_t limit = rng() % 4;
      const bool from_tail = rng() % 2;
      std::size_t want = 0;
      if (!from_tail) {
        for (auto it = model.begin(); it != model.end() && (limit == 0 || want < limit);) {
          if (*it == v) {
            it = model.erase(it);
            ++want;
          } else {
            ++it;
          }
        }
      } else {
        for (std::size_t i = model.size(); i-- > 0 && (limit == 0 || want < limit);) {
          if (model[i] == v) {
            model.erase(model.begin() + static_cast<std::ptrdiff_t>(i));
            ++want;
          }
        }
      }
      REQUIRE(l.remove(v, limit, from_tail ? ListEnd::kTail : ListEnd::kHead) == want);
    } else if (op < 90) {
      const std::size_t n = rng() % 5;
      if (rng() % 2) {
        l.erase(ListEnd::kHead, n);
        model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(std::min(n, model.size())));
      } else {
        l.erase(ListEnd::kTail, n);
        model.erase(model.end() - static_cast<std::ptrdiff_t>(std::min(n, model.size())), model.end());
      }
    } else if (op < 99) {
      if (model.empty()) continue;
      const std::size_t i = rng() % model.size();
      REQUIRE(l.at(i).value() == model[i]);
    } else {
      check_same(l, model);
      auto copy = l.clone();
      check_same(static_cast<ListValue&>(*copy), model);
    }
    // The compression rule: never more compressed nodes than inner nodes.
    const std::size_t nodes = l.node_count();
    const std::size_t inner = nodes > 2 * static_cast<std::size_t>(depth) ? nodes - 2 * depth : 0;
    REQUIRE(l.compressed_nodes() <= (depth ? inner : 0));
  }
  check_same(l, model);
}

TEST_CASE("ListValue: list-compress-depth compresses exactly the inner nodes") {
  FillGuard fill(5);
  const std::int64_t depth = GENERATE(1, 2, 3);
  LimitGuard compress(EncodingLimits::instance().list_compress_depth, depth);
  const std::string v(40, 'x');  // five per node: ~210 bytes, very compressible
  ListValue l;
  ListValue plain_list;
  {
    LimitGuard none(EncodingLimits::instance().list_compress_depth, 0);
    plain_list = ListValue();
  }
  std::deque<std::string> model;
  for (int i = 0; i < 200; ++i) {
    const std::string e = v + std::to_string(i);
    if (i % 2) {
      l.push(ListEnd::kHead, e);
      plain_list.push(ListEnd::kHead, e);
      model.push_front(e);
    } else {
      l.push(ListEnd::kTail, e);
      plain_list.push(ListEnd::kTail, e);
      model.push_back(e);
    }
  }
  const auto inner = [&] { return l.node_count() - 2 * static_cast<std::size_t>(depth); };
  REQUIRE(l.compress_depth() == static_cast<std::uint32_t>(depth));
  REQUIRE(plain_list.compress_depth() == 0);
  REQUIRE(l.node_count() >= 40);
  REQUIRE(l.compressed_nodes() == inner());
  REQUIRE(plain_list.compressed_nodes() == 0);
  REQUIRE(l.uncompressed_bytes() == plain_list.uncompressed_bytes());
  REQUIRE(l.memory_usage() * 2 < plain_list.memory_usage());
  // A read walks through the inner nodes; the next access compresses them again.
  check_same(l, model);
  REQUIRE(l.compressed_nodes() == inner());
  // Pops at both ends move inner nodes outward: they are plain once at the ends.
  for (int i = 0; i < 37; ++i) {
    REQUIRE(l.pop(ListEnd::kHead) == model.front());
    model.pop_front();
    REQUIRE(l.pop(ListEnd::kTail) == model.back());
    model.pop_back();
    if (l.node_count() > 2 * static_cast<std::size_t>(depth)) REQUIRE(l.compressed_nodes() == inner());
  }
  check_same(l, model);
  // Changes in the middle inflate a node and compress it again.
  l.replace(model.size() / 2, "y");
  model[model.size() / 2] = "y";
  REQUIRE(l.insert(model[model.size() / 3], "z", true));
  model.insert(model.begin() + static_cast<std::ptrdiff_t>(model.size() / 3) + 1, "z");
  check_same(l, model);
  if (l.node_count() > 2 * static_cast<std::size_t>(depth)) REQUIRE(l.compressed_nodes() == inner());
  auto copy = l.clone();
  check_same(static_cast<ListValue&>(*copy), model);
  REQUIRE(static_cast<ListValue&>(*copy).compressed_nodes() == l.compressed_nodes());
}

TEST_CASE("ListValue: incompressible nodes stay plain") {
  FillGuard fill(5);
  LimitGuard compress(EncodingLimits::instance().list_compress_depth, 1);
  std::mt19937_64 rng(7);
  ListValue l;
  for (int i = 0; i < 100; ++i) {
    std::string e(40, '\0');
    for (char& c : e) c = static_cast<char>(rng());
    l.push(ListEnd::kTail, e);
  }
  REQUIRE(l.node_count() == 20);
  REQUIRE(l.compressed_nodes() == 0);
}

TEST_CASE("ListValue: elements at the packed threshold get plain nodes") {
  LimitGuard plain(EncodingLimits::instance().list_packed_threshold, 5);
  ListValue l;
  for (std::string_view e : {"a", "bb", "ccccc", "dd", "eeeeeeee", "f"}) l.push(ListEnd::kTail, e);
  // [a bb] [ccccc] [dd] [eeeeeeee] [f]
  REQUIRE(l.node_count() == 5);
  REQUIRE(forward(l) == V{"a", "bb", "ccccc", "dd", "eeeeeeee", "f"});
  l.replace(0, "xxxxxx");  // a large element leaves its node
  REQUIRE(forward(l) == V{"xxxxxx", "bb", "ccccc", "dd", "eeeeeeee", "f"});
  REQUIRE(l.node_count() == 6);
}

// --- Operations ----------------------------------------------------------------

TEST_CASE("op_push / op_pop / op_pop_count / op_llen") {
  Db db;
  std::vector<std::string_view> abc = {"a", "b", "c"};
  CHECK(*op_push(db, "l", ListEnd::kHead, abc, false, kNow) == 3);
  CHECK(range(db, "l", 0, -1) == V{"c", "b", "a"});
  CHECK(*op_push(db, "l", ListEnd::kTail, abc, true, kNow) == 6);
  CHECK(*op_push(db, "none", ListEnd::kTail, abc, true, kNow) == 0);
  CHECK_FALSE(db.find("none", kNow));
  CHECK(*op_push(db, "none", ListEnd::kTail, {}, false, kNow) == 0);  // never an empty list
  CHECK_FALSE(db.find("none", kNow));
  CHECK(*op_push(db, "l", ListEnd::kTail, {}, false, kNow) == 6);
  CHECK(*op_llen(db, "l", kNow) == 6);
  CHECK(*op_llen(db, "none", kNow) == 0);

  CHECK(**op_pop(db, "l", ListEnd::kHead, kNow) == "c");
  CHECK(**op_pop(db, "l", ListEnd::kTail, kNow) == "c");
  CHECK_FALSE(op_pop(db, "none", ListEnd::kTail, kNow)->has_value());

  auto zero = op_pop_count(db, "l", ListEnd::kHead, 0, kNow);
  REQUIRE(zero->has_value());
  CHECK((*zero)->empty());
  CHECK_FALSE(op_pop_count(db, "none", ListEnd::kHead, 0, kNow)->has_value());
  CHECK_FALSE(op_pop_count(db, "none", ListEnd::kHead, 3, kNow)->has_value());
  CHECK(**op_pop_count(db, "l", ListEnd::kTail, 2, kNow) == V{"b", "a"});
  CHECK(**op_pop_count(db, "l", ListEnd::kHead, 100, kNow) == V{"b", "a"});
  CHECK_FALSE(db.find("l", kNow));  // the last pop deleted the key
}

TEST_CASE("list ops report WRONGTYPE on a string key and leave it alone") {
  Db db;
  REQUIRE(op_set(db, "s", "str", {}, kNow).ok());
  std::vector<std::string_view> one = {"x"};
  CHECK(op_push(db, "s", ListEnd::kHead, one, false, kNow).code() == Errc::kWrongType);
  CHECK(op_push(db, "s", ListEnd::kHead, one, true, kNow).code() == Errc::kWrongType);
  CHECK(op_pop(db, "s", ListEnd::kHead, kNow).code() == Errc::kWrongType);
  CHECK(op_pop_count(db, "s", ListEnd::kHead, 0, kNow).code() == Errc::kWrongType);
  CHECK(op_llen(db, "s", kNow).code() == Errc::kWrongType);
  CHECK(op_lrange(db, "s", 0, -1, kNow).code() == Errc::kWrongType);
  CHECK(op_lindex(db, "s", 0, kNow).code() == Errc::kWrongType);
  CHECK(op_lset(db, "s", 0, "v", kNow).code() == Errc::kWrongType);
  CHECK(op_linsert(db, "s", true, "a", "b", kNow).code() == Errc::kWrongType);
  CHECK(op_lrem(db, "s", 0, "a", kNow).code() == Errc::kWrongType);
  CHECK(op_ltrim(db, "s", 0, 1, kNow).code() == Errc::kWrongType);
  CHECK(op_lpos(db, "s", "a", {}, kNow).code() == Errc::kWrongType);
  CHECK(op_lmove(db, "s", db, "d", ListEnd::kHead, ListEnd::kTail, kNow).code() == Errc::kWrongType);
  rpush(db, "l", {"a"});
  CHECK(op_lmove(db, "l", db, "s", ListEnd::kHead, ListEnd::kTail, kNow).code() == Errc::kWrongType);
  CHECK(range(db, "l", 0, -1) == V{"a"});  // nothing moved
  CHECK(**op_get(db, "s", kNow) == "str");
  CHECK(op_pop(db, "s", ListEnd::kHead, kNow).error().message ==
        "WRONGTYPE Operation against a key holding the wrong kind of value");
}

TEST_CASE("op_lrange clamps like Redis") {
  Db db;
  rpush(db, "l", {"a", "b", "c", "d"});
  CHECK(range(db, "l", 0, -1) == V{"a", "b", "c", "d"});
  CHECK(range(db, "l", -2, -1) == V{"c", "d"});
  CHECK(range(db, "l", -100, 1) == V{"a", "b"});
  CHECK(range(db, "l", 2, 100) == V{"c", "d"});
  CHECK(range(db, "l", 3, 3) == V{"d"});
  CHECK(range(db, "l", 4, 10).empty());
  CHECK(range(db, "l", 2, 1).empty());
  CHECK(range(db, "l", -1, -2).empty());
  CHECK(range(db, "l", kMax, kMin).empty());
  CHECK(range(db, "l", kMin, kMax) == V{"a", "b", "c", "d"});
  CHECK(range(db, "none", 0, -1).empty());
}

TEST_CASE("op_lindex and op_lset at the edges") {
  Db db;
  rpush(db, "l", {"a", "b", "c"});
  CHECK(**op_lindex(db, "l", 0, kNow) == "a");
  CHECK(**op_lindex(db, "l", -1, kNow) == "c");
  CHECK(**op_lindex(db, "l", -3, kNow) == "a");
  CHECK_FALSE(op_lindex(db, "l", 3, kNow)->has_value());
  CHECK_FALSE(op_lindex(db, "l", -4, kNow)->has_value());
  CHECK_FALSE(op_lindex(db, "l", kMin, kNow)->has_value());
  CHECK_FALSE(op_lindex(db, "l", kMax, kNow)->has_value());
  CHECK_FALSE(op_lindex(db, "none", 0, kNow)->has_value());

  CHECK(op_lset(db, "l", -1, "C", kNow).ok());
  CHECK(op_lset(db, "l", 0, "", kNow).ok());
  CHECK(range(db, "l", 0, -1) == V{"", "b", "C"});
  CHECK(op_lset(db, "l", 3, "x", kNow).code() == Errc::kIndexOutOfRange);
  CHECK(op_lset(db, "l", kMin, "x", kNow).error().message == "ERR index out of range");
  CHECK(op_lset(db, "none", 0, "x", kNow).error().message == "ERR no such key");
  CHECK_FALSE(db.find("none", kNow));
}

TEST_CASE("op_linsert") {
  Db db;
  rpush(db, "l", {"a", "b"});
  CHECK(*op_linsert(db, "l", false, "a", "x", kNow) == 3);
  CHECK(*op_linsert(db, "l", true, "b", "y", kNow) == 4);
  CHECK(*op_linsert(db, "l", true, "nope", "z", kNow) == -1);
  CHECK(*op_linsert(db, "none", true, "a", "z", kNow) == 0);
  CHECK_FALSE(db.find("none", kNow));
  CHECK(range(db, "l", 0, -1) == V{"x", "a", "b", "y"});
}

TEST_CASE("op_lrem: signs, INT64_MIN, and deleting the key") {
  Db db;
  rpush(db, "l", {"a", "b", "a", "c", "a"});
  CHECK(*op_lrem(db, "l", 1, "a", kNow) == 1);
  CHECK(range(db, "l", 0, -1) == V{"b", "a", "c", "a"});
  CHECK(*op_lrem(db, "l", -1, "a", kNow) == 1);
  CHECK(range(db, "l", 0, -1) == V{"b", "a", "c"});
  CHECK(*op_lrem(db, "l", kMin, "a", kNow) == 1);
  CHECK(*op_lrem(db, "l", 0, "zz", kNow) == 0);
  CHECK(*op_lrem(db, "none", 0, "a", kNow) == 0);
  CHECK(*op_lrem(db, "l", kMax, "b", kNow) == 1);
  CHECK(*op_lrem(db, "l", 0, "c", kNow) == 1);
  CHECK_FALSE(db.find("l", kNow));
}

TEST_CASE("op_ltrim") {
  Db db;
  rpush(db, "l", {"0", "1", "2", "3", "4", "5"});
  REQUIRE(op_ltrim(db, "l", 1, -2, kNow).ok());
  CHECK(range(db, "l", 0, -1) == V{"1", "2", "3", "4"});
  REQUIRE(op_ltrim(db, "l", kMin, kMax, kNow).ok());
  CHECK(range(db, "l", 0, -1) == V{"1", "2", "3", "4"});
  REQUIRE(op_ltrim(db, "l", -2, 100, kNow).ok());
  CHECK(range(db, "l", 0, -1) == V{"3", "4"});
  REQUIRE(op_ltrim(db, "none", 0, 1, kNow).ok());
  CHECK_FALSE(db.find("none", kNow));
  REQUIRE(op_ltrim(db, "l", 1, 0, kNow).ok());
  CHECK_FALSE(db.find("l", kNow));
  rpush(db, "l", {"a"});
  REQUIRE(op_ltrim(db, "l", 5, 10, kNow).ok());
  CHECK_FALSE(db.find("l", kNow));
}

TEST_CASE("op_lpos: rank, count, maxlen") {
  Db db;
  rpush(db, "l", {"a", "b", "c", "1", "2", "3", "c", "c"});
  auto pos = [&](std::string_view e, std::int64_t rank, std::size_t count, std::size_t maxlen) {
    auto r = op_lpos(db, "l", e, LposOptions{rank, count, maxlen}, kNow);
    REQUIRE(r.ok());
    return *r;
  };
  using I = std::vector<std::int64_t>;
  CHECK(pos("c", 1, 1, 0) == I{2});
  CHECK(pos("c", 1, 0, 0) == I{2, 6, 7});
  CHECK(pos("c", 2, 0, 0) == I{6, 7});
  CHECK(pos("c", -1, 0, 0) == I{7, 6, 2});
  CHECK(pos("c", -2, 1, 0) == I{6});
  CHECK(pos("c", 4, 0, 0).empty());
  CHECK(pos("c", 1, 2, 0) == I{2, 6});
  CHECK(pos("c", 1, 0, 3) == I{2});
  CHECK(pos("c", 1, 0, 2).empty());
  CHECK(pos("c", -1, 0, 2) == I{7, 6});
  CHECK(pos("zz", 1, 0, 0).empty());
  CHECK(pos("a", kMax, 0, 0).empty());
  CHECK(pos("c", -kMax, 0, 0).empty());
  // Redis 7.0 negates LLONG_MIN with overflow: from the tail, every match
  CHECK(pos("c", kMin, 1, 0) == I{7, 6, 2});
  CHECK(pos("c", kMin, 0, 1) == I{7});
  CHECK(op_lpos(db, "none", "a", {}, kNow)->empty());
}

TEST_CASE("op_lmove: between keys, rotation, absent source, other Db") {
  Db db;
  rpush(db, "src", {"a", "b", "c"});
  CHECK(**op_lmove(db, "src", db, "dst", ListEnd::kHead, ListEnd::kTail, kNow) == "a");
  CHECK(**op_lmove(db, "src", db, "dst", ListEnd::kTail, ListEnd::kHead, kNow) == "c");
  CHECK(range(db, "dst", 0, -1) == V{"c", "a"});
  CHECK(range(db, "src", 0, -1) == V{"b"});
  CHECK(**op_lmove(db, "src", db, "dst", ListEnd::kHead, ListEnd::kHead, kNow) == "b");
  CHECK_FALSE(db.find("src", kNow));
  CHECK_FALSE(op_lmove(db, "src", db, "dst", ListEnd::kHead, ListEnd::kHead, kNow)->has_value());
  CHECK_FALSE(db.find("src", kNow));

  // the same key: rotation, and a one-element list survives its own move
  CHECK(**op_lmove(db, "dst", db, "dst", ListEnd::kHead, ListEnd::kTail, kNow) == "b");
  CHECK(range(db, "dst", 0, -1) == V{"c", "a", "b"});
  rpush(db, "one", {"x"});
  CHECK(**op_lmove(db, "one", db, "one", ListEnd::kTail, ListEnd::kHead, kNow) == "x");
  CHECK(range(db, "one", 0, -1) == V{"x"});

  // keys held by different Dbs (different shards)
  Db other;
  CHECK(**op_lmove(db, "dst", other, "far", ListEnd::kTail, ListEnd::kHead, kNow) == "b");
  CHECK(range(other, "far", 0, -1) == V{"b"});
  CHECK_FALSE(db.find("far", kNow));
}

TEST_CASE("an expired list reads as absent and is replaced on push") {
  Db db;
  rpush(db, "l", {"a", "b"});
  db.set_expire(db.find("l", kNow), kNow + 10);
  CHECK(*op_llen(db, "l", kNow + 5) == 2);
  CHECK(*op_llen(db, "l", kNow + 10) == 0);
  std::vector<std::string_view> one = {"z"};
  CHECK(*op_push(db, "l", ListEnd::kTail, one, false, kNow + 20) == 1);
  CHECK(db.find("l", kNow + 20)->expire_at_ms() == 0);
}
