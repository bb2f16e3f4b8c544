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
