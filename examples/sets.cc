// Sets: unordered unique members.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "check.h"
#include "kora/embedded/database.h"

int main() {
  auto db = kora::Database::open(kora::Config{.shard_count = 2});

  CHECK(*db->sadd("tags", {"rust", "cache", "rust"}) == 2);  // deduplicated
  CHECK(*db->sismember("tags", "rust"));
  CHECK(*db->scard("tags") == 2);

  auto members = *db->smembers("tags");  // order not guaranteed
  std::sort(members.begin(), members.end());
  CHECK((members == std::vector<std::string>{"cache", "rust"}));

  CHECK(*db->srem("tags", {"cache"}) == 1);
  CHECK(!*db->sismember("tags", "cache"));

  // Set algebra across shards through execute(): atomic.
  CHECK(db->sadd("langs:a", {"c", "cpp", "rust"}).ok());
  CHECK(db->sadd("langs:b", {"rust", "go"}).ok());
  kora::Reply inter = db->execute({"SINTER", "langs:a", "langs:b"});
  CHECK(inter.elements.size() == 1 && inter.elements[0].str == "rust");

  std::printf("sets: ok\n");
  return 0;
}
