// The hash family of kora::Database.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "kora/embedded/database.h"

using namespace std::literals;

namespace {
const std::string kWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
}  // namespace

TEST_CASE("hset, hget, hexists, hlen, hgetall, hdel") {
  auto db = kora::Database::open({.shard_count = 2});
  CHECK(*db->hset("profile:1", "name", "Augustus"));
  CHECK(*db->hset("profile:1", "city", "Accra"));
  CHECK(*db->hset("profile:1", "age", "30"));
  CHECK_FALSE(*db->hset("profile:1", "age", "31"));  // existing field: not new

  CHECK(**db->hget("profile:1", "name") == "Augustus");
  CHECK(**db->hget("profile:1", "age") == "31");
  CHECK_FALSE(db->hget("profile:1", "email")->has_value());
  CHECK_FALSE(db->hget("nohash", "f")->has_value());
  CHECK_FALSE(*db->hexists("profile:1", "email"));
  CHECK(*db->hexists("profile:1", "city"));
  CHECK_FALSE(*db->hexists("nohash", "f"));
  CHECK(*db->hlen("profile:1") == 3);
  CHECK(*db->hlen("nohash") == 0);

  auto all = *db->hgetall("profile:1");
  CHECK(all == std::vector<kora::OwnedPair>{{"name", "Augustus"}, {"city", "Accra"}, {"age", "31"}});
  CHECK(db->hgetall("nohash")->empty());

  CHECK(*db->hdel("profile:1", {"age"}) == 1);
  CHECK(*db->hdel("profile:1", {"age", "nope"}) == 0);
  CHECK(*db->hdel("profile:1", {"name", "city", "name"}) == 2);
  CHECK(db->key_type("profile:1") == "none");  // emptied hash is deleted
  CHECK(*db->hdel("nohash", {"f"}) == 0);
}

TEST_CASE("hset of several fields and binary fields") {
  auto db = kora::Database::open({.shard_count = 2});
  const std::string field("f\0\r\n", 4), value(70000, '\0');
  CHECK(*db->hset("h", {{"a", "1"}, {field, value}, {"a", "2"}}) == 2);
  CHECK(**db->hget("h", "a") == "2");
  CHECK(**db->hget("h", field) == value);
  std::vector<kora::StringPair> many;
  std::vector<std::string> names;
  for (int i = 0; i < 1000; ++i) names.push_back("field" + std::to_string(i));
  for (const auto& n : names) many.emplace_back(n, n);
  CHECK(*db->hset("big", many) == 1000);  // past the listpack limit: a hashtable
  CHECK(*db->hlen("big") == 1000);
  auto all = *db->hgetall("big");
  REQUIRE(all.size() == 1000);
  std::sort(all.begin(), all.end());
  std::vector<std::string> sorted_names = names;
  std::sort(sorted_names.begin(), sorted_names.end());
  for (std::size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].first == sorted_names[i]);
    CHECK(all[i].second == sorted_names[i]);
  }
  CHECK(db->hset("h", std::span<const kora::StringPair>()).code() == kora::Errc::kWrongArity);
  CHECK(db->hdel("h", std::span<const std::string_view>()).error().message ==
        "ERR wrong number of arguments for 'hdel' command");
}

TEST_CASE("hincrby") {
  auto db = kora::Database::open({.shard_count = 2});
  REQUIRE(db->hset("stats:1", "views", "100").ok());
  CHECK(*db->hincrby("stats:1", "views", 5) == 105);
  CHECK(*db->hincrby("stats:1", "views", -110) == -5);
  CHECK(*db->hincrby("stats:1", "new", 7) == 7);
  CHECK(*db->hincrby("fresh", "f", 1) == 1);
  REQUIRE(db->hset("stats:1", "text", "abc").ok());
  auto r = db->hincrby("stats:1", "text", 1);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "ERR hash value is not an integer");
  REQUIRE(db->hset("stats:1", "max", "9223372036854775807").ok());
  CHECK(db->hincrby("stats:1", "max", 1).error().message == "ERR increment or decrement would overflow");
  CHECK(**db->hget("stats:1", "max") == "9223372036854775807");
}

TEST_CASE("every hash call reports WRONGTYPE") {
  auto db = kora::Database::open({.shard_count = 2});
  REQUIRE(db->set("str", "v").ok());
  CHECK(db->hset("str", "f", "v").error().message == kWrongType);
  CHECK(db->hset("str", {{"f", "v"}}).error().message == kWrongType);
  CHECK(db->hget("str", "f").error().message == kWrongType);
  CHECK(db->hexists("str", "f").error().message == kWrongType);
  CHECK(db->hlen("str").error().message == kWrongType);
  CHECK(db->hgetall("str").error().message == kWrongType);
  CHECK(db->hdel("str", {"f"}).error().message == kWrongType);
  CHECK(db->hincrby("str", "f", 1).error().message == kWrongType);
  CHECK(**db->get("str") == "v");
}
