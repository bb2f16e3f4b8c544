// Hashes: fields of one key.
#include <cstdio>
#include <string>
#include <vector>

#include "check.h"
#include "kora/embedded/database.h"

int main() {
  auto db = kora::Database::open(kora::Config{.shard_count = 2});

  CHECK(*db->hset("profile:1", "name", "Augustus"));  // true: a new field
  CHECK(*db->hset("profile:1", "city", "Accra"));
  CHECK(*db->hset("profile:1", "age", "30"));

  CHECK(*db->hget("profile:1", "name") == "Augustus");
  CHECK(!*db->hexists("profile:1", "email"));
  CHECK(*db->hlen("profile:1") == 3);

  auto all = db->hgetall("profile:1");  // small hashes keep insertion order
  CHECK(all.ok());
  CHECK((*all == std::vector<kora::OwnedPair>{{"name", "Augustus"}, {"city", "Accra"}, {"age", "30"}}));
  for (const auto& [field, value] : *all) std::printf("  %s = %s\n", field.c_str(), value.c_str());

  CHECK(*db->hdel("profile:1", {"age"}) == 1);
  CHECK(*db->hset("profile:1", {{"email", "a@example.com"}, {"city", "Kumasi"}}) == 1);

  // Atomic increment.
  CHECK(db->hset("stats:1", "views", "100").ok());
  CHECK(*db->hincrby("stats:1", "views", 5) == 105);
  CHECK(db->hincrby("profile:1", "name", 1).error().message == "ERR hash value is not an integer");
  CHECK(db->hget("stats:1", "views").ok());
  CHECK(db->hlen("stats:1").ok());

  // A hash command on a string key: WRONGTYPE, as a value.
  CHECK(db->set("plain", "v").ok());
  CHECK(db->hget("plain", "f").code() == kora::Errc::kWrongType);

  std::printf("hashes: ok\n");
  return 0;
}
