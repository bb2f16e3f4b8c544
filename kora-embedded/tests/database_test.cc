// kora::Database lifetime and execute(): any server command in-process.
#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kora/embedded/database.h"

using namespace std::literals;

TEST_CASE("open picks the shard count") {
  auto one = kora::Database::open({.shard_count = 1});
  CHECK(one->shard_count() == 1);
  auto four = kora::Database::open({.shard_count = 4});
  CHECK(four->shard_count() == 4);
  auto dflt = kora::Database::open();
  CHECK(dflt->shard_count() == std::max(1u, std::thread::hardware_concurrency()));
}

TEST_CASE("execute runs any server command, fanning out across shards") {
  auto db = kora::Database::open({.shard_count = 4});
  auto r = db->execute({"MSET", "a", "1", "b", "2", "c", "3", "d", "4"});
  CHECK(r.type == kora::Reply::Type::kSimple);
  CHECK(r.str == "OK");
  r = db->execute({"MGET", "a", "b", "zz", "d"});
  REQUIRE(r.type == kora::Reply::Type::kArray);
  REQUIRE(r.elements.size() == 4);
  CHECK(r.elements[0].str == "1");
  CHECK(r.elements[2].is_null());
  CHECK(r.elements[3].str == "4");
  CHECK(db->execute({"DEL", "a", "b", "c", "zz"}).integer == 3);
  CHECK(db->db_size() == 1);
  CHECK(*db->mget({"d"})[0] == "4");  // the typed API sees execute()'s writes

  // Commands the typed API does not cover.
  REQUIRE(db->sadd("s1", {"a", "b", "c"}).ok());
  REQUIRE(db->sadd("s2", {"b", "c", "d"}).ok());
  CHECK(db->execute({"SINTERSTORE", "s3", "s1", "s2"}).integer == 2);  // keys on several shards
  CHECK(*db->scard("s3") == 2);
  auto hm = db->execute({"HMGET", "nohash", "f"});
  REQUIRE(hm.elements.size() == 1);
  CHECK(hm.elements[0].is_null());
  REQUIRE(db->rpush("l", {"a", "b", "c"}).ok());
  CHECK(db->execute({"LSET", "l", "1", "B"}).str == "OK");
  CHECK(**db->lindex("l", 1) == "B");

  // Binary arguments survive.
  const std::string bin("\0\r\n", 3);
  CHECK(db->execute({"SET", "bin", bin}).str == "OK");
  CHECK(db->execute({"GET", "bin"}).str == bin);
  CHECK(**db->get("bin") == bin);

  // Errors come back as replies.
  auto unknown = db->execute({"NOSUCH"});
  CHECK(unknown.is_error());
  CHECK(unknown.str.rfind("ERR unknown command 'NOSUCH'", 0) == 0);
  CHECK(db->execute({"GET"}).str == "ERR wrong number of arguments for 'get' command");
  CHECK(db->execute({"INCR", "l"}).str == "WRONGTYPE Operation against a key holding the wrong kind of value");
  CHECK(db->execute(std::span<const std::string_view>()).is_error());

  std::vector<std::string_view> argv{"DBSIZE"};
  CHECK(db->execute(argv).integer == static_cast<std::int64_t>(db->db_size()));
  CHECK(db->execute({"FLUSHDB"}).str == "OK");
  CHECK(db->db_size() == 0);
}

TEST_CASE("a database is independent of another") {
  auto a = kora::Database::open({.shard_count = 2});
  auto b = kora::Database::open({.shard_count = 2});
  REQUIRE(a->set("k", "a").ok());
  CHECK_FALSE(b->exists("k"));
}
