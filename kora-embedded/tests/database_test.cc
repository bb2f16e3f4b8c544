#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kora/embedded/database.h"

using namespace std::chrono_literals;

TEST_CASE("strings round-trip values of any length and content") {
  auto db = kora::Database::open({.shard_count = 3});
  std::string binary("a\0b\r\nc", 6);
  std::string large(100000, 'x');
  REQUIRE(db->set("bin", binary).ok());
  REQUIRE(db->set("large", large).ok());
  CHECK(**db->get("bin") == binary);
  CHECK(**db->get("large") == large);
  CHECK_FALSE(db->get("missing")->has_value());
  CHECK(*db->incr("n") == 1);
  CHECK(*db->incrby("n", 41) == 42);
  CHECK(*db->decr("n") == 41);
  CHECK(db->incr("bin").error().message == "ERR value is not an integer or out of range");
  CHECK(*db->append("s", "ab") == 2);
  CHECK(*db->strlen("s") == 2);
}

TEST_CASE("keys and TTLs keep millisecond precision") {
  auto db = kora::Database::open({.shard_count = 2});
  REQUIRE(db->set_ex("session", "tok", 1500ms).ok());
  auto ttl = db->ttl("session");
  REQUIRE(ttl.has_value());
  CHECK(ttl->count() > 1000);
  CHECK(ttl->count() <= 1500);
  CHECK(db->persist("session"));
  CHECK(db->ttl("session")->count() == -1);
  CHECK_FALSE(db->ttl("nope").has_value());
  CHECK(db->expire("session", 20ms));
  std::this_thread::sleep_for(40ms);
  CHECK_FALSE(db->exists("session"));
  CHECK_FALSE(db->set_ex("k", "v", 0ms).ok());
  CHECK(db->key_type("nope") == "none");
}

TEST_CASE("execute runs any server command, fanning out across shards") {
  auto db = kora::Database::open({.shard_count = 4});
  auto r = db->execute({"MSET", "a", "1", "b", "2", "c", "3", "d", "4"});
  CHECK(r.type == kora::Reply::Type::kSimple);
  r = db->execute({"MGET", "a", "b", "zz", "d"});
  REQUIRE(r.elements.size() == 4);
  CHECK(r.elements[0].str == "1");
  CHECK(r.elements[2].is_null());
  CHECK(r.elements[3].str == "4");
  CHECK(db->execute({"DEL", "a", "b", "c", "zz"}).integer == 3);
  CHECK(db->execute({"NOSUCH"}).is_error());
  CHECK(db->db_size() == 1);
  db->flush_db();
  CHECK(db->db_size() == 0);
}

TEST_CASE("many threads call at once") {
  auto db = std::shared_ptr<kora::Database>(kora::Database::open({.shard_count = 4}));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([db, t] {
      for (int i = 0; i < 1000; ++i) {
        std::string key = "t" + std::to_string(t) + ":" + std::to_string(i);
        REQUIRE(db->set(key, key).ok());
        REQUIRE(**db->get(key) == key);
        REQUIRE(db->incr("shared").ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(db->db_size() == 8001);
  CHECK(**db->get("shared") == "8000");
}

TEST_CASE("a listener and its database may be destroyed in either order") {
  auto db = kora::Database::open({.shard_count = 2});
  auto listener = db->start_listener("127.0.0.1:0");
  REQUIRE(listener.ok());
  CHECK((*listener)->port() != 0);
  CHECK_FALSE(db->start_listener("127.0.0.1:notaport").ok());
  db.reset();  // stops the listener first
  (*listener)->stop();
}
