// Strings: get/set, expiring values, counters, batches, utilities.
#include <chrono>
#include <cstdio>
#include <string>

#include "check.h"
#include "kora/embedded/database.h"

using namespace std::chrono_literals;

int main() {
  auto db = kora::Database::open(kora::Config{.shard_count = 4});

  // Basic get/set. Values are byte strings: any content, any length.
  CHECK(db->set("user:1", "Augustus").ok());
  auto val = db->get("user:1");  // Result<std::optional<std::string>>
  CHECK(val.ok() && *val == "Augustus");
  CHECK(!db->get("nobody")->has_value());
  std::string binary("a\0b\r\n", 5);
  CHECK(db->set("blob", binary).ok());
  CHECK(**db->get("blob") == binary);

  // Set with expiration (millisecond precision).
  CHECK(db->set_ex("session:123", "token-xyz", 3600s).ok());
  CHECK(db->ttl("session:123")->count() > 3599000);

  // Atomic counters.
  CHECK(db->set("counter", "0").ok());
  CHECK(*db->incr("counter") == 1);
  CHECK(*db->incr("counter") == 2);
  CHECK(*db->incrby("counter", 10) == 12);
  CHECK(*db->decr("counter") == 11);
  // Errors are values carrying Redis's message.
  auto bad = db->incr("user:1");
  CHECK(!bad.ok());
  std::printf("incr on a name: %s\n", bad.error().message.c_str());

  // Batch operations: atomic across shards.
  CHECK(db->mset({{"user:1:name", "Augustus"}, {"user:1:city", "Accra"}}).ok());
  auto values = db->mget({"user:1:name", "user:1:city", "missing"});
  CHECK(values.size() == 3);
  CHECK(values[0] == "Augustus" && values[1] == "Accra" && !values[2].has_value());

  // String utilities.
  CHECK(db->set("greeting", "hello").ok());
  CHECK(*db->append("greeting", " world") == 11);
  CHECK(*db->strlen("greeting") == 11);
  auto old = db->getset("greeting", "hi");
  CHECK(old.ok() && *old == "hello world");
  CHECK(**db->get("greeting") == "hi");

  std::printf("strings: ok (counter = %s)\n", db->get("counter")->value_or("?").c_str());
  return 0;
}
