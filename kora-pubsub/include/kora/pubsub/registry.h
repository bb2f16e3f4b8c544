#pragma once
// SubscriptionRegistry: who listens to what, for SUBSCRIBE / PSUBSCRIBE / PUBLISH /
// PUBSUB. It maps channels and glob patterns (Redis syntax, kora/core/glob.h) to
// subscriber ids; it never sees connections or messages. The server gives each
// connection an id and turns recipients into RESP pushes.
//
// Thread-safety: NONE, by contract. One instance belongs to one shard (worker) and
// is touched only by that shard's thread; a PUBLISH reaching other shards is a
// message to each of them (future work), never a shared registry.
//
// Delivery rule (as in Redis): a subscriber receives one delivery per matching
// subscription. Subscribed to channel "news" and to patterns "n*" and "*s", it
// receives three deliveries of a message published to "news": one plain message
// and one pmessage per pattern.
//
// Ordering: for_each_recipient() visits the channel's subscribers first, then the
// patterns in byte order, each pattern's subscribers in turn. Within one channel or
// pattern the order is deterministic for a given sequence of calls (subscription
// order, except that an unsubscribe moves the most recent subscriber into the
// freed place). Lists returned by the *_all() and channels() calls are sorted.
//
// Ownership: the registry copies channel and pattern names; callers keep nothing
// alive for it. Pointers it hands to callbacks are valid during the callback only.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kora/core/glob.h"

namespace kora::pubsub {

using SubscriberId = std::uint64_t;

namespace detail {

// The subscribers of one channel or pattern: a vector to iterate fast on publish,
// plus (once it is large) a position index so that removal stays O(1).
class Audience {
 public:
  bool add(SubscriberId sub);     // false when already present
  bool remove(SubscriberId sub);  // false when absent
  std::size_t size() const { return members_.size(); }
  bool empty() const { return members_.empty(); }
  const std::vector<SubscriberId>& members() const { return members_; }

 private:
  // Below this size a linear scan beats hashing and saves the index's memory.
  static constexpr std::size_t kIndexThreshold = 16;
  std::size_t find(SubscriberId sub) const;  // members_.size() when absent

  std::vector<SubscriberId> members_;
  std::unordered_map<SubscriberId, std::size_t> position_;  // empty below the threshold
};

// Transparent hash so that lookups take a std::string_view without a copy.
struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const;
};

}  // namespace detail

class SubscriptionRegistry {
 public:
  // What remove_subscriber() removed, each list sorted.
  struct Removed {
    std::vector<std::string> channels;
    std::vector<std::string> patterns;
  };

  // SUBSCRIBE: true when `sub` was not yet subscribed to `channel`. O(1) average
  // (plus O(log n) in the subscriber's own sorted set of n subscriptions).
  bool subscribe(SubscriberId sub, std::string_view channel);
  // UNSUBSCRIBE channel: true when `sub` was subscribed.
  bool unsubscribe(SubscriberId sub, std::string_view channel);
  // PSUBSCRIBE: true when `sub` was not yet subscribed to `pattern`.
  bool psubscribe(SubscriberId sub, std::string_view pattern);
  // PUNSUBSCRIBE pattern: true when `sub` was subscribed.
  bool punsubscribe(SubscriberId sub, std::string_view pattern);

  // UNSUBSCRIBE with no argument: drops every channel of `sub` (its patterns stay)
  // and returns them sorted; empty when it had none.
  std::vector<std::string> unsubscribe_all(SubscriberId sub);
  // PUNSUBSCRIBE with no argument: the same for patterns.
  std::vector<std::string> punsubscribe_all(SubscriberId sub);
  // A connection closed: drops all of `sub`'s channels and patterns.
  Removed remove_subscriber(SubscriberId sub);

  // Channels plus patterns of `sub`: the count Redis puts in (p)subscribe and
  // (p)unsubscribe replies. O(1).
  std::size_t subscription_count(SubscriberId sub) const;

  // PUBLISH: calls fn(SubscriberId, const std::string* pattern) once per delivery
  // (rule and order in the file comment); `pattern` is nullptr for a delivery through
  // the channel itself, else the matching pattern (for the pmessage reply). Returns
  // the number of deliveries, which is PUBLISH's reply.
  // `fn` must not modify the registry. Complexity: O(subscribers of channel +
  // number of patterns x glob cost + deliveries through patterns).
  template <typename Fn>
  std::size_t for_each_recipient(std::string_view channel, Fn&& fn) const;

  // PUBSUB NUMSUB channel: subscribers of `channel` (patterns not counted). O(1).
  std::size_t numsub(std::string_view channel) const;
  // PUBSUB NUMPAT: distinct patterns with at least one subscriber. O(1).
  std::size_t numpat() const { return patterns_.size(); }
  // PUBSUB CHANNELS [pattern]: channels with at least one subscriber (matching
  // `pattern`), sorted. O(channels x glob cost + result log result).
  std::vector<std::string> channels() const;
  std::vector<std::string> channels(std::string_view pattern) const;

  // Subscribers with at least one channel or pattern.
  std::size_t subscriber_count() const { return subscribers_.size(); }

 private:
  struct Subscriptions {
    std::set<std::string, std::less<>> channels;
    std::set<std::string, std::less<>> patterns;
  };
  using ChannelMap =
      std::unordered_map<std::string, detail::Audience, detail::NameHash, std::equal_to<>>;
  using PatternMap = std::map<std::string, detail::Audience, std::less<>>;

  // Shared bodies of the channel and pattern variants; `mine` selects the field of
  // Subscriptions that mirrors `map`.
  template <typename Map>
  bool add(Map& map, std::set<std::string, std::less<>> Subscriptions::*mine, SubscriberId sub,
           std::string_view name);
  template <typename Map>
  bool drop(Map& map, std::set<std::string, std::less<>> Subscriptions::*mine, SubscriberId sub,
            std::string_view name);
  template <typename Map>
  std::vector<std::string> drop_all(Map& map,
                                    std::set<std::string, std::less<>> Subscriptions::*mine,
                                    SubscriberId sub);
  void forget_if_idle(SubscriberId sub);

  ChannelMap channels_;
  PatternMap patterns_;
  std::unordered_map<SubscriberId, Subscriptions> subscribers_;
};

template <typename Fn>
std::size_t SubscriptionRegistry::for_each_recipient(std::string_view channel, Fn&& fn) const {
  std::size_t deliveries = 0;
  if (auto it = channels_.find(channel); it != channels_.end()) {
    const std::string* no_pattern = nullptr;
    for (SubscriberId sub : it->second.members()) {
      fn(sub, no_pattern);
      ++deliveries;
    }
  }
  for (const auto& [pattern, audience] : patterns_) {
    if (!core::glob_match(pattern, channel)) continue;
    for (SubscriberId sub : audience.members()) {
      fn(sub, &pattern);
      ++deliveries;
    }
  }
  return deliveries;
}

}  // namespace kora::pubsub
