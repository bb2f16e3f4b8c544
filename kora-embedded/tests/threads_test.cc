// Many application threads on one kora::Database: overlapping keys, exact totals.
#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kora/embedded/database.h"

// Catch2 v2 assertions are not thread-safe: threads count failures, the test
// thread checks the counts.
namespace {
constexpr int kThreads = 8;
}  // namespace

TEST_CASE("8 threads hammering overlapping keys keep exact totals") {
  auto db = std::shared_ptr<kora::Database>(kora::Database::open({.shard_count = 4}));
  constexpr int kIters = 2000;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([db, t, &failures] {
      std::string own = "own:" + std::to_string(t);
      for (int i = 0; i < kIters; ++i) {
        // Shared keys on every shard, touched by every thread.
        std::string counter = "counter:" + std::to_string(i % 16);
        if (!db->incr(counter).ok()) ++failures;
        if (!db->hincrby("hash", "field:" + std::to_string(i % 8), 1).ok()) ++failures;
        if (!db->rpush("list", {own}).ok()) ++failures;
        if (!db->sadd("set", {std::to_string(i)}).ok()) ++failures;
        if (!db->append("log", "x").ok()) ++failures;
        // Private keys: what a thread writes it reads back at once.
        std::string key = own + ":" + std::to_string(i);
        if (!db->set(key, key).ok()) ++failures;
        auto got = db->get(key);
        if (!got.ok() || !got->has_value() || **got != key) ++failures;
        if (i % 100 == 0) {
          // Multi-shard calls interleaved with the single-key traffic.
          if (!db->mset({{own + ":m1", "1"}, {own + ":m2", "2"}, {"mshared", own}}).ok()) ++failures;
          auto m = db->mget({own + ":m1", own + ":m2"});
          if (!m[0] || *m[0] != "1" || !m[1] || *m[1] != "2") ++failures;
          (void)db->db_size();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);

  std::int64_t counters = 0;
  for (int c = 0; c < 16; ++c) {
    auto v = db->get("counter:" + std::to_string(c));
    REQUIRE(v->has_value());
    counters += std::stoll(**v);
  }
  CHECK(counters == kThreads * kIters);
  std::int64_t fields = 0;
  auto hash = db->hgetall("hash");
  REQUIRE(hash.ok());
  for (const auto& [field, value] : *hash) fields += std::stoll(value);
  CHECK(fields == kThreads * kIters);
  CHECK(*db->llen("list") == static_cast<std::size_t>(kThreads * kIters));
  CHECK(*db->scard("set") == static_cast<std::size_t>(kIters));
  CHECK(*db->strlen("log") == static_cast<std::size_t>(kThreads * kIters));
  // Each thread's pushes are all in the list, in its own order.
  std::vector<int> per_thread(kThreads, 0);
  auto list = db->lrange("list", 0, -1);
  REQUIRE(list.ok());
  for (const auto& e : *list) per_thread[std::stoi(e.substr(4))]++;
  for (int t = 0; t < kThreads; ++t) CHECK(per_thread[t] == kIters);
  // 16 counters + hash + list + set + log + mshared + per thread (kIters + m1 + m2).
  CHECK(db->db_size() == static_cast<std::size_t>(16 + 5 + kThreads * (kIters + 2)));
}

// mset/mget take their shards on the caller when all are idle and borrow them
// through the workers otherwise; execute() always borrows. Every mix must be
// atomic: a reader sees all keys from one write, never a torn mix.
TEST_CASE("readers see a consistent mset across shards") {
  auto db = std::shared_ptr<kora::Database>(kora::Database::open({.shard_count = 4}));
  const std::size_t key_count = GENERATE(std::size_t{16}, std::size_t{300});  // short and long batches
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < key_count; ++i) keys.push_back("pair:" + std::to_string(i));
  std::vector<std::string_view> views(keys.begin(), keys.end());
  std::vector<std::string_view> mget_argv{"MGET"};
  mget_argv.insert(mget_argv.end(), views.begin(), views.end());
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0}, failures{0}, reads{0};
  std::thread writer([&] {
    for (int round = 0; round < 300; ++round) {
      std::string v = std::to_string(round);
      if (round % 2 == 0) {
        std::vector<kora::StringPair> pairs;
        for (const auto& k : keys) pairs.emplace_back(k, v);
        if (!db->mset(pairs).ok()) ++failures;
      } else {
        std::vector<std::string_view> argv{"MSET"};
        for (const auto& k : keys) {
          argv.push_back(k);
          argv.push_back(v);
        }
        if (db->execute(argv).str != "OK") ++failures;
      }
    }
    stop = true;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      while (!stop) {
        ++reads;
        if (r == 0) {
          kora::Reply got = db->execute(mget_argv);
          for (const auto& g : got.elements) {
            if (g.type != got.elements[0].type || g.str != got.elements[0].str) ++torn;
          }
        } else {
          auto got = db->mget(views);
          for (const auto& g : got) {
            if (g != got[0]) ++torn;  // all absent, or all from one round
          }
        }
      }
    });
  }
  writer.join();
  for (auto& th : readers) th.join();
  CHECK(failures == 0);
  CHECK(torn == 0);
  CHECK(reads > 0);
  CHECK(**db->get("pair:0") == "299");
}

TEST_CASE("counters from many threads through execute and the typed API agree") {
  auto db = std::shared_ptr<kora::Database>(kora::Database::open({.shard_count = 2}));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([db, t, &failures] {
      for (int i = 0; i < 500; ++i) {
        if (t % 2 == 0) {
          if (!db->incr("n").ok()) ++failures;
        } else if (db->execute({"INCR", "n"}).type != kora::Reply::Type::kInteger) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(**db->get("n") == std::to_string(kThreads * 500));
}
