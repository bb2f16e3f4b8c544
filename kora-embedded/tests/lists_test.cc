// The list family of kora::Database.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "kora/embedded/database.h"

using namespace std::literals;
using Strings = std::vector<std::string>;

namespace {
const std::string kWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
}  // namespace

TEST_CASE("the seed's queue") {
  auto db = kora::Database::open({.shard_count = 2});
  CHECK(*db->lpush("queue", {"task-1", "task-2"}) == 2);
  CHECK(*db->rpush("queue", {"task-3"}) == 3);
  CHECK(*db->lrange("queue", 0, -1) == Strings{"task-2", "task-1", "task-3"});
  CHECK(**db->lpop("queue") == "task-2");
  CHECK(**db->rpop("queue") == "task-3");
  CHECK(*db->llen("queue") == 1);
  CHECK(**db->lindex("queue", 0) == "task-1");
  CHECK(**db->lindex("queue", -1) == "task-1");
  CHECK_FALSE(db->lindex("queue", 1)->has_value());
  CHECK(**db->rpop("queue") == "task-1");
  CHECK(db->key_type("queue") == "none");  // emptied list is deleted
  CHECK_FALSE(db->lpop("queue")->has_value());
  CHECK_FALSE(db->rpop("queue")->has_value());
  CHECK(*db->llen("queue") == 0);
  CHECK(db->lrange("queue", 0, -1)->empty());
  CHECK_FALSE(db->lindex("queue", 0)->has_value());
}

TEST_CASE("lrange clamps like Redis") {
  auto db = kora::Database::open({.shard_count = 2});
  std::vector<std::string> items;
  for (int i = 0; i < 10; ++i) items.push_back(std::to_string(i));
  std::vector<std::string_view> views(items.begin(), items.end());
  CHECK(*db->rpush("l", views) == 10);
  CHECK(*db->lrange("l", 0, 2) == Strings{"0", "1", "2"});
  CHECK(*db->lrange("l", -3, -1) == Strings{"7", "8", "9"});
  CHECK(*db->lrange("l", -100, 1) == Strings{"0", "1"});
  CHECK(*db->lrange("l", 8, 100) == Strings{"8", "9"});
  CHECK(db->lrange("l", 5, 2)->empty());
  CHECK(db->lrange("l", 10, 20)->empty());
  CHECK(**db->lindex("l", 5) == "5");
  CHECK(**db->lindex("l", -10) == "0");
  CHECK_FALSE(db->lindex("l", -11)->has_value());
}

TEST_CASE("list elements of any content and a long list") {
  auto db = kora::Database::open({.shard_count = 2});
  const std::string bin("\0\r\n\0", 4), mib(1 << 20, 'q');
  CHECK(*db->rpush("b", {bin, mib, ""}) == 3);
  CHECK(*db->lrange("b", 0, -1) == Strings{bin, mib, ""});
  CHECK(**db->lpop("b") == bin);
  CHECK(**db->lpop("b") == mib);
  CHECK(**db->lpop("b") == "");
  for (int i = 0; i < 5000; ++i) REQUIRE(db->rpush("long", {std::to_string(i)}).ok());
  CHECK(*db->llen("long") == 5000);
  CHECK(**db->lindex("long", 2500) == "2500");
  CHECK(db->lrange("long", 0, -1)->size() == 5000);
  CHECK(db->lpush("long", std::span<const std::string_view>()).code() == kora::Errc::kWrongArity);
  CHECK(db->rpush("long", std::span<const std::string_view>()).error().message ==
        "ERR wrong number of arguments for 'rpush' command");
}

TEST_CASE("every list call reports WRONGTYPE") {
  auto db = kora::Database::open({.shard_count = 2});
  REQUIRE(db->hset("h", "f", "v").ok());
  CHECK(db->lpush("h", {"a"}).error().message == kWrongType);
  CHECK(db->rpush("h", {"a"}).error().message == kWrongType);
  CHECK(db->lrange("h", 0, -1).error().message == kWrongType);
  CHECK(db->lpop("h").error().message == kWrongType);
  CHECK(db->rpop("h").error().message == kWrongType);
  CHECK(db->llen("h").error().message == kWrongType);
  CHECK(db->lindex("h", 0).error().message == kWrongType);
  CHECK(*db->hlen("h") == 1);
}
