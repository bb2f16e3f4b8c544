// Hybrid mode: the embedded API and RESP clients over TCP share one keyspace.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kora/embedded/database.h"
#include "resp_client.h"

using kora::test::RespClient;
using namespace std::literals;

TEST_CASE("writes through the embedded API are read over TCP and vice versa") {
  auto db = kora::Database::open({.shard_count = 2});
  auto listener = db->start_listener("127.0.0.1:0");
  REQUIRE(listener.ok());
  std::uint16_t port = (*listener)->port();
  REQUIRE(port != 0);
  RespClient client(port);
  REQUIRE(client.connected());

  // Embedded -> TCP, with binary and large values.
  const std::string bin("v\0\r\n$3\r\n", 8), mib(1 << 20, 'm');
  REQUIRE(db->set("key", "works from both paths").ok());
  REQUIRE(db->set("bin", bin).ok());
  REQUIRE(db->set("mib", mib).ok());
  REQUIRE(db->hset("h", "f", "v").ok());
  REQUIRE(db->rpush("l", {"a", "b"}).ok());
  REQUIRE(db->sadd("s", {"x"}).ok());
  REQUIRE(db->set_ex("t", "v", 5000ms).ok());
  CHECK(client.command({"GET", "key"}).str == "works from both paths");
  CHECK(client.command({"GET", "bin"}).str == bin);
  CHECK(client.command({"GET", "mib"}).str == mib);
  CHECK(client.command({"HGET", "h", "f"}).str == "v");
  auto range = client.command({"LRANGE", "l", "0", "-1"});
  REQUIRE(range.elements.size() == 2);
  CHECK(range.elements[1].str == "b");
  CHECK(client.command({"SISMEMBER", "s", "x"}).integer == 1);
  auto pttl = client.command({"PTTL", "t"}).integer;
  CHECK(pttl > 4000);
  CHECK(pttl <= 5000);
  CHECK(client.command({"DBSIZE"}).integer == 7);
  CHECK(client.command({"GET", "missing"}).nil);

  // TCP -> embedded.
  CHECK(client.command({"SET", "from-tcp", bin}).str == "OK");
  CHECK(**db->get("from-tcp") == bin);
  CHECK(client.command({"INCRBY", "n", "41"}).integer == 41);
  CHECK(*db->incr("n") == 42);
  CHECK(client.command({"GET", "n"}).str == "42");
  CHECK(client.command({"MSET", "a", "1", "b", "2", "c", "3"}).str == "OK");
  auto m = db->mget({"a", "b", "c"});
  CHECK((*m[0] == "1" && *m[1] == "2" && *m[2] == "3"));
  CHECK(client.command({"LPUSH", "q", "t1", "t2"}).integer == 2);
  CHECK(**db->lpop("q") == "t2");
  CHECK(client.command({"HINCRBY", "h", "n", "5"}).integer == 5);
  CHECK(*db->hincrby("h", "n", 1) == 6);
  CHECK(client.command({"PEXPIRE", "a", "100000"}).integer == 1);
  CHECK(db->ttl("a")->count() > 99000);
  CHECK(client.command({"DEL", "a"}).integer == 1);
  CHECK_FALSE(db->exists("a"));

  // Errors travel both ways with the same text.
  CHECK(client.command({"INCR", "h"}).str == "WRONGTYPE Operation against a key holding the wrong kind of value");
  CHECK(db->incr("h").error().message == "WRONGTYPE Operation against a key holding the wrong kind of value");

  db->flush_db();
  CHECK(client.command({"DBSIZE"}).integer == 0);
}

TEST_CASE("embedded threads and TCP clients write the same counter at once") {
  auto db = std::shared_ptr<kora::Database>(kora::Database::open({.shard_count = 2}));
  auto listener = db->start_listener("127.0.0.1:0");
  REQUIRE(listener.ok());
  std::uint16_t port = (*listener)->port();
  constexpr int kPerThread = 2000;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([db, &failures] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!db->incr("shared").ok()) ++failures;
        if (!db->rpush("events", {"embedded"}).ok()) ++failures;
      }
    });
    threads.emplace_back([port, &failures] {
      RespClient c(port);
      if (!c.connected()) {
        failures += kPerThread;
        return;
      }
      for (int i = 0; i < kPerThread; ++i) {
        if (c.command({"INCR", "shared"}).type != ':') ++failures;
        if (c.command({"RPUSH", "events", "tcp"}).type != ':') ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(**db->get("shared") == std::to_string(4 * kPerThread));
  auto events = *db->lrange("events", 0, -1);
  CHECK(events.size() == 4u * kPerThread);
  CHECK(std::count(events.begin(), events.end(), "tcp") == 2 * kPerThread);
}

TEST_CASE("listeners start, report their port and stop in any order") {
  auto db = kora::Database::open({.shard_count = 2});
  auto first = db->start_listener("127.0.0.1:0");
  REQUIRE(first.ok());
  std::uint16_t port = (*first)->port();
  CHECK(port != 0);

  auto clash = db->start_listener("127.0.0.1:" + std::to_string(port));
  // SO_REUSEPORT lets a second listener share the port; either way no crash.
  if (clash.ok()) (*clash)->stop();

  CHECK(db->start_listener("127.0.0.1:notaport").code() == kora::Errc::kSyntax);
  CHECK(db->start_listener("no-colon").code() == kora::Errc::kSyntax);
  CHECK(db->start_listener("127.0.0.1:70000").code() == kora::Errc::kSyntax);
  CHECK_FALSE(db->start_listener("203.0.113.1:0").ok());  // not a local address

  (*first)->stop();
  CHECK((*first)->port() == 0);
  (*first)->stop();  // idempotent
  RespClient refused(port);
  CHECK_FALSE(refused.connected());

  auto second = db->start_listener("127.0.0.1:0");
  REQUIRE(second.ok());
  db.reset();  // stops the listener first
  CHECK((*second)->port() == 0);
  (*second)->stop();
}

// Server::stop() must touch each worker's I/O objects on that worker: a
// listener stopped while clients connect, or right after it started, must
// neither crash nor leave the database unusable.
TEST_CASE("a listener stopped while clients connect") {
  auto db = kora::Database::open({.shard_count = 2});
  for (int i = 0; i < 100; ++i) {
    auto listener = db->start_listener("127.0.0.1:0");
    REQUIRE(listener.ok());
    std::uint16_t port = (*listener)->port();
    std::atomic<bool> done{false};
    std::thread connector([&] {
      while (!done) {
        RespClient c(port);
        if (c.connected()) (void)c.command({"PING"});
      }
    });
    std::this_thread::sleep_for(std::chrono::microseconds(200 * (i % 5)));
    (*listener)->stop();
    done = true;
    connector.join();
  }
  REQUIRE(db->set("k", "still serving").ok());
  CHECK(**db->get("k") == "still serving");
}
