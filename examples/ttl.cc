// Key management: existence, deletion, TTLs (millisecond precision), types,
// patterns, size, flush.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "check.h"
#include "kora/embedded/database.h"

using namespace std::chrono_literals;

int main() {
  auto db = kora::Database::open(kora::Config{.shard_count = 4});
  CHECK(db->set("user:1", "Augustus").ok());
  CHECK(db->set("user:2", "Kwame").ok());
  CHECK(db->set("session:123", "token").ok());
  CHECK(db->hset("profile:1", "name", "Augustus").ok());

  CHECK(db->exists("user:1"));
  CHECK(db->del("user:1"));
  CHECK(!db->exists("user:1"));

  // TTL management.
  CHECK(*db->expire("session:123", 3600s));  // expires in 1 hour
  auto ttl = db->ttl("session:123");         // std::optional<milliseconds>
  CHECK(ttl && *ttl > 3599s && *ttl <= 3600s);
  CHECK(db->persist("session:123"));          // remove the TTL
  CHECK(db->ttl("session:123")->count() == -1);
  CHECK(!db->ttl("nope").has_value());

  // Precision: a 150 ms key is there at 50 ms, gone at 250 ms.
  CHECK(db->set_ex("flash", "x", 150ms).ok());
  std::this_thread::sleep_for(50ms);
  CHECK(db->exists("flash"));
  std::this_thread::sleep_for(200ms);
  CHECK(!db->exists("flash"));

  CHECK(db->key_type("profile:1") == "hash");
  CHECK(db->key_type("user:2") == "string");
  CHECK(db->key_type("missing") == "none");

  auto keys = db->keys("user:*");  // every shard
  CHECK(keys.size() == 1 && keys[0] == "user:2");

  std::printf("db_size before flush: %zu\n", db->db_size());
  CHECK(db->db_size() == 3);
  db->flush_db();
  CHECK(db->db_size() == 0);

  std::printf("ttl: ok\n");
  return 0;
}
