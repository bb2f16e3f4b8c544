// Unit tests of SORT (sort_ops.h): orders, LIMIT arithmetic, nosort rules,
// BY/GET patterns, STORE and errors, on every sortable type.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "kora/core/hash_ops.h"
#include "kora/core/list_ops.h"
#include "kora/core/set_ops.h"
#include "kora/core/sort_ops.h"
#include "kora/core/string_ops.h"
#include "kora/core/zset_ops.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1'000'000;
using Rows = std::vector<std::optional<std::string>>;

Rows strs(std::initializer_list<const char*> xs) {
  Rows out;
  for (const char* x : xs) out.emplace_back(x);
  return out;
}

void rpush(Db& db, std::string_view key, std::vector<std::string_view> values) {
  REQUIRE(op_push(db, key, ListEnd::kTail, values, false, kNow).ok());
}

void set(Db& db, std::string_view key, std::string_view value) {
  REQUIRE(op_set(db, key, value, SetOptions{}, kNow).ok());
}

Rows sort(Db& db, std::string_view key, const SortSpec& spec) {
  PatternDb same = [&db](std::string_view) -> Db& { return db; };
  auto r = op_sort(db, key, spec, same, kNow);
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("SORT compares numbers as doubles and ALPHA as bytes", "[sort]") {
  Db db;
  rpush(db, "l", {"3", "1", "10", "1.5", "-4", "0x10", " 7", "2"});
  SortSpec spec;
  CHECK(sort(db, "l", spec) == strs({"-4", "1", "1.5", "2", "3", " 7", "10", "0x10"}));
  spec.desc = true;
  CHECK(sort(db, "l", spec) == strs({"0x10", "10", " 7", "3", "2", "1.5", "1", "-4"}));
  spec.desc = false;
  spec.alpha = true;
  CHECK(sort(db, "l", spec) == strs({" 7", "-4", "0x10", "1", "1.5", "10", "2", "3"}));

  // Equal scores are ordered by the elements' bytes.
  rpush(db, "ties", {"1.0", "1", "01", "+1"});
  CHECK(sort(db, "ties", SortSpec{}) == strs({"+1", "01", "1", "1.0"}));

  // Not numbers: the whole command fails; a range error too.
  rpush(db, "bad", {"1", "x"});
  PatternDb same = [&db](std::string_view) -> Db& { return db; };
  CHECK(op_sort(db, "bad", SortSpec{}, same, kNow).error().code == Errc::kSortNotDouble);
  rpush(db, "big", {"1", "1e400"});
  CHECK(op_sort(db, "big", SortSpec{}, same, kNow).error().code == Errc::kSortNotDouble);
  rpush(db, "nan", {"nan"});
  CHECK(op_sort(db, "nan", SortSpec{}, same, kNow).error().code == Errc::kSortNotDouble);
  // ALPHA compares C strings when replying, binary strings with STORE.
  rpush(db, "nul", {std::string_view("a\0b", 3), std::string_view("a\0a", 3)});
  spec = SortSpec{};
  spec.alpha = true;
  CHECK(sort(db, "nul", spec) == Rows{std::string("a\0b", 3), std::string("a\0a", 3)});
  spec.store = true;
  CHECK(sort(db, "nul", spec) == Rows{std::string("a\0a", 3), std::string("a\0b", 3)});

  set(db, "str", "x");
  CHECK(op_sort(db, "str", SortSpec{}, same, kNow).error().code == Errc::kWrongType);
  CHECK(sort(db, "missing", SortSpec{}).empty());
}

TEST_CASE("SORT LIMIT follows Redis's clamping", "[sort]") {
  Db db;
  rpush(db, "l", {"5", "4", "3", "2", "1"});
  auto limit = [&](std::int64_t start, std::int64_t count, bool nosort = false, bool desc = false) {
    SortSpec spec;
    spec.limit_start = start;
    spec.limit_count = count;
    spec.desc = desc;
    if (nosort) spec.by = "nosort";
    return sort(db, "l", spec);
  };
  CHECK(limit(1, 2) == strs({"2", "3"}));
  CHECK(limit(-5, 2) == strs({"1", "2"}));
  CHECK(limit(3, -1) == strs({"4", "5"}));
  CHECK(limit(3, 0).empty());
  CHECK(limit(5, 1).empty());
  CHECK(limit(4, 100) == strs({"5"}));
  CHECK(limit(INT64_MAX, INT64_MAX).empty());
  CHECK(limit(1, 2, true) == strs({"4", "3"}));
  CHECK(limit(1, 2, true, true) == strs({"2", "3"}));
  CHECK(limit(0, -1, true, true) == strs({"1", "2", "3", "4", "5"}));
}

TEST_CASE("SORT BY nosort keeps list and zset order; sets sort ALPHA with STORE", "[sort]") {
  Db db;
  std::pair<double, std::string_view> pairs[] = {{3, "c"}, {1, "a"}, {2, "b"}, {10, "d"}};
  REQUIRE(op_zadd(db, "z", ZAddOptions{}, pairs, kNow).ok());
  SortSpec spec;
  spec.by = "nosort";
  CHECK(sort(db, "z", spec) == strs({"a", "b", "c", "d"}));
  spec.desc = true;
  spec.limit_start = 1;
  spec.limit_count = 2;
  CHECK(sort(db, "z", spec) == strs({"c", "b"}));
  // Redis converts a sorted set it sorts to a skiplist.
  CHECK(db.find("z", kNow)->object()->encoding() == "skiplist");

  std::string_view ms[] = {"5", "30", "100", "-2"};
  REQUIRE(op_sadd(db, "s", ms, kNow).ok());
  SortSpec nosort;
  nosort.by = "nosort";
  CHECK(sort(db, "s", nosort) == strs({"-2", "5", "30", "100"}));  // intset order
  nosort.store = true;
  CHECK(sort(db, "s", nosort) == strs({"-2", "100", "30", "5"}));  // ALPHA
}

TEST_CASE("SORT BY and GET patterns", "[sort]") {
  Db db;
  rpush(db, "l", {"3", "1", "2"});
  set(db, "w_1", "30");
  set(db, "w_2", "10");
  set(db, "w_3", "20");
  set(db, "o_1", "one");
  set(db, "o_3", "three");
  std::string_view hf[] = {"name", "bob"};
  REQUIRE(op_hset(db, "h_2", hf, kNow).ok());

  SortSpec spec;
  spec.by = "w_*";
  CHECK(sort(db, "l", spec) == strs({"2", "3", "1"}));
  spec.gets = {"#", "o_*", "h_*->name", "nostar"};
  CHECK(sort(db, "l", spec) == Rows{"2", std::nullopt, "bob", std::nullopt, "3", "three", std::nullopt,
                                    std::nullopt, "1", "one", std::nullopt, std::nullopt});
  // ALPHA by a pattern: a missing value sorts first.
  SortSpec alpha;
  alpha.by = "o_*";
  alpha.alpha = true;
  CHECK(sort(db, "l", alpha) == strs({"2", "1", "3"}));
  // Numeric by a pattern: a missing value counts 0; a non-number fails.
  SortSpec by_o;
  by_o.by = "nokey_*";
  CHECK(sort(db, "l", by_o) == strs({"1", "2", "3"}));
  by_o.by = "o_*";
  PatternDb same = [&db](std::string_view) -> Db& { return db; };
  CHECK(op_sort(db, "l", by_o, same, kNow).error().code == Errc::kSortNotDouble);

  // Pattern resolution and its shard hints.
  PatternTarget t = resolve_sort_pattern("pre_*_post->field", "x");
  CHECK(t.kind == PatternTarget::kKey);
  CHECK(t.key == "pre_x_post");
  CHECK(t.field == std::optional<std::string>("field"));
  CHECK(resolve_sort_pattern("*->", "x").key == "x->");
  CHECK(resolve_sort_pattern("#", "x").kind == PatternTarget::kSelf);
  CHECK(resolve_sort_pattern("abc", "x").kind == PatternTarget::kNone);
  CHECK(sort_pattern_reads_keys("w_*"));
  CHECK(!sort_pattern_reads_keys("#"));
  CHECK(!sort_pattern_reads_keys("nosort"));
  CHECK(sort_pattern_fixed_tag("{t}w_*") == std::optional<std::string_view>("{t}"));
  CHECK(!sort_pattern_fixed_tag("w_*{t}").has_value());
  CHECK(!sort_pattern_fixed_tag("{}w_*").has_value());
  CHECK(!sort_pattern_fixed_tag("{w_*}").has_value());
}

TEST_CASE("SORT STORE writes a list and deletes on empty results", "[sort]") {
  Db db;
  rpush(db, "l", {"2", "1"});
  Rows rows = sort(db, "l", SortSpec{});
  CHECK(op_sort_store(db, "dst", rows, kNow) == 2);
  auto list = [&] {
    auto r = op_lrange(db, "dst", 0, -1, kNow);
    REQUIRE(r.ok());
    return std::vector<std::string>(r->begin(), r->end());
  };
  CHECK(list() == std::vector<std::string>{"1", "2"});
  Rows with_missing{std::nullopt, std::string("x")};
  CHECK(op_sort_store(db, "dst", with_missing, kNow) == 2);
  CHECK(list() == std::vector<std::string>{"", "x"});
  CHECK(op_sort_store(db, "dst", {}, kNow) == 0);
  CHECK(!db.find("dst", kNow));
}
