// The set family of kora::Database.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "kora/embedded/database.h"

using namespace std::literals;
using Strings = std::vector<std::string>;

namespace {
const std::string kWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";

Strings sorted(Strings v) {
  std::sort(v.begin(), v.end());
  return v;
}
}  // namespace

TEST_CASE("sadd, sismember, scard, smembers, srem") {
  auto db = kora::Database::open({.shard_count = 2});
  CHECK(*db->sadd("tags", {"rust", "cache", "rust"}) == 2);
  CHECK(*db->sismember("tags", "rust"));
  CHECK_FALSE(*db->sismember("tags", "go"));
  CHECK_FALSE(*db->sismember("none", "go"));
  CHECK(*db->scard("tags") == 2);
  CHECK(*db->scard("none") == 0);
  CHECK(sorted(*db->smembers("tags")) == Strings{"cache", "rust"});
  CHECK(db->smembers("none")->empty());
  CHECK(*db->srem("tags", {"cache"}) == 1);
  CHECK(*db->srem("tags", {"cache", "nope"}) == 0);
  CHECK(*db->srem("tags", {"rust"}) == 1);
  CHECK(db->key_type("tags") == "none");  // emptied set is deleted
  CHECK(*db->srem("tags", {"x"}) == 0);
}

TEST_CASE("integer sets, large sets and binary members") {
  auto db = kora::Database::open({.shard_count = 2});
  CHECK(*db->sadd("ints", {"3", "1", "2", "1"}) == 3);
  CHECK(sorted(*db->smembers("ints")) == Strings{"1", "2", "3"});
  const std::string bin("m\0\r\n", 4);
  CHECK(*db->sadd("ints", {bin}) == 1);  // converts away from an intset
  CHECK(*db->sismember("ints", bin));
  CHECK_FALSE(*db->sismember("ints", "m"));
  CHECK(*db->scard("ints") == 4);

  std::vector<std::string> members;
  for (int i = 0; i < 2000; ++i) members.push_back("member-" + std::to_string(i));
  std::vector<std::string_view> views(members.begin(), members.end());
  CHECK(*db->sadd("big", views) == 2000);
  CHECK(*db->scard("big") == 2000);
  CHECK(sorted(*db->smembers("big")) == sorted(members));
  CHECK(*db->srem("big", views) == 2000);
  CHECK_FALSE(db->exists("big"));
  CHECK(db->sadd("big", std::span<const std::string_view>()).code() == kora::Errc::kWrongArity);
  CHECK(db->srem("big", std::span<const std::string_view>()).error().message ==
        "ERR wrong number of arguments for 'srem' command");
}

TEST_CASE("every set call reports WRONGTYPE") {
  auto db = kora::Database::open({.shard_count = 2});
  REQUIRE(db->rpush("l", {"a"}).ok());
  CHECK(db->sadd("l", {"a"}).error().message == kWrongType);
  CHECK(db->sismember("l", "a").error().message == kWrongType);
  CHECK(db->scard("l").error().message == kWrongType);
  CHECK(db->smembers("l").error().message == kWrongType);
  CHECK(db->srem("l", {"a"}).error().message == kWrongType);
  CHECK(*db->llen("l") == 1);
}
