// Thread safety: share one Database between threads.
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "kora/embedded/database.h"

int main() {
  std::shared_ptr<kora::Database> db = kora::Database::open(kora::Config{.shard_count = 4});

  std::vector<std::thread> handles;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    handles.emplace_back([db, t, &ok] {
      for (int i = 0; i < 100; ++i) {
        std::string key = "t" + std::to_string(t) + ":k" + std::to_string(i);
        bool good = db->set(key, "value").ok() && db->get(key)->has_value();
        good = good && db->incr("hits").ok();
        ok[static_cast<std::size_t>(t)] += good;
      }
    });
  }
  for (auto& h : handles) h.join();

  for (int n : ok) CHECK(n == 100);
  CHECK(db->db_size() == 401);
  CHECK(*db->get("hits") == "400");  // every increment counted
  std::printf("threads: ok (%zu keys)\n", db->db_size());
  return 0;
}
