#include "kora/pubsub/broker.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using kora::pubsub::Broker;
using kora::pubsub::Delivery;
using kora::pubsub::Directory;
using kora::pubsub::Kind;
using kora::pubsub::Subscriber;

namespace {

// Workers simulated by per-worker task queues that the test drains by hand:
// shows exactly which worker each delivery runs on, and when.
struct Queues {
  explicit Queues(std::size_t n) : tasks(n) {}
  std::vector<std::deque<std::function<void()>>> tasks;
  Broker::Post post() {
    return [this](std::size_t w, std::function<void()> t) { tasks[w].push_back(std::move(t)); };
  }
  std::size_t run(std::size_t w) {
    std::size_t n = 0;
    while (!tasks[w].empty()) {
      auto t = std::move(tasks[w].front());
      tasks[w].pop_front();
      t();
      ++n;
    }
    return n;
  }
};

struct Recorder : Subscriber {
  std::vector<std::string> got;
  void deliver(const Delivery& d) override {
    std::string s = d.kind == Kind::kChannel ? "message" : d.kind == Kind::kPattern ? "pmessage" : "smessage";
    if (d.kind == Kind::kPattern) s += " " + std::string(d.pattern);
    s += " " + std::string(d.channel) + " " + std::string(d.payload);
    got.push_back(s);
  }
};

}  // namespace

TEST_CASE("directory counts subscribers per worker and routes", "[pubsub][broker]") {
  Directory dir(3);
  std::vector<unsigned char> workers;
  CHECK(dir.route("news", false, workers) == 0);
  CHECK(workers == std::vector<unsigned char>{0, 0, 0});
  dir.add(Kind::kChannel, "news", 0);
  dir.add(Kind::kChannel, "news", 2);
  dir.add(Kind::kChannel, "news", 2);
  dir.add(Kind::kPattern, "n*", 1);
  dir.add(Kind::kShardChannel, "news", 1);
  CHECK(dir.route("news", false, workers) == 4);
  CHECK(workers == std::vector<unsigned char>{1, 1, 1});
  CHECK(dir.route("nope", false, workers) == 1);  // the pattern
  CHECK(workers == std::vector<unsigned char>{0, 1, 0});
  // Shard channels: their own namespace, no patterns.
  CHECK(dir.route("news", true, workers) == 1);
  CHECK(workers == std::vector<unsigned char>{0, 1, 0});
  CHECK(dir.numsub("news", false) == 3);
  CHECK(dir.numsub("news", true) == 1);
  CHECK(dir.numpat() == 1);
  CHECK(dir.channels(std::nullopt, false) == std::vector<std::string>{"news"});
  CHECK(dir.channels(std::string_view("x*"), false).empty());
  dir.remove(Kind::kChannel, "news", 2);
  dir.remove(Kind::kChannel, "news", 2);
  dir.remove(Kind::kChannel, "news", 2);  // more removals than adds: ignored
  CHECK(dir.numsub("news", false) == 1);
  dir.remove(Kind::kChannel, "news", 0);
  CHECK(dir.numsub("news", false) == 0);
  CHECK(dir.channels(std::nullopt, false).empty());
}

TEST_CASE("publish counts receivers and fans out on the subscribers' workers", "[pubsub][broker]") {
  Queues q(2);
  Broker b(2, q.post());
  Recorder a, c;
  b.attach(0, 1, &a);
  b.attach(1, 2, &c);
  CHECK(b.subscribe(0, 1, Kind::kChannel, "news"));
  CHECK_FALSE(b.subscribe(0, 1, Kind::kChannel, "news"));
  CHECK(b.subscribe(0, 1, Kind::kPattern, "n*"));
  CHECK(b.subscribe(1, 2, Kind::kChannel, "news"));
  CHECK(b.subscriptions(0, 1) == 2);
  // One delivery per matching subscription, as Redis: 2 to a, 1 to c.
  CHECK(b.publish("news", "hi") == 3);
  // Nothing ran on the publisher's thread: one task per receiving worker.
  CHECK(a.got.empty());
  CHECK(q.tasks[0].size() == 1);
  CHECK(q.tasks[1].size() == 1);
  q.run(0);
  q.run(1);
  CHECK(a.got == std::vector<std::string>{"message news hi", "pmessage n* news hi"});
  CHECK(c.got == std::vector<std::string>{"message news hi"});
  // No receiver: no task at all.
  CHECK(b.publish("other", "x") == 0);
  CHECK(q.tasks[0].empty());
  CHECK(q.tasks[1].empty());
}

