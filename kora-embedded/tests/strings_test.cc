// The strings family of kora::Database: every call, its errors, and values of
// any content and size.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "kora/embedded/database.h"

using namespace std::literals;

namespace {
const std::string kWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
const std::string kNotInteger = "ERR value is not an integer or out of range";
}  // namespace

TEST_CASE("set and get round-trip binary values and a 1 MiB value") {
  auto db = kora::Database::open({.shard_count = 3});
  const std::string binary("a\0b\r\nc\r\n\0", 9);
  const std::string mib(1 << 20, '\0');
  std::string patterned(1 << 20, 'x');
  for (std::size_t i = 0; i < patterned.size(); ++i) patterned[i] = static_cast<char>(i * 131 % 256);
  REQUIRE(db->set("bin", binary).ok());
  REQUIRE(db->set("mib", mib).ok());
  REQUIRE(db->set(binary, "binary key").ok());
  REQUIRE(db->set("patterned", patterned).ok());
  CHECK(**db->get("bin") == binary);
  CHECK(**db->get("mib") == mib);
  CHECK(**db->get(binary) == "binary key");
  CHECK(**db->get("patterned") == patterned);
  CHECK(*db->strlen("mib") == mib.size());
  REQUIRE(db->set("empty", "").ok());
  CHECK(db->get("empty")->has_value());
  CHECK(**db->get("empty") == "");
  CHECK_FALSE(db->get("missing")->has_value());
}

TEST_CASE("set replaces any type and clears the TTL") {
  auto db = kora::Database::open({.shard_count = 2});
  REQUIRE(db->rpush("l", {"a"}).ok());
  REQUIRE(db->set("l", "v").ok());
  CHECK(db->key_type("l") == "string");
  REQUIRE(db->set_ex("t", "v", 10s).ok());
  REQUIRE(db->set("t", "w").ok());
  CHECK(db->ttl("t")->count() == -1);
}

TEST_CASE("get and getset report WRONGTYPE") {
  auto db = kora::Database::open({.shard_count = 2});
  REQUIRE(db->sadd("s", {"m"}).ok());
  auto g = db->get("s");
  REQUIRE_FALSE(g.ok());
  CHECK(g.code() == kora::Errc::kWrongType);
  CHECK(g.error().message == kWrongType);
  auto gs = db->getset("s", "v");
  REQUIRE_FALSE(gs.ok());
  CHECK(gs.error().message == kWrongType);
  CHECK(db->key_type("s") == "set");  // nothing written
}

TEST_CASE("getset returns the previous value") {
  auto db = kora::Database::open({.shard_count = 2});
  CHECK_FALSE(db->getset("g", "one")->has_value());
  CHECK(**db->getset("g", "two") == "one");
  CHECK(**db->get("g") == "two");
  REQUIRE(db->set_ex("g", "three", 10s).ok());
  CHECK(**db->getset("g", std::string("\0\r\n", 3)) == "three");
  CHECK(db->ttl("g")->count() == -1);  // GETSET clears the TTL, as SET
  CHECK(**db->get("g") == std::string("\0\r\n", 3));
}

TEST_CASE("counters") {
  auto db = kora::Database::open({.shard_count = 2});
  REQUIRE(db->set("counter", "0").ok());
  CHECK(*db->incr("counter") == 1);
  CHECK(*db->incr("counter") == 2);
  CHECK(*db->incrby("counter", 10) == 12);
  CHECK(*db->decr("counter") == 11);
  CHECK(*db->incrby("counter", -20) == -9);
  CHECK(*db->incr("fresh") == 1);
  CHECK(*db->decr("fresh2") == -1);

  REQUIRE(db->set("text", "12a").ok());
  auto r = db->incr("text");
  REQUIRE_FALSE(r.ok());
  CHECK(r.code() == kora::Errc::kNotInteger);
  CHECK(r.error().message == kNotInteger);
  CHECK(db->decr("text").error().message == kNotInteger);
  CHECK(**db->get("text") == "12a");  // unchanged

  REQUIRE(db->set("max", "9223372036854775807").ok());
  CHECK(db->incr("max").error().message == "ERR increment or decrement would overflow");
  REQUIRE(db->set("spaces", " 1").ok());
  CHECK(db->incr("spaces").error().message == kNotInteger);

  REQUIRE(db->hset("h", "f", "1").ok());
  CHECK(db->incr("h").error().message == kWrongType);
  CHECK(db->incrby("h", 2).error().message == kWrongType);

  REQUIRE(db->set_ex("ttl", "5", 10s).ok());
  CHECK(*db->incr("ttl") == 6);
  CHECK(db->ttl("ttl")->count() > 0);  // INCR keeps the TTL
}

