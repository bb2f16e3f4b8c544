// Lists: a queue.
#include <cstdio>
#include <string>
#include <vector>

#include "check.h"
#include "kora/embedded/database.h"

int main() {
  auto db = kora::Database::open(kora::Config{.shard_count = 2});

  CHECK(*db->lpush("queue", {"task-1", "task-2"}) == 2);  // task-2 ends at the head
  CHECK(*db->rpush("queue", {"task-3"}) == 3);

  auto tasks = db->lrange("queue", 0, -1);
  CHECK((*tasks == std::vector<std::string>{"task-2", "task-1", "task-3"}));

  CHECK(*db->lpop("queue") == "task-2");
  CHECK(*db->rpop("queue") == "task-3");
  CHECK(*db->llen("queue") == 1);
  CHECK(*db->lindex("queue", 0) == "task-1");
  CHECK(!db->lindex("queue", 5)->has_value());

  CHECK(*db->rpop("queue") == "task-1");
  CHECK(!db->rpop("queue")->has_value());         // empty: nullopt
  CHECK(db->key_type("queue") == "none");          // an emptied list is deleted

  // Anything else: execute() runs any server command.
  CHECK(*db->rpush("queue", {"a", "b", "c"}) == 3);
  kora::Reply r = db->execute({"LTRIM", "queue", "0", "1"});
  CHECK(r.type == kora::Reply::Type::kSimple && r.str == "OK");
  CHECK(*db->llen("queue") == 2);

  std::printf("lists: ok\n");
  return 0;
}
