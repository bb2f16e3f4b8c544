// Uses kora-embedded alone, as an outside project would after find_package(kora):
// every call of kora::Database, from 4 threads at once, each on its own keys
// plus shared counters; then exact totals. Exits 1 on any mismatch.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kora/embedded/database.h"

using namespace std::chrono_literals;

namespace {

std::atomic<int> failures{0};
std::mutex print_mu;

void expect(bool ok, const char* what, int thread) {
  if (ok) return;
  ++failures;
  std::lock_guard lock(print_mu);
  std::fprintf(stderr, "thread %d: check failed: %s\n", thread, what);
}

#define EXPECT(cond) expect((cond), #cond, t)

void exercise(kora::Database& db, int t) {
  const std::string p = "t" + std::to_string(t) + ":";
  const std::string bin = std::string("\0\r\n", 3) + std::to_string(t);
  const std::string wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value";

  for (int round = 0; round < 50; ++round) {
    // strings
    EXPECT(db.set(p + "s", bin).ok());
    EXPECT(db.get(p + "s").ok() && *db.get(p + "s") == bin);
    EXPECT(!db.get(p + "missing")->has_value());
    EXPECT(db.set_ex(p + "ex", "v", 60s).ok());
    EXPECT(!db.set_ex(p + "ex", "v", 0ms).ok());
    EXPECT(db.set(p + "n", "10").ok());
    EXPECT(*db.incr(p + "n") == 11);
    EXPECT(*db.incrby(p + "n", 9) == 20);
    EXPECT(*db.decr(p + "n") == 19);
    EXPECT(db.incr(p + "s").error().message == "ERR value is not an integer or out of range");
    EXPECT(db.set(p + "a", "ab").ok());
    EXPECT(*db.append(p + "a", "cd") == 4);
    EXPECT(*db.strlen(p + "a") == 4);
    EXPECT(*db.getset(p + "a", "x") == "abcd");
    EXPECT(db.mset({{p + "m1", "1"}, {p + "m2", "2"}, {p + "m3", bin}}).ok());
    auto m = db.mget({p + "m1", p + "m2", p + "m3", p + "none"});
    EXPECT(m.size() == 4 && m[0] == "1" && m[1] == "2" && m[2] == bin && !m[3]);

    // keys
    EXPECT(db.exists(p + "s"));
    EXPECT(*db.expire(p + "s", 60s));
    auto ttl = db.ttl(p + "s");
    EXPECT(ttl && *ttl > 59s && *ttl <= 60s);
    EXPECT(db.persist(p + "s"));
    EXPECT(db.ttl(p + "s")->count() == -1);
    EXPECT(db.key_type(p + "s") == "string");
    EXPECT(db.del(p + "s"));
    EXPECT(!db.exists(p + "s"));
    auto mine = db.keys(p + "m?");
    EXPECT(mine.size() == 3);
    EXPECT(db.db_size() > 0);

    // hashes
    EXPECT(*db.hset(p + "h", "name", "Augustus"));
    EXPECT(*db.hset(p + "h", {{"city", "Accra"}, {"views", "100"}}) == 2);
    EXPECT(*db.hget(p + "h", "city") == "Accra");
    EXPECT(*db.hexists(p + "h", "name"));
    EXPECT(*db.hlen(p + "h") == 3);
    EXPECT(db.hgetall(p + "h")->size() == 3);
    EXPECT(*db.hincrby(p + "h", "views", 5) == 105);
    EXPECT(*db.hdel(p + "h", {"name", "city", "views"}) == 3);
    EXPECT(db.key_type(p + "h") == "none");
    EXPECT(db.hget(p + "n", "f").error().message == wrongtype);

    // lists
    EXPECT(*db.lpush(p + "l", {"task-1", "task-2"}) == 2);
    EXPECT(*db.rpush(p + "l", {"task-3"}) == 3);
    EXPECT((*db.lrange(p + "l", 0, -1) == std::vector<std::string>{"task-2", "task-1", "task-3"}));
    EXPECT(*db.lindex(p + "l", 1) == "task-1");
    EXPECT(*db.lpop(p + "l") == "task-2");
    EXPECT(*db.rpop(p + "l") == "task-3");
    EXPECT(*db.llen(p + "l") == 1);
    EXPECT(*db.rpop(p + "l") == "task-1");
    EXPECT(db.lpush(p + "n", {"x"}).error().message == wrongtype);

    // sets
    EXPECT(*db.sadd(p + "z", {"rust", "cache", "rust"}) == 2);
    EXPECT(*db.sismember(p + "z", "cache"));
    EXPECT(*db.scard(p + "z") == 2);
    EXPECT(db.smembers(p + "z")->size() == 2);
    EXPECT(*db.srem(p + "z", {"rust", "cache"}) == 2);
    EXPECT(db.sadd(p + "n", {"x"}).error().message == wrongtype);

    // shared keys, touched by every thread
    EXPECT(db.incr("shared:counter").ok());
    EXPECT(db.hincrby("shared:hash", "f", 1).ok());
    EXPECT(db.rpush("shared:list", {p}).ok());
    EXPECT(db.sadd("shared:set", {std::to_string(round)}).ok());

    // the generic path
    kora::Reply r = db.execute({"INCRBY", "shared:counter", "0"});
    EXPECT(r.type == kora::Reply::Type::kInteger);
  }
}

}  // namespace

int main() {
  std::shared_ptr<kora::Database> db = kora::Database::open(kora::Config{.shard_count = 4});
  auto listener = db->start_listener("127.0.0.1:0");
  if (!listener.ok() || (*listener)->port() == 0) {
    std::fprintf(stderr, "start_listener failed\n");
    return 1;
  }

  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([db, t] { exercise(*db, t); });
  for (auto& th : threads) th.join();

  int t = -1;  // for EXPECT: the main thread
  EXPECT(*db->get("shared:counter") == "200");
  EXPECT(*db->hget("shared:hash", "f") == "200");
  EXPECT(*db->llen("shared:list") == 200);
  EXPECT(*db->scard("shared:set") == 50);
  db->flush_db();
  EXPECT(db->db_size() == 0);
  (*listener)->stop();

  if (failures != 0) {
    std::fprintf(stderr, "embedded_only: %d failures\n", failures.load());
    return 1;
  }
  std::printf("embedded_only: every call from 4 threads ok\n");
  return 0;
}