TEST_CASE("append and strlen") {
  auto db = kora::Database::open({.shard_count = 2});
  REQUIRE(db->set("greeting", "hello").ok());
  CHECK(*db->append("greeting", " world") == 11);
  CHECK(*db->strlen("greeting") == 11);
  CHECK(**db->get("greeting") == "hello world");
  CHECK(*db->append("new", "\0\0"sv) == 2);
  CHECK(**db->get("new") == "\0\0"sv);
  CHECK(*db->strlen("missing") == 0);
  for (int i = 0; i < 1000; ++i) REQUIRE(db->append("grow", "0123456789").ok());
  CHECK(*db->strlen("grow") == 10000);
  REQUIRE(db->lpush("list", {"x"}).ok());
  CHECK(db->append("list", "x").error().message == kWrongType);
  CHECK(db->strlen("list").error().message == kWrongType);
}

TEST_CASE("mset and mget across shards") {
  auto db = kora::Database::open({.shard_count = 4});
  REQUIRE(db->mset({{"user:1:name", "Augustus"}, {"user:1:city", "Accra"}}).ok());
  auto values = db->mget({"user:1:name", "user:1:city", "missing"});
  REQUIRE(values.size() == 3);
  CHECK(*values[0] == "Augustus");
  CHECK(*values[1] == "Accra");
  CHECK_FALSE(values[2].has_value());

  // Many keys: certainly spread over every shard.
  std::vector<std::string> keys, vals;
  for (int i = 0; i < 200; ++i) {
    keys.push_back("k" + std::to_string(i));
    vals.push_back(std::string("v\0", 2) + std::to_string(i));
  }
  std::vector<kora::StringPair> pairs;
  for (int i = 0; i < 200; ++i) pairs.emplace_back(keys[i], vals[i]);
  REQUIRE(db->mset(pairs).ok());
  std::vector<std::string_view> views(keys.begin(), keys.end());
  views.push_back("absent");
  auto got = db->mget(views);
  REQUIRE(got.size() == 201);
  for (int i = 0; i < 200; ++i) CHECK(*got[i] == vals[i]);
  CHECK_FALSE(got[200].has_value());
  CHECK(db->db_size() == 202);

  // A repeated key keeps its last value; a non-string reads as nil; TTLs cleared.
  REQUIRE(db->set_ex("k1", "old", 10s).ok());
  REQUIRE(db->mset({{"dup", "1"}, {"k1", "x"}, {"dup", "2"}}).ok());
  CHECK(**db->get("dup") == "2");
  CHECK(db->ttl("k1")->count() == -1);
  REQUIRE(db->sadd("set", {"m"}).ok());
  auto mixed = db->mget({"set", "dup", "set"});
  CHECK_FALSE(mixed[0].has_value());
  CHECK(*mixed[1] == "2");
  CHECK_FALSE(mixed[2].has_value());
  REQUIRE(db->mset({{"set", "now a string"}}).ok());
  CHECK(db->key_type("set") == "string");

  CHECK(db->mget(std::span<const std::string_view>()).empty());
  CHECK(db->mset(std::span<const kora::StringPair>()).error().message ==
        "ERR wrong number of arguments for 'mset' command");
}

TEST_CASE("set_ex validates its TTL") {
  auto db = kora::Database::open({.shard_count = 2});
  auto r = db->set_ex("k", "v", 0ms);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "ERR invalid expire time in 'set' command");
  CHECK(db->set_ex("k", "v", -5ms).code() == kora::Errc::kInvalidExpire);
  CHECK(db->set_ex("k", "v", std::chrono::milliseconds::max()).code() == kora::Errc::kInvalidExpire);
  CHECK_FALSE(db->exists("k"));
}
