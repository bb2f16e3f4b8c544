// PUBLISH-side cost of the registry: fan-out to many channel subscribers, and
// matching a channel against many patterns.

#include <benchmark/benchmark.h>

#include <string>

#include "kora/pubsub/registry.h"

namespace {

using kora::pubsub::SubscriberId;
using kora::pubsub::SubscriptionRegistry;

void BM_PublishFanOut(benchmark::State& state) {
  SubscriptionRegistry reg;
  auto n = static_cast<SubscriberId>(state.range(0));
  for (SubscriberId s = 0; s < n; ++s) reg.subscribe(s, "news");
  for (auto _ : state) {
    SubscriberId sum = 0;
    std::size_t deliveries =
        reg.for_each_recipient("news", [&](SubscriberId s, const std::string*) { sum += s; });
    benchmark::DoNotOptimize(sum);
    benchmark::DoNotOptimize(deliveries);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_PublishFanOut)->Arg(1000);

// 100 patterns of mixed shapes, one subscriber each; the published channel
// matches a few of them.
void BM_PublishPatterns(benchmark::State& state) {
  SubscriptionRegistry reg;
  auto n = static_cast<int>(state.range(0));
  for (int i = 0; i < n; ++i) {
    std::string id = std::to_string(i);
    switch (i % 4) {
      case 0:
        reg.psubscribe(static_cast<SubscriberId>(i), "user:" + id + ":*");
        break;
      case 1:
        reg.psubscribe(static_cast<SubscriberId>(i), "*:events:" + id);
        break;
      case 2:
        reg.psubscribe(static_cast<SubscriberId>(i), "shard?" + id + ".[a-m]*");
        break;
      default:
        reg.psubscribe(static_cast<SubscriberId>(i), "orders.*." + id);
        break;
    }
  }
  reg.psubscribe(1000, "user:*");
  const std::string channel = "user:40:profile-updated";
  for (auto _ : state) {
    std::size_t hits = reg.for_each_recipient(channel, [](SubscriberId, const std::string*) {});
    benchmark::DoNotOptimize(hits);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_PublishPatterns)->Arg(100);

void BM_SubscribeUnsubscribe(benchmark::State& state) {
  SubscriptionRegistry reg;
  for (SubscriberId s = 0; s < 1000; ++s) reg.subscribe(s, "busy");
  SubscriberId next = 1000;
  for (auto _ : state) {
    reg.subscribe(next, "busy");
    reg.unsubscribe(next, "busy");
    ++next;
  }
}
BENCHMARK(BM_SubscribeUnsubscribe);

}  // namespace

// The publisher's side of Broker::publish: the directory lookup under its
// shared lock, with no receiver (the common case for keyspace notifications
// nobody listens to) and with receivers on two workers (one task each).
#include <functional>

#include "kora/pubsub/broker.h"

namespace {

void BM_BrokerPublishNoReceiver(benchmark::State& state) {
  kora::pubsub::Broker b(2, [](std::size_t, std::function<void()>) {});
  for (auto _ : state) benchmark::DoNotOptimize(b.publish("__keyspace@0__:k", "set"));
}
BENCHMARK(BM_BrokerPublishNoReceiver);

void BM_BrokerPublishTwoWorkers(benchmark::State& state) {
  std::size_t posted = 0;
  kora::pubsub::Broker b(2, [&](std::size_t, std::function<void()>) { ++posted; });
  struct Null : kora::pubsub::Subscriber {
    void deliver(const kora::pubsub::Delivery&) override {}
  } sub;
  for (kora::pubsub::SubscriberId i = 0; i < static_cast<kora::pubsub::SubscriberId>(state.range(0)); ++i) {
    const std::size_t w = i % 2;
    b.attach(w, i, &sub);
    b.subscribe(w, i, kora::pubsub::Kind::kChannel, "news");
  }
  for (auto _ : state) benchmark::DoNotOptimize(b.publish("news", "payload"));
  benchmark::DoNotOptimize(posted);
}
BENCHMARK(BM_BrokerPublishTwoWorkers)->Arg(1)->Arg(10000);

}  // namespace
