// The key family of kora::Database: existence, deletion, TTLs at millisecond
// precision, TYPE, KEYS and the all-shard calls.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "kora/embedded/database.h"

using namespace std::literals;
using Clock = std::chrono::steady_clock;

TEST_CASE("exists and del") {
  auto db = kora::Database::open({.shard_count = 3});
  CHECK_FALSE(db->exists("user:1"));
  REQUIRE(db->set("user:1", "Augustus").ok());
  CHECK(db->exists("user:1"));
  CHECK(db->del("user:1"));
  CHECK_FALSE(db->del("user:1"));
  CHECK_FALSE(db->exists("user:1"));
  REQUIRE(db->hset("h", "f", "v").ok());
  CHECK(db->exists("h"));
  CHECK(db->del("h"));
  CHECK(db->key_type("h") == "none");
}

TEST_CASE("set_ex keeps millisecond precision") {
  auto db = kora::Database::open({.shard_count = 2});
  auto before = Clock::now();
  REQUIRE(db->set_ex("session", "tok", 1500ms).ok());
  auto ttl = db->ttl("session");
  REQUIRE(ttl.has_value());
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - before);
  CHECK(ttl->count() <= 1500);
  CHECK(ttl->count() >= 1500 - elapsed.count() - 1);

  // Not rounded to seconds: a 400 ms key is alive at ~150 ms with at most 250 ms
  // left, and gone by ~450 ms.
  before = Clock::now();
  REQUIRE(db->set_ex("short", "v", 400ms).ok());
  std::this_thread::sleep_until(before + 150ms);
  CHECK(db->exists("short"));
  auto left = db->ttl("short");
  REQUIRE(left.has_value());
  CHECK(left->count() <= 250);
  CHECK(left->count() > 0);
  std::this_thread::sleep_until(before + 450ms);
  CHECK_FALSE(db->exists("short"));
  CHECK_FALSE(db->get("short")->has_value());
  CHECK_FALSE(db->ttl("short").has_value());
}

TEST_CASE("expire, ttl and persist") {
  auto db = kora::Database::open({.shard_count = 2});
  CHECK_FALSE(*db->expire("nope", 10s));
  CHECK_FALSE(db->ttl("nope").has_value());
  CHECK_FALSE(db->persist("nope"));

  REQUIRE(db->set("session:123", "tok").ok());
  CHECK(db->ttl("session:123")->count() == -1);
  CHECK_FALSE(db->persist("session:123"));  // no TTL to remove
  CHECK(*db->expire("session:123", 3600s));
  auto ttl = db->ttl("session:123");
  CHECK(ttl->count() > 3599000);
  CHECK(ttl->count() <= 3600000);
  CHECK(db->persist("session:123"));
  CHECK(db->ttl("session:123")->count() == -1);

  CHECK(*db->expire("session:123", 30ms));
  std::this_thread::sleep_for(60ms);
  CHECK_FALSE(db->exists("session:123"));

  // A TTL at or before now deletes at once, as Redis.
  REQUIRE(db->set("gone", "v").ok());
  CHECK(*db->expire("gone", 0ms));
  CHECK_FALSE(db->exists("gone"));
  REQUIRE(db->set("gone", "v").ok());
  CHECK(*db->expire("gone", -1s));
  CHECK_FALSE(db->exists("gone"));

  REQUIRE(db->set("big", "v").ok());
  auto overflow = db->expire("big", std::chrono::milliseconds::max());
  REQUIRE_FALSE(overflow.ok());
  CHECK(overflow.error().message == "ERR invalid expire time in 'pexpire' command");
  CHECK(db->ttl("big")->count() == -1);

  // Aggregates expire too.
  REQUIRE(db->rpush("list", {"a"}).ok());
  CHECK(*db->expire("list", 20ms));
  std::this_thread::sleep_for(40ms);
  CHECK(db->key_type("list") == "none");
}

TEST_CASE("key_type names every family") {
  auto db = kora::Database::open({.shard_count = 2});
  REQUIRE(db->set("s", "v").ok());
  REQUIRE(db->hset("h", "f", "v").ok());
  REQUIRE(db->lpush("l", {"a"}).ok());
  REQUIRE(db->sadd("z", {"a"}).ok());
  CHECK(db->key_type("s") == "string");
  CHECK(db->key_type("h") == "hash");
  CHECK(db->key_type("l") == "list");
  CHECK(db->key_type("z") == "set");
  CHECK(db->key_type("missing") == "none");
}

TEST_CASE("keys matches a glob on every shard") {
  auto db = kora::Database::open({.shard_count = 4});
  for (int i = 0; i < 50; ++i) REQUIRE(db->set("user:" + std::to_string(i), "x").ok());
  REQUIRE(db->set("other", "x").ok());
  REQUIRE(db->hset("user:h", "f", "v").ok());
  REQUIRE(db->set(std::string("bin\0key", 7), "x").ok());

  auto users = db->keys("user:*");
  CHECK(users.size() == 51);
  std::sort(users.begin(), users.end());
  CHECK(std::adjacent_find(users.begin(), users.end()) == users.end());
  CHECK(std::find(users.begin(), users.end(), "user:h") != users.end());
  CHECK(db->keys("*").size() == 53);
  auto single = db->keys("user:?");
  CHECK(single.size() == 11);  // user:0..9 and user:h
  auto cls = db->keys("user:[1-2]");
  std::sort(cls.begin(), cls.end());
  CHECK(cls == std::vector<std::string>{"user:1", "user:2"});
  CHECK(db->keys("nomatch*").empty());
  auto bin = db->keys("bin*");
  REQUIRE(bin.size() == 1);
  CHECK(bin[0] == std::string("bin\0key", 7));

  // Expired keys are not listed.
  REQUIRE(db->set_ex("user:soon", "x", 10ms).ok());
  std::this_thread::sleep_for(30ms);
  CHECK(db->keys("user:soon").empty());
}

TEST_CASE("db_size and flush_db cover every shard") {
  auto db = kora::Database::open({.shard_count = 4});
  CHECK(db->db_size() == 0);
  for (int i = 0; i < 100; ++i) REQUIRE(db->set("k" + std::to_string(i), "v").ok());
  REQUIRE(db->sadd("set", {"a", "b"}).ok());
  CHECK(db->db_size() == 101);
  CHECK(db->del("k0"));
  CHECK(db->db_size() == 100);
  db->flush_db();
  CHECK(db->db_size() == 0);
  CHECK(db->keys("*").empty());
  CHECK_FALSE(db->exists("k5"));
  REQUIRE(db->set("after", "v").ok());
  CHECK(db->db_size() == 1);
}

TEST_CASE("a single shard works for every all-shard call") {
  auto db = kora::Database::open({.shard_count = 1});
  CHECK(db->shard_count() == 1);
  REQUIRE(db->mset({{"a", "1"}, {"b", "2"}}).ok());
  CHECK(db->mget({"a", "b"}).size() == 2);
  CHECK(db->keys("*").size() == 2);
  CHECK(db->db_size() == 2);
  db->flush_db();
  CHECK(db->db_size() == 0);
}
