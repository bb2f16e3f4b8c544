#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "kora/core/db.h"
#include "kora/core/string_ops.h"

using namespace kora::core;

namespace {
std::string key_of(int i) { return "key:" + std::to_string(i); }

void put(Db& db, const std::string& k, const std::string& v) {
  REQUIRE(op_set(db, k, v, {}, 0).ok());
}
}  // namespace

TEST_CASE("SCAN visits every key present for the whole scan while the table grows") {
  Db db;
  for (int i = 0; i < 1000; ++i) put(db, key_of(i), "v");
  std::set<std::string> seen;
  std::uint64_t cursor = 0;
  int added = 1000;
  do {
    cursor = db.scan(cursor, 0, [&](const Entry& e) { seen.emplace(e.key()); });
    // Grow the table mid-scan (to 8x): rehashes start and finish under the cursor.
    for (int j = 0; j < 50 && added < 8000; ++j) put(db, key_of(added++), "v");
  } while (cursor != 0);
  for (int i = 0; i < 1000; ++i) CHECK(seen.count(key_of(i)) == 1);
}

TEST_CASE("SCAN visits every key present for the whole scan while the table shrinks") {
  Db db;
  for (int i = 0; i < 5000; ++i) put(db, key_of(i), "v");
  std::set<std::string> seen;
  std::uint64_t cursor = 0;
  int next_delete = 1000;  // keys 0..999 stay for the whole scan
  do {
    cursor = db.scan(cursor, 0, [&](const Entry& e) { seen.emplace(e.key()); });
    for (int j = 0; j < 200 && next_delete < 5000; ++j) db.erase(key_of(next_delete++));
  } while (cursor != 0);
  for (int i = 0; i < 1000; ++i) CHECK(seen.count(key_of(i)) == 1);
  CHECK(db.size() == 1000);
}

TEST_CASE("a record moves between inline, out-of-line and TTL-carrying layouts") {
  Db db;
  EntryRef ref = db.find_or_create("k", 0, nullptr);
  db.set_string(ref, "short");
  CHECK(ref->str() == "short");
  std::string big(1000, 'x');
  db.set_string(ref, big);
  CHECK(ref->str() == big);
  CHECK(ref->raw_string());
  db.append_string(ref, "yz");
  CHECK(ref->str() == big + "yz");
  db.set_string(ref, "tiny");
  CHECK(ref->str() == "tiny");
  CHECK_FALSE(ref->raw_string());
  db.set_expire(ref, 5000);
  CHECK(ref->expire_at_ms() == 5000);
  CHECK(ref->str() == "tiny");
  CHECK(ref->key() == "k");
  CHECK(db.expires_count() == 1);
  db.set_expire(ref, 6000);  // in place
  CHECK(db.find("k", 0)->expire_at_ms() == 6000);
  db.write_string(ref, 6, "ab");
  CHECK(ref->str() == std::string("tiny\0\0ab", 8));
  db.set_expire(ref, 0);
  CHECK(db.expires_count() == 0);
  CHECK(db.find("k", 0)->str() == std::string("tiny\0\0ab", 8));
  CHECK(static_cast<bool>(db.find("k", 7000)));  // the TTL is gone
}

TEST_CASE("put_copy and move_to carry the value and the TTL") {
  Db a, b;
  SetOptions ex;
  ex.expire_at_ms = 9000;
  REQUIRE(op_set(a, "src", std::string(200, 'q'), ex, 0).ok());
  EntryRef src = a.find("src", 0);
  b.put_copy("copy", *src.entry, 0);
  CHECK(b.find("copy", 0)->str() == std::string(200, 'q'));
  CHECK(b.find("copy", 0)->expire_at_ms() == 9000);
  a.move_to("src", b, "moved", 0);
  CHECK_FALSE(a.find("src", 0));
  CHECK(b.find("moved", 0)->str() == std::string(200, 'q'));
  CHECK(b.expires_count() == 2);
  a.move_to("nothing", b, "x", 0);  // absent source: no-op
  CHECK(b.size() == 2);
}

TEST_CASE("random_key and clear") {
  Db db;
  CHECK_FALSE(db.random_key(0).has_value());
  for (int i = 0; i < 100; ++i) put(db, key_of(i), "v");
  std::set<std::string> picks;
  for (int i = 0; i < 500; ++i) picks.insert(*db.random_key(0));
  CHECK(picks.size() > 50);
  std::size_t bytes = db.memory_bytes();
  CHECK(bytes > 100 * 20);
  db.clear();
  CHECK(db.size() == 0);
  CHECK(db.memory_bytes() == 0);
  put(db, "again", "v");
  CHECK(db.find("again", 0)->str() == "v");
}

TEST_CASE("a 12-byte key with a 32-byte value takes one 56-byte record") {
  Db db;
  for (int i = 0; i < 1000; ++i) {
    char key[13];
    std::snprintf(key, sizeof key, "key:%08d", i);
    put(db, key, std::string(32, 'v'));
  }
  // Records only (the arena's rounded sizes), buckets excluded.
  CHECK(db.memory_bytes() - 1024 * sizeof(void*) == 1000 * 56);
}