TEST_CASE("messages of one publisher arrive in publish order", "[pubsub][broker]") {
  Queues q(1);
  Broker b(1, q.post());
  Recorder a;
  b.attach(0, 7, &a);
  b.subscribe(0, 7, Kind::kChannel, "c");
  for (int i = 0; i < 100; ++i) CHECK(b.publish("c", std::to_string(i)) == 1);
  q.run(0);
  REQUIRE(a.got.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(a.got[static_cast<std::size_t>(i)] == "message c " + std::to_string(i));
}

TEST_CASE("unsubscribe, unsubscribe_all and detach keep the directory exact", "[pubsub][broker]") {
  Queues q(2);
  Broker b(2, q.post());
  Recorder a;
  b.attach(1, 3, &a);
  b.subscribe(1, 3, Kind::kChannel, "b");
  b.subscribe(1, 3, Kind::kChannel, "a");
  b.subscribe(1, 3, Kind::kPattern, "p*");
  b.subscribe(1, 3, Kind::kShardChannel, "s");
  CHECK(b.shard_subscriptions(1, 3) == 1);
  CHECK(b.unsubscribe(1, 3, Kind::kChannel, "b"));
  CHECK_FALSE(b.unsubscribe(1, 3, Kind::kChannel, "b"));
  CHECK(b.unsubscribe_all(1, 3, Kind::kChannel) == std::vector<std::string>{"a"});
  CHECK(b.directory().numsub("a", false) == 0);
  CHECK(b.directory().numpat() == 1);
  b.detach(1, 3);
  CHECK(b.directory().numpat() == 0);
  CHECK(b.directory().numsub("s", true) == 0);
  CHECK(b.publish("pq", "x") == 0);
  b.detach(1, 3);  // idempotent
}

TEST_CASE("a delivery for a subscriber that left meanwhile is dropped", "[pubsub][broker]") {
  Queues q(1);
  Broker b(1, q.post());
  Recorder a;
  b.attach(0, 1, &a);
  b.subscribe(0, 1, Kind::kChannel, "c");
  CHECK(b.publish("c", "x") == 1);
  b.detach(0, 1);  // before the worker ran the delivery
  q.run(0);
  CHECK(a.got.empty());
}

TEST_CASE("publishers on several threads: every message reaches its subscribers", "[pubsub][broker]") {
  // Real threads: 2 "workers" draining their queues, 2 publishers.
  struct Worker {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> tasks;
    bool stop = false;
  };
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < 2; ++i) workers.push_back(std::make_unique<Worker>());
  Broker b(2, [&](std::size_t w, std::function<void()> t) {
    std::lock_guard lock(workers[w]->mu);
    workers[w]->tasks.push_back(std::move(t));
    workers[w]->cv.notify_one();
  });
  struct Counter : Subscriber {
    std::vector<std::vector<int>> seen = std::vector<std::vector<int>>(2);
    void deliver(const Delivery& d) override {
      const int publisher = d.payload[0] - '0';
      seen[static_cast<std::size_t>(publisher)].push_back(std::stoi(std::string(d.payload.substr(2))));
    }
  };
  Counter s0, s1;
  b.attach(0, 1, &s0);
  b.attach(1, 2, &s1);
  b.subscribe(0, 1, Kind::kChannel, "c");
  b.subscribe(1, 2, Kind::kPattern, "*");
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      Worker& me = *workers[w];
      std::unique_lock lock(me.mu);
      while (true) {
        me.cv.wait(lock, [&] { return me.stop || !me.tasks.empty(); });
        if (me.tasks.empty() && me.stop) return;
        auto t = std::move(me.tasks.front());
        me.tasks.pop_front();
        lock.unlock();
        t();
        lock.lock();
      }
    });
  }
  constexpr int kMessages = 2000;
  std::atomic<int> receivers{0};
  std::vector<std::thread> publishers;
  for (int p = 0; p < 2; ++p) {
    publishers.emplace_back([&, p] {
      for (int i = 0; i < kMessages; ++i) {
        receivers += static_cast<int>(b.publish("c", std::to_string(p) + ":" + std::to_string(i)));
      }
    });
  }
  for (auto& t : publishers) t.join();
  for (auto& w : workers) {
    std::lock_guard lock(w->mu);
    w->stop = true;
    w->cv.notify_one();
  }
  for (auto& t : threads) t.join();
  CHECK(receivers == 2 * 2 * kMessages);
  for (Counter* c : {&s0, &s1}) {
    for (int p = 0; p < 2; ++p) {
      const auto& v = c->seen[static_cast<std::size_t>(p)];
      REQUIRE(v.size() == static_cast<std::size_t>(kMessages));
      CHECK(std::is_sorted(v.begin(), v.end()));  // each publisher's order kept
    }
  }
}
