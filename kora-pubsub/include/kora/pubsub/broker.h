#pragma once
// Broker: pub/sub across worker threads. Subscribers live on workers (a server
// connection lives on the worker that accepted it); a message published on any
// thread reaches every matching subscriber on every worker.
//
// How a message travels (see README.md for why):
//   - Each worker has its own SubscriptionRegistry (channels + patterns) and its
//     own registry of shard channels (SSUBSCRIBE), touched only by that worker.
//   - A process-wide Directory counts, per channel / pattern / shard channel, the
//     subscribers on each worker. Subscribing updates the worker's registry and
//     the directory before the confirmation is sent, so a PUBLISH that follows
//     it from any client sees the subscriber.
//   - publish() reads the directory (shared lock, no allocation on a miss),
//     sums the receivers (PUBLISH's reply), and posts ONE task per worker that
//     has a receiver, carrying one shared copy of the message. That worker fans
//     it out to its local subscribers. The publisher's cost is O(workers +
//     patterns), never O(subscribers).
//   - Order: tasks posted from one thread to one worker run in the order posted,
//     so a publisher's messages reach each subscriber in publish order.
//
// Thread-safety: publish(), numsub(), numpat(), channels() from any thread. The
// per-worker calls (attach, subscribe...) only on worker `w`, for subscribers of
// worker `w`. Subscriber::deliver runs on the subscriber's worker.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kora/pubsub/registry.h"

namespace kora::pubsub {

// What a subscription names: a channel (SUBSCRIBE), a glob pattern (PSUBSCRIBE)
// or a shard channel (SSUBSCRIBE, its own namespace, no patterns).
enum class Kind : unsigned char { kChannel, kPattern, kShardChannel };

// One delivery to one subscriber. Views valid during Subscriber::deliver only.
struct Delivery {
  Kind kind = Kind::kChannel;     // kChannel: "message", kPattern: "pmessage", kShardChannel: "smessage"
  std::string_view pattern{};     // kPattern only: the matching pattern
  std::string_view channel{};
  std::string_view payload{};
};

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // Called on the subscriber's worker, once per delivery. Must not call back
  // into the Broker's subscribe/unsubscribe for this worker.
  virtual void deliver(const Delivery& d) = 0;
};

// Counts of subscribers per worker for channels, patterns and shard channels.
// Thread-safe (a reader-writer lock: publish and PUBSUB read, subscribe writes).
class Directory {
 public:
  explicit Directory(std::size_t workers) : workers_(workers) {}

  // +1 / -1 subscriber of `name` on worker `w`.
  void add(Kind kind, std::string_view name, std::size_t w);
  void remove(Kind kind, std::string_view name, std::size_t w);

  // Receivers of a message on `channel` (plus the patterns matching it unless
  // `shard`), and which workers have one (`workers[w]` set to 1). O(1) for the
  // channel + O(patterns x glob).
  std::size_t route(std::string_view channel, bool shard, std::vector<unsigned char>& workers) const;

  std::size_t numsub(std::string_view channel, bool shard) const;
  std::size_t numpat() const;
  // Channels (kChannel), patterns (kPattern) or shard channels with a
  // subscriber: INFO's pubsub_channels / pubsub_patterns / pubsubshard_channels.
  std::size_t count(Kind kind) const;
  // Channels (or shard channels) with a subscriber, matching `pattern` if set; sorted.
  std::vector<std::string> channels(std::optional<std::string_view> pattern, bool shard) const;

 private:
  struct Counts {
    std::size_t total = 0;
    std::vector<std::uint32_t> per_worker;
  };
  using Map = std::unordered_map<std::string, Counts, detail::NameHash, std::equal_to<>>;
  Map& map_of(Kind kind) { return kind == Kind::kChannel ? channels_ : kind == Kind::kPattern ? patterns_ : shard_; }
  const Map& map_of(Kind kind) const {
    return kind == Kind::kChannel ? channels_ : kind == Kind::kPattern ? patterns_ : shard_;
  }

  std::size_t workers_;
  mutable std::shared_mutex mu_;
  Map channels_, patterns_, shard_;
};

class Broker {
 public:
  // post(w, task) runs `task` on worker w, tasks from one thread in order.
  using Post = std::function<void(std::size_t worker, std::function<void()> task)>;

  Broker(std::size_t workers, Post post);
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  std::size_t workers() const { return locals_.size(); }

  // --- on worker `w` only ---
  // Makes `sub` (owned by the caller, alive until detach) reachable as `id`.
  void attach(std::size_t w, SubscriberId id, Subscriber* sub);
  // Drops every subscription of `id` and forgets it. Idempotent.
  void detach(std::size_t w, SubscriberId id);
  // True when `id` was not yet subscribed to `name` of `kind`.
  bool subscribe(std::size_t w, SubscriberId id, Kind kind, std::string_view name);
  // True when `id` was subscribed.
  bool unsubscribe(std::size_t w, SubscriberId id, Kind kind, std::string_view name);
  // Drops every subscription of `kind` of `id`; returns their names, sorted.
  std::vector<std::string> unsubscribe_all(std::size_t w, SubscriberId id, Kind kind);
  // Channels + patterns of `id` (what SUBSCRIBE/PSUBSCRIBE replies count).
  std::size_t subscriptions(std::size_t w, SubscriberId id) const;
  // Shard channels of `id` (what SSUBSCRIBE replies count).
  std::size_t shard_subscriptions(std::size_t w, SubscriberId id) const;

  // --- any thread ---
  // PUBLISH / SPUBLISH: the number of receivers; the deliveries run on the
  // receivers' workers afterwards.
  std::size_t publish(std::string_view channel, std::string_view payload, bool shard = false);
  const Directory& directory() const { return directory_; }

 private:
  struct Message {
    std::string channel;
    std::string payload;
    bool shard;
  };
  struct alignas(64) Local {
    SubscriptionRegistry regular;
    SubscriptionRegistry sharded;
    std::unordered_map<SubscriberId, Subscriber*> subscribers;
  };
  void deliver_local(std::size_t w, const Message& m);

  Post post_;
  Directory directory_;
  std::vector<std::unique_ptr<Local>> locals_;
};

}  // namespace kora::pubsub
