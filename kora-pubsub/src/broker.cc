#include "kora/pubsub/broker.h"

#include <algorithm>
#include <mutex>

#include "kora/core/glob.h"

namespace kora::pubsub {

// ---------------------------------------------------------------- Directory

void Directory::add(Kind kind, std::string_view name, std::size_t w) {
  std::unique_lock lock(mu_);
  Map& map = map_of(kind);
  auto it = map.find(name);
  if (it == map.end()) {
    it = map.emplace(std::string(name), Counts{}).first;
    it->second.per_worker.assign(workers_, 0);
  }
  ++it->second.total;
  ++it->second.per_worker[w];
}

void Directory::remove(Kind kind, std::string_view name, std::size_t w) {
  std::unique_lock lock(mu_);
  Map& map = map_of(kind);
  auto it = map.find(name);
  if (it == map.end() || it->second.per_worker[w] == 0) return;
  --it->second.per_worker[w];
  if (--it->second.total == 0) map.erase(it);
}

std::size_t Directory::route(std::string_view channel, bool shard,
                             std::vector<unsigned char>& workers) const {
  workers.assign(workers_, 0);
  std::size_t receivers = 0;
  auto mark = [&](const Counts& c) {
    receivers += c.total;
    for (std::size_t w = 0; w < workers_; ++w) {
      if (c.per_worker[w] != 0) workers[w] = 1;
    }
  };
  std::shared_lock lock(mu_);
  const Map& map = shard ? shard_ : channels_;
  if (auto it = map.find(channel); it != map.end()) mark(it->second);
  if (!shard) {
    for (const auto& [pattern, counts] : patterns_) {
      if (core::glob_match(pattern, channel)) mark(counts);
    }
  }
  return receivers;
}

std::size_t Directory::numsub(std::string_view channel, bool shard) const {
  std::shared_lock lock(mu_);
  const Map& map = shard ? shard_ : channels_;
  auto it = map.find(channel);
  return it == map.end() ? 0 : it->second.total;
}

std::size_t Directory::numpat() const {
  std::shared_lock lock(mu_);
  return patterns_.size();
}

std::size_t Directory::count(Kind kind) const {
  std::shared_lock lock(mu_);
  return map_of(kind).size();
}

std::vector<std::string> Directory::channels(std::optional<std::string_view> pattern, bool shard) const {
  std::vector<std::string> out;
  {
    std::shared_lock lock(mu_);
    const Map& map = shard ? shard_ : channels_;
    for (const auto& [name, counts] : map) {
      if (!pattern || core::glob_match(*pattern, name)) out.push_back(name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ---------------------------------------------------------------- Broker

Broker::Broker(std::size_t workers, Post post) : post_(std::move(post)), directory_(workers) {
  locals_.reserve(workers);
  for (std::size_t w = 0; w < workers; ++w) locals_.push_back(std::make_unique<Local>());
}

void Broker::attach(std::size_t w, SubscriberId id, Subscriber* sub) { locals_[w]->subscribers[id] = sub; }

void Broker::detach(std::size_t w, SubscriberId id) {
  Local& l = *locals_[w];
  if (l.subscribers.erase(id) == 0) return;
  SubscriptionRegistry::Removed r = l.regular.remove_subscriber(id);
  for (const auto& c : r.channels) directory_.remove(Kind::kChannel, c, w);
  for (const auto& p : r.patterns) directory_.remove(Kind::kPattern, p, w);
  for (const auto& c : l.sharded.unsubscribe_all(id)) directory_.remove(Kind::kShardChannel, c, w);
}

bool Broker::subscribe(std::size_t w, SubscriberId id, Kind kind, std::string_view name) {
  Local& l = *locals_[w];
  const bool added = kind == Kind::kChannel   ? l.regular.subscribe(id, name)
                     : kind == Kind::kPattern ? l.regular.psubscribe(id, name)
                                              : l.sharded.subscribe(id, name);
  if (added) directory_.add(kind, name, w);
  return added;
}

bool Broker::unsubscribe(std::size_t w, SubscriberId id, Kind kind, std::string_view name) {
  Local& l = *locals_[w];
  const bool removed = kind == Kind::kChannel   ? l.regular.unsubscribe(id, name)
                       : kind == Kind::kPattern ? l.regular.punsubscribe(id, name)
                                                : l.sharded.unsubscribe(id, name);
  if (removed) directory_.remove(kind, name, w);
  return removed;
}

std::vector<std::string> Broker::unsubscribe_all(std::size_t w, SubscriberId id, Kind kind) {
  Local& l = *locals_[w];
  std::vector<std::string> names = kind == Kind::kChannel   ? l.regular.unsubscribe_all(id)
                                   : kind == Kind::kPattern ? l.regular.punsubscribe_all(id)
                                                            : l.sharded.unsubscribe_all(id);
  for (const auto& n : names) directory_.remove(kind, n, w);
  return names;
}

std::size_t Broker::subscriptions(std::size_t w, SubscriberId id) const {
  return locals_[w]->regular.subscription_count(id);
}

std::size_t Broker::shard_subscriptions(std::size_t w, SubscriberId id) const {
  return locals_[w]->sharded.subscription_count(id);
}

std::size_t Broker::publish(std::string_view channel, std::string_view payload, bool shard) {
  thread_local std::vector<unsigned char> workers;
  const std::size_t receivers = directory_.route(channel, shard, workers);
  if (receivers == 0) return 0;
  auto msg = std::make_shared<const Message>(Message{std::string(channel), std::string(payload), shard});
  for (std::size_t w = 0; w < workers.size(); ++w) {
    if (workers[w]) post_(w, [this, w, msg] { deliver_local(w, *msg); });
  }
  return receivers;
}

void Broker::deliver_local(std::size_t w, const Message& m) {
  Local& l = *locals_[w];
  const SubscriptionRegistry& reg = m.shard ? l.sharded : l.regular;
  reg.for_each_recipient(m.channel, [&](SubscriberId id, const std::string* pattern) {
    auto it = l.subscribers.find(id);
    if (it == l.subscribers.end()) return;
    Delivery d;
    d.kind = m.shard ? Kind::kShardChannel : pattern ? Kind::kPattern : Kind::kChannel;
    if (pattern) d.pattern = *pattern;
    d.channel = m.channel;
    d.payload = m.payload;
    it->second->deliver(d);
  });
}

}  // namespace kora::pubsub
