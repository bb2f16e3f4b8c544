// Typed calls run through the server's execution wrapper: they are counted,
// they wake blocked clients, and a blocking execute() waits on the caller.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "kora/embedded/database.h"

using namespace std::chrono_literals;

namespace {

// The INFO commandstats line of `command`, or "" when it has none.
std::string cmdstat(kora::Database& db, const std::string& command) {
  kora::Reply r = db.execute({"INFO", "commandstats"});
  const std::string key = "cmdstat_" + command + ":";
  auto at = r.str.find(key);
  if (at == std::string::npos) return "";
  return r.str.substr(at + key.size(), r.str.find("\r\n", at) - at - key.size());
}

}  // namespace

TEST_CASE("typed calls are counted under their command") {
  auto db = kora::Database::open({.shard_count = 2});
  REQUIRE(db->execute({"CONFIG", "RESETSTAT"}).type != kora::Reply::Type::kError);
  for (int i = 0; i < 5; ++i) REQUIRE(db->set("k" + std::to_string(i), "v").ok());
  REQUIRE(db->get("k1")->has_value());
  REQUIRE(db->rpush("l", {"a"}).ok());
  CHECK_FALSE(db->incr("l").ok());  // WRONGTYPE: a failed call
  CHECK(cmdstat(*db, "set").rfind("calls=5,", 0) == 0);
  CHECK(cmdstat(*db, "get").rfind("calls=1,", 0) == 0);
  CHECK(cmdstat(*db, "incrby").find("failed_calls=1") != std::string::npos);
  kora::Reply errors = db->execute({"INFO", "errorstats"});
  CHECK(errors.str.find("errorstat_WRONGTYPE:count=1") != std::string::npos);
}

TEST_CASE("a typed push serves a client blocked in execute(BLPOP)") {
  auto db = kora::Database::open({.shard_count = 2});
  auto blocked = std::async(std::launch::async, [&] { return db->execute({"BLPOP", "queue", "5"}); });
  // Let it block (if the push came first, BLPOP would just find the job: the
  // checks below hold either way).
  std::this_thread::sleep_for(50ms);
  REQUIRE(db->rpush("queue", {"job"}).ok());
  REQUIRE(blocked.wait_for(5s) == std::future_status::ready);
  kora::Reply r = blocked.get();
  REQUIRE(r.elements.size() == 2);
  CHECK(r.elements[0].str == "queue");
  CHECK(r.elements[1].str == "job");
  CHECK(*db->llen("queue") == 0);  // delivered to exactly one waiter, not left behind
}

TEST_CASE("a blocking execute() times out with a null reply") {
  auto db = kora::Database::open({.shard_count = 1});
  auto start = std::chrono::steady_clock::now();
  kora::Reply r = db->execute({"BRPOP", "nothing", "0.05"});
  CHECK(r.type == kora::Reply::Type::kNull);
  CHECK(std::chrono::steady_clock::now() - start >= 50ms);
}

TEST_CASE("execute() serves sorted sets: ranges, algebra across shards, BZPOPMIN woken by ZADD") {
  auto db = kora::Database::open({.shard_count = 2});
  CHECK(db->execute({"ZADD", "z1", "1", "a", "2", "b", "3", "c"}).integer == 3);
  CHECK(db->execute({"ZADD", "z2", "10", "b", "20", "d"}).integer == 2);
  kora::Reply range = db->execute({"ZRANGE", "z1", "(1", "+inf", "BYSCORE", "WITHSCORES"});
  REQUIRE(range.elements.size() == 4);
  CHECK(range.elements[0].str == "b");
  CHECK(range.elements[1].str == "2");
  // z1, z2 and the destination may live on different shards.
  CHECK(db->execute({"ZUNIONSTORE", "zu", "2", "z1", "z2", "WEIGHTS", "1", "2"}).integer == 4);
  CHECK(db->execute({"ZSCORE", "zu", "b"}).str == "22");
  CHECK(db->execute({"OBJECT", "ENCODING", "zu"}).str == "listpack");
  CHECK(db->execute({"TYPE", "zu"}).str == "zset");

  auto blocked = std::async(std::launch::async, [&] { return db->execute({"BZPOPMIN", "zq", "5"}); });
  std::this_thread::sleep_for(50ms);
  CHECK(db->execute({"ZADD", "zq", "7", "job"}).integer == 1);
  REQUIRE(blocked.wait_for(5s) == std::future_status::ready);
  kora::Reply r = blocked.get();
  REQUIRE(r.elements.size() == 3);
  CHECK(r.elements[0].str == "zq");
  CHECK(r.elements[1].str == "job");
  CHECK(r.elements[2].str == "7");
  CHECK(db->execute({"EXISTS", "zq"}).integer == 0);
}
